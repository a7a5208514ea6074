//! A mini-batch training loop for any loss: seeded shuffling, epochs, a
//! learning-rate schedule, per-epoch loss (and accuracy, for classes) on
//! held-out data, a callback that sees the network and can stop the run,
//! resuming where a run stopped, and a progress bar that stays quiet when
//! stderr is not a terminal.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nalgebra::SVector;

use crate::batch::{Batch, BatchSupervised};
use crate::data::{Batches, Dataset, RegressionDataset};
use crate::metrics::ConfusionMatrix;
use crate::metrics::argmax;
use crate::optim::{OptimError, Optimizer, Schedule};
use crate::{ClassLabel, LabelError, Params, Scalar};

/// Settings of [`fit`], [`fit_classifier`] and [`Trainer`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Passes over the training set (per call of [`Trainer::fit`]).
    pub epochs: usize,
    /// Samples per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Seeds the shuffling: the same seed gives the same run. Epoch `e`
    /// visits the samples in the order of
    /// [`Dataset::batches(batch_size, seed, e)`](Dataset::batches).
    pub seed: u64,
    /// How the learning rate changes per epoch, from the base rate (see
    /// [`Trainer::new`]).
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
    /// The accuracy on the held-out set after the epoch, when the targets
    /// are classes (`None` for regression or an empty held-out set).
    pub test_accuracy: Option<f64>,
    /// The learning rate of the epoch, as the schedule computes it in `f64`
    /// from the base rate: `0.01` for `Adam::new(0.01f32)`, although the
    /// optimizer holds the nearest `f32`.
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
    #[error("the learning rate for epoch {epoch} was refused: {problem}")]
    Schedule {
        /// The epoch, counted from 1.
        epoch: usize,
        /// What the optimizer said (in the message; not a `source()` too).
        problem: OptimError,
    },
    /// A data set does not fit the network.
    ///
    /// ```
    /// use nn::{data::Dataset, optim::Sgd, train::{fit, TrainError, TrainOptions}};
    /// use std::ops::ControlFlow;
    /// nn::network! { struct Three { input: 2, out: dense(3), loss: softmax_cross_entropy } }
    /// let four_features = Dataset::new(4, 2, vec![0.0; 4], vec![1])?;
    /// let err = fit(&mut Three::<f32>::init(0), &mut Sgd::new(0.1)?, &four_features, &four_features,
    ///               &TrainOptions::default(), |_, _| ControlFlow::Continue(())).unwrap_err();
    /// assert_eq!(err.to_string(), "the training set does not fit the network: its samples have 4 features, the network takes 2");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[error("the {which} set does not fit the network: {problem}")]
    Shape {
        /// Which data set (`"training"` or `"test"`).
        which: &'static str,
        /// What is wrong (in the message; not a `source()` too).
        problem: SamplesError,
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

/// A data set that [`fit`] and [`evaluate`] read: samples of `IN` inputs and
/// targets a network with `OUT` outputs trains on. Implemented for
/// [`Dataset`] (targets are [`ClassLabel`]s) and [`RegressionDataset`]
/// (targets are vectors); implement it to train on data of your own.
///
/// ```
/// use nn::{ClassLabel, data::{Dataset, RegressionDataset}, train::Samples};
/// use nn::nalgebra::Vector1;
/// let classes = Dataset::new(1, 3, vec![0.5, 0.25], vec![2, 0])?;
/// let labels = Samples::<f32, 1, 3>::targets(&classes)?;
/// assert_eq!(labels, [ClassLabel::new(2)?, ClassLabel::new(0)?]);
/// // Checked against the network: these labels do not fit 2 outputs.
/// assert!(Samples::<f32, 1, 2>::targets(&classes).is_err());
/// let line = RegressionDataset::new(1, 1, vec![0.5], vec![1.5])?;
/// assert_eq!(Samples::<f64, 1, 1>::targets(&line)?, [Vector1::new(1.5)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a data set for a network of {IN} inputs and {OUT} outputs of `{T}`",
    label = "`fit` and `evaluate` need a `Dataset`, a `RegressionDataset` or an implementation of `Samples`"
)]
pub trait Samples<T: Scalar, const IN: usize, const OUT: usize> {
    /// The target type, one per sample, that the network's loss accepts.
    type Target: Clone;
    /// The number of samples.
    fn len(&self) -> usize;
    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The inputs of sample `i`, `IN` values.
    fn input(&self, i: usize) -> &[f32];
    /// Every sample's target, or what does not fit a network of `IN` inputs
    /// and `OUT` outputs.
    fn targets(&self) -> Result<Vec<Self::Target>, SamplesError>;
    /// The class of a target, if targets are classes: then [`evaluate`]
    /// reports the accuracy and a confusion matrix.
    fn class(target: &Self::Target) -> Option<usize> {
        let _ = target;
        None
    }
}

/// Why a data set's samples do not fit a network: what
/// [`Samples::targets`] returns, and [`TrainError::Shape`] carries.
///
/// ```
/// use nn::{data::Dataset, train::{Samples, SamplesError}};
/// let data = Dataset::new(3, 2, vec![0.0; 3], vec![1])?;
/// let err = Samples::<f32, 2, 2>::targets(&data).unwrap_err();
/// assert_eq!(err, SamplesError::Features { expected: 2, found: 3 });
/// assert_eq!(err.to_string(), "its samples have 3 features, the network takes 2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SamplesError {
    /// The samples have another number of inputs than the network takes.
    #[error("its samples have {found} features, the network takes {expected}")]
    Features {
        /// The network's input width.
        expected: usize,
        /// The data set's features per sample.
        found: usize,
    },
    /// The samples have another number of targets than the network gives
    /// outputs.
    #[error("its samples have {found} targets, the network gives {expected} outputs")]
    Outputs {
        /// The network's output width.
        expected: usize,
        /// The data set's targets per sample.
        found: usize,
    },
    /// A label is not one of the network's classes.
    #[error("sample {sample}: {problem}")]
    Label {
        /// The sample (0-based).
        sample: usize,
        /// The label and the network's classes.
        problem: LabelError,
    },
}

/// A feature count that differs from the network's input width.
fn features_problem<const IN: usize>(features: usize) -> Result<(), SamplesError> {
    if features == IN {
        Ok(())
    } else {
        Err(SamplesError::Features {
            expected: IN,
            found: features,
        })
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Samples<T, IN, OUT> for Dataset {
    type Target = ClassLabel<OUT>;
    fn len(&self) -> usize {
        Dataset::len(self)
    }
    fn input(&self, i: usize) -> &[f32] {
        Dataset::input(self, i)
    }
    fn targets(&self) -> Result<Vec<ClassLabel<OUT>>, SamplesError> {
        features_problem::<IN>(self.features())?;
        (0..Dataset::len(self))
            .map(|i| {
                self.class_label::<OUT>(i)
                    .map_err(|problem| SamplesError::Label { sample: i, problem })
            })
            .collect()
    }
    fn class(target: &ClassLabel<OUT>) -> Option<usize> {
        Some(target.index())
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Samples<T, IN, OUT> for RegressionDataset {
    type Target = SVector<T, OUT>;
    fn len(&self) -> usize {
        RegressionDataset::len(self)
    }
    fn input(&self, i: usize) -> &[f32] {
        RegressionDataset::input(self, i)
    }
    fn targets(&self) -> Result<Vec<SVector<T, OUT>>, SamplesError> {
        features_problem::<IN>(self.features())?;
        if self.outputs() != OUT {
            return Err(SamplesError::Outputs {
                expected: OUT,
                found: self.outputs(),
            });
        }
        Ok((0..RegressionDataset::len(self))
            .map(|i| {
                SVector::from_iterator(self.target(i).iter().map(|&y| T::cast_f64(f64::from(y))))
            })
            .collect())
    }
}

/// The targets of `data`, or a [`TrainError::Shape`] naming the set.
fn targets_for<T: Scalar, D: Samples<T, IN, OUT>, const IN: usize, const OUT: usize>(
    data: &D,
    which: &'static str,
) -> Result<Vec<D::Target>, TrainError> {
    data.targets()
        .map_err(|problem| TrainError::Shape { which, problem })
}

/// The loss of a network on a data set, with the accuracy and confusion
/// matrix when the targets are classes.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss.
    pub loss: f64,
    /// The fraction classified correctly (`None` for regression or an
    /// empty data set).
    pub accuracy: Option<f64>,
    /// True against predicted classes (`None` for regression or an empty
    /// data set).
    pub confusion: Option<ConfusionMatrix>,
}

/// Copies the samples `indices` of `data` into the columns of `x`.
fn gather<T: Scalar, D: Samples<T, IN, OUT>, const IN: usize, const OUT: usize>(
    data: &D,
    indices: &[usize],
    x: &mut Batch<T, IN>,
) {
    if x.ncols() != indices.len() {
        *x = Batch::<T, IN>::zeros(indices.len());
    }
    for (col, &i) in x.as_mut_slice().chunks_exact_mut(IN).zip(indices) {
        for (dst, &src) in col.iter_mut().zip(data.input(i)) {
            *dst = T::cast_f64(f64::from(src));
        }
    }
}

/// The mean loss of `net` on `data`, in batches of `batch_size`, with the
/// accuracy and confusion matrix when the targets are classes.
///
/// ```
/// use nn::{Params, data::{Dataset, RegressionDataset}, train::evaluate};
/// nn::network! { struct Line { input: 1, out: dense(1), loss: mean_squared_error } }
/// nn::network! { struct Two { input: 1, out: dense(2), loss: softmax_cross_entropy } }
/// // y = 2x + 1 exactly: weight 2, bias 1.
/// let line = Line::<f64>::from_params(&[2.0, 1.0]).unwrap();
/// let points = RegressionDataset::new(1, 1, vec![0.0, 1.0], vec![1.0, 4.0])?;
/// let eval = evaluate(&line, &points, 16)?;
/// assert_eq!((eval.loss, eval.accuracy), (0.5, None)); // errors 0 and 1, halved by the mean
/// let classes = Dataset::new(1, 2, vec![0.0, 1.0], vec![0, 1])?;
/// let eval = evaluate(&Two::<f32>::init(0), &classes, 16)?;
/// assert_eq!(eval.confusion.map(|c| c.total()), Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate<T, N, D, const IN: usize, const OUT: usize>(
    net: &N,
    data: &D,
    batch_size: usize,
) -> Result<Evaluation, TrainError>
where
    T: Scalar,
    D: Samples<T, IN, OUT>,
    N: BatchSupervised<T, IN, OUT, D::Target>,
{
    let targets = targets_for(data, "test")?;
    evaluate_checked(net, data, &targets, batch_size)
}

/// [`evaluate`] once the targets are checked.
fn evaluate_checked<T, N, D, const IN: usize, const OUT: usize>(
    net: &N,
    data: &D,
    targets: &[D::Target],
    batch_size: usize,
) -> Result<Evaluation, TrainError>
where
    T: Scalar,
    D: Samples<T, IN, OUT>,
    N: BatchSupervised<T, IN, OUT, D::Target>,
{
    let batch_size = batch_size.max(1);
    let mut trace = N::Trace::default();
    let mut grads = N::zeros_boxed();
    let mut x = Batch::<T, IN>::zeros(0);
    let classes = targets.first().is_some_and(|y| D::class(y).is_some());
    let mut confusion = classes.then(|| ConfusionMatrix::new(OUT));
    let mut total = 0.0;
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(batch_size) {
        gather(data, chunk, &mut x);
        let ys = &targets[chunk[0]..chunk[0] + chunk.len()];
        total += net
            .loss_and_grad_batch(&x, ys, &mut trace, &mut grads, None)
            .into_f64()
            * chunk.len() as f64;
        if let Some(confusion) = confusion.as_mut() {
            let out = net.forward_batch_trace(&x, &mut trace);
            for (col, y) in out.as_slice().chunks_exact(OUT).zip(ys) {
                if let Some(truth) = D::class(y) {
                    confusion.record(truth, argmax(col));
                }
            }
        }
    }
    Ok(Evaluation {
        loss: if data.is_empty() {
            0.0
        } else {
            total / data.len() as f64
        },
        accuracy: confusion.as_ref().map(ConfusionMatrix::accuracy),
        confusion,
    })
}

/// A training run that can stop and resume: the options, the epochs done and
/// the base learning rate. Each [`fit`](Trainer::fit) runs `options.epochs`
/// more epochs, continuing the schedule and the shuffling, so two calls of 2
/// epochs train exactly as one of 4. The optimizer keeps its own state (Adam's
/// moments), so pass the same one to every call.
///
/// ```
/// use nn::{data::Dataset, optim::Sgd, train::{TrainOptions, Trainer}};
/// use std::ops::ControlFlow;
/// nn::network! {
///     struct Xor { input: 2, hidden: dense(8, relu), out: dense(2), loss: softmax_cross_entropy }
/// }
/// let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0])?;
/// let options = TrainOptions { epochs: 2, batch_size: 2, progress: false, ..TrainOptions::default() };
/// let (mut net, mut sgd) = (Xor::<f32>::init(1), Sgd::new(0.5)?);
/// let mut trainer = Trainer::new(options.clone());
/// trainer.fit(&mut net, &mut sgd, &xor, &xor, |_, _| ControlFlow::Continue(()))?;
/// let resumed = trainer.fit(&mut net, &mut sgd, &xor, &xor, |_, _| ControlFlow::Continue(()))?;
/// assert_eq!((resumed[0].epoch, trainer.epoch()), (3, 4));
/// // A checkpoint: the epochs done and the base rate, besides the weights.
/// assert_eq!(trainer, Trainer::resume(options, 4, 0.5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Trainer {
    options: TrainOptions,
    epoch: usize,
    learning_rate: Option<f64>,
    /// The last epoch's order, kept so that the next epoch costs one shuffle
    /// rather than a replay of every earlier one.
    batches: Option<Batches>,
}

/// Two trainers are equal when they continue the same way; the cached order
/// is derived from the rest.
impl PartialEq for Trainer {
    fn eq(&self, other: &Self) -> bool {
        (&self.options, self.epoch, self.learning_rate)
            == (&other.options, other.epoch, other.learning_rate)
    }
}

impl Trainer {
    /// A run that has not started: its base rate will be the optimizer's
    /// rate at the first call, as written (the shortest decimal that rounds
    /// to it: `0.01` for `0.01f32`).
    ///
    /// ```
    /// use nn::train::{TrainOptions, Trainer};
    /// let trainer = Trainer::new(TrainOptions::default());
    /// assert_eq!((trainer.epoch(), trainer.learning_rate()), (0, None));
    /// ```
    pub fn new(options: TrainOptions) -> Self {
        Self {
            options,
            epoch: 0,
            learning_rate: None,
            batches: None,
        }
    }

    /// A run that has done `epoch` epochs from the base rate
    /// `learning_rate`: the next call starts at epoch `epoch + 1`, with the
    /// rate and the shuffled order that epoch has in an uninterrupted run.
    ///
    /// ```
    /// use nn::optim::Schedule;
    /// use nn::train::{TrainOptions, Trainer};
    /// let options = TrainOptions { schedule: Schedule::step_decay(1, 0.5)?, ..TrainOptions::default() };
    /// let trainer = Trainer::resume(options, 2, 0.01);
    /// assert_eq!((trainer.epoch(), trainer.learning_rate()), (2, Some(0.01)));
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn resume(options: TrainOptions, epoch: usize, learning_rate: f64) -> Self {
        Self {
            options,
            epoch,
            learning_rate: Some(learning_rate),
            batches: None,
        }
    }

    /// The settings; `epochs` is the number of epochs per call.
    ///
    /// ```
    /// use nn::train::{TrainOptions, Trainer};
    /// assert_eq!(Trainer::new(TrainOptions::default()).options().epochs, 10);
    /// ```
    pub fn options(&self) -> &TrainOptions {
        &self.options
    }

    /// Epochs done: the next call starts at epoch `epoch() + 1`.
    ///
    /// ```
    /// use nn::train::{TrainOptions, Trainer};
    /// assert_eq!(Trainer::new(TrainOptions::default()).epoch(), 0);
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The base rate the schedule starts from, in `f64`; `None` until the
    /// first call of a new run.
    ///
    /// ```
    /// use nn::train::{TrainOptions, Trainer};
    /// assert_eq!(Trainer::resume(TrainOptions::default(), 3, 0.1).learning_rate(), Some(0.1));
    /// ```
    pub fn learning_rate(&self) -> Option<f64> {
        self.learning_rate
    }

    /// Trains `net` for `options.epochs` more epochs, as [`fit`] describes,
    /// and returns those epochs' figures. `on_epoch` sees each epoch's
    /// figures and the network after it; returning
    /// [`ControlFlow::Break`] stops the run after that epoch (which counts
    /// as done, so a later call continues after it). [`Trainer`] shows a run
    /// in two calls.
    pub fn fit<T, N, O, D, const IN: usize, const OUT: usize>(
        &mut self,
        net: &mut N,
        optimizer: &mut O,
        train: &D,
        test: &D,
        mut on_epoch: impl FnMut(&EpochStats, &N) -> ControlFlow<()>,
    ) -> Result<Vec<EpochStats>, TrainError>
    where
        T: Scalar,
        D: Samples<T, IN, OUT>,
        N: BatchSupervised<T, IN, OUT, D::Target>,
        O: Optimizer<T, N>,
    {
        if self.options.batch_size == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        let targets = targets_for(train, "training")?;
        let test_targets = targets_for(test, "test")?;
        let batches = train.len().div_ceil(self.options.batch_size);
        let bar = if self.options.progress && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(
                Some((batches as u64).saturating_mul(self.options.epochs as u64)),
                ProgressDrawTarget::stderr(),
            )
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let data = Data {
            train,
            targets: &targets,
            test,
            test_targets: &test_targets,
        };
        let result = self.epochs(net, optimizer, &data, &bar, &mut on_epoch);
        match result {
            Ok(_) => bar.finish_and_clear(),
            Err(_) => bar.abandon(),
        }
        result
    }

    /// The epochs of [`Trainer::fit`], once its arguments are checked.
    fn epochs<T, N, O, D, const IN: usize, const OUT: usize>(
        &mut self,
        net: &mut N,
        optimizer: &mut O,
        data: &Data<'_, D, D::Target>,
        bar: &ProgressBar,
        on_epoch: &mut impl FnMut(&EpochStats, &N) -> ControlFlow<()>,
    ) -> Result<Vec<EpochStats>, TrainError>
    where
        T: Scalar,
        D: Samples<T, IN, OUT>,
        N: BatchSupervised<T, IN, OUT, D::Target>,
        O: Optimizer<T, N>,
    {
        let options = &self.options;
        let mut trace = N::Trace::default();
        let mut grads = N::zeros_boxed();
        let mut x = Batch::<T, IN>::zeros(0);
        // Sized by what is used, never by the counts asked for: a batch size of
        // 2^32 or 2^40 epochs on a small data set must not reserve memory for them.
        let mut ys: Vec<D::Target> = Vec::with_capacity(options.batch_size.min(data.train.len()));
        let mut history = Vec::new();
        // The schedule runs in f64 from the rate as the user wrote it, and
        // only the result is rounded to `T`: 0.01f32 reports as 0.01.
        let base_lr = *self
            .learning_rate
            .get_or_insert_with(|| as_written(optimizer.learning_rate()));
        let mut batches = match self.batches.take() {
            Some(b) if b.epoch() == self.epoch && b.order().len() == data.train.len() => b,
            _ => Batches::new(
                data.train.len(),
                options.batch_size,
                options.seed,
                self.epoch,
            )
            .map_err(|_| TrainError::ZeroBatchSize)?,
        };
        let first = self.epoch.saturating_add(1);
        let last = self.epoch.saturating_add(options.epochs);
        for epoch in first..=last {
            let start = Instant::now();
            let lr = options.schedule.rate(base_lr, epoch - 1);
            optimizer
                .set_learning_rate(T::cast_f64(lr))
                .map_err(|problem| TrainError::Schedule { epoch, problem })?;
            batches.advance();
            bar.set_prefix(format!("epoch {epoch}/{last}"));
            let mut sum = 0.0;
            for (b, chunk) in batches.iter().enumerate() {
                gather(data.train, chunk, &mut x);
                ys.clear();
                ys.extend(chunk.iter().map(|&i| data.targets[i].clone()));
                let loss = net
                    .loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None)
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
            let eval = evaluate_checked(&*net, data.test, data.test_targets, 1000)?;
            if !eval.loss.is_finite() {
                return Err(TrainError::NonFiniteTestLoss {
                    epoch,
                    loss: eval.loss,
                });
            }
            let stats = EpochStats {
                epoch,
                train_loss: if data.train.is_empty() {
                    0.0
                } else {
                    sum / data.train.len() as f64
                },
                test_loss: eval.loss,
                test_accuracy: eval.accuracy,
                learning_rate: lr,
                seconds: start.elapsed().as_secs_f64(),
            };
            self.epoch = epoch;
            let flow = bar.suspend(|| on_epoch(&stats, net));
            history.push(stats);
            if flow.is_break() {
                break;
            }
        }
        self.batches = Some(batches);
        Ok(history)
    }
}

/// The checked data of a run.
struct Data<'a, D, Y> {
    train: &'a D,
    targets: &'a [Y],
    test: &'a D,
    test_targets: &'a [Y],
}

/// The value a user most likely wrote for `x`: the shortest decimal that
/// rounds to it (`0.01` for `0.01f32`, whose exact value is
/// 0.009999999776482582).
fn as_written<T: Scalar>(x: T) -> f64 {
    x.to_string().parse().unwrap_or_else(|_| x.into_f64())
}

/// Trains a network with mini-batches on the mean of its own loss: each
/// epoch shuffles the training set (seeded), takes one optimizer step per
/// batch, then evaluates on `test`. Calls `on_epoch` after each epoch with
/// its figures and the network; [`ControlFlow::Break`] stops the run there.
/// Returns every epoch's figures. One call is a fresh [`Trainer`]; use a
/// `Trainer` to continue a run.
///
/// Works for any loss: a [`Dataset`] of classes trains a classifier (and the
/// figures include the test accuracy), a [`RegressionDataset`] of vectors a
/// regression.
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
/// use nn::Params; // for `Line::<f64>::init`
/// use nn::{data::RegressionDataset, optim::Adam, train::{evaluate, fit, TrainOptions}};
/// use std::ops::ControlFlow;
/// nn::network! {
///     struct Line { input: 1, out: dense(1), loss: mean_squared_error }
/// }
/// // y = 3x - 1 on 8 points.
/// let xs: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
/// let ys: Vec<f32> = xs.iter().map(|x| 3.0 * x - 1.0).collect();
/// let points = RegressionDataset::new(1, 1, xs, ys)?;
/// let mut net = Line::<f64>::init(0);
/// let before = evaluate(&net, &points, 8)?.loss;
/// let options = TrainOptions { epochs: 200, batch_size: 4, progress: false, ..TrainOptions::default() };
/// let history = fit(&mut net, &mut Adam::new(0.05)?, &points, &points, &options, |_, _| ControlFlow::Continue(()))?;
/// assert!(history.last().unwrap().test_loss < before / 100.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fit<T, N, O, D, const IN: usize, const OUT: usize>(
    net: &mut N,
    optimizer: &mut O,
    train: &D,
    test: &D,
    options: &TrainOptions,
    on_epoch: impl FnMut(&EpochStats, &N) -> ControlFlow<()>,
) -> Result<Vec<EpochStats>, TrainError>
where
    T: Scalar,
    D: Samples<T, IN, OUT>,
    N: BatchSupervised<T, IN, OUT, D::Target>,
    O: Optimizer<T, N>,
{
    Trainer::new(options.clone()).fit(net, optimizer, train, test, on_epoch)
}

/// [`fit`] for a classifier on a [`Dataset`] of labels.
///
/// ```
/// use nn::{data::Dataset, optim::Sgd, train::{fit_classifier, TrainError, TrainOptions}};
/// use std::ops::ControlFlow;
/// nn::network! {
///     struct Xor { input: 2, hidden: dense(8, relu), out: dense(2), loss: softmax_cross_entropy }
/// }
/// let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0])?;
/// let options = TrainOptions { epochs: 30, batch_size: 4, progress: false, ..TrainOptions::default() };
/// // The callback sees the network and stops the run once it is good enough.
/// let history = fit_classifier(&mut Xor::<f32>::init(1), &mut Sgd::new(0.5)?, &xor, &xor, &options, |s, _net| {
///     if s.epoch == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// })?;
/// assert_eq!(history.len(), 3);
/// // One step at a rate of 1e30 leaves weights too large to evaluate.
/// let once = TrainOptions { epochs: 1, ..options };
/// let err = fit_classifier(&mut Xor::<f32>::init(1), &mut Sgd::new(1e30)?, &xor, &xor, &once, |_, _| ControlFlow::Continue(()));
/// assert!(matches!(err, Err(TrainError::Diverged { .. } | TrainError::NonFiniteTestLoss { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fit_classifier<T, N, O, const IN: usize, const OUT: usize>(
    net: &mut N,
    optimizer: &mut O,
    train: &Dataset,
    test: &Dataset,
    options: &TrainOptions,
    on_epoch: impl FnMut(&EpochStats, &N) -> ControlFlow<()>,
) -> Result<Vec<EpochStats>, TrainError>
where
    T: Scalar,
    N: BatchSupervised<T, IN, OUT, ClassLabel<OUT>>,
    O: Optimizer<T, N>,
{
    fit(net, optimizer, train, test, options, on_epoch)
}
