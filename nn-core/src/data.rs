//! Loading labelled data sets from files: MNIST's IDX format and scikit-learn's
//! digits CSV, gzip'd or not.
//!
//! Every loader returns a [`Dataset`] of normalised inputs (`f32` in `[0, 1]`)
//! and labels that are known to be valid classes, or a [`DataError`] that names
//! the file and says what is wrong with it. Nothing here panics on a bad file,
//! nothing is silently truncated, and a header that claims a huge size does not
//! make the loader allocate that much: buffers grow only as bytes arrive.
//!
//! The repository vendors MNIST and the digits under `data/` (see
//! `data/README.md` for provenance and license).
//!
//! ```
//! use nn::data::load_digits_csv;
//! use std::path::Path;
//! let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sklearn-digits/digits.csv.gz"));
//! let digits = load_digits_csv(path)?;
//! assert_eq!((digits.len(), digits.features(), digits.classes()), (1797, 64, 10));
//! let (train, test) = digits.split(1500);
//! assert_eq!((train.len(), test.len()), (1500, 297));
//! # Ok::<(), nn::data::DataError>(())
//! ```
//!
//! This module needs the `std` feature (it reads files).

use crate::init::SplitMix64;
use crate::target::{ClassLabel, LabelError};
use flate2::bufread::MultiGzDecoder;
use nalgebra::SVector;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// The two bytes every gzip file starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// IDX magic of an unsigned-byte array with 3 dimensions (`N x rows x cols`).
const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// IDX magic of an unsigned-byte array with 1 dimension (`N`).
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
/// The first read step, in bytes; each later step is as large as what has
/// arrived so far, so the buffer doubles only as data keeps coming. A
/// megabyte of gzip can expand to a gigabyte, so even the file's size says
/// nothing about what it will really deliver.
const FIRST_READ: u64 = 1 << 16;
/// MNIST and the digits both have ten classes, `0..=9`.
const DIGIT_CLASSES: usize = 10;

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
        // One NaN input would make every weight it reaches NaN; check here so
        // that training never has to.
        if let Some(index) = inputs.iter().position(|x| !x.is_finite()) {
            return Err(DatasetError::NonFinite {
                sample: index / features,
                feature: index % features,
                value: inputs[index],
            });
        }
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
        if let Some(index) = inputs.iter().position(|x| !x.is_finite()) {
            return Err(DatasetError::NonFinite {
                sample: index / features,
                feature: index % features,
                value: inputs[index],
            });
        }
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

/// Why [`Dataset::new`], [`RegressionDataset::new`], [`Dataset::input_vector`]
/// or [`Dataset::batches`] rejected its arguments.
///
/// ```
/// use nn::data::Dataset;
/// let err = Dataset::new(2, 3, vec![0.0; 3], vec![0, 1]).unwrap_err();
/// assert_eq!(err.to_string(), "3 inputs do not make 2 samples of 2 features: expected 4 inputs");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// `features` was zero.
    #[error("a data set needs at least one feature per sample")]
    ZeroFeatures,
    /// `classes` was zero or more than 256 (labels are bytes).
    #[error("{classes} classes: expected 1 to 256 (labels are bytes)")]
    Classes {
        /// The number of classes that was given.
        classes: usize,
    },
    /// The inputs are not `labels * features` values.
    #[error("{}", input_length(*.features, *.inputs, *.labels))]
    InputLength {
        /// Inputs per sample.
        features: usize,
        /// The number of input values given.
        inputs: usize,
        /// The number of labels (samples) given.
        labels: usize,
    },
    /// An input is NaN or infinite.
    #[error("feature {feature} of sample {sample} is {value}: expected a finite number")]
    NonFinite {
        /// The sample (0-based).
        sample: usize,
        /// The feature within the sample (0-based).
        feature: usize,
        /// The value found.
        value: f32,
    },
    /// A label is not below the number of classes.
    #[error("label {label} of sample {index} is out of range: expected a class in 0..{classes}")]
    LabelOutOfRange {
        /// The sample whose label is wrong.
        index: usize,
        /// Its label.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
    /// `outputs` was zero.
    #[error("a regression data set needs at least one target value per sample")]
    ZeroOutputs,
    /// The targets are not a whole number of samples.
    #[error(
        "{targets} targets do not make whole samples of {outputs} outputs: expected a multiple of {outputs}"
    )]
    TargetLength {
        /// Target values per sample.
        outputs: usize,
        /// The number of target values given.
        targets: usize,
    },
    /// A target is NaN or infinite.
    #[error("target {output} of sample {sample} is {value}: expected a finite number")]
    NonFiniteTarget {
        /// The sample (0-based).
        sample: usize,
        /// The target value within the sample (0-based).
        output: usize,
        /// The value found.
        value: f32,
    },
    /// A batch size of 0.
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
    /// A network's input width does not match the data set's features.
    #[error(
        "the network takes {expected} inputs, but the data set has {found} features per sample"
    )]
    Features {
        /// The network's input width.
        expected: usize,
        /// The data set's features per sample.
        found: usize,
    },
}

/// The message of [`DatasetError::InputLength`].
fn input_length(features: usize, inputs: usize, labels: usize) -> String {
    match labels.checked_mul(features) {
        Some(expected) => format!(
            "{inputs} inputs do not make {labels} samples of {features} features: expected {expected} inputs"
        ),
        None => format!("{labels} samples of {features} features overflow the address space"),
    }
}

/// Why a data file could not be loaded. Each variant names the file.
///
/// ```
/// use nn::data::{load_idx_labels, DataError};
/// use std::path::Path;
/// let err = load_idx_labels(Path::new("no/such/file.gz"), 10).unwrap_err();
/// assert!(matches!(err, DataError::Io { .. }));
/// assert!(err.to_string().starts_with("no/such/file.gz: cannot read:"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read (not found, permission denied, ...).
    #[error("{}: cannot read: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file starts like gzip (`1f 8b`) but does not decompress: a bad
    /// header, a corrupt deflate stream or a wrong checksum.
    #[error("{}: corrupt gzip file: {source}", .path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// What the decompressor said.
        source: io::Error,
    },
    /// Memory ran out while reading the file: its data does not fit.
    #[error("{}: out of memory after reading {read} bytes", .path.display())]
    OutOfMemory {
        /// The file.
        path: PathBuf,
        /// The bytes read (after decompression) when memory ran out.
        read: u64,
    },
    /// No file of one of MNIST's standard names was found in a folder.
    #[error("{}: no such file in this folder: tried {}", .dir.display(), .tried.join(", "))]
    NotFound {
        /// The folder searched.
        dir: PathBuf,
        /// The file names tried, in order.
        tried: Vec<String>,
    },
    /// The (decompressed) file does not start with the expected IDX magic number.
    #[error("{}: wrong magic number 0x{found:08x}: expected 0x{expected:08x}{}", .path.display(), magic_hint(*.expected, *.gzip))]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number expected, e.g. `0x00000803` for images.
        expected: u32,
        /// The first four bytes found, big-endian.
        found: u32,
        /// Whether the file was gzip'd (if not, it is not gzip either).
        gzip: bool,
    },
    /// The file ends before its header or the data its header announces.
    #[error("{}: truncated {part}: expected {expected} bytes, found {found}", .path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// `"header"` or `"data"`.
        part: &'static str,
        /// The bytes expected (after decompression).
        expected: u64,
        /// The bytes found.
        found: u64,
    },
    /// The file has more data than its header announces.
    #[error("{}: more data than the header announces: expected {expected} bytes", .path.display())]
    TrailingData {
        /// The file.
        path: PathBuf,
        /// The data bytes the header announces (after decompression).
        expected: u64,
    },
    /// The header's dimensions are unusable: zero-sized samples, or a total
    /// size that does not fit in memory addresses.
    #[error("{}: header dimensions {}: {reason}", .path.display(), dims_text(.dims))]
    BadDims {
        /// The file.
        path: PathBuf,
        /// The dimensions in the header.
        dims: Vec<u32>,
        /// What is wrong with them.
        reason: &'static str,
    },
    /// An image file and a label file hold different numbers of samples.
    #[error(
        "{} has {image_count} images but {} has {label_count} labels: expected the same count",
        .images.display(),
        .labels.display()
    )]
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// The number of images.
        image_count: usize,
        /// The label file.
        labels: PathBuf,
        /// The number of labels.
        label_count: usize,
    },
    /// A label is not below the number of classes.
    #[error(
        "{}: label {label} of sample {index} is out of range: expected a class in 0..{classes}",
        .path.display()
    )]
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// The sample whose label is wrong (0-based).
        index: usize,
        /// Its label.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
    /// A CSV line does not have the expected number of fields.
    #[error("{}:{line}: {found} fields: expected {expected}", .path.display())]
    FieldCount {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// The fields expected.
        expected: usize,
        /// The fields found.
        found: usize,
    },
    /// A CSV field is not an integer.
    #[error("{}:{line}: field {column} `{text}` is not an integer", .path.display())]
    NotAnInteger {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// The field (1-based).
        column: usize,
        /// The field's text (lossily decoded if not UTF-8).
        text: String,
    },
    /// A CSV field is an integer outside its range.
    #[error(
        "{}:{line}: field {column}: {what} {text} is out of range: expected 0..={max}",
        .path.display()
    )]
    ValueOutOfRange {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// The field (1-based).
        column: usize,
        /// The field's text.
        text: String,
        /// `"pixel"` or `"label"`.
        what: &'static str,
        /// The largest valid value (the smallest is 0).
        max: u32,
    },
    /// A data set's invariants do not hold (see [`DatasetError`]).
    #[error("{}: {source}", .path.display())]
    Dataset {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: DatasetError,
    },
}

/// The end of [`DataError::BadMagic`]'s message: what the expected magic
/// number stands for, and that a gzip file would also do.
fn magic_hint(expected: u32, gzip: bool) -> String {
    let what = match expected {
        IDX_IMAGES_MAGIC => " (IDX images: unsigned bytes, 3 dimensions)",
        IDX_LABELS_MAGIC => " (IDX labels: unsigned bytes, 1 dimension)",
        _ => "",
    };
    let or_gzip = if gzip {
        ""
    } else {
        ", or a gzip file starting with 1f 8b"
    };
    format!("{what}{or_gzip}")
}

/// Dimensions as `a x b x c`.
fn dims_text(dims: &[u32]) -> String {
    let dims: Vec<String> = dims.iter().map(u32::to_string).collect();
    dims.join(" x ")
}

/// An opened data file: its bytes after decompression, read through buffers.
struct Source<'p> {
    path: &'p Path,
    reader: Box<dyn Read>,
    gzip: bool,
}

impl<'p> Source<'p> {
    /// Opens `path`, gzip'd (detected by its first two bytes) or not.
    fn open(path: &'p Path) -> Result<Self, DataError> {
        let io_err = |source| DataError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let mut file = BufReader::with_capacity(1 << 16, file);
        // Peek at the first two bytes without consuming them.
        let mut head = [0u8; 2];
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        let file = io::Cursor::new(head[..n].to_vec()).chain(file);
        let gzip = head[..n] == GZIP_MAGIC;
        let reader: Box<dyn Read> = if gzip {
            // Multi-member: a concatenation of gzip members is one gzip file
            // (RFC 1952), and garbage after the first member is an error
            // rather than silently ignored.
            Box::new(MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        Ok(Self { path, reader, gzip })
    }

    /// The error for a failed read after `found` bytes: running out of bytes
    /// is `Truncated`, anything else as [`read_failure`] sorts it.
    fn read_error(&self, e: io::Error, part: &'static str, expected: u64, found: u64) -> DataError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            DataError::Truncated {
                path: self.path.to_owned(),
                part,
                expected,
                found,
            }
        } else {
            read_failure(self.path, self.gzip, e, found)
        }
    }

    /// Appends the stream's bytes to `buf` until it ends or `limit` bytes have
    /// been read, in steps that double: the buffer grows only as bytes arrive,
    /// and a failed allocation is an `OutOfMemory` error rather than an abort.
    fn read_up_to(&mut self, limit: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let left = limit - buf.len() as u64;
            if left == 0 {
                return Ok(());
            }
            let step = left.min(FIRST_READ.max(buf.len() as u64));
            let step_bytes = usize::try_from(step).map_err(|_| io::ErrorKind::OutOfMemory)?;
            buf.try_reserve_exact(step_bytes)
                .map_err(|_| io::ErrorKind::OutOfMemory)?;
            if (&mut self.reader).take(step).read_to_end(buf)? == 0 {
                return Ok(());
            }
        }
    }

    /// Reads exactly `buf.len()` header bytes.
    fn read_header(&mut self, buf: &mut [u8], already: u64) -> Result<(), DataError> {
        let mut n = 0;
        while n < buf.len() {
            match self.reader.read(&mut buf[n..]) {
                Ok(0) => {
                    return Err(DataError::Truncated {
                        path: self.path.to_owned(),
                        part: "header",
                        expected: already + buf.len() as u64,
                        found: already + n as u64,
                    });
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let expected = already + buf.len() as u64;
                    return Err(self.read_error(e, "header", expected, already + n as u64));
                }
            }
        }
        Ok(())
    }

    /// Reads the rest of the stream, which must be exactly `expected` bytes.
    ///
    /// The buffer grows as bytes arrive, so a header that claims gigabytes
    /// costs nothing until the bytes are really there.
    fn read_data(&mut self, expected: u64) -> Result<Vec<u8>, DataError> {
        let mut buf = Vec::new();
        // Read one byte more than announced, to notice trailing data; reading
        // to the end of the stream also makes the gzip decoder check its CRC.
        let result = self.read_up_to(expected.saturating_add(1), &mut buf);
        let found = buf.len() as u64;
        if let Err(e) = result {
            // A gzip file cut off after all the data, in its trailer, is a
            // corrupt gzip file rather than truncated data.
            if self.gzip && found == expected && e.kind() == io::ErrorKind::UnexpectedEof {
                return Err(DataError::Gzip {
                    path: self.path.to_owned(),
                    source: e,
                });
            }
            return Err(self.read_error(e, "data", expected, found));
        }
        if found < expected {
            return Err(DataError::Truncated {
                path: self.path.to_owned(),
                part: "data",
                expected,
                found,
            });
        }
        if found > expected {
            return Err(DataError::TrailingData {
                path: self.path.to_owned(),
                expected,
            });
        }
        Ok(buf)
    }

    /// Reads an IDX header of unsigned bytes with `ndim` dimensions, checking
    /// the magic number, and returns the dimensions.
    fn read_idx_header(&mut self, ndim: u8) -> Result<Vec<u32>, DataError> {
        let expected = u32::from_be_bytes([0, 0, 0x08, ndim]);
        let mut magic = [0u8; 4];
        self.read_header(&mut magic, 0)?;
        let found = u32::from_be_bytes(magic);
        if found != expected {
            return Err(DataError::BadMagic {
                path: self.path.to_owned(),
                expected,
                found,
                gzip: self.gzip,
            });
        }
        let mut dims = Vec::with_capacity(usize::from(ndim));
        for d in 0..u64::from(ndim) {
            let mut size = [0u8; 4];
            self.read_header(&mut size, 4 + 4 * d)?;
            dims.push(u32::from_be_bytes(size));
        }
        Ok(dims)
    }
}

/// The error for a read of `path` that failed after `read` bytes: out of
/// memory, a decompression error (flate2 reports corrupt data as invalid
/// input, a cut-off stream as an unexpected end), or an I/O error.
fn read_failure(path: &Path, gzip: bool, e: io::Error, read: u64) -> DataError {
    let path = path.to_owned();
    match e.kind() {
        io::ErrorKind::OutOfMemory => DataError::OutOfMemory { path, read },
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            if gzip =>
        {
            DataError::Gzip { path, source: e }
        }
        _ => DataError::Io { path, source: e },
    }
}

/// The pixels of an IDX image file, as stored: one byte per pixel.
///
/// ```
/// use nn::data::load_idx_images;
/// use std::path::Path;
/// let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist/t10k-images-idx3-ubyte.gz"));
/// let images = load_idx_images(path)?;
/// assert_eq!((images.count, images.rows, images.cols), (10_000, 28, 28));
/// assert_eq!(images.pixels.len(), 10_000 * 28 * 28);
/// # Ok::<(), nn::data::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// The number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Reads an IDX file of unsigned-byte images (magic `0x00000803`, dimensions
/// `count x rows x cols`), gzip'd or not.
///
/// Fails with a [`DataError`] if the file cannot be read, is corrupt gzip, has
/// another magic number, is shorter or longer than its header says, or has
/// zero-sized images. See [`IdxImages`] for an example.
pub fn load_idx_images(path: impl AsRef<Path>) -> Result<IdxImages, DataError> {
    let path = path.as_ref();
    let mut src = Source::open(path)?;
    let dims = src.read_idx_header(3)?;
    let bad = |reason| DataError::BadDims {
        path: path.to_owned(),
        dims: dims.clone(),
        reason,
    };
    let [count, rows, cols] = [dims[0], dims[1], dims[2]].map(|d| d as usize);
    if rows == 0 || cols == 0 {
        return Err(bad("an image needs at least one pixel"));
    }
    // Both the per-image size and the total must be addressable (this matters
    // on 32-bit targets, and for `0 x huge x huge` headers).
    let total = u64::from(dims[1])
        .checked_mul(u64::from(dims[2]))
        .filter(|&n| usize::try_from(n).is_ok())
        .and_then(|n| n.checked_mul(u64::from(dims[0])))
        .filter(|&n| usize::try_from(n).is_ok());
    let Some(total) = total else {
        return Err(bad("the data would not fit in memory on this platform"));
    };
    let pixels = src.read_data(total)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels,
    })
}

/// Reads an IDX file of unsigned-byte labels (magic `0x00000801`, one
/// dimension), gzip'd or not, and checks that every label is below `classes`.
///
/// ```
/// use nn::data::{load_idx_labels, DataError};
/// use std::path::Path;
/// let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist/t10k-labels-idx1-ubyte.gz"));
/// let labels = load_idx_labels(path, 10)?;
/// assert_eq!(labels.len(), 10_000);
/// assert_eq!(labels[..5], [7, 2, 1, 0, 4]);
/// // With only 5 classes, the first label (7) is out of range.
/// assert!(matches!(load_idx_labels(path, 5), Err(DataError::LabelOutOfRange { index: 0, label: 7, .. })));
/// # Ok::<(), DataError>(())
/// ```
pub fn load_idx_labels(path: impl AsRef<Path>, classes: usize) -> Result<Vec<u8>, DataError> {
    let path = path.as_ref();
    let mut src = Source::open(path)?;
    let dims = src.read_idx_header(1)?;
    let labels = src.read_data(u64::from(dims[0]))?;
    if let Some(index) = labels.iter().position(|&l| usize::from(l) >= classes) {
        return Err(DataError::LabelOutOfRange {
            path: path.to_owned(),
            index,
            label: labels[index],
            classes,
        });
    }
    Ok(labels)
}

/// Reads a pair of IDX files, images and labels, into a [`Dataset`] with
/// pixels scaled to `[0, 1]` (`pixel / 255`) and labels in `0..classes`.
///
/// Fails as [`load_idx_images`] and [`load_idx_labels`] do, and with
/// [`DataError::CountMismatch`] if the two files disagree on the count.
///
/// ```
/// use nn::data::load_idx;
/// use std::path::Path;
/// let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"));
/// let test = load_idx(&dir.join("t10k-images-idx3-ubyte.gz"), &dir.join("t10k-labels-idx1-ubyte.gz"), 10)?;
/// assert_eq!((test.len(), test.features()), (10_000, 784));
/// assert_eq!(test.label(0), 7);
/// # Ok::<(), nn::data::DataError>(())
/// ```
pub fn load_idx(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    classes: usize,
) -> Result<Dataset, DataError> {
    let (images, labels) = (images.as_ref(), labels.as_ref());
    let img = load_idx_images(images)?;
    let lab = load_idx_labels(labels, classes)?;
    if img.count != lab.len() {
        return Err(DataError::CountMismatch {
            images: images.to_owned(),
            image_count: img.count,
            labels: labels.to_owned(),
            label_count: lab.len(),
        });
    }
    // A table gives the exact quotient `p / 255` for every byte, and is as fast
    // as a multiplication.
    let scale: [f32; 256] = core::array::from_fn(|p| p as f32 / 255.0);
    let inputs = img.pixels.iter().map(|&p| scale[usize::from(p)]).collect();
    Dataset::new(img.rows * img.cols, classes, inputs, lab).map_err(|source| DataError::Dataset {
        path: images.to_owned(),
        source,
    })
}

/// Finds `{set}-{kind}` (e.g. `train-images`) in `dir` under one of the names
/// MNIST is distributed with.
fn find_mnist_file(dir: &Path, set: &str, kind: &str, ndim: u8) -> Result<PathBuf, DataError> {
    let tried = [
        format!("{set}-{kind}-idx{ndim}-ubyte.gz"),
        format!("{set}-{kind}-idx{ndim}-ubyte"),
        format!("{set}-{kind}.idx{ndim}-ubyte"),
        format!("{set}-{kind}.idx{ndim}-ubyte.gz"),
    ];
    for candidate in &tried {
        let path = dir.join(candidate);
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(DataError::NotFound {
        dir: dir.to_owned(),
        tried: tried.to_vec(),
    })
}

/// Loads MNIST from a folder in MNIST's layout: returns `(train, test)`, with
/// 784 inputs in `[0, 1]` per sample and labels `0..10`.
///
/// Each file may be gzip'd or not, under its standard name
/// (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
/// `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`), that name
/// without `.gz`, or the dotted form (`train-images.idx3-ubyte`).
///
/// ```
/// use nn::data::load_mnist;
/// use std::path::Path;
/// let (train, test) = load_mnist(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist")))?;
/// assert_eq!((train.len(), test.len()), (60_000, 10_000));
/// assert_eq!(train.features(), 28 * 28);
/// assert_eq!(train.label(0), 5);
/// # Ok::<(), nn::data::DataError>(())
/// ```
pub fn load_mnist(dir: impl AsRef<Path>) -> Result<(Dataset, Dataset), DataError> {
    let dir = dir.as_ref();
    let load = |set: &str| -> Result<Dataset, DataError> {
        let images = find_mnist_file(dir, set, "images", 3)?;
        let labels = find_mnist_file(dir, set, "labels", 1)?;
        load_idx(&images, &labels, DIGIT_CLASSES)
    };
    Ok((load("train")?, load("t10k")?))
}

/// Loads scikit-learn's digits CSV (gzip'd or not): one sample per line, 64
/// integers `0..=16` (an 8x8 image, row-major) then a label `0..=9`, no header.
/// Inputs are scaled to `[0, 1]` (`value / 16`). Blank lines are skipped.
///
/// Fails with a [`DataError`] naming the line and field if a line does not
/// have 65 fields, a field is not an integer, or a value is out of range.
///
/// Like every loader here, it takes any `AsRef<Path>`: a `&str`, a `String`,
/// a `&Path` or a `PathBuf`.
///
/// ```
/// use nn::data::load_digits_csv;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sklearn-digits/digits.csv.gz");
/// let digits = load_digits_csv(path)?;
/// assert_eq!(digits.class_counts(), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
/// assert!(digits.inputs().iter().all(|&x| (0.0..=1.0).contains(&x)));
/// # Ok::<(), nn::data::DataError>(())
/// ```
pub fn load_digits_csv(path: impl AsRef<Path>) -> Result<Dataset, DataError> {
    let path = path.as_ref();
    const PIXELS: usize = 64;
    const PIXEL_MAX: u32 = 16;
    let mut src = Source::open(path)?;
    let mut text = Vec::new();
    if let Err(e) = src.read_up_to(u64::MAX, &mut text) {
        return Err(read_failure(path, src.gzip, e, text.len() as u64));
    }
    let mut inputs = Vec::new();
    let mut labels = Vec::new();
    for (number, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line_no = number + 1;
        let found = line.split(|&b| b == b',').count();
        if found != PIXELS + 1 {
            return Err(DataError::FieldCount {
                path: path.to_owned(),
                line: line_no,
                expected: PIXELS + 1,
                found,
            });
        }
        for (i, field) in line.split(|&b| b == b',').enumerate() {
            let (what, max) = if i < PIXELS {
                ("pixel", PIXEL_MAX)
            } else {
                ("label", DIGIT_CLASSES as u32 - 1)
            };
            let text = String::from_utf8_lossy(field.trim_ascii());
            let value = match text.parse::<i64>() {
                Ok(v) => v,
                Err(e) => {
                    let overflow = matches!(
                        e.kind(),
                        core::num::IntErrorKind::PosOverflow | core::num::IntErrorKind::NegOverflow
                    );
                    return Err(if overflow {
                        DataError::ValueOutOfRange {
                            path: path.to_owned(),
                            line: line_no,
                            column: i + 1,
                            text: text.into_owned(),
                            what,
                            max,
                        }
                    } else {
                        DataError::NotAnInteger {
                            path: path.to_owned(),
                            line: line_no,
                            column: i + 1,
                            text: text.into_owned(),
                        }
                    });
                }
            };
            let Some(value) = u8::try_from(value).ok().filter(|&v| u32::from(v) <= max) else {
                return Err(DataError::ValueOutOfRange {
                    path: path.to_owned(),
                    line: line_no,
                    column: i + 1,
                    text: text.into_owned(),
                    what,
                    max,
                });
            };
            if i < PIXELS {
                inputs.push(f32::from(value) / PIXEL_MAX as f32);
            } else {
                labels.push(value);
            }
        }
    }
    Dataset::new(PIXELS, DIGIT_CLASSES, inputs, labels).map_err(|source| DataError::Dataset {
        path: path.to_owned(),
        source,
    })
}
