nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int4, calibration = "fixtures/calibration.safetensors")] //~ ERROR unknown quantization `int4`
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
