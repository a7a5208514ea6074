const HIDDEN: usize = 4;

nn::network! {
    #[weights("fixtures/tiny.safetensors")]
    struct Net {
        input: 2,
        hidden: dense(HIDDEN, relu), //~ ERROR shape mismatch: layer `hidden` has weight [HIDDEN, 2], but `hidden.weight` in
        output: dense(2),
    }
}

fn main() {}
