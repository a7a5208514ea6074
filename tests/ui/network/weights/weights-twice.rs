nn::network! {
    #[weights("../../../../tests/ui/network/weights/fixtures/tiny.safetensors")]
    #[weights("../../../../tests/ui/network/weights/fixtures/tiny-f64.safetensors")] //~ ERROR `#[weights(..)]` is given twice
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
