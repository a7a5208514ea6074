nn::network! {
    struct Net {
        input: 4,
        hidden1: dense(16, relu),
        hidden2: dense(15 -> 8, relu), //~ ERROR shape mismatch: layer `hidden2` takes 15 inputs, but layer `hidden1` before it produces 16
        output: dense(2),
    }
}

fn main() {}
