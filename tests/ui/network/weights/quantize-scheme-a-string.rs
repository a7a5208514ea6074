nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = "int8", calibration = "fixtures/calibration.safetensors")] //~ ERROR expected a quantization scheme
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
