nn::network! {
    struct Net {
        input: 4,
        output: dense(1),
        loss: multiclass_hinge(1.0), //~ ERROR `multiclass_hinge` needs at least 2 outputs
    }
}

fn main() {}
