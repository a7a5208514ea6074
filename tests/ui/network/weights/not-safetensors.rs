nn::network! {
    #[weights("fixtures/corrupt.safetensors")] //~ ERROR is not a valid safetensors file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
