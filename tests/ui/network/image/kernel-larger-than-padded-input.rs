nn::network! {
    struct Net {
        input: [1, 3, 3],
        conv: conv2d(2, 6, padding = 1, relu), //~ ERROR the kernel 6×6 of layer `conv` is larger than the padded input 5×5
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
