nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv(2, 3, relu), //~ ERROR did you mean `conv2d`?
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
