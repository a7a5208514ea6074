nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, 3, strides = 2, relu), //~ ERROR unknown option `strides` of `conv2d`
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
