// int8 quantization has no convolution kernel: a CNN is refused by name.
nn::network! {
    #[weights(
        "../../../fixtures/pytorch/residual_cnn.safetensors",
        quantize = int8,
        calibration = "../../../fixtures/mnist-calibration.safetensors"
    )]
    struct ResidualCnn {
        input: [2, 9, 9],
        stem: conv2d(4, 3, padding = 1, relu), //~ ERROR layer `stem` is `conv2d`, which has no int8 form
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
