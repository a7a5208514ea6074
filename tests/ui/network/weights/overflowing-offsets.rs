nn::network! {
    // Every offset in the file fits in 64 bits, but the last tensor would end
    // past the largest possible file.
    #[weights("fixtures/overflowing-offsets.safetensors")] //~ ERROR past the largest possible file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
