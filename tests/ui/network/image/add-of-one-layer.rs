nn::network! {
    struct Net {
        input: 4,
        a: dense(4, relu),
        b: add(a), //~ ERROR `add` joins two or more layers, found one
        out: dense(2),
    }
}

fn main() {}
