nn::network! {
    #[weights("fixtures/extra-tensor.safetensors")] //~ ERROR unexpected tensor `output.scale`
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
