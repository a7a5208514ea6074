//! A mini-batch training loop for classifiers: seeded shuffling, epochs,
//! a learning-rate schedule, per-epoch loss and accuracy on held-out data,
//! and a progress bar that stays quiet when stderr is not a terminal.

use std::fmt;
use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::batch::{Batch, BatchSupervised, argmax};
use crate::data::Dataset;
use crate::init::SplitMix64;
use crate::metrics::ConfusionMatrix;
use crate::optim::{Optimizer, Schedule};
use crate::{ClassLabel, Scalar};

/// Settings of [`fit_classifier`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seeds the shuffling: the same seed gives the same run.
    pub seed: u64,
    /// How the optimizer's learning rate (its value when training starts)
    /// changes per epoch.
    pub schedule: Schedule,
    /// Show a progress bar (only ever drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 32,
            seed: 0,
            schedule: Schedule::Constant,
            progress: true,
        }
    }
}

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochStats {
    /// The epoch, counted from 1.
    pub epoch: usize,
    /// The mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// The mean loss on the held-out set after the epoch.
    pub test_loss: f64,
    /// The accuracy on the held-out set after the epoch.
    pub test_accuracy: f64,
    /// The learning rate used during the epoch.
    pub learning_rate: f64,
    /// Wall time of the epoch, evaluation included, in seconds.
    pub seconds: f64,
}

/// Why training stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss became NaN or infinite.
    NonFinite {
        /// The epoch, counted from 1.
        epoch: usize,
        /// The batch within the epoch, counted from 1.
        batch: usize,
        /// The loss value.
        loss: f64,
    },
    /// A data set does not fit the network.
    Shape {
        /// Which data set (`"training"` or `"test"`).
        which: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// `batch_size` is 0.
    ZeroBatchSize,
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::NonFinite { epoch, batch, loss } => write!(
                f,
                "the training loss became {loss} in epoch {epoch}, batch {batch}; try a smaller learning rate"
            ),
            TrainError::Shape { which, problem } => {
                write!(f, "the {which} set does not fit the network: {problem}")
            }
            TrainError::ZeroBatchSize => write!(f, "the batch size must be at least 1"),
        }
    }
}

impl std::error::Error for TrainError {}

/// The loss, accuracy and confusion matrix of a network on a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss.
    pub loss: f64,
    /// The fraction classified correctly.
    pub accuracy: f64,
    /// True against predicted classes.
    pub confusion: ConfusionMatrix,
}

/// Checks that `data` has `IN` features and labels below `OUT`, and returns
/// the labels as checked [`ClassLabel`]s.
fn labels_for<const IN: usize, const OUT: usize>(
    data: &Dataset,
    which: &'static str,
) -> Result<Vec<ClassLabel<OUT>>, TrainError> {
    if data.features() != IN {
        return Err(TrainError::Shape {
            which,
            problem: format!(
                "its samples have {} features, the network takes {IN}",
                data.features()
            ),
        });
    }
    (0..data.len())
        .map(|i| {
            data.class_label::<OUT>(i).map_err(|e| TrainError::Shape {
                which,
                problem: format!("sample {i}: {e}"),
            })
        })
        .collect()
}

/// Copies the samples `indices` of `data` into the columns of `x`.
fn gather<T: Scalar, const IN: usize>(data: &Dataset, indices: &[usize], x: &mut Batch<T, IN>) {
    if x.ncols() != indices.len() {
        *x = Batch::<T, IN>::zeros(indices.len());
    }
    for (col, &i) in x.as_mut_slice().chunks_exact_mut(IN).zip(indices) {
        for (dst, &src) in col.iter_mut().zip(data.input(i)) {
            *dst = T::cast_f64(src as f64);
        }
    }
}

/// The mean loss, accuracy and confusion matrix of `net` on `data`, in
/// batches of `batch_size`.
pub fn evaluate<T, N, const IN: usize, const OUT: usize>(
    net: &N,
    data: &Dataset,
    batch_size: usize,
) -> Result<Evaluation, TrainError>
where
    T: Scalar,
    N: BatchSupervised<T, IN, OUT, ClassLabel<OUT>>,
{
    let labels = labels_for::<IN, OUT>(data, "test")?;
    let batch_size = batch_size.max(1);
    let mut trace = N::Trace::default();
    let mut grads = N::zeros_boxed();
    let mut x = Batch::<T, IN>::zeros(0);
    let mut confusion = ConfusionMatrix::new(OUT);
    let mut total = 0.0;
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(batch_size) {
        gather(data, chunk, &mut x);
        let ys = &labels[chunk[0]..chunk[0] + chunk.len()];
        total += net
            .loss_and_grad_batch_into(&x, ys, &mut trace, &mut grads)
            .into_f64()
            * chunk.len() as f64;
        let out = net.forward_batch_into(&x, &mut trace);
        for (col, y) in out.as_slice().chunks_exact(OUT).zip(ys) {
            confusion.record(y.index(), argmax(col));
        }
    }
    Ok(Evaluation {
        loss: if data.is_empty() {
            0.0
        } else {
            total / data.len() as f64
        },
        accuracy: confusion.accuracy(),
        confusion,
    })
}

/// Trains a classifier with mini-batches: each epoch shuffles the training
/// set (seeded), takes one optimizer step per batch on the mean loss, then
/// evaluates on `test`. Calls `on_epoch` after each epoch and returns every
/// epoch's figures.
///
/// Errors: a data set that does not fit the network, a batch size of 0, or a
/// loss that becomes NaN or infinite (naming the epoch and batch).
pub fn fit_classifier<T, N, O, const IN: usize, const OUT: usize>(
    net: &mut N,
    optimizer: &mut O,
    train: &Dataset,
    test: &Dataset,
    options: &TrainOptions,
    mut on_epoch: impl FnMut(&EpochStats),
) -> Result<Vec<EpochStats>, TrainError>
where
    T: Scalar,
    N: BatchSupervised<T, IN, OUT, ClassLabel<OUT>>,
    O: Optimizer<T, N>,
{
    if options.batch_size == 0 {
        return Err(TrainError::ZeroBatchSize);
    }
    let labels = labels_for::<IN, OUT>(train, "training")?;
    labels_for::<IN, OUT>(test, "test")?;
    let mut rng = SplitMix64::new(options.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut trace = N::Trace::default();
    let mut grads = N::zeros_boxed();
    let mut x = Batch::<T, IN>::zeros(0);
    // Sized by what is used, never by the counts asked for: a batch size of
    // 2^32 or 2^40 epochs on a small data set must not reserve memory for them.
    let mut ys: Vec<ClassLabel<OUT>> = Vec::with_capacity(options.batch_size.min(train.len()));
    let batches = train.len().div_ceil(options.batch_size);
    let bar = if options.progress && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(
            Some((batches as u64).saturating_mul(options.epochs as u64)),
            ProgressDrawTarget::stderr(),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let base_lr = optimizer.learning_rate().into_f64();
    let mut history = Vec::new();
    for epoch in 1..=options.epochs {
        let start = Instant::now();
        let lr = options.schedule.rate(base_lr, epoch - 1);
        optimizer.set_learning_rate(T::cast_f64(lr));
        // Fisher–Yates with the seeded generator: the same seed, the same order.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        bar.set_prefix(format!("epoch {epoch}/{}", options.epochs));
        let mut sum = 0.0;
        for (b, chunk) in order.chunks(options.batch_size).enumerate() {
            gather(train, chunk, &mut x);
            ys.clear();
            ys.extend(chunk.iter().map(|&i| labels[i]));
            let loss = net
                .loss_and_grad_batch_into(&x, &ys, &mut trace, &mut grads)
                .into_f64();
            if !loss.is_finite() {
                bar.abandon();
                return Err(TrainError::NonFinite {
                    epoch,
                    batch: b + 1,
                    loss,
                });
            }
            optimizer.step(net, &grads);
            sum += loss * chunk.len() as f64;
            if b % 16 == 0 {
                bar.set_message(format!("{loss:.4}"));
            }
            bar.inc(1);
        }
        let eval = evaluate::<T, N, IN, OUT>(net, test, 1000)?;
        let stats = EpochStats {
            epoch,
            train_loss: if train.is_empty() {
                0.0
            } else {
                sum / train.len() as f64
            },
            test_loss: eval.loss,
            test_accuracy: eval.accuracy,
            learning_rate: lr,
            seconds: start.elapsed().as_secs_f64(),
        };
        bar.suspend(|| on_epoch(&stats));
        history.push(stats);
    }
    bar.finish_and_clear();
    Ok(history)
}
