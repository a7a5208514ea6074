nn::network! {
    struct Net {
        input: [1, 8, 8],
        a: conv2d(4, 3, padding = 1, relu),
        b: max_pool(2),
        both: concat(a, b), //~ ERROR shape mismatch: `concat` in layer `both` joins layer `a` (an image [4, 8, 8]) and layer `b` (an image [4, 4, 4])
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
