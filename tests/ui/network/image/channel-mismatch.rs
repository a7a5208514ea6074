nn::network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(3 -> 8, 3, relu), //~ ERROR channel mismatch: layer `conv` takes 3 input channels, but the network's `input` before it has 1
        flat: flatten,
        out: dense(10),
    }
}

fn main() {}
