// The run-time loaders take `LayerName { layer, file }`, in the order of
// `#[weights("PATH", layers(LAYER = "FILE"))]`: a `(file, layer)` pair of the
// old API must not compile, since it would now read the wrong way round.
nn::network! {
    struct Net {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

fn main() {
    let _ = nn::io::load_safetensors_mapped::<Net<f32>, _>(
        "net.safetensors",
        &[("0", "hidden")], //~ ERROR mismatched types
    );
}
