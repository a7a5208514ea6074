nn::network! {
    struct Net {
        input: 4
        output: dense(2), //~ ERROR expected `,`
    }
}

fn main() {}
