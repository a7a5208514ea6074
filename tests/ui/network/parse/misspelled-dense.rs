nn::network! {
    struct Net {
        input: 4,
        hidden: dens(8, relu), //~ ERROR expected the layer kind `dense`
        output: dense(2),
    }
}

fn main() {}
