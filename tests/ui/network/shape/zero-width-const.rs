const HIDDEN: usize = 0;

nn::network! {
    struct Net {
        input: 4,
        hidden: dense(HIDDEN, relu), //~ ERROR width of layer `hidden` must be at least 1, but `HIDDEN` is 0
        output: dense(2),
    }
}

fn main() {}
