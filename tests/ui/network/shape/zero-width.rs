nn::network! {
    struct Net {
        input: 4,
        hidden: dense(0, relu), //~ ERROR width of layer `hidden` must be at least 1, found 0
        output: dense(2),
    }
}

fn main() {}
