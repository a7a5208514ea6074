//! The README's main claim, checked on every CI run: the homework network,
//! trained with `examples/mnist.rs`'s default settings on the vendored MNIST,
//! reaches at least 95% test accuracy.

use std::ops::ControlFlow;
use std::path::Path;

use nn::data::load_mnist;
use nn::optim::{Adam, Schedule};
use nn::train::{TrainOptions, fit_classifier};

nn::network! {
    struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

#[test]
fn homework_net_reaches_95_percent_with_the_example_defaults() {
    let (train, test) =
        load_mnist(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let mut net = Homework::<f32>::init(1);
    let options = TrainOptions {
        epochs: 20,
        batch_size: 32,
        seed: 1,
        schedule: Schedule::step_decay(5, 0.5).unwrap(),
        progress: false,
    };
    let history = fit_classifier(
        &mut net,
        &mut Adam::new(0.003).unwrap(),
        &train,
        &test,
        &options,
        |_, _| ControlFlow::Continue(()),
    )
    .unwrap();
    let last = history.last().unwrap();
    assert!(last.test_accuracy.unwrap() >= 0.95, "{history:#?}");
}
