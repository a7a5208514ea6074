const IN: usize = 3;

nn::network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(IN -> 8, 3, relu), //~ ERROR channel mismatch: layer `conv` takes IN input channels, but the network's `input` before it has 1
        flat: flatten,
        out: dense(10),
    }
}

fn main() {}
