nn::network! {
    #[weights("fixtures/tiny.safetensors", rename(hidden = "0"))] //~ ERROR expected `layers(LAYER = "NAME", ...)`, `optional`, `quantize = int8` or `calibration = "PATH"` after the path
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
