//! Early stopping: train on scikit-learn's digits (vendored), watch the loss
//! on a held-out validation set after every epoch, keep the weights of the
//! best epoch, and stop once the validation loss has not improved for
//! `PATIENCE` epochs. The callback of `nn::train::fit_classifier` sees each
//! epoch's figures and the network, and returns `ControlFlow::Break` to stop.
//!
//! Run with `cargo run --release --example early_stopping` (a second or two);
//! `tests/early_stopping.rs` runs it too.

use std::error::Error;
use std::ops::ControlFlow;
use std::path::Path;

use nn::data::load_digits_csv;
use nn::optim::Adam;
use nn::train::{TrainOptions, evaluate, fit_classifier};

nn::network! {
    /// Wide enough to overfit 1200 digits within a few dozen epochs.
    pub struct Digits {
        input: 64,
        hidden: dense(128, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// The most epochs to run; early stopping ends the run well before.
pub const MAX_EPOCHS: usize = 200;
/// Epochs without a better validation loss before stopping.
pub const PATIENCE: usize = 5;

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// Epochs trained before stopping.
    pub epochs: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// The validation loss of that epoch.
    pub best_loss: f64,
    /// The validation loss of the last epoch trained.
    pub last_loss: f64,
    /// Test accuracy of the kept weights.
    pub test_accuracy: f64,
}

/// Trains with early stopping and returns what happened.
pub fn run() -> Result<Outcome, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sklearn-digits/digits.csv.gz");
    // 1797 digits: 1200 to train on, 300 to decide when to stop, 297 to test.
    let (train, rest) = load_digits_csv(path)?.split(1200);
    let (validation, test) = rest.split(300);

    let mut net = Digits::<f32>::init(1);
    let options = TrainOptions {
        epochs: MAX_EPOCHS,
        batch_size: 32,
        seed: 1,
        progress: false,
        ..TrainOptions::default()
    };
    let mut best = (f64::INFINITY, 0, net.clone());
    let history = fit_classifier(
        &mut net,
        &mut Adam::new(0.003)?,
        &train,
        &validation,
        &options,
        |s, net| {
            if s.test_loss < best.0 {
                best = (s.test_loss, s.epoch, net.clone());
            }
            if s.epoch - best.1 >= PATIENCE {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )?;
    let (best_loss, best_epoch, best_net) = best;

    let test_accuracy = evaluate(&best_net, &test, 1000)?
        .accuracy
        .ok_or("digits are classes, so the evaluation has an accuracy")?;
    Ok(Outcome {
        epochs: history.len(),
        best_epoch,
        best_loss,
        last_loss: history.last().map_or(f64::NAN, |s| s.test_loss),
        test_accuracy,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let outcome = run()?;
    println!(
        "stopped after epoch {}: no better validation loss for {PATIENCE} epochs",
        outcome.epochs
    );
    println!(
        "kept epoch {}: validation loss {:.4} (the last epoch had {:.4})",
        outcome.best_epoch, outcome.best_loss, outcome.last_loss
    );
    println!(
        "test accuracy of the kept weights: {:.2}%",
        100.0 * outcome.test_accuracy
    );
    Ok(())
}
