nn::network! {
    struct Net {
        input: 784,
        conv: conv2d(8, 3, relu), //~ ERROR `conv2d` needs an image [CHANNELS, HEIGHT, WIDTH], but the network's `input` before layer `conv` is a vector of 784 values
        flat: flatten,
        out: dense(10),
    }
}

fn main() {}
