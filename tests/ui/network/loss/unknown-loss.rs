nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: cross_entropy, //~ ERROR unknown loss `cross_entropy`
    }
}

fn main() {}
