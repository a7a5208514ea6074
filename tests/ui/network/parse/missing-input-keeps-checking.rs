// A missing `input` does not hide the other mistakes in the spec.
nn::network! {
    struct Net { //~ ERROR network `Net` has no input width
        hidden: dense(8, rellu), //~ ERROR unknown activation `rellu`
        output: dense(2),
    }
}

fn main() {}
