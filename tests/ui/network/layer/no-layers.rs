nn::network! {
    struct Net { //~ ERROR network `Net` has no layers
        input: 4,
        loss: squared_error,
    }
}

fn main() {}
