const WIDE: usize = 4;
const NARROW: usize = 3;

nn::network! {
    struct Net {
        input: [1, 8, 8],
        a: conv2d(WIDE, 3, padding = 1, relu),
        b: conv2d(NARROW, 3, padding = 1, relu, from = input),
        sum: add(a, b), //~ ERROR shape mismatch: `add` in layer `sum` joins layer `a` (an image [WIDE, 8, 8]) and layer `b` (an image [NARROW, 8, 8])
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
