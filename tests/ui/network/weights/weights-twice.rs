nn::network! {
    #[weights("fixtures/tiny.safetensors")]
    #[weights("fixtures/tiny-f64.safetensors")] //~ ERROR `#[weights(..)]` is given twice
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
