// PyTorch's residual CNN (tests/fixtures/pytorch) with a 5×5 stem instead of its 3×3.
nn::network! {
    #[weights("../../../fixtures/pytorch/residual_cnn.safetensors")]
    struct ResidualCnn {
        input: [2, 9, 9],
        stem: conv2d(4, 5, padding = 2, relu), //~ ERROR shape mismatch: layer `stem` has weight [4, 2, 5, 5]
        branch: conv2d(4, 3, padding = 1, tanh),
        res: add(stem, branch),
        pool: max_pool(2),
        dw: depthwise_conv2d(3, padding = 1, sigmoid),
        down: conv2d(3, 3, stride = 2, from = res),
        cat: concat(dw, down),
        avg: avg_pool(2),
        flat: flatten,
        out: dense(5),
        loss: softmax_cross_entropy,
    }
}

fn main() {}
