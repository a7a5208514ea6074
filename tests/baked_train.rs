//! Makes `examples/embedded/homework.safetensors`, the trained homework net
//! that `examples/embedded` bakes in at compile time, and the test digits it
//! classifies. Not part of the normal test run (it trains for a minute):
//!
//! ```sh
//! cargo test --release --test baked_train -- --ignored
//! ```

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::Path;

use nn::data::load_mnist;
use nn::optim::{Adam, Schedule};
use nn::train::{TrainOptions, evaluate, fit_classifier};

nn::network! {
    /// The lecture's homework network, as `examples/embedded` declares it.
    pub struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

#[test]
#[ignore = "trains for about a minute; run by hand to regenerate the embedded example's weights"]
fn train_and_save_homework_weights() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (train, test) = load_mnist(root.join("data/mnist")).unwrap();
    let mut net = Homework::<f32>::init(1);
    let options = TrainOptions {
        epochs: 10,
        batch_size: 32,
        seed: 1,
        schedule: Schedule::step_decay(4, 0.5).unwrap(),
        progress: false,
    };
    fit_classifier(
        &mut net,
        &mut Adam::new(0.003).unwrap(),
        &train,
        &test,
        &options,
        |s, _| {
            println!(
                "epoch {}: test accuracy {:.2}%",
                s.epoch,
                100.0 * s.test_accuracy.unwrap_or(0.0)
            );
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    let eval = evaluate(&net, &test, 1000).unwrap();
    println!("test accuracy {:.2}%", 100.0 * eval.accuracy.unwrap());
    let out = root.join("examples/embedded");
    nn::io::save_safetensors(&net, out.join("homework.safetensors")).unwrap();

    // The first two test images (a 7 and a 2), as u8 pixels.
    let mut digits = String::from(
        "//! Two MNIST test images (t10k indices 0 and 1), 28 x 28 pixels, row by row,\n\
         //! 0 = background, 255 = ink; written by `tests/baked_train.rs`.\n\n",
    );
    for i in 0..2 {
        let label = test.label(i);
        writeln!(digits, "/// Test image {i}, a {label}.").unwrap();
        writeln!(
            digits,
            "pub const DIGIT_{i}: (usize, [u8; 784]) = ({label}, ["
        )
        .unwrap();
        for row in test.input(i).chunks(28) {
            let px: Vec<String> = row
                .iter()
                .map(|v| ((v * 255.0).round() as u8).to_string())
                .collect();
            writeln!(digits, "    {},", px.join(", ")).unwrap();
        }
        writeln!(digits, "]);").unwrap();
    }
    std::fs::write(out.join("src/digits.rs"), digits).unwrap();
}
