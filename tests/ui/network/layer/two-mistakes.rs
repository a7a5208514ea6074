nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, rellu), //~ ERROR unknown activation `rellu`
        output: dense(7 -> 2), //~ ERROR shape mismatch
    }
}

fn main() {}
