nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: huber, //~ ERROR `huber` needs its delta
    }
}

fn main() {}
