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

mod csv;
mod dataset;
mod error;
mod idx;
mod source;

pub use csv::load_digits_csv;
pub use dataset::{Batches, Dataset, RegressionDataset};
pub use error::{DataError, DataErrorKind, DatasetError};
pub use idx::{IdxImages, load_idx, load_idx_images, load_idx_labels, load_mnist};

/// MNIST and the digits both have ten classes, `0..=9`.
const DIGIT_CLASSES: usize = 10;
