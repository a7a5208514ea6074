nn::network! {
    #[weights = "net.safetensors"] //~ ERROR expected `#[weights("path/to/file.safetensors")]`
    struct Net {
        input: 2,
        output: dense(2),
    }
}

fn main() {}
