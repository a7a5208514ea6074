nn::network! {
    struct Net {
        input: 4,
        output: dense(3 -> 2), //~ ERROR shape mismatch: layer `output` takes 3 inputs, but the network's `input` before it produces 4
    }
}

fn main() {}
