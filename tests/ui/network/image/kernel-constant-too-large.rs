const KERNEL: usize = 9;

nn::network! {
    struct Net {
        input: [1, 8, 8],
        conv: conv2d(2, KERNEL, relu), //~ ERROR the kernel `KERNEL` of layer `conv` is larger than its padded input's height `8`
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
