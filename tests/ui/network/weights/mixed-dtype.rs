nn::network! {
    #[weights("fixtures/mixed-dtype.safetensors")] //~ ERROR expected one dtype for the whole file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
