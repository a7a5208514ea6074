nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, 3, relu),
        pool: max_pool(2), //~ ERROR the last layer `pool` is the network's output, but `max_pool` has no activation for a loss to read
    }
}

fn main() {}
