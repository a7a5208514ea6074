nn::network! {
    #[weights(net.safetensors)] //~ ERROR expected the weights file's path as a string
    struct Net {
        input: 2,
        output: dense(2),
    }
}

fn main() {}
