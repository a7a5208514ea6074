nn::network! {
    struct Net {
        input: 4 //~ ERROR expected `,` after this entry
        output: dense(2),
    }
}

fn main() {}
