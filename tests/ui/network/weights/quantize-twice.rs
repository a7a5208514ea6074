nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8, quantize = int8, calibration = "fixtures/calibration.safetensors")] //~ ERROR `quantize` is given twice
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
