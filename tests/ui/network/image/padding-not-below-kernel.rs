nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, 3, padding = 3, relu), //~ ERROR the padding 3 of layer `conv` is not smaller than its kernel 3
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
