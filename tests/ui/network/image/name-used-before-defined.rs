nn::network! {
    struct Net {
        input: 4,
        a: dense(4, relu),
        b: add(a, c), //~ ERROR layer `b` reads `c`, which is defined below it
        c: dense(4, relu, from = a),
        out: dense(2, from = b),
    }
}

fn main() {}
