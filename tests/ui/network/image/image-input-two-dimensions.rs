nn::network! {
    struct Net {
        input: [28, 28], //~ ERROR an image input is `[CHANNELS, HEIGHT, WIDTH]`
        out: dense(2),
    }
}

fn main() {}
