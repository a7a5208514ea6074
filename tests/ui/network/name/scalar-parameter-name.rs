nn::network! {
    struct T { //~ ERROR network name `T` is also the name of the network's scalar type parameter
        input: 2,
        output: dense(1),
    }
}

fn main() {}
