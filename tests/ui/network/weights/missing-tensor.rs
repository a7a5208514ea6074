nn::network! {
    #[weights("fixtures/no-output-bias.safetensors")]
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2), //~ ERROR layer `output` has no bias in
    }
}

fn main() {}
