//! The in-memory data sets: [`Dataset`] (labelled), [`RegressionDataset`]
//! and the shuffled mini-batch order [`Batches`].

use super::DatasetError;
use crate::init::SplitMix64;
use crate::target::{ClassLabel, LabelError};
use nalgebra::SVector;

/// A labelled data set held in memory: `len()` samples, each a row of
/// `features()` inputs and a label in `0..classes()`.
///
/// Inputs are stored row-major, one sample after another, so
/// [`input(i)`](Dataset::input) is a contiguous slice. The invariants
/// (`inputs.len() == len * features`, every label below `classes`, `features`
/// and `classes` non-zero) are checked by [`Dataset::new`] and by every loader,
/// so later code never has to re-check them.
///
/// ```
/// use nn::data::Dataset;
/// let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0])?;
/// assert_eq!(xor.len(), 4);
/// assert_eq!(xor.input(2), &[1.0, 0.0]);
/// assert_eq!(xor.label(2), 1);
/// # Ok::<(), nn::data::DatasetError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    features: usize,
    classes: usize,
    inputs: Vec<f32>,
    labels: Vec<u8>,
}

/// # Construction
impl Dataset {
    /// A data set of `labels.len()` samples with `features` inputs each,
    /// taken row-major from `inputs`, and labels in `0..classes`.
    ///
    /// Fails if `features` or `classes` is zero, if `classes > 256` (labels are
    /// bytes), if `inputs.len() != labels.len() * features`, if an input is NaN
    /// or infinite, or if a label is not below `classes`.
    ///
    /// ```
    /// use nn::data::{Dataset, DatasetError};
    /// assert!(Dataset::new(2, 3, vec![0.5; 4], vec![0, 2]).is_ok());
    /// assert_eq!(
    ///     Dataset::new(2, 3, vec![0.5; 4], vec![0, 3]).unwrap_err(),
    ///     DatasetError::LabelOutOfRange { index: 1, label: 3, classes: 3 },
    /// );
    /// assert!(matches!(
    ///     Dataset::new(2, 3, vec![0.5; 5], vec![0, 1]),
    ///     Err(DatasetError::InputLength { .. }),
    /// ));
    /// assert!(matches!(
    ///     Dataset::new(2, 3, vec![0.5, 0.5, 0.5, f32::NAN], vec![0, 1]),
    ///     Err(DatasetError::NonFinite { sample: 1, feature: 1, .. }),
    /// ));
    /// ```
    pub fn new(
        features: usize,
        classes: usize,
        inputs: Vec<f32>,
        labels: Vec<u8>,
    ) -> Result<Self, DatasetError> {
        if features == 0 {
            return Err(DatasetError::ZeroFeatures);
        }
        if classes == 0 || classes > 256 {
            return Err(DatasetError::Classes { classes });
        }
        if labels.len().checked_mul(features) != Some(inputs.len()) {
            return Err(DatasetError::InputLength {
                features,
                inputs: inputs.len(),
                labels: labels.len(),
            });
        }
        finite_inputs(&inputs, features)?;
        if let Some(index) = labels.iter().position(|&l| usize::from(l) >= classes) {
            return Err(DatasetError::LabelOutOfRange {
                index,
                label: labels[index],
                classes,
            });
        }
        Ok(Self {
            features,
            classes,
            inputs,
            labels,
        })
    }
}

/// # Access
impl Dataset {
    /// The number of samples.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(3, 2, vec![0.0; 6], vec![0, 1])?;
    /// assert_eq!(ds.len(), 2);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// assert!(Dataset::new(3, 2, vec![], vec![])?.is_empty());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of inputs per sample (784 for MNIST, 64 for the digits).
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// assert_eq!(Dataset::new(3, 2, vec![0.0; 6], vec![0, 1])?.features(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn features(&self) -> usize {
        self.features
    }

    /// The number of classes: every label is in `0..classes()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// assert_eq!(Dataset::new(3, 2, vec![0.0; 6], vec![0, 1])?.classes(), 2);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The inputs of sample `i`, `features()` values.
    ///
    /// # Panics
    ///
    /// If `i >= len()`, like slice indexing; [`get`](Dataset::get) does not.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(2, 2, vec![0.0, 0.25, 0.5, 1.0], vec![0, 1])?;
    /// assert_eq!(ds.input(1), &[0.5, 1.0]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.features..(i + 1) * self.features]
    }

    /// The label of sample `i`, below `classes()`.
    ///
    /// # Panics
    ///
    /// If `i >= len()`, like slice indexing; [`get`](Dataset::get) does not.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(2, 2, vec![0.0, 0.25, 0.5, 1.0], vec![0, 1])?;
    /// assert_eq!(ds.label(1), 1);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn label(&self, i: usize) -> usize {
        usize::from(self.labels[i])
    }

    /// Sample `i` as `(inputs, label)`, or `None` if `i >= len()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(2, 2, vec![0.0, 0.25, 0.5, 1.0], vec![0, 1])?;
    /// assert_eq!(ds.get(0), Some((&[0.0, 0.25][..], 0)));
    /// assert_eq!(ds.get(2), None);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn get(&self, i: usize) -> Option<(&[f32], usize)> {
        let label = *self.labels.get(i)?;
        Some((self.input(i), usize::from(label)))
    }

    /// All inputs, row-major: sample `i` is `inputs()[i * features()..][..features()]`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(2, 2, vec![0.0, 0.25, 0.5, 1.0], vec![0, 1])?;
    /// assert_eq!(ds.inputs().len(), ds.len() * ds.features());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn inputs(&self) -> &[f32] {
        &self.inputs
    }

    /// All labels, one byte per sample, each below `classes()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 3, vec![0.0; 3], vec![2, 0, 1])?;
    /// assert_eq!(ds.labels(), &[2, 0, 1]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The samples in order, as `(inputs, label)`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 2, vec![0.0, 1.0], vec![0, 1])?;
    /// let pairs: Vec<_> = ds.iter().collect();
    /// assert_eq!(pairs, [(&[0.0][..], 0), (&[1.0][..], 1)]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f32], usize)> + '_ {
        self.inputs
            .chunks_exact(self.features)
            .zip(self.labels.iter().map(|&l| usize::from(l)))
    }

    /// How many samples each class has: `class_counts()[c]` is the number of
    /// samples labelled `c`, for `c` in `0..classes()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 3, vec![0.0; 4], vec![2, 0, 2, 2])?;
    /// assert_eq!(ds.class_counts(), [1, 0, 3]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }
}

/// # Targets and network inputs
impl Dataset {
    /// The label of sample `i` as a [`ClassLabel<N>`] for a network with `N`
    /// outputs, or a [`LabelError`] if the label is not below `N` (for example
    /// a 10-class data set fed to a network with 5 outputs).
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 10, vec![0.0, 1.0], vec![3, 7])?;
    /// assert_eq!(ds.class_label::<10>(1)?.index(), 7);
    /// assert!(ds.class_label::<5>(1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn class_label<const N: usize>(&self, i: usize) -> Result<ClassLabel<N>, LabelError> {
        ClassLabel::new(self.label(i))
    }

    /// The label of sample `i` as a one-hot vector of `N` entries (1 at the
    /// label, 0 elsewhere), the target for vector losses such as squared error,
    /// or a [`LabelError`] if the label is not below `N`.
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// use nn::nalgebra::Vector4;
    /// let ds = Dataset::new(1, 4, vec![0.0], vec![2])?;
    /// assert_eq!(ds.one_hot::<4>(0)?, Vector4::new(0.0, 0.0, 1.0, 0.0));
    /// assert!(ds.one_hot::<2>(0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn one_hot<const N: usize>(&self, i: usize) -> Result<SVector<f32, N>, LabelError> {
        let label = self.class_label::<N>(i)?;
        let mut y = SVector::<f32, N>::zeros();
        y[label.index()] = 1.0;
        Ok(y)
    }

    /// The inputs of sample `i` as a column vector for a network with `IN`
    /// inputs, or [`DatasetError::Features`] if `IN != features()`.
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// use nn::nalgebra::Vector2;
    /// let ds = Dataset::new(2, 2, vec![0.25, 0.5], vec![1])?;
    /// assert_eq!(ds.input_vector::<2>(0)?, Vector2::new(0.25, 0.5));
    /// assert!(ds.input_vector::<3>(0).is_err());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn input_vector<const IN: usize>(
        &self,
        i: usize,
    ) -> Result<SVector<f32, IN>, DatasetError> {
        if IN != self.features {
            return Err(DatasetError::Features {
                expected: IN,
                found: self.features,
            });
        }
        Ok(SVector::from_column_slice(self.input(i)))
    }
}

/// # Splitting
impl Dataset {
    /// Splits into the first `at` samples and the rest, keeping the order.
    /// `at` is clamped to `len()`, so the second part may be empty.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 2, vec![0.0, 0.1, 0.2], vec![0, 1, 0])?;
    /// let (head, tail) = ds.clone().split(2);
    /// assert_eq!((head.labels(), tail.labels()), (&[0, 1][..], &[0][..]));
    /// assert_eq!(tail.input(0), &[0.2]);
    /// let (all, none) = ds.split(10);
    /// assert_eq!((all.len(), none.len()), (3, 0));
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn split(mut self, at: usize) -> (Self, Self) {
        let at = at.min(self.len());
        let tail = Self {
            features: self.features,
            classes: self.classes,
            inputs: self.inputs.split_off(at * self.features),
            labels: self.labels.split_off(at),
        };
        (self, tail)
    }

    /// Keeps only the first `n` samples (all of them if `n >= len()`).
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 2, vec![0.0, 0.1, 0.2], vec![0, 1, 0])?;
    /// assert_eq!(ds.take(2).labels(), &[0, 1]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn take(mut self, n: usize) -> Self {
        let n = n.min(self.len());
        self.inputs.truncate(n * self.features);
        self.labels.truncate(n);
        self
    }
}

/// # Mini-batches
impl Dataset {
    /// The samples of epoch `epoch` (counted from 1) in a shuffled order, cut
    /// into batches of `batch_size` (the last may be smaller), for a training
    /// loop of your own. Each epoch visits every sample once; the order
    /// depends only on `seed` and `epoch`, so a run can be repeated or resumed
    /// at any epoch. [`fit`](crate::train::fit) uses the same order. In a
    /// loop, [`Batches::advance`] moves to the next epoch.
    ///
    /// Fails with [`DatasetError::ZeroBatchSize`] if `batch_size` is 0.
    ///
    /// ```
    /// # use nn::data::Dataset;
    /// let ds = Dataset::new(1, 2, vec![0.0, 0.1, 0.2, 0.3, 0.4], vec![0, 1, 0, 1, 0])?;
    /// let mut seen = Vec::new();
    /// for batch in &ds.batches(2, 7, 1)? {
    ///     assert!(batch.len() <= 2);
    ///     seen.extend(batch.iter().map(|&i| ds.input(i)[0]));
    /// }
    /// seen.sort_by(f32::total_cmp);
    /// assert_eq!(seen, [0.0, 0.1, 0.2, 0.3, 0.4]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn batches(
        &self,
        batch_size: usize,
        seed: u64,
        epoch: usize,
    ) -> Result<Batches, DatasetError> {
        Batches::new(self.len(), batch_size, seed, epoch)
    }
}

/// The shuffled mini-batches of one epoch: index slices into a data set,
/// made by [`Dataset::batches`] or [`RegressionDataset::batches`].
/// [`advance`](Batches::advance) moves on to the next epoch's order.
///
/// ```
/// use nn::data::Batches;
/// let epoch1 = Batches::new(10, 4, 42, 1)?;
/// let sizes: Vec<usize> = epoch1.iter().map(<[usize]>::len).collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// assert_ne!(epoch1.order(), Batches::new(10, 4, 42, 2)?.order());
/// assert_eq!(epoch1, Batches::new(10, 4, 42, 1)?);
/// # Ok::<(), nn::data::DatasetError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batches {
    order: Vec<usize>,
    batch_size: usize,
    rng: SplitMix64,
    epoch: usize,
}

impl Batches {
    /// The batches of epoch `epoch` (counted from 1) over `len` samples, cut
    /// into runs of `batch_size`. Epoch 1 shuffles `0..len` with a
    /// [`SplitMix64`] seeded with `seed` (Fisher–Yates), and each later epoch
    /// shuffles the previous epoch's order again with the same generator, so
    /// the order depends on `seed` and `epoch` alone. Epoch 0 is `0..len` in
    /// order. Reaching epoch `e` replays `e` shuffles; in a loop,
    /// [`advance`](Batches::advance) costs one.
    ///
    /// Fails with [`DatasetError::ZeroBatchSize`] if `batch_size` is 0.
    pub fn new(
        len: usize,
        batch_size: usize,
        seed: u64,
        epoch: usize,
    ) -> Result<Self, DatasetError> {
        if batch_size == 0 {
            return Err(DatasetError::ZeroBatchSize);
        }
        let mut batches = Self {
            order: (0..len).collect(),
            batch_size,
            rng: SplitMix64::new(seed),
            epoch: 0,
        };
        for _ in 0..epoch {
            batches.advance();
        }
        Ok(batches)
    }

    /// Moves on to the next epoch: shuffles the order again.
    ///
    /// ```
    /// use nn::data::Batches;
    /// let mut batches = Batches::new(100, 10, 7, 1)?;
    /// batches.advance();
    /// assert_eq!(batches.epoch(), 2);
    /// assert_eq!(batches, Batches::new(100, 10, 7, 2)?);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn advance(&mut self) {
        for i in (1..self.order.len()).rev() {
            self.order.swap(i, self.rng.below(i as u64 + 1) as usize);
        }
        self.epoch = self.epoch.saturating_add(1);
    }

    /// The epoch whose order this is.
    ///
    /// ```
    /// use nn::data::Batches;
    /// assert_eq!(Batches::new(5, 2, 0, 3)?.epoch(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The batches, in order.
    ///
    /// ```
    /// use nn::data::Batches;
    /// let batches = Batches::new(5, 2, 0, 1)?;
    /// let mut all: Vec<usize> = batches.iter().flatten().copied().collect();
    /// all.sort_unstable();
    /// assert_eq!(all, [0, 1, 2, 3, 4]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn iter(&self) -> std::slice::Chunks<'_, usize> {
        self.order.chunks(self.batch_size)
    }

    /// Every sample index of the epoch, in the order visited.
    ///
    /// ```
    /// use nn::data::Batches;
    /// assert_eq!(Batches::new(3, 1, 9, 4)?.order().len(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The number of batches.
    ///
    /// ```
    /// use nn::data::Batches;
    /// assert_eq!(Batches::new(5, 2, 0, 1)?.len(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Whether there are no batches (an empty data set).
    ///
    /// ```
    /// use nn::data::Batches;
    /// assert!(Batches::new(0, 2, 0, 1)?.is_empty());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl<'a> IntoIterator for &'a Batches {
    type Item = &'a [usize];
    type IntoIter = std::slice::Chunks<'a, usize>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A regression data set held in memory: `len()` samples, each a row of
/// `features()` inputs and a row of `outputs()` target values, all finite.
///
/// Stored row-major like [`Dataset`], with the same checks: the lengths fit,
/// and no input or target is NaN or infinite.
///
/// ```
/// use nn::data::RegressionDataset;
/// // y = 2x on three points.
/// let line = RegressionDataset::new(1, 1, vec![0.0, 0.5, 1.0], vec![0.0, 1.0, 2.0])?;
/// assert_eq!((line.len(), line.features(), line.outputs()), (3, 1, 1));
/// assert_eq!((line.input(1), line.target(1)), (&[0.5][..], &[1.0][..]));
/// # Ok::<(), nn::data::DatasetError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RegressionDataset {
    features: usize,
    outputs: usize,
    inputs: Vec<f32>,
    targets: Vec<f32>,
}

impl RegressionDataset {
    /// A data set of `targets.len() / outputs` samples with `features`
    /// inputs and `outputs` targets each, both taken row-major.
    ///
    /// Fails if `features` or `outputs` is zero, if `targets` is not a whole
    /// number of samples, if `inputs` does not hold `features` values per
    /// sample, or if an input or a target is NaN or infinite.
    ///
    /// ```
    /// use nn::data::{DatasetError, RegressionDataset};
    /// assert!(RegressionDataset::new(2, 1, vec![0.5; 4], vec![1.0, 2.0]).is_ok());
    /// assert_eq!(
    ///     RegressionDataset::new(2, 2, vec![0.5; 4], vec![1.0; 3]).unwrap_err().to_string(),
    ///     "3 targets do not make whole samples of 2 outputs: expected a multiple of 2",
    /// );
    /// assert!(matches!(
    ///     RegressionDataset::new(1, 1, vec![0.0, 1.0], vec![0.0, f32::NAN]),
    ///     Err(DatasetError::NonFiniteTarget { sample: 1, output: 0, .. }),
    /// ));
    /// # Ok::<(), DatasetError>(())
    /// ```
    pub fn new(
        features: usize,
        outputs: usize,
        inputs: Vec<f32>,
        targets: Vec<f32>,
    ) -> Result<Self, DatasetError> {
        if features == 0 {
            return Err(DatasetError::ZeroFeatures);
        }
        if outputs == 0 {
            return Err(DatasetError::ZeroOutputs);
        }
        if !targets.len().is_multiple_of(outputs) {
            return Err(DatasetError::TargetLength {
                outputs,
                targets: targets.len(),
            });
        }
        let samples = targets.len() / outputs;
        if samples.checked_mul(features) != Some(inputs.len()) {
            return Err(DatasetError::InputLength {
                features,
                inputs: inputs.len(),
                labels: samples,
            });
        }
        finite_inputs(&inputs, features)?;
        if let Some(index) = targets.iter().position(|y| !y.is_finite()) {
            return Err(DatasetError::NonFiniteTarget {
                sample: index / outputs,
                output: index % outputs,
                value: targets[index],
            });
        }
        Ok(Self {
            features,
            outputs,
            inputs,
            targets,
        })
    }

    /// The number of samples.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// assert_eq!(RegressionDataset::new(1, 2, vec![0.0; 3], vec![0.0; 6])?.len(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.targets.len() / self.outputs
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// assert!(RegressionDataset::new(1, 1, vec![], vec![])?.is_empty());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The number of inputs per sample.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// assert_eq!(RegressionDataset::new(3, 1, vec![0.0; 3], vec![0.0])?.features(), 3);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn features(&self) -> usize {
        self.features
    }

    /// The number of target values per sample.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// assert_eq!(RegressionDataset::new(1, 2, vec![0.0], vec![0.0; 2])?.outputs(), 2);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The inputs of sample `i`, `features()` values.
    ///
    /// # Panics
    ///
    /// If `i >= len()`, like slice indexing.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// let ds = RegressionDataset::new(2, 1, vec![0.0, 0.25, 0.5, 1.0], vec![0.0, 1.0])?;
    /// assert_eq!(ds.input(1), &[0.5, 1.0]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.features..(i + 1) * self.features]
    }

    /// The targets of sample `i`, `outputs()` values.
    ///
    /// # Panics
    ///
    /// If `i >= len()`, like slice indexing.
    ///
    /// ```
    /// # use nn::data::RegressionDataset;
    /// let ds = RegressionDataset::new(1, 2, vec![0.0, 1.0], vec![0.0, 0.5, 1.0, 2.0])?;
    /// assert_eq!(ds.target(1), &[1.0, 2.0]);
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn target(&self, i: usize) -> &[f32] {
        &self.targets[i * self.outputs..(i + 1) * self.outputs]
    }

    /// Splits into the first `at` samples and the rest, keeping the order
    /// (`at` is clamped to `len()`).
    ///
    /// ```
    /// use nn::data::RegressionDataset;
    /// let ds = RegressionDataset::new(1, 1, vec![0.0, 1.0, 2.0], vec![0.0, 2.0, 4.0])?;
    /// let (head, tail) = ds.split(2);
    /// assert_eq!((head.len(), tail.target(0)), (2, &[4.0][..]));
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn split(mut self, at: usize) -> (Self, Self) {
        let at = at.min(self.len());
        let tail = Self {
            features: self.features,
            outputs: self.outputs,
            inputs: self.inputs.split_off(at * self.features),
            targets: self.targets.split_off(at * self.outputs),
        };
        (self, tail)
    }

    /// The shuffled mini-batches of epoch `epoch`, as [`Dataset::batches`]
    /// makes them.
    ///
    /// ```
    /// use nn::data::RegressionDataset;
    /// let ds = RegressionDataset::new(1, 1, vec![0.0; 5], vec![0.0; 5])?;
    /// assert_eq!(ds.batches(2, 0, 1)?.len(), 3);
    /// assert!(ds.batches(0, 0, 1).is_err());
    /// # Ok::<(), nn::data::DatasetError>(())
    /// ```
    pub fn batches(
        &self,
        batch_size: usize,
        seed: u64,
        epoch: usize,
    ) -> Result<Batches, DatasetError> {
        Batches::new(self.len(), batch_size, seed, epoch)
    }
}

/// Every input is finite: one NaN input would make every weight it reaches
/// NaN, so both data sets check here and training never has to.
fn finite_inputs(inputs: &[f32], features: usize) -> Result<(), DatasetError> {
    match inputs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(DatasetError::NonFinite {
            sample: index / features,
            feature: index % features,
            value: inputs[index],
        }),
        None => Ok(()),
    }
}
