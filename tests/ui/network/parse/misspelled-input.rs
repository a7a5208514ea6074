nn::network! {
    struct Net {
        inptu: 4, //~ ERROR did you mean `input: ...`?
        output: dense(2),
    }
}

fn main() {}
