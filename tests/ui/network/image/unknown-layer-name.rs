nn::network! {
    struct Net {
        input: 4,
        hidden1: dense(4, relu),
        hidden2: dense(4, relu),
        out: dense(2, from = hiden1), //~ ERROR unknown layer `hiden1` in layer `out`
    }
}

fn main() {}
