const CLASSES: usize = 1;

nn::network! {
    struct Net {
        input: 4,
        output: dense(CLASSES),
        loss: multiclass_hinge(1.0), //~ ERROR `multiclass_hinge` needs at least 2 outputs, but layer `output` has `CLASSES`; for one output use `hinge`
    }
}

fn main() {}
