nn::network! {
    struct Net {
        input: 4,
        hidden: dens(8, relu), //~ ERROR did you mean `dense`?
        output: dense(2),
    }
}

fn main() {}
