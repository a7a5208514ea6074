// The new rows of the vocabulary go through the same parameter checks as
// the old ones: a count that does not match, and a value that is no `f32`.
nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, elu(1.0, 2.0)), //~ ERROR `elu` takes 1 parameter (alpha), found 2
        other: dense(8, elu(1e999)), //~ ERROR the alpha of `elu` must be finite
        deep: dense(8, gelu(0.5)), //~ ERROR `gelu` takes no parameters, found 1
        output: dense(2),
    }
}

fn main() {}
