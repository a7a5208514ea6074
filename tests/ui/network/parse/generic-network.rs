nn::network! {
    struct Net<T> { //~ ERROR expected `{` and the network's entries after `Net`, found `<`
        input: 4,
        output: dense(2),
    }
}

fn main() {}
