nn::network! {
    struct Net {
        input: 4,
        loss: dense(3), //~ ERROR `loss` is a reserved entry, not a layer name
    }
}

fn main() {}
