// The input width also types the generated methods' parameters.
const FEATURES: u32 = 4;

nn::network! {
    struct Net {
        input: FEATURES, //~ ERROR mismatched types
        output: dense(2),
        loss: squared_error,
    }
}

fn main() {}
