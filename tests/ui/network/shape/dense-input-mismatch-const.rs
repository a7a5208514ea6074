const IN: usize = 4;
const HIDDEN: usize = 16;
const NARROW: usize = 15;

nn::network! {
    struct Net {
        input: IN,
        hidden1: dense(HIDDEN, relu),
        hidden2: dense(NARROW -> 8, relu), //~ ERROR shape mismatch: layer `hidden2` takes `NARROW` inputs, but layer `hidden1` before it produces `HIDDEN`
        output: dense(2),
    }
}

fn main() {}
