nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, relu),
        hidden: dense(8, relu), //~ ERROR layer name `hidden` is used twice
        output: dense(2),
    }
}

fn main() {}
