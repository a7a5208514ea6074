nn::network! {
    #[weights("fixtures/f16.safetensors")] //~ ERROR has dtype F16 (and 3 more tensors); expected F32 (for a `Net<f32>`) or F64
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
