//! Layers of 784×1024 and 1024×1024 (3 and 4 MiB of f32 weights each) work on
//! a test thread's default 2 MiB stack: networks, gradients and optimizer
//! state are allocated zeroed on the heap (`zeros_boxed`, `init_boxed`) and
//! never pass through the stack.

use nn::batch::Batch;
use nn::nalgebra::SVector;
use nn::optim::{Adam, Optimizer};
use nn::{ClassLabel, Params};

nn::network! {
    struct Big {
        input: 784,
        wide1: dense(1024, relu),
        wide2: dense(1024, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

#[test]
fn large_layers_train_on_a_default_test_thread_stack() {
    let mut net = Big::<f32>::init_boxed(3);
    assert!(net.wide2.weight.iter().any(|&w| w != 0.0));
    let x = SVector::<f32, 784>::from_fn(|i, _| (i % 10) as f32 / 10.0);
    let y = ClassLabel::<10>::new(4).unwrap();

    let out = net.forward(&x);
    assert!(out.iter().all(|v| v.is_finite()));

    let mut trace = BigTrace::<f32>::new();
    let mut grads = Big::<f32>::zeros_boxed();
    let loss = net.loss_and_grad_into(&x, &y, &mut trace, &mut grads, None);
    assert!(loss.is_finite());
    assert!(grads.wide1.weight.iter().any(|&g| g != 0.0));

    let before = net.loss(&x, &y);
    net.sgd_step(&x, &y, 0.01);
    assert!(net.loss(&x, &y) < before);

    let batch = Batch::<f32, 784>::from_fn(8, |i, j| ((i + j) % 10) as f32 / 10.0);
    let ys = [y; 8];
    let mut batch_trace = BigTraceBatch::<f32>::new();
    let batch_loss = net.loss_and_grad_batch(&batch, &ys, &mut batch_trace, &mut grads, None);
    assert!(batch_loss.is_finite());
    let mut adam = Adam::new(1e-3).unwrap();
    adam.step(&mut *net, &*grads);
    assert_eq!(net.tensors().count(), 6);
}
