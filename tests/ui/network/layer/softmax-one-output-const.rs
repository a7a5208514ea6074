const CLASSES: usize = 1;

nn::network! {
    struct Net {
        input: 4,
        output: dense(CLASSES, softmax), //~ ERROR `softmax` needs at least 2 outputs, but layer `output` has `CLASSES`
    }
}

fn main() {}
