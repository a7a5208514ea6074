nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, 3, stride = 2, stride = 1), //~ ERROR `stride` is given twice
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
