// The file's `hidden` has 3 outputs: both of its tensors and `output.weight` disagree.
nn::network! {
    #[weights("fixtures/tiny.safetensors")]
    struct Net {
        input: 2,
        hidden: dense(4, relu), //~ ERROR shape mismatch: layer `hidden` has weight [4, 2], but `hidden.weight` in
        output: dense(2), //~ ERROR shape mismatch: layer `output` has weight [2, 4], but `output.weight` in
    }
}

fn main() {}
