nn::network! {
    // The file names `output.bias` twice; which entry is meant cannot be told.
    #[weights("fixtures/duplicate-tensor.safetensors")] //~ ERROR appears twice
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
