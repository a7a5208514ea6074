nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: huber(-1.0), //~ ERROR the delta of `huber` must be positive, found -1.0
    }
}

fn main() {}
