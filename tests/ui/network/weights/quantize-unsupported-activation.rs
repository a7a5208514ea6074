nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8, calibration = "fixtures/calibration.safetensors")]
    struct Net {
        input: 2,
        hidden: dense(3, tanh), //~ ERROR layer `hidden` has activation `tanh`, which has no int8 form
        output: dense(2),
    }
}

fn main() {}
