nn::network! {
    #[weights("fixtures/tiny.safetensors", optional, optional)] //~ ERROR `optional` is given twice
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
