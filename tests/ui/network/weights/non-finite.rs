nn::network! {
    #[weights("fixtures/nan.safetensors")]
    struct Net {
        input: 2,
        hidden: dense(3, relu), //~ ERROR tensor `hidden.weight` in
        output: dense(2),
    }
}

fn main() {}
