nn::network! {
    struct Net {
        input: 4,
        hidden: dense(HIDDEN, relu), //~ ERROR cannot find value `HIDDEN` in this scope
        output: dense(2),
    }
}

fn main() {}
