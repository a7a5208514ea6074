// `optional` excuses a missing file only: one that exists is checked in full.
nn::network! {
    #[weights("fixtures/tiny.safetensors", optional)]
    struct Net {
        input: 2,
        hidden: dense(4, relu), //~ ERROR shape mismatch: layer `hidden` has weight [4, 2], but `hidden.weight` in
        output: dense(2), //~ ERROR shape mismatch: layer `output` has weight [2, 4], but `output.weight` in
    }
}

fn main() {}
