nn::network! {
    #[weights("fixtures/tiny.safetensors", calibration = "fixtures/calibration.safetensors")] //~ ERROR `calibration` sets the activation scales of a quantized network
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
