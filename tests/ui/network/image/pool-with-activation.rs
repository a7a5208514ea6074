nn::network! {
    struct Net {
        input: [1, 8, 8],
        pool: max_pool(2, relu), //~ ERROR `max_pool` has no activation
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
