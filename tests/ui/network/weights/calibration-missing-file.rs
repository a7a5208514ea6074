nn::network! {
    #[weights("fixtures/tiny.safetensors", quantize = int8, calibration = "fixtures/no-such-calibration.safetensors")] //~ ERROR cannot read calibration file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
