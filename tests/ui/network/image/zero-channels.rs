nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(0, 3, relu), //~ ERROR the output channels of `conv2d` must be at least 1, found 0
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
