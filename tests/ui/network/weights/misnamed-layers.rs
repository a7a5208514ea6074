// Both layers are named otherwise than in the file: each misses its tensors,
// and each of the file's tensors is unexpected; one build shows every error.
nn::network! {
    #[weights("fixtures/tiny.safetensors")] //~ ERROR unexpected tensor `hidden.bias`
    struct Net {
        input: 2,
        layer1: dense(3, relu), //~ ERROR layer `layer1` has no weight
        output: dense(2),
    }
}

fn main() {}
