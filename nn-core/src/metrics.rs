//! Classification metrics: the predicted class ([`argmax`], everywhere) and,
//! with `alloc`, accuracy and the confusion matrix.

use crate::Scalar;
#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};
#[cfg(feature = "alloc")]
use core::fmt;

/// The index of the largest value (the first one on ties): the predicted
/// class; an empty slice gives 0.
///
/// ```
/// assert_eq!(nn::metrics::argmax(&[0.1f32, 0.7, 0.7, 0.2]), 1);
/// ```
pub fn argmax<T: Scalar>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// Counts of (true class, predicted class) pairs.
///
/// ```
/// use nn::metrics::ConfusionMatrix;
/// let mut m = ConfusionMatrix::new(3);
/// m.record(0, 0);
/// m.record(1, 2);
/// m.record(2, 2);
/// assert_eq!(m.total(), 3);
/// assert_eq!(m.count(1, 2), 1);
/// assert!((m.accuracy() - 2.0 / 3.0).abs() < 1e-12);
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<usize>,
}

#[cfg(feature = "alloc")]
impl ConfusionMatrix {
    /// An empty matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Records one sample of class `truth` predicted as `predicted`; pairs
    /// outside the class range are ignored.
    pub fn record(&mut self, truth: usize, predicted: usize) {
        if truth < self.classes && predicted < self.classes {
            self.counts[truth * self.classes + predicted] += 1;
        }
    }

    /// How many samples of class `truth` were predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        if truth < self.classes && predicted < self.classes {
            self.counts[truth * self.classes + predicted]
        } else {
            0
        }
    }

    /// The number of samples recorded.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The fraction predicted correctly (0 when empty).
    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..self.classes).map(|c| self.count(c, c)).sum();
        match self.total() {
            0 => 0.0,
            n => correct as f64 / n as f64,
        }
    }

    /// Per class, the fraction of its samples predicted correctly (recall).
    pub fn recall(&self) -> Vec<f64> {
        (0..self.classes)
            .map(|c| {
                let row: usize = (0..self.classes).map(|p| self.count(c, p)).sum();
                if row == 0 {
                    0.0
                } else {
                    self.count(c, c) as f64 / row as f64
                }
            })
            .collect()
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for ConfusionMatrix {
    /// Rows are true classes, columns predicted classes, with recall per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "true\\pred")?;
        for p in 0..self.classes {
            write!(f, " {p:>5}")?;
        }
        writeln!(f, "   recall")?;
        for (t, recall) in self.recall().into_iter().enumerate() {
            write!(f, "{t:>9}")?;
            for p in 0..self.classes {
                write!(f, " {:>5}", self.count(t, p))?;
            }
            writeln!(f, "   {:>5.1}%", 100.0 * recall)?;
        }
        write!(
            f,
            "accuracy {:.2}% of {}",
            100.0 * self.accuracy(),
            self.total()
        )
    }
}
