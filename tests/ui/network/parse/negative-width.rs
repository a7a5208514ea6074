nn::network! {
    struct Net {
        input: 4,
        hidden: dense(-8, relu), //~ ERROR expected a width
        output: dense(2),
    }
}

fn main() {}
