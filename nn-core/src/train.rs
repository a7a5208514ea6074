//! A mini-batch training loop for classifiers: seeded shuffling, epochs,
//! a learning-rate schedule, per-epoch loss and accuracy on held-out data,
//! and a progress bar that stays quiet when stderr is not a terminal.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::batch::{Batch, BatchSupervised, argmax};
use crate::data::Dataset;
use crate::init::SplitMix64;
use crate::metrics::ConfusionMatrix;
use crate::optim::{OptimError, Optimizer, Schedule};
use crate::{ClassLabel, Params, Scalar};

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
            schedule: Schedule::constant(),
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
///
/// Only the errors that can come from the updates advise a smaller learning
/// rate: a loss that is not finite before the first update says nothing about
/// the rate (and data sets hold finite inputs only, see
/// [`Dataset::new`]).
///
/// ```
/// use nn::train::TrainError;
/// let err = TrainError::NonFiniteLoss { epoch: 2, batch: 5, loss: f64::INFINITY };
/// assert_eq!(err.to_string(), "the training loss became inf in epoch 2, batch 5; try a smaller learning rate");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The loss of the first batch, computed before any update, is NaN or
    /// infinite: the network overflows on these inputs, or its initial
    /// parameters are not finite.
    #[error(
        "the training loss of the first batch is {loss} before any update: the network overflows on these inputs, or its parameters are not finite"
    )]
    NonFiniteStart {
        /// The loss value.
        loss: f64,
    },
    /// The training loss became NaN or infinite after some updates.
    #[error(
        "the training loss became {loss} in epoch {epoch}, batch {batch}; try a smaller learning rate"
    )]
    NonFiniteLoss {
        /// The epoch, counted from 1.
        epoch: usize,
        /// The batch within the epoch, counted from 1.
        batch: usize,
        /// The loss value.
        loss: f64,
    },
    /// A parameter became NaN or infinite: the updates diverged.
    #[error(
        "the parameters diverged in epoch {epoch}: {tensor}[{index}] is {value}; try a smaller learning rate"
    )]
    Diverged {
        /// The epoch, counted from 1, after whose updates the parameter was found.
        epoch: usize,
        /// The parameter tensor, e.g. `"hidden.weight"`.
        tensor: &'static str,
        /// The element within the tensor (column-major, as
        /// [`Params::tensors`] lists it).
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The loss on the held-out set is NaN or infinite: the parameters are
    /// finite but so large that the network's outputs overflow.
    #[error("the test loss became {loss} after epoch {epoch}; try a smaller learning rate")]
    NonFiniteTestLoss {
        /// The epoch, counted from 1.
        epoch: usize,
        /// The loss value.
        loss: f64,
    },
    /// The schedule's rate for an epoch was refused by the optimizer: it
    /// decayed to 0 or grew past the largest float.
    #[error("the learning rate for epoch {epoch} was refused: {source}")]
    Schedule {
        /// The epoch, counted from 1.
        epoch: usize,
        /// What the optimizer said.
        source: OptimError,
    },
    /// A data set does not fit the network.
    #[error("the {which} set does not fit the network: {problem}")]
    Shape {
        /// Which data set (`"training"` or `"test"`).
        which: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// `batch_size` is 0.
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
}

/// The first parameter of `net` that is NaN or infinite, as
/// `(tensor, index, value)`.
fn first_non_finite<T: Scalar, N: Params<T>>(net: &N) -> Option<(&'static str, usize, f64)> {
    net.tensors().zip(N::TENSORS).find_map(|(t, info)| {
        let index = t.iter().position(|x| !x.into_f64().is_finite())?;
        Some((info.name, index, t[index].into_f64()))
    })
}

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
/// Memory is sized by what is used: the batch size and the number of epochs
/// may be far larger than the data set (`usize::MAX` works).
///
/// Errors: a data set that does not fit the network, a batch size of 0, a
/// scheduled learning rate the optimizer refuses, or a run that stops being
/// finite: a training loss that becomes NaN or infinite (naming the epoch and
/// batch), parameters that do after an epoch's last update (naming the
/// parameter), or a test loss that does.
///
/// ```
/// use nn::{data::Dataset, optim::Sgd, train::{fit_classifier, TrainError, TrainOptions}};
/// nn::network! {
///     struct Xor { input: 2, hidden: dense(8, relu), out: dense(2), loss: softmax_cross_entropy }
/// }
/// let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0])?;
/// let options = TrainOptions { epochs: 3, batch_size: 4, progress: false, ..TrainOptions::default() };
/// let history = fit_classifier(&mut Xor::<f32>::init(1), &mut Sgd::new(0.5)?, &xor, &xor, &options, |_| {})?;
/// assert_eq!(history.len(), 3);
/// // One step at a rate of 1e30 leaves weights too large to evaluate.
/// let once = TrainOptions { epochs: 1, ..options };
/// let err = fit_classifier(&mut Xor::<f32>::init(1), &mut Sgd::new(1e30)?, &xor, &xor, &once, |_| {});
/// assert!(matches!(err, Err(TrainError::Diverged { .. } | TrainError::NonFiniteTestLoss { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    let result = train_epochs::<T, N, O, IN, OUT>(
        net,
        optimizer,
        train,
        &labels,
        test,
        options,
        &bar,
        &mut on_epoch,
    );
    match result {
        Ok(_) => bar.finish_and_clear(),
        Err(_) => bar.abandon(),
    }
    result
}

/// The epochs of [`fit_classifier`], once its arguments are checked.
#[allow(
    clippy::too_many_arguments,
    reason = "the private body of fit_classifier"
)]
fn train_epochs<T, N, O, const IN: usize, const OUT: usize>(
    net: &mut N,
    optimizer: &mut O,
    train: &Dataset,
    labels: &[ClassLabel<OUT>],
    test: &Dataset,
    options: &TrainOptions,
    bar: &ProgressBar,
    on_epoch: &mut impl FnMut(&EpochStats),
) -> Result<Vec<EpochStats>, TrainError>
where
    T: Scalar,
    N: BatchSupervised<T, IN, OUT, ClassLabel<OUT>>,
    O: Optimizer<T, N>,
{
    let mut rng = SplitMix64::new(options.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut trace = N::Trace::default();
    let mut grads = N::zeros_boxed();
    let mut x = Batch::<T, IN>::zeros(0);
    // Sized by what is used, never by the counts asked for: a batch size of
    // 2^32 or 2^40 epochs on a small data set must not reserve memory for them.
    let mut ys: Vec<ClassLabel<OUT>> = Vec::with_capacity(options.batch_size.min(train.len()));
    let mut history = Vec::new();
    let base_lr = optimizer.learning_rate().into_f64();
    for epoch in 1..=options.epochs {
        let start = Instant::now();
        let lr = options.schedule.rate(base_lr, epoch - 1);
        optimizer
            .set_learning_rate(T::cast_f64(lr))
            .map_err(|source| TrainError::Schedule { epoch, source })?;
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
                return Err(if epoch == 1 && b == 0 {
                    TrainError::NonFiniteStart { loss }
                } else {
                    TrainError::NonFiniteLoss {
                        epoch,
                        batch: b + 1,
                        loss,
                    }
                });
            }
            optimizer.step(net, &grads);
            sum += loss * chunk.len() as f64;
            if b % 16 == 0 {
                bar.set_message(format!("{loss:.4}"));
            }
            bar.inc(1);
        }
        // The loss of each batch is computed before its update, so the
        // epoch's last update is checked here, on the parameters themselves.
        if let Some((tensor, index, value)) = first_non_finite(&*net) {
            return Err(TrainError::Diverged {
                epoch,
                tensor,
                index,
                value,
            });
        }
        let eval = evaluate::<T, N, IN, OUT>(net, test, 1000)?;
        if !eval.loss.is_finite() {
            return Err(TrainError::NonFiniteTestLoss {
                epoch,
                loss: eval.loss,
            });
        }
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
    Ok(history)
}
