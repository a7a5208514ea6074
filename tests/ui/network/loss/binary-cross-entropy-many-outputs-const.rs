const CLASSES: usize = 3;

nn::network! {
    struct Net {
        input: 4,
        output: dense(CLASSES),
        loss: binary_cross_entropy, //~ ERROR `binary_cross_entropy` needs exactly 1 output, but layer `output` has `CLASSES`
    }
}

fn main() {}
