nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8)] //~ ERROR `quantize = int8` needs sample inputs
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
