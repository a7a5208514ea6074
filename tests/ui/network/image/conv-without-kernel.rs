nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2), //~ ERROR expected `,` and the kernel size
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
