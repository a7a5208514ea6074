nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8, calibration = "fixtures/calibration-misnamed.safetensors")] //~ ERROR has no tensor `input`
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
