nn::network! {
    struct Net {
        input: 4,
        output: dense(4 -> 2 relu), //~ ERROR expected `,` or `)` after the output width, found `relu`
    }
}

fn main() {}
