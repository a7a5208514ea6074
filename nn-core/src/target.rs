//! Training targets that are checked when they are made.

use core::fmt;

/// A class index that is valid for a network with `N` outputs: `0 <= index < N`.
///
/// The only way to make one is [`ClassLabel::new`], which rejects an
/// out-of-range index with a [`LabelError`], so a loss never indexes past the
/// output.
///
/// ```
/// use nn::ClassLabel;
/// let seven = ClassLabel::<10>::new(7).unwrap();
/// assert_eq!(seven.index(), 7);
/// assert!(ClassLabel::<10>::new(10).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassLabel<const N: usize>(usize);

impl<const N: usize> ClassLabel<N> {
    /// The label for class `index`, or an error if `index >= N`.
    pub const fn new(index: usize) -> Result<Self, LabelError> {
        if index < N {
            Ok(Self(index))
        } else {
            Err(LabelError {
                label: index,
                classes: N,
            })
        }
    }

    /// The class index, always below `N`.
    pub const fn index(self) -> usize {
        self.0
    }
}

impl<const N: usize> TryFrom<usize> for ClassLabel<N> {
    type Error = LabelError;
    fn try_from(index: usize) -> Result<Self, LabelError> {
        Self::new(index)
    }
}

impl<const N: usize> fmt::Display for ClassLabel<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A class index that does not fit the number of classes.
///
/// ```
/// use nn::ClassLabel;
/// let err = ClassLabel::<10>::new(12).unwrap_err();
/// assert_eq!(err.to_string(), "label 12 is out of range: expected a class in 0..10");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("label {label} is out of range: expected a class in 0..{classes}")]
pub struct LabelError {
    /// The label that was given.
    pub label: usize,
    /// The number of classes (valid labels are `0..classes`).
    pub classes: usize,
}
