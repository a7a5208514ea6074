nn::network! {
    struct Net {
        input: 4,
        a: dense(4, relu, from = b), //~ ERROR layer `a` reads `b`, which is defined below it: that would make a cycle
        b: dense(4, relu, from = a),
        out: dense(2),
    }
}

fn main() {}
