const CHANNELS: usize = 8;

nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(CHANNELS, 3, relu), //~ ERROR expected the output channels of `conv2d` as an integer literal, found `CHANNELS`
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
