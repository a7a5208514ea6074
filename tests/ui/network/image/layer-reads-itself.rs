nn::network! {
    struct Net {
        input: 4,
        a: dense(4, relu),
        b: add(a, b), //~ ERROR layer `b` reads itself, which would make a cycle
        out: dense(2),
    }
}

fn main() {}
