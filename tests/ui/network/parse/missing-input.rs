nn::network! {
    struct Net { //~ ERROR network `Net` has no input width
        hidden: dense(8, relu),
        output: dense(2),
    }
}

fn main() {}
