//! A strict reader of [safetensors] files: the byte-level checks that the
//! `nn` crate's run-time loader (`nn::io`) and its compile-time
//! `#[weights("PATH")]` check share, so that a file one of them accepts the
//! other accepts too.
//!
//! A safetensors file is an 8-byte little-endian header length `n`, a JSON
//! header of `n` bytes, and the tensors' data. The header maps each tensor's
//! name to its dtype, shape and `data_offsets` `[begin, end]` in the data
//! section; an optional `__metadata__` entry maps strings to strings.
//! [`parse`] checks all of it before anything reads an offset, with checked
//! arithmetic throughout, and returns a [`FormatError`] naming the tensor:
//!
//! - the header length is at most [`MAX_HEADER`] and within the file;
//! - the header is UTF-8 and a JSON object, and names no tensor twice (a
//!   JSON map would keep only the last entry of a name, silently);
//! - each entry has a known dtype, a shape whose size in bytes fits in 64
//!   bits and is a whole number of bytes, and offsets `begin <= end` that
//!   span exactly that size;
//! - the tensors' data is stored one after another from offset 0, without
//!   gaps or overlaps (in any order in the header), and the last tensor ends
//!   exactly at the end of the file: the data section ending earlier than the
//!   offsets say is [`FormatError::Truncated`], bytes after it are
//!   [`FormatError::TrailingBytes`], and an end that a 64-bit file size
//!   cannot reach is [`FormatError::OffsetOverflow`].
//!
//! ```
//! // 8-byte length, header, data: one F32 tensor of shape [2].
//! let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
//! let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
//! bytes.extend_from_slice(header);
//! bytes.extend([1.5f32, -2.0].iter().flat_map(|v| v.to_le_bytes()));
//!
//! let file = nn_format::parse(&bytes)?;
//! let w = file.get("w").unwrap();
//! assert_eq!((w.dtype(), w.shape()), (nn_format::Dtype::F32, &[2][..]));
//! assert_eq!(w.data(), &bytes[bytes.len() - 8..]);
//!
//! // The same name twice is an error, not the last entry.
//! let twice = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#;
//! let mut bad = (twice.len() as u64).to_le_bytes().to_vec();
//! bad.extend_from_slice(twice);
//! bad.extend([0u8; 8]);
//! let err = nn_format::parse(&bad).unwrap_err();
//! assert_eq!(err.to_string(), "`w` appears twice in the header; expected each name once");
//! # Ok::<(), nn_format::FormatError>(())
//! ```
//!
//! [`read_tensors`] is what `#[weights("PATH")]` calls on the file's bytes:
//! [`parse`], then every `F32` and `F64` tensor's values widened to `f64`.
//! Fuzz targets call these two functions on arbitrary bytes; neither panics.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

/// Bytes of the little-endian `u64` header length that starts every file.
pub const LEN_BYTES: usize = 8;

/// The largest header accepted, in bytes: the limit of the reference
/// implementation (the `safetensors` crate). A file that announces more is
/// not a safetensors file, or a damaged one.
///
/// ```
/// let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
/// png.extend([0; 8]);
/// let err = nn_format::parse(&png).unwrap_err();
/// assert!(matches!(err, nn_format::FormatError::HeaderTooLarge { found } if found > nn_format::MAX_HEADER));
/// ```
pub const MAX_HEADER: u64 = 100_000_000;

/// The header entry that holds free-form metadata rather than a tensor.
const METADATA: &str = "__metadata__";

/// The element type of a tensor, as the header names it (`"F32"`, `"BF16"`,
/// ...): every dtype of the reference implementation.
///
/// ```
/// use nn_format::Dtype;
/// assert_eq!(Dtype::from_name("BF16"), Some(Dtype::BF16));
/// assert_eq!(Dtype::F64.to_string(), "F64");
/// assert_eq!(Dtype::F4.bits(), 4);
/// assert_eq!(Dtype::from_name("F31"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(
    non_camel_case_types,
    reason = "the variants are spelled as the format spells them"
)]
pub enum Dtype {
    /// Boolean, one byte.
    BOOL,
    /// 4-bit float (MXFP4).
    F4,
    /// 6-bit float, 2 exponent bits (MXFP6).
    F6_E2M3,
    /// 6-bit float, 3 exponent bits (MXFP6).
    F6_E3M2,
    /// Unsigned byte.
    U8,
    /// Signed byte.
    I8,
    /// 8-bit float, 5 exponent bits.
    F8_E5M2,
    /// 8-bit float, 4 exponent bits.
    F8_E4M3,
    /// 8-bit float, exponent only (MX scale).
    F8_E8M0,
    /// 8-bit float, 4 exponent bits, no negative zero.
    F8_E4M3FNUZ,
    /// 8-bit float, 5 exponent bits, no negative zero.
    F8_E5M2FNUZ,
    /// 16-bit signed integer.
    I16,
    /// 16-bit unsigned integer.
    U16,
    /// IEEE-754 half precision.
    F16,
    /// bfloat16.
    BF16,
    /// 32-bit signed integer.
    I32,
    /// 32-bit unsigned integer.
    U32,
    /// IEEE-754 single precision.
    F32,
    /// Complex number of two `F32`.
    C64,
    /// IEEE-754 double precision.
    F64,
    /// 64-bit signed integer.
    I64,
    /// 64-bit unsigned integer.
    U64,
}

impl Dtype {
    /// Every dtype, in the order of the reference implementation.
    ///
    /// ```
    /// assert!(nn_format::Dtype::ALL.iter().all(|d| nn_format::Dtype::from_name(d.name()) == Some(*d)));
    /// ```
    pub const ALL: [Self; 22] = [
        Self::BOOL,
        Self::F4,
        Self::F6_E2M3,
        Self::F6_E3M2,
        Self::U8,
        Self::I8,
        Self::F8_E5M2,
        Self::F8_E4M3,
        Self::F8_E8M0,
        Self::F8_E4M3FNUZ,
        Self::F8_E5M2FNUZ,
        Self::I16,
        Self::U16,
        Self::F16,
        Self::BF16,
        Self::I32,
        Self::U32,
        Self::F32,
        Self::C64,
        Self::F64,
        Self::I64,
        Self::U64,
    ];

    /// The name the header uses.
    ///
    /// ```
    /// assert_eq!(nn_format::Dtype::F8_E4M3.name(), "F8_E4M3");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::BOOL => "BOOL",
            Self::F4 => "F4",
            Self::F6_E2M3 => "F6_E2M3",
            Self::F6_E3M2 => "F6_E3M2",
            Self::U8 => "U8",
            Self::I8 => "I8",
            Self::F8_E5M2 => "F8_E5M2",
            Self::F8_E4M3 => "F8_E4M3",
            Self::F8_E8M0 => "F8_E8M0",
            Self::F8_E4M3FNUZ => "F8_E4M3FNUZ",
            Self::F8_E5M2FNUZ => "F8_E5M2FNUZ",
            Self::I16 => "I16",
            Self::U16 => "U16",
            Self::F16 => "F16",
            Self::BF16 => "BF16",
            Self::I32 => "I32",
            Self::U32 => "U32",
            Self::F32 => "F32",
            Self::C64 => "C64",
            Self::F64 => "F64",
            Self::I64 => "I64",
            Self::U64 => "U64",
        }
    }

    /// The dtype the header calls `name`, if any (names are case-sensitive).
    ///
    /// ```
    /// assert_eq!(nn_format::Dtype::from_name("f32"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bits of one element.
    ///
    /// ```
    /// assert_eq!(nn_format::Dtype::C64.bits(), 64);
    /// ```
    pub fn bits(self) -> u64 {
        match self {
            Self::F4 => 4,
            Self::F6_E2M3 | Self::F6_E3M2 => 6,
            Self::BOOL
            | Self::U8
            | Self::I8
            | Self::F8_E5M2
            | Self::F8_E4M3
            | Self::F8_E8M0
            | Self::F8_E4M3FNUZ
            | Self::F8_E5M2FNUZ => 8,
            Self::I16 | Self::U16 | Self::F16 | Self::BF16 => 16,
            Self::I32 | Self::U32 | Self::F32 => 32,
            Self::C64 | Self::F64 | Self::I64 | Self::U64 => 64,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The part of a file that a [`FormatError::Truncated`] file ends in.
///
/// ```
/// assert_eq!(nn_format::Part::HeaderLength.to_string(), "header length");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The first [`LEN_BYTES`] bytes.
    HeaderLength,
    /// The JSON header.
    Header,
    /// The tensors' data.
    Data,
}

impl Part {
    /// `"header length"`, `"header"` or `"data"`.
    ///
    /// ```
    /// assert_eq!(nn_format::Part::Data.as_str(), "data");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HeaderLength => "header length",
            Self::Header => "header",
            Self::Data => "data",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why bytes are not a valid safetensors file. Errors about one entry of
/// the header name it as the header does.
///
/// ```
/// let err = nn_format::parse(b"{}").unwrap_err();
/// assert!(matches!(err, nn_format::FormatError::Truncated { part: nn_format::Part::HeaderLength, .. }));
/// assert_eq!(err.to_string(), "truncated header length: expected 8 bytes, found 2");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The file ends before the part that its header length or its offsets
    /// announce.
    #[error("truncated {part}: expected {expected} bytes, found {found}")]
    Truncated {
        /// The part the file ends in.
        part: Part,
        /// The file size that part needs, in bytes.
        expected: u64,
        /// The file size, in bytes.
        found: u64,
    },
    /// The header length is more than [`MAX_HEADER`].
    #[error("header length {found} is more than {MAX_HEADER} bytes")]
    HeaderTooLarge {
        /// The header length the file announces.
        found: u64,
    },
    /// The header is not UTF-8.
    #[error("the header is not UTF-8: invalid byte at header offset {offset}")]
    NotUtf8 {
        /// Where the first invalid byte is, from the start of the header.
        offset: usize,
    },
    /// The header is not a JSON object (an array, a number, empty, ...).
    #[error("the header is not a JSON object")]
    NotAnObject,
    /// The header is not valid JSON.
    #[error("the header is not valid JSON: {reason}")]
    Json {
        /// What the JSON parser said.
        reason: String,
    },
    /// The header names a tensor (or `__metadata__`) twice.
    #[error("`{name}` appears twice in the header; expected each name once")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// `__metadata__` is not an object of strings.
    #[error("`__metadata__`: {reason}; expected an object whose values are strings")]
    Metadata {
        /// What the JSON parser said.
        reason: String,
    },
    /// A tensor's entry is not an object with `dtype`, `shape` and
    /// `data_offsets`.
    #[error(
        "tensor `{name}`: {reason}; expected {{\"dtype\": NAME, \"shape\": [DIM, ...], \"data_offsets\": [BEGIN, END]}}"
    )]
    Entry {
        /// The tensor.
        name: String,
        /// What the JSON parser said.
        reason: String,
    },
    /// A tensor's dtype is not one of [`Dtype::ALL`].
    #[error(
        "tensor `{name}`: unknown dtype `{found}`; expected one of {}",
        dtype_names()
    )]
    UnknownDtype {
        /// The tensor.
        name: String,
        /// The dtype as the header spells it.
        found: String,
    },
    /// A tensor's size in bits does not fit in 64 bits.
    #[error("tensor `{name}`: shape {shape:?} of {dtype} is more than 2^64 bits")]
    TooLarge {
        /// The tensor.
        name: String,
        /// Its dtype.
        dtype: Dtype,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// A tensor of a sub-byte dtype does not fill whole bytes.
    #[error(
        "tensor `{name}`: shape {shape:?} of {dtype} is {bits} bits; expected a whole number of bytes"
    )]
    Misaligned {
        /// The tensor.
        name: String,
        /// Its dtype.
        dtype: Dtype,
        /// Its shape.
        shape: Vec<usize>,
        /// Its size in bits.
        bits: u64,
    },
    /// A tensor's offsets end before they begin.
    #[error("tensor `{name}`: data offsets [{begin}, {end}] end before they begin")]
    ReversedOffsets {
        /// The tensor.
        name: String,
        /// The first offset.
        begin: u64,
        /// The second offset.
        end: u64,
    },
    /// A tensor's offsets do not span its shape's size.
    #[error(
        "tensor `{name}`: data offsets [{begin}, {end}] span {found} bytes, but shape {shape:?} of {dtype} is {expected} bytes"
    )]
    SizeMismatch {
        /// The tensor.
        name: String,
        /// Its dtype.
        dtype: Dtype,
        /// Its shape.
        shape: Vec<usize>,
        /// The first offset.
        begin: u64,
        /// The second offset.
        end: u64,
        /// The size the shape and dtype give.
        expected: u64,
        /// `end - begin`.
        found: u64,
    },
    /// A tensor's data does not begin where the previous tensor's (by
    /// offset) ends: a gap or an overlap.
    #[error(
        "tensor `{name}`: data begins at offset {begin}; expected {expected}, where the data before it ends (tensors are stored one after another from offset 0)"
    )]
    NotContiguous {
        /// The tensor.
        name: String,
        /// Its first offset.
        begin: u64,
        /// The end of the tensor before it, or 0 for the first.
        expected: u64,
    },
    /// The last tensor ends past the largest possible file: its end offset
    /// plus the bytes before the data section is more than `u64::MAX`.
    #[error(
        "tensor `{name}`: data ends at offset {end} of a data section that begins at byte {data_start}, past the largest possible file size ({} bytes); expected offsets within the file",
        u64::MAX
    )]
    OffsetOverflow {
        /// The tensor.
        name: String,
        /// Its end offset.
        end: u64,
        /// Bytes before the data section: the header length field and the header.
        data_start: u64,
    },
    /// The file goes on after the last tensor's data.
    #[error("the file is {found} bytes, but its last tensor ends at byte {end}")]
    TrailingBytes {
        /// Where the data announced by the header ends.
        end: u64,
        /// The file size, in bytes.
        found: u64,
    },
}

fn dtype_names() -> String {
    let names: Vec<String> = Dtype::ALL.iter().map(|d| format!("`{d}`")).collect();
    names.join(", ")
}

/// One tensor of a checked file: its name, dtype, shape and data.
///
/// ```
/// let header = br#"{"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}"#;
/// let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
/// bytes.extend_from_slice(header);
/// bytes.extend([7, 8, 9]);
/// let file = nn_format::parse(&bytes)?;
/// let b = &file.tensors()[0];
/// assert_eq!((b.name(), b.shape(), b.data()), ("b", &[3][..], &[7, 8, 9][..]));
/// # Ok::<(), nn_format::FormatError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor<'a> {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    data: &'a [u8],
}

impl<'a> Tensor<'a> {
    /// The name, as the header spells it (JSON escapes resolved).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The shape, row-major (`[]` for a scalar).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The raw little-endian data: exactly the shape's size in `dtype`.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

/// A checked safetensors file: its tensors, borrowing the file's bytes.
///
/// ```
/// let header = br#"{"__metadata__":{"format":"pt"},"b":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#;
/// let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
/// bytes.extend_from_slice(header);
/// bytes.push(42);
/// let file = nn_format::parse(&bytes)?;
/// assert_eq!(file.len(), 2);
/// assert_eq!(file.names().collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(file.metadata().get("format").map(String::as_str), Some("pt"));
/// assert!(file.get("__metadata__").is_none());
/// # Ok::<(), nn_format::FormatError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File<'a> {
    /// In the order of their data.
    tensors: Vec<Tensor<'a>>,
    /// Indices into `tensors`, in name order.
    by_name: Vec<usize>,
    metadata: BTreeMap<String, String>,
}

impl<'a> File<'a> {
    /// The tensors, in the order of their data in the file.
    pub fn tensors(&self) -> &[Tensor<'a>] {
        &self.tensors
    }

    /// The tensor named `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&Tensor<'a>> {
        self.by_name
            .binary_search_by(|&i| self.tensors[i].name.as_str().cmp(name))
            .ok()
            .map(|k| &self.tensors[self.by_name[k]])
    }

    /// The tensors' names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.iter().map(|&i| self.tensors[i].name.as_str())
    }

    /// How many tensors the file has.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    /// Whether the file has no tensors.
    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// The `__metadata__` entry (empty if the file has none).
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }
}

/// One header entry as the JSON says it, before it is checked.
#[derive(Deserialize)]
struct RawEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// The header's entries in the order written, duplicates included: a JSON
/// map type would keep one entry per name.
struct Entries(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value::<Box<RawValue>>()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// A tensor entry whose dtype, shape and offsets agree.
struct Checked {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    begin: u64,
    end: u64,
}

/// Checks one tensor entry on its own: dtype, size, offsets.
fn check_entry(name: String, raw: &RawValue) -> Result<Checked, FormatError> {
    let entry: RawEntry = match serde_json::from_str(raw.get()) {
        Ok(entry) => entry,
        Err(e) => {
            return Err(FormatError::Entry {
                name,
                reason: e.to_string(),
            });
        }
    };
    let Some(dtype) = Dtype::from_name(&entry.dtype) else {
        return Err(FormatError::UnknownDtype {
            name,
            found: entry.dtype,
        });
    };
    let shape = entry.shape;
    // A zero dimension makes the product zero, however large the others.
    let elements = if shape.contains(&0) {
        Some(0)
    } else {
        shape
            .iter()
            .try_fold(1u64, |n, &d| n.checked_mul(u64::try_from(d).ok()?))
    };
    let Some(bits) = elements.and_then(|n| n.checked_mul(dtype.bits())) else {
        return Err(FormatError::TooLarge { name, dtype, shape });
    };
    if bits % 8 != 0 {
        return Err(FormatError::Misaligned {
            name,
            dtype,
            shape,
            bits,
        });
    }
    let size = bits / 8;
    let [begin, end] = entry.data_offsets;
    let Some(found) = end.checked_sub(begin) else {
        return Err(FormatError::ReversedOffsets { name, begin, end });
    };
    if found != size {
        return Err(FormatError::SizeMismatch {
            name,
            dtype,
            shape,
            begin,
            end,
            expected: size,
            found,
        });
    }
    Ok(Checked {
        name,
        dtype,
        shape,
        begin,
        end,
    })
}

/// Checks `bytes` as a whole safetensors file and returns its tensors.
///
/// Every check listed in the [crate docs](crate) runs before any offset is
/// used to index the bytes, with checked arithmetic, in every build profile;
/// a file that fails one is a [`FormatError`] that says what is wrong and
/// names the tensor. It never panics, whatever the bytes.
///
/// ```
/// // Eight tensors of 2^61 - 1 bytes: each offset fits in 64 bits, but the
/// // data would end past any possible file.
/// let size = (1u64 << 61) - 1;
/// let entries: Vec<String> = (0..8)
///     .map(|i| format!(r#""t{i}":{{"dtype":"U8","shape":[{size}],"data_offsets":[{},{}]}}"#, i * size, (i + 1) * size))
///     .collect();
/// let header = format!("{{{}}}", entries.join(","));
/// let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
/// bytes.extend_from_slice(header.as_bytes());
/// let err = nn_format::parse(&bytes).unwrap_err();
/// assert!(matches!(err, nn_format::FormatError::OffsetOverflow { ref name, .. } if name == "t7"));
/// ```
pub fn parse(bytes: &[u8]) -> Result<File<'_>, FormatError> {
    let found = bytes.len() as u64;
    let Some(len_bytes) = bytes.first_chunk::<LEN_BYTES>() else {
        return Err(FormatError::Truncated {
            part: Part::HeaderLength,
            expected: LEN_BYTES as u64,
            found,
        });
    };
    let header_len = u64::from_le_bytes(*len_bytes);
    if header_len > MAX_HEADER {
        return Err(FormatError::HeaderTooLarge { found: header_len });
    }
    // At most 8 + MAX_HEADER: no overflow.
    let data_start = LEN_BYTES as u64 + header_len;
    if found < data_start {
        return Err(FormatError::Truncated {
            part: Part::Header,
            expected: data_start,
            found,
        });
    }
    // In bounds: data_start <= bytes.len().
    let header = &bytes[LEN_BYTES..data_start as usize];
    let header = std::str::from_utf8(header).map_err(|e| FormatError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if !header
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return Err(FormatError::NotAnObject);
    }
    let Entries(entries) = serde_json::from_str(header).map_err(|e| FormatError::Json {
        reason: e.to_string(),
    })?;

    let mut names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(FormatError::Duplicate {
            name: pair[0].to_owned(),
        });
    }

    let mut metadata = BTreeMap::new();
    let mut checked = Vec::with_capacity(entries.len());
    for (name, raw) in entries {
        if name == METADATA {
            let map: Option<BTreeMap<String, String>> =
                serde_json::from_str(raw.get()).map_err(|e| FormatError::Metadata {
                    reason: e.to_string(),
                })?;
            metadata = map.unwrap_or_default();
        } else {
            checked.push(check_entry(name, &raw)?);
        }
    }

    // The reference implementation accepts entries in any order and stores
    // data by offset; zero-sized tensors may share an offset.
    checked.sort_by_key(|t| (t.begin, t.end));
    let mut end = 0u64;
    for t in &checked {
        if t.begin != end {
            return Err(FormatError::NotContiguous {
                name: t.name.clone(),
                begin: t.begin,
                expected: end,
            });
        }
        end = t.end;
    }
    if let Some(last) = checked.last() {
        let Some(file_end) = data_start.checked_add(last.end) else {
            return Err(FormatError::OffsetOverflow {
                name: last.name.clone(),
                end: last.end,
                data_start,
            });
        };
        end = file_end;
    } else {
        end = data_start;
    }
    if end > found {
        return Err(FormatError::Truncated {
            part: Part::Data,
            expected: end,
            found,
        });
    }
    if end < found {
        return Err(FormatError::TrailingBytes { end, found });
    }

    // Every offset is now at most `bytes.len() - data_start`, so the
    // conversions and the slicing below are in bounds.
    let data = &bytes[data_start as usize..];
    let tensors: Vec<Tensor<'_>> = checked
        .into_iter()
        .map(|t| Tensor {
            data: &data[t.begin as usize..t.end as usize],
            name: t.name,
            dtype: t.dtype,
            shape: t.shape,
        })
        .collect();
    let mut by_name: Vec<usize> = (0..tensors.len()).collect();
    by_name.sort_unstable_by(|&a, &b| tensors[a].name.cmp(&tensors[b].name));
    Ok(File {
        tensors,
        by_name,
        metadata,
    })
}

/// One tensor of a file with its values, as [`read_tensors`] gives it.
///
/// ```
/// let header = br#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
/// let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
/// bytes.extend_from_slice(header);
/// bytes.extend(0.1f32.to_le_bytes());
/// let w = &nn_format::read_tensors(&bytes)?[0];
/// assert_eq!(w.values, Some(vec![f64::from(0.1f32)]));
/// # Ok::<(), nn_format::FormatError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TensorValues {
    /// The name, as the header spells it.
    pub name: String,
    /// The element type.
    pub dtype: Dtype,
    /// The shape, row-major.
    pub shape: Vec<usize>,
    /// The values, row-major, widened to `f64` (exactly) for `F32` and
    /// `F64` tensors; `None` for every other dtype.
    pub values: Option<Vec<f64>>,
}

/// What `#[weights("PATH")]` reads from a file's bytes at compile time:
/// [`parse`], then each tensor in name order, with its `F32` or `F64`
/// values widened to `f64` (NaN and infinities are kept: the caller decides).
///
/// ```
/// let header = br#"{"b":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"a":{"dtype":"I8","shape":[1],"data_offsets":[16,17]}}"#;
/// let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
/// bytes.extend_from_slice(header);
/// bytes.extend([0.5f64, f64::NAN].iter().flat_map(|v| v.to_le_bytes()));
/// bytes.push(1);
/// let tensors = nn_format::read_tensors(&bytes)?;
/// assert_eq!((tensors[0].name.as_str(), &tensors[0].values), ("a", &None));
/// let b = tensors[1].values.as_ref().unwrap();
/// assert!(b[0] == 0.5 && b[1].is_nan());
/// # Ok::<(), nn_format::FormatError>(())
/// ```
pub fn read_tensors(bytes: &[u8]) -> Result<Vec<TensorValues>, FormatError> {
    let file = parse(bytes)?;
    Ok(file
        .names()
        .filter_map(|name| file.get(name))
        .map(|t| TensorValues {
            name: t.name.clone(),
            dtype: t.dtype,
            shape: t.shape.clone(),
            values: values(t.dtype, t.data),
        })
        .collect())
}

/// The little-endian values of an `F32` or `F64` tensor, widened to `f64`.
fn values(dtype: Dtype, data: &[u8]) -> Option<Vec<f64>> {
    match dtype {
        Dtype::F32 => Some(
            data.chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
        ),
        Dtype::F64 => Some(
            data.chunks_exact(8)
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with `header` and `data` zero bytes after it.
    fn file(header: &str, data: usize) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.resize(bytes.len() + data, 0);
        bytes
    }

    fn entry(name: &str, dtype: &str, shape: &[u64], begin: u64, end: u64) -> String {
        let shape: Vec<String> = shape.iter().map(u64::to_string).collect();
        format!(
            r#""{name}":{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{begin},{end}]}}"#,
            shape.join(",")
        )
    }

    #[test]
    fn offsets_that_add_up_past_u64_are_an_error() {
        // Nine U8 tensors, each under 2^61 bytes, chained up to 2^64 - 1.
        let size = u64::MAX / 9;
        let mut entries = Vec::new();
        for i in 0..9u64 {
            let begin = i * size;
            let end = if i == 8 { u64::MAX } else { begin + size };
            entries.push(entry(&format!("t{i}"), "U8", &[end - begin], begin, end));
        }
        let bytes = file(&format!("{{{}}}", entries.join(",")), 8);
        match parse(&bytes).unwrap_err() {
            FormatError::OffsetOverflow {
                name,
                end,
                data_start,
            } => assert_eq!(
                (name.as_str(), end, data_start),
                ("t8", u64::MAX, bytes.len() as u64 - 8)
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_size_of_a_shape_is_checked_for_overflow() {
        let huge = 1u64 << 32;
        let err = parse(&file(
            &format!("{{{}}}", entry("a", "F32", &[huge, huge], 0, 0)),
            0,
        ))
        .unwrap_err();
        assert!(matches!(err, FormatError::TooLarge { .. }), "{err:?}");
        // 2^61 elements of 8 bits fit in 64 bits; of 64 bits they do not.
        let err = parse(&file(
            &format!("{{{}}}", entry("a", "F64", &[1 << 61], 0, 0)),
            0,
        ))
        .unwrap_err();
        assert!(matches!(err, FormatError::TooLarge { .. }), "{err:?}");
        // A zero dimension is zero bytes, however large the others.
        let empty = file(
            &format!("{{{}}}", entry("a", "F64", &[huge, huge, 0], 0, 0)),
            0,
        );
        assert_eq!(
            parse(&empty).unwrap().get("a").unwrap().data(),
            &[] as &[u8]
        );
    }

    #[test]
    fn duplicate_names_are_an_error_wherever_they_are() {
        let a = entry("a", "F32", &[1], 0, 4);
        let b = entry("b", "F32", &[1], 4, 8);
        for header in [
            format!("{{{a},{b},{a}}}"),
            format!("{{{a},{a},{b}}}"),
            r#"{"__metadata__":{},"__metadata__":{}}"#.to_owned(),
        ] {
            let err = parse(&file(&header, 8)).unwrap_err();
            assert!(
                matches!(err, FormatError::Duplicate { .. }),
                "{header}: {err:?}"
            );
        }
        // A field given twice inside one entry.
        let header = r#"{"a":{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        let err = parse(&file(header, 4)).unwrap_err();
        assert!(
            matches!(&err, FormatError::Entry { name, reason } if name == "a" && reason.contains("duplicate field `dtype`")),
            "{err:?}"
        );
    }

    #[test]
    fn gaps_overlaps_and_reversed_offsets_are_errors() {
        let gap = format!(
            "{{{},{}}}",
            entry("a", "U8", &[1], 0, 1),
            entry("b", "U8", &[1], 2, 3)
        );
        let err = parse(&file(&gap, 3)).unwrap_err();
        assert!(
            matches!(&err, FormatError::NotContiguous { name, begin: 2, expected: 1 } if name == "b"),
            "{err:?}"
        );
        let late = format!("{{{}}}", entry("a", "U8", &[1], 1, 2));
        let err = parse(&file(&late, 2)).unwrap_err();
        assert!(
            matches!(err, FormatError::NotContiguous { expected: 0, .. }),
            "{err:?}"
        );
        let reversed = format!("{{{}}}", entry("a", "U8", &[0], 3, 2));
        let err = parse(&file(&reversed, 0)).unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::ReversedOffsets {
                    begin: 3,
                    end: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        let misaligned = format!("{{{}}}", entry("a", "F4", &[3], 0, 2));
        let err = parse(&file(&misaligned, 2)).unwrap_err();
        assert!(
            matches!(err, FormatError::Misaligned { bits: 12, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn entries_in_any_order_are_read_by_offset() {
        let header = format!(
            "{{{},{},{}}}",
            entry("c", "U8", &[1], 3, 4),
            entry("a", "U8", &[0], 0, 0),
            entry("b", "U8", &[3], 0, 3)
        );
        let mut bytes = file(&header, 0);
        bytes.extend([1, 2, 3, 4]);
        let file = parse(&bytes).unwrap();
        let order: Vec<&str> = file.tensors().iter().map(Tensor::name).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(file.get("b").unwrap().data(), &[1, 2, 3]);
        assert_eq!(file.get("c").unwrap().data(), &[4]);
        assert!(file.get("d").is_none());
    }

    #[test]
    fn bad_headers_are_typed_errors() {
        type Expected = fn(&FormatError) -> bool;
        let cases: [(Vec<u8>, Expected); 6] = [
            (file("[1, 2]", 0), |e| matches!(e, FormatError::NotAnObject)),
            (file("", 0), |e| matches!(e, FormatError::NotAnObject)),
            (file("{not json}", 0), |e| {
                matches!(e, FormatError::Json { .. })
            }),
            (file(r#"{"__metadata__":{"a":1}}"#, 0), |e| {
                matches!(e, FormatError::Metadata { .. })
            }),
            (file(r#"{"a":{"dtype":"F32","shape":[1]}}"#, 0), |e| {
                matches!(e, FormatError::Entry { .. })
            }),
            (
                {
                    let mut b = file("{}", 0);
                    b[8] = 0xff;
                    b
                },
                |e| matches!(e, FormatError::NotUtf8 { offset: 0 }),
            ),
        ];
        for (bytes, expected) in cases {
            let err = parse(&bytes).unwrap_err();
            assert!(expected(&err), "{err:?}");
        }
    }
}
