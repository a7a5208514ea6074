nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8, calibration = "fixtures/calibration-wide.safetensors")] //~ ERROR has shape [4, 3]; expected [samples, 2]
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
