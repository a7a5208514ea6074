// `r#a` and `a` name the same field.
nn::network! {
    struct Net {
        input: 4,
        a: dense(8, relu),
        r#a: dense(8, relu), //~ ERROR layer name `a` is used twice
        output: dense(2),
    }
}

fn main() {}
