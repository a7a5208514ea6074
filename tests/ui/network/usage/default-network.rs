//! A network has no `Default`: an all-zero network does not train, so the
//! choice between `init(seed)` and `zeros()` is spelled out.
nn::network! {
    struct Net {
        input: 2,
        output: dense(1),
    }
}

fn main() {
    let _: Net = Default::default(); //~ ERROR the trait bound `Net: Default` is not satisfied
}
