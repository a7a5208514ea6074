//! scikit-learn's digits CSV.

use super::source::{Source, read_failure};
use super::{DIGIT_CLASSES, DataError, DataErrorKind, Dataset};
use std::path::Path;

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
            return Err(DataError::new(
                path,
                DataErrorKind::FieldCount {
                    line: line_no,
                    expected: PIXELS + 1,
                    found,
                },
            ));
        }
        for (i, field) in line.split(|&b| b == b',').enumerate() {
            let (what, max) = if i < PIXELS {
                ("pixel", PIXEL_MAX)
            } else {
                ("label", DIGIT_CLASSES as u32 - 1)
            };
            let text = String::from_utf8_lossy(field.trim_ascii());
            // An integer too large for i64 is out of range like any other
            // beyond `max`; only text that is no integer at all differs.
            let value = match text.parse::<i64>() {
                Ok(v) => u8::try_from(v).ok().filter(|&v| u32::from(v) <= max),
                Err(e)
                    if matches!(
                        e.kind(),
                        core::num::IntErrorKind::PosOverflow | core::num::IntErrorKind::NegOverflow
                    ) =>
                {
                    None
                }
                Err(_) => {
                    return Err(DataError::new(
                        path,
                        DataErrorKind::NotAnInteger {
                            line: line_no,
                            column: i + 1,
                            text: text.into_owned(),
                        },
                    ));
                }
            };
            let Some(value) = value else {
                return Err(DataError::new(
                    path,
                    DataErrorKind::ValueOutOfRange {
                        line: line_no,
                        column: i + 1,
                        text: text.into_owned(),
                        what,
                        max,
                    },
                ));
            };
            if i < PIXELS {
                inputs.push(f32::from(value) / PIXEL_MAX as f32);
            } else {
                labels.push(value);
            }
        }
    }
    Dataset::new(PIXELS, DIGIT_CLASSES, inputs, labels)
        .map_err(|problem| DataError::new(path, DataErrorKind::Dataset { problem }))
}
