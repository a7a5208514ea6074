nn::network! {
    #[weights("fixtures/missing.safetensors")] //~ ERROR cannot read weights file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
