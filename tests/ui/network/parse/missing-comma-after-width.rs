nn::network! {
    struct Net {
        input: 4,
        output: dense(2 sigmoid), //~ ERROR expected one of `->`, `,` or `)`
    }
}

fn main() {}
