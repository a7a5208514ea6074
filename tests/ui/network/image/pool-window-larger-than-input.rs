nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, 5, relu),
        pool: max_pool(5), //~ ERROR the window 5×5 of layer `pool` is larger than its input 4×4
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
