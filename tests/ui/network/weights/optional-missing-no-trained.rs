// An `optional` file that does not exist gives no `TRAINED`: code that must
// build before training reads `BAKED`, which is `None` until then.
nn::network! {
    #[weights("fixtures/not-trained-yet.safetensors", optional)]
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {
    let _: Option<Net<f32>> = Net::BAKED;
    let _ = Net::<f32>::TRAINED; //~ ERROR no associated item named `TRAINED` found
}
