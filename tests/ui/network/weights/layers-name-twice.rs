nn::network! {
    #[weights("fixtures/tiny.safetensors", layers(hidden = "hidden", output = "hidden"))] //~ ERROR `"hidden"` names two layers
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
