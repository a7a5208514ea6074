nn::network! {
    struct Net {
        input: [1, 8, 8],
        a: conv2d(4, 3, padding = 1, relu),
        b: conv2d(3, 3, padding = 1, relu),
        sum: add(a, b), //~ ERROR shape mismatch: `add` in layer `sum` joins layer `a` (an image [4, 8, 8]) and layer `b` (an image [3, 8, 8])
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
