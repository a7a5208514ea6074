nn::network! {
    #[weights("fixtures/tiny.safetensors", layers(hidden = "hidden", hiden = "output"))] //~ ERROR `hiden` in `layers(..)` is not a layer of `Net`
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
