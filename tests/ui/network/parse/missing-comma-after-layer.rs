nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, relu) //~ ERROR expected `,` after this layer
        output: dense(2),
    }
}

fn main() {}
