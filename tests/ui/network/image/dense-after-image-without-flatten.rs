nn::network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(8, 3, relu),
        out: dense(10), //~ ERROR layer `out` is `dense`, but layer `conv` before it is an image [8, 26, 26]; expected `flatten` between them
        loss: softmax_cross_entropy,
    }
}

fn main() {}
