// Paths are relative to CARGO_MANIFEST_DIR, which for trybuild's cases is
// target/tests/trybuild/nn: hence the `../../../..` in this folder's cases.
nn::network! {
    #[weights("../../../../tests/ui/network/weights/fixtures/missing.safetensors")] //~ ERROR cannot read weights file
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {}
