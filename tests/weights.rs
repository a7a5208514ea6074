//! safetensors save/load (`nn::io`): the file layout against hand-made files,
//! round trips, every typed error, and atomic saving.
//!
//! Files are built by hand here (8-byte little-endian header length, JSON
//! header, row-major little-endian data), so the layout is checked against
//! the format itself rather than against the code under test.

mod common;
use common::assert_causes_printed_once;
use nn::Params;
use nn::io::{
    LayerName, WeightsError, WeightsErrorKind, from_safetensors_bytes, from_safetensors_bytes_into,
    from_safetensors_bytes_mapped, load_safetensors, load_safetensors_into,
    load_safetensors_mapped, save_safetensors, to_safetensors_bytes,
};
use nn::nalgebra::{Vector2, Vector3};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

nn::network! {
    /// 2 -> 3 relu -> 1: small enough to write its file by hand.
    pub struct Small {
        input: 2,
        hidden: dense(3, relu),
        out: dense(1),
    }
}

nn::network! {
    /// The homework network, for round trips and big writes.
    pub struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// One tensor of a hand-made file: name, dtype, shape, raw data.
type Tensor<'a> = (&'a str, &'a str, &'a [usize], Vec<u8>);

/// A safetensors file, written by hand from the format's description.
fn file(tensors: &[Tensor]) -> Vec<u8> {
    let mut header = String::from("{");
    let mut offset = 0;
    for (i, (name, dtype, shape, data)) in tensors.iter().enumerate() {
        let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
        if i > 0 {
            header.push(',');
        }
        header.push_str(&format!(
            r#""{name}":{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{offset},{}]}}"#,
            shape.join(","),
            offset + data.len()
        ));
        offset += data.len();
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    for (_, _, _, data) in tensors {
        bytes.extend_from_slice(data);
    }
    bytes
}

/// A file of `header` followed by `data` zero bytes.
fn with_header(header: &str, data: usize) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.extend(std::iter::repeat_n(0u8, data));
    b
}

fn f32s(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn f64s(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `Small`'s file: `hidden.weight` is [[1, 2], [3, 4], [5, 6]] (rows are
/// output neurons, as in PyTorch's `nn.Linear`).
fn small_tensors() -> Vec<Tensor<'static>> {
    vec![
        (
            "hidden.weight",
            "F32",
            &[3, 2],
            f32s(&[1., 2., 3., 4., 5., 6.]),
        ),
        ("hidden.bias", "F32", &[3], f32s(&[0.5, -0.5, 0.])),
        ("out.weight", "F32", &[1, 3], f32s(&[1., -1., 2.])),
        ("out.bias", "F32", &[1], f32s(&[0.25])),
    ]
}

/// The same tensors as `small_tensors`, with one replaced, removed or added.
fn small_with(name: &str, replacement: Option<Tensor<'static>>) -> Vec<u8> {
    let mut tensors = small_tensors();
    tensors.retain(|t| t.0 != name);
    tensors.extend(replacement);
    file(&tensors)
}

/// The dtype, shape and data of tensor `name` in a file written by
/// `save_safetensors`, read from its compact JSON header by hand.
fn tensor_in(bytes: &[u8], name: &str) -> (String, Vec<usize>, Vec<u8>) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    let key = format!("\"{name}\":{{");
    let start = header
        .find(&key)
        .unwrap_or_else(|| panic!("{name} not in {header}"))
        + key.len();
    let entry = &header[start..start + header[start..].find('}').unwrap()];
    let field = |f: &str| {
        let from = entry.find(f).unwrap() + f.len();
        let to = from + entry[from..].find(['"', ']']).unwrap();
        entry[from..to].to_string()
    };
    let list = |s: String| -> Vec<usize> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect()
    };
    let offsets = list(field("\"data_offsets\":["));
    let data = bytes[8 + n + offsets[0]..8 + n + offsets[1]].to_vec();
    (field("\"dtype\":\""), list(field("\"shape\":[")), data)
}

/// A fresh, empty folder for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-weights-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `Mnist` with every bias non-zero too, so a round trip checks every value.
fn mnist<T: nn::Scalar>(seed: u64) -> Mnist<T> {
    let mut net = Mnist::<T>::init(seed);
    let mut rng = nn::init::SplitMix64::new(seed);
    for t in net.tensors_mut() {
        for v in t {
            *v += T::cast_f64(rng.next_f64() - 0.5);
        }
    }
    net
}

fn params<P: Params<T>, T: nn::Scalar>(net: &P) -> Vec<T> {
    net.tensors().flatten().copied().collect()
}

// --- layout -------------------------------------------------------------

#[test]
fn loads_row_major_out_by_in_weights() {
    let net: Box<Small<f32>> = from_safetensors_bytes(&file(&small_tensors())).unwrap();
    assert_eq!(
        net.hidden.weight,
        nn::nalgebra::Matrix3x2::new(1., 2., 3., 4., 5., 6.)
    );
    assert_eq!(net.hidden.weight[(2, 0)], 5.0);
    assert_eq!(net.hidden.bias, Vector3::new(0.5, -0.5, 0.));
    assert_eq!(net.out.weight.as_slice(), &[1., -1., 2.]);
    // z = W x + b = [3.5, 6.5, 11], relu keeps it; 3.5 - 6.5 + 22 + 0.25.
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);
}

#[test]
fn saves_row_major_out_by_in_weights() {
    let net: Box<Small<f32>> = from_safetensors_bytes(&file(&small_tensors())).unwrap();
    let bytes = to_safetensors_bytes(&*net).unwrap();
    for (name, dtype, shape, data) in small_tensors() {
        assert_eq!(
            tensor_in(&bytes, name),
            (dtype.to_string(), shape.to_vec(), data),
            "{name}"
        );
    }
    let wide = Small::<f64>::from_flat_column_major(&[
        1., 2., 3., 4., 5., 6., 0., 0., 0., 7., 8., 9., 10.,
    ])
    .unwrap();
    // from_flat_column_major is column-major: W = [[1, 4], [2, 5], [3, 6]].
    let bytes = to_safetensors_bytes(&wide).unwrap();
    assert_eq!(
        tensor_in(&bytes, "hidden.weight"),
        (
            "F64".to_string(),
            vec![3, 2],
            f64s(&[1., 4., 2., 5., 3., 6.])
        )
    );
    assert_eq!(tensor_in(&bytes, "out.bias").2, f64s(&[10.]));
}

#[test]
fn round_trips_bit_for_bit() {
    let net = mnist::<f32>(1);
    let back: Box<Mnist<f32>> =
        from_safetensors_bytes(&to_safetensors_bytes(&net).unwrap()).unwrap();
    let (a, b) = (params(&net), params(&*back));
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));

    let net = mnist::<f64>(2);
    let dir = temp_dir("round-trip");
    let path = dir.join("mnist.safetensors");
    save_safetensors(&net, &path).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        fs::read(&path).unwrap().len() as u64
    );
    let back: Box<Mnist<f64>> = load_safetensors(&path).unwrap();
    let (a, b) = (params(&net), params(&*back));
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    let x = nn::nalgebra::SVector::<f64, 784>::from_fn(|i, _| (i % 7) as f64 / 7.0);
    assert_eq!(net.forward(&x), back.forward(&x));
    assert_eq!(entries(&dir), ["mnist.safetensors"]);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ignores_metadata_and_tensor_order() {
    let mut tensors = small_tensors();
    tensors.reverse();
    let mut bytes = file(&tensors);
    // Insert `"__metadata__":{"format":"pt"},` after the opening brace, as
    // PyTorch's save_file does, and fix the header length.
    let meta = br#""__metadata__":{"format":"pt"},"#;
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    bytes.splice(9..9, meta.iter().copied());
    bytes[..8].copy_from_slice(&((n + meta.len()) as u64).to_le_bytes());
    let net: Box<Small<f32>> = from_safetensors_bytes(&bytes).unwrap();
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);
}

// --- tensor errors --------------------------------------------------------

#[test]
fn missing_tensor_is_named_with_the_file_s_names() {
    let err = from_safetensors_bytes::<Small<f32>, _>(&small_with("out.bias", None)).unwrap_err();
    match &err {
        WeightsError {
            path: None,
            kind:
                WeightsErrorKind::Missing {
                    name,
                    tensor: "out.bias",
                    available,
                    ..
                },
            ..
        } => {
            assert_eq!(name, "out.bias");
            assert_eq!(available, &["hidden.bias", "hidden.weight", "out.weight"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "missing tensor `out.bias`: the file has `hidden.bias`, `hidden.weight`, `out.weight`"
    );
    let err = from_safetensors_bytes::<Small<f32>, _>(&file(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing tensor `hidden.weight`: the file has no tensors"
    );
}

#[test]
fn extra_tensor_is_an_error() {
    let extra = ("extra.weight", "F32", &[1usize][..], f32s(&[0.0]));
    let err = from_safetensors_bytes::<Small<f32>, _>(&small_with("", Some(extra))).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: None, kind: WeightsErrorKind::Unexpected { name, .. }, .. } if name == "extra.weight"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unexpected tensor `extra.weight`: expected only the network's tensors (a file with extra tensors is rejected)"
    );
}

#[test]
fn wrong_shape_says_expected_and_found() {
    // The weight transposed, as a framework with `[in, out]` weights writes it.
    let transposed = (
        "hidden.weight",
        "F32",
        &[2usize, 3][..],
        f32s(&[1., 3., 5., 2., 4., 6.]),
    );
    let err =
        from_safetensors_bytes::<Small<f32>, _>(&small_with("hidden.weight", Some(transposed)))
            .unwrap_err();
    match &err {
        WeightsError {
            kind:
                WeightsErrorKind::Shape {
                    name,
                    tensor: "hidden.weight",
                    expected: [3, 2],
                    found,
                    ..
                },
            ..
        } => assert_eq!(
            (name.as_str(), found.as_slice()),
            ("hidden.weight", &[2, 3][..])
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "tensor `hidden.weight`: shape [2, 3]: expected [3, 2]"
    );

    // Same element count, other rank.
    let flat = ("out.bias", "F32", &[1usize, 1][..], f32s(&[0.25]));
    let err =
        from_safetensors_bytes::<Small<f32>, _>(&small_with("out.bias", Some(flat))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tensor `out.bias`: shape [1, 1]: expected [1]"
    );
}

#[test]
fn dtype_mismatch_is_an_error_both_ways() {
    // F64 file into an f32 network.
    let f64_file = file(&[
        (
            "hidden.weight",
            "F64",
            &[3, 2],
            f64s(&[1., 2., 3., 4., 5., 6.]),
        ),
        ("hidden.bias", "F64", &[3], f64s(&[0.5, -0.5, 0.])),
        ("out.weight", "F64", &[1, 3], f64s(&[1., -1., 2.])),
        ("out.bias", "F64", &[1], f64s(&[0.25])),
    ]);
    let err = from_safetensors_bytes::<Small<f32>, _>(&f64_file).unwrap_err();
    assert!(
        matches!(&err, WeightsError { kind: WeightsErrorKind::Dtype { tensor: "hidden.weight", expected: "F32", found, .. }, .. } if found == "F64"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "tensor `hidden.weight`: dtype F64: expected F32 (dtypes are never converted)"
    );
    // The same file is fine for the f64 network ...
    let net: Box<Small<f64>> = from_safetensors_bytes(&f64_file).unwrap();
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);
    // ... which does not take the F32 file.
    let err = from_safetensors_bytes::<Small<f64>, _>(&file(&small_tensors())).unwrap_err();
    assert!(
        matches!(&err, WeightsError { kind: WeightsErrorKind::Dtype { expected: "F64", found, .. }, .. } if found == "F32")
    );

    // Other float widths and integers are rejected too, even with the right byte count.
    for (dtype, data) in [
        ("F16", vec![0u8; 2]),
        ("BF16", vec![0; 2]),
        ("I32", vec![0; 4]),
    ] {
        let t = ("out.bias", dtype, &[1usize][..], data);
        let err =
            from_safetensors_bytes::<Small<f32>, _>(&small_with("out.bias", Some(t))).unwrap_err();
        assert!(
            matches!(&err, WeightsError { kind: WeightsErrorKind::Dtype { tensor: "out.bias", found, .. }, .. } if found == dtype),
            "{err:?}"
        );
    }
}

#[test]
fn non_finite_values_are_rejected_on_load() {
    for (value, shown) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "inf"),
        (f32::NEG_INFINITY, "-inf"),
    ] {
        // Row 2, column 1 of hidden.weight (row-major element 5).
        let w = (
            "hidden.weight",
            "F32",
            &[3usize, 2][..],
            f32s(&[1., 2., 3., 4., 5., value]),
        );
        let err = from_safetensors_bytes::<Small<f32>, _>(&small_with("hidden.weight", Some(w)))
            .unwrap_err();
        match &err {
            WeightsError {
                kind:
                    WeightsErrorKind::NonFinite {
                        tensor: "hidden.weight",
                        index,
                        value: v,
                        ..
                    },
                ..
            } => {
                assert_eq!(index, &[2, 1]);
                assert_eq!(v.to_bits(), f64::from(value).to_bits());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "tensor `hidden.weight`: non-finite value {shown} at [2, 1]: weight files hold finite values only"
            )
        );
    }
    let b = (
        "hidden.bias",
        "F32",
        &[3usize][..],
        f32s(&[0., f32::NAN, 0.]),
    );
    let err =
        from_safetensors_bytes::<Small<f32>, _>(&small_with("hidden.bias", Some(b))).unwrap_err();
    assert!(
        matches!(&err, WeightsError { kind: WeightsErrorKind::NonFinite { tensor: "hidden.bias", index, .. }, .. } if index == &[1])
    );
}

#[test]
fn non_finite_values_are_rejected_on_save_and_leave_the_old_file() {
    let dir = temp_dir("nan-save");
    let path = dir.join("net.safetensors");
    let good = Small::<f32>::init(1);
    save_safetensors(&good, &path).unwrap();
    let before = fs::read(&path).unwrap();

    let mut diverged = good.clone();
    diverged.out.weight[(0, 2)] = f32::NAN;
    let err = save_safetensors(&diverged, &path).unwrap_err();
    match &err {
        WeightsError {
            path: Some(p),
            kind:
                WeightsErrorKind::NonFinite {
                    tensor: "out.weight",
                    index,
                    ..
                },
            ..
        } => assert_eq!(
            (p.as_path(), index.as_slice()),
            (path.as_path(), &[0, 2][..])
        ),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with(&format!(
        "{}: tensor `out.weight`: non-finite value NaN at [0, 2]",
        path.display()
    )));
    assert!(matches!(
        to_safetensors_bytes(&diverged),
        Err(WeightsError {
            path: None,
            kind: WeightsErrorKind::NonFinite { .. },
            ..
        })
    ));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(entries(&dir), ["net.safetensors"]);
    fs::remove_dir_all(dir).unwrap();
}

// --- broken files -----------------------------------------------------------

#[test]
fn every_truncation_is_a_truncated_error() {
    let bytes = file(&small_tensors());
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap());
    for cut in 0..bytes.len() {
        let err = from_safetensors_bytes::<Small<f32>, _>(&bytes[..cut]).unwrap_err();
        let (part, expected) = match cut as u64 {
            c if c < 8 => ("header length", 8),
            c if c < header_end => ("header", header_end),
            _ => ("data", bytes.len() as u64),
        };
        match err {
            WeightsError {
                path: None,
                kind:
                    WeightsErrorKind::Truncated {
                        part: p,
                        expected: e,
                        found,
                        ..
                    },
                ..
            } => assert_eq!((p, e, found), (part, expected, cut as u64), "cut at {cut}"),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let err = from_safetensors_bytes::<Small<f32>, _>(&bytes[..bytes.len() - 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "truncated data: expected {} bytes, found {}",
            bytes.len(),
            bytes.len() - 3
        )
    );
}

#[test]
fn corrupt_files_are_corrupt_errors() {
    let good = file(&small_tensors());
    let mut trailing = good.clone();
    trailing.push(0);
    let trailing_message = format!(
        "the file is {} bytes, but its last tensor ends at byte {}",
        good.len() + 1,
        good.len()
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("trailing byte", trailing, &trailing_message),
        (
            "not JSON",
            with_header("{not json}", 0),
            "the header is not valid JSON: key must be a string at line 1 column 2",
        ),
        (
            "JSON array",
            with_header("[1, 2]", 0),
            "the header is not a JSON object",
        ),
        (
            "PNG",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "more than 100000000 bytes",
        ),
        (
            "overlapping offsets",
            with_header(
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                6,
            ),
            "tensor `b`: data begins at offset 2; expected 4, where the data before it ends",
        ),
        (
            "shape and offsets disagree",
            with_header(
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#,
                4,
            ),
            "tensor `a`: data offsets [0, 4] span 4 bytes, but shape [2] of F32 is 8 bytes",
        ),
        (
            "unknown dtype",
            with_header(
                r#"{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}"#,
                4,
            ),
            "tensor `a`: unknown dtype `F31`; expected one of `BOOL`, `F4`,",
        ),
    ];
    for (what, bytes, message) in cases {
        let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
        assert!(
            matches!(
                err,
                WeightsError {
                    path: None,
                    kind: WeightsErrorKind::Corrupt { .. },
                    ..
                }
            ),
            "{what}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("not a valid safetensors file: "),
            "{what}: {text}"
        );
        assert!(text.contains(message), "{what}: {text}");
    }
}

/// A file of nine U8 tensors whose offsets each fit in a `u64` (every tensor
/// is under 2^61 bytes) and chain up to `u64::MAX`: the data would end past
/// the largest possible file. Added up unchecked, `8 + header + u64::MAX`
/// wraps around to a few bytes less than the file's length.
fn overflowing_offsets() -> Vec<u8> {
    let size = u64::MAX / 9;
    let entries: Vec<String> = (0..9)
        .map(|i| {
            let (begin, end) = (i * size, if i == 8 { u64::MAX } else { (i + 1) * size });
            format!(
                r#""t{i}":{{"dtype":"U8","shape":[{}],"data_offsets":[{begin},{end}]}}"#,
                end - begin
            )
        })
        .collect();
    with_header(&format!("{{{}}}", entries.join(",")), 8)
}

#[test]
fn offsets_that_add_up_past_u64_are_a_corrupt_error() {
    let bytes = overflowing_offsets();
    let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            WeightsError {
                path: None,
                kind: WeightsErrorKind::Corrupt { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "not a valid safetensors file: tensor `t8`: data ends at offset {} of a data section \
             that begins at byte {}, past the largest possible file size ({} bytes); expected offsets \
             within the file",
            u64::MAX,
            bytes.len() - 8,
            u64::MAX
        )
    );
    // From a file, through the same check.
    let dir = temp_dir("overflow");
    let path = dir.join("overflow.safetensors");
    fs::write(&path, &bytes).unwrap();
    let err = load_safetensors::<Small<f32>, _>(&path).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: Some(p), kind: WeightsErrorKind::Corrupt { reason, .. }, .. } if p == &path && reason.contains("`t8`")),
        "{err:?}"
    );
    fs::remove_dir_all(dir).unwrap();
}

nn::network! {
    /// One layer with a bias of two: the shape of the second `out.bias` below.
    pub struct Pair { input: 1, out: dense(2) }
}

#[test]
fn a_tensor_named_twice_is_an_error_naming_it() {
    // Both entries of `out.bias` cover the same 8 bytes, so either could be
    // read; a reader that keeps one entry per name loads the last, silently.
    let header = concat!(
        r#"{"out.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"#,
        r#""out.bias":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},"#,
        r#""out.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
    );
    let err = from_safetensors_bytes::<Pair<f32>, _>(&with_header(header, 16)).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: None, kind: WeightsErrorKind::Duplicate { name, .. }, .. } if name == "out.bias"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "not a valid safetensors file: `out.bias` appears twice in the header; expected each name once"
    );
}

#[test]
fn file_errors_name_the_file() {
    let dir = temp_dir("file-errors");
    let path = dir.join("cut.safetensors");
    let bytes = file(&small_tensors());
    fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let err = load_safetensors::<Small<f32>, _>(&path).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: Some(p), kind: WeightsErrorKind::Truncated { part: "data", .. }, .. } if p == &path)
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}: truncated data", path.display()))
    );

    fs::write(&path, small_with("out.bias", None)).unwrap();
    let err = load_safetensors::<Small<f32>, _>(&path).unwrap_err();
    assert_eq!(err.path(), Some(path.as_path()));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: missing tensor `out.bias`", path.display()))
    );

    let missing = dir.join("no-such.safetensors");
    let err = load_safetensors::<Small<f32>, _>(&missing).unwrap_err();
    match &err {
        WeightsError {
            path: Some(path),
            kind:
                WeightsErrorKind::Io {
                    action: "read",
                    error: source,
                    ..
                },
            ..
        } => assert_eq!(
            (path, source.kind()),
            (&missing, std::io::ErrorKind::NotFound)
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read: ", missing.display()))
    );
    assert_causes_printed_once(&err);
    fs::remove_dir_all(dir).unwrap();
}

// --- name mapping -------------------------------------------------------------

#[test]
fn mapping_renames_layers() {
    let renamed: Vec<Tensor> = small_tensors()
        .into_iter()
        .map(|(name, d, s, data)| {
            let name = match name {
                "hidden.weight" => "model.0.weight",
                "hidden.bias" => "model.0.bias",
                other => other, // `out` keeps its name
            };
            (name, d, s, data)
        })
        .collect();
    let bytes = file(&renamed);
    let net: Box<Small<f32>> = from_safetensors_bytes_mapped(
        &bytes,
        &[LayerName {
            layer: "hidden",
            file: "model.0",
        }],
    )
    .unwrap();
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);

    let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing tensor `hidden.weight`: the file has `model.0.bias`, `model.0.weight`, `out.bias`, `out.weight`"
    );
    // A mapped layer's own name is not read: the file's `hidden.*` are extra.
    let err = from_safetensors_bytes_mapped::<Small<f32>, _>(
        &file(&[small_tensors(), renamed[..2].to_vec()].concat()),
        &[LayerName {
            layer: "hidden",
            file: "model.0",
        }],
    )
    .unwrap_err();
    assert!(
        matches!(&err, WeightsError { kind: WeightsErrorKind::Unexpected { name, .. }, .. } if name == "hidden.bias"),
        "{err:?}"
    );
    // Errors name both the file's name and the network's.
    let err = from_safetensors_bytes_mapped::<Small<f32>, _>(
        &bytes,
        &[LayerName {
            layer: "hidden",
            file: "model.1",
        }],
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("missing tensor `model.1.weight` (for `hidden.weight`): ")
    );
    let err = from_safetensors_bytes_mapped::<Small<f64>, _>(
        &bytes,
        &[LayerName {
            layer: "hidden",
            file: "model.0",
        }],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "tensor `model.0.weight` (for `hidden.weight`): dtype F32: expected F64 (dtypes are never converted)"
    );
}

#[test]
fn bad_mappings_are_rejected() {
    let bytes = file(&small_tensors());
    let map = |layer, file| LayerName { layer, file };
    let cases: [(&[LayerName], &str); 4] = [
        (
            &[map("hiden", "0")],
            "bad layer mapping (layer `hiden`, file name `0`): the network has no such layer",
        ),
        // The order of the old `(file, layer)` pairs, written into the fields.
        (
            &[map("0", "hidden")],
            "bad layer mapping (layer `0`, file name `hidden`): the network has no such layer",
        ),
        (
            &[map("hidden", "0"), map("hidden", "1")],
            "bad layer mapping (layer `hidden`, file name `1`): another mapping names the same layer",
        ),
        (
            &[map("hidden", "0"), map("out", "0")],
            "bad layer mapping (layer `out`, file name `0`): another mapping names the same file name",
        ),
    ];
    for (names, message) in cases {
        let err = from_safetensors_bytes_mapped::<Small<f32>, _>(&bytes, names).unwrap_err();
        assert!(
            matches!(
                err,
                WeightsError {
                    kind: WeightsErrorKind::Mapping { .. },
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.to_string(), message);
        assert_eq!(err.path(), None);
    }
    // The file is read before the mapping is looked at.
    let err = load_safetensors_mapped::<Small<f32>, _>(
        "no/such/file",
        &[LayerName {
            layer: "hiden",
            file: "0",
        }],
    );
    assert!(
        matches!(
            err,
            Err(WeightsError {
                kind: WeightsErrorKind::Io { .. },
                ..
            })
        ),
        "the file is read first: {err:?}"
    );
}

// --- large networks ---------------------------------------------------------------

nn::network! {
    /// One 1024 × 1024 layer: 4 MiB of f32 weights, twice a spawned thread's
    /// default stack.
    pub struct Wide { input: 1024, out: dense(1024) }
}

/// Saving and every way of loading work on a thread with a 2 MiB stack (what
/// `std::thread::spawn` gives): no copy of the network passes through it.
#[test]
fn a_4_mib_layer_saves_and_loads_on_a_2_mib_thread() {
    let dir = temp_dir("wide");
    let path = dir.join("wide.safetensors");
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let net = Wide::<f32>::init_boxed(5);
            save_safetensors(&*net, &path).unwrap();
            // (`==`, not assert_eq!: a failure would print 4 MiB of numbers)
            let back: Box<Wide<f32>> = load_safetensors(&path).unwrap();
            assert!(back.out.weight == net.out.weight && back.out.bias == net.out.bias);
            let bytes = fs::read(&path).unwrap();
            let back = from_safetensors_bytes::<Wide<f32>, _>(&bytes).unwrap();
            assert!(back.out.weight == net.out.weight);
            let back = load_safetensors_mapped::<Wide<f32>, _>(
                &path,
                &[LayerName {
                    layer: "out",
                    file: "out",
                }],
            )
            .unwrap();
            assert!(back.out.weight == net.out.weight);
            let mut into = Wide::<f32>::zeros_boxed();
            load_safetensors_into(&mut *into, &path, &[]).unwrap();
            assert!(into.out.weight == net.out.weight);
        })
        .unwrap()
        .join()
        .unwrap();
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn loading_into_a_network_changes_nothing_when_the_file_is_rejected() {
    let mut net = Small::<f32>::init(7);
    let before = params(&net);
    // Every tensor but the last one is fine: a loader that wrote as it
    // checked would have overwritten the others.
    let bad_bias = ("out.bias", "F32", &[1usize][..], f32s(&[f32::NAN]));
    let err = from_safetensors_bytes_into(&mut net, &small_with("out.bias", Some(bad_bias)), &[])
        .unwrap_err();
    assert!(
        matches!(
            err,
            WeightsError {
                kind: WeightsErrorKind::NonFinite {
                    tensor: "out.bias",
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let extra = ("extra.weight", "F32", &[1usize][..], f32s(&[0.0]));
    let err = from_safetensors_bytes_into(&mut net, &small_with("", Some(extra)), &[]).unwrap_err();
    assert!(
        matches!(
            err,
            WeightsError {
                kind: WeightsErrorKind::Unexpected { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(params(&net), before);

    from_safetensors_bytes_into(&mut net, &file(&small_tensors()), &[]).unwrap();
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);
    let dir = temp_dir("into");
    let path = dir.join("net.safetensors");
    fs::write(&path, small_with("out.bias", None)).unwrap();
    let err = load_safetensors_into(&mut net, &path, &[]).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: Some(p), kind: WeightsErrorKind::Missing { .. }, .. } if p == &path),
        "{err:?}"
    );
    assert_eq!(net.forward(&Vector2::new(1., 1.))[0], 19.25);
    fs::remove_dir_all(dir).unwrap();
}

// --- atomic saving ---------------------------------------------------------------

#[test]
fn save_replaces_the_old_file_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("replace");
    let path = dir.join("net.safetensors");
    save_safetensors(&Small::<f32>::init(1), &path).unwrap();
    // A new file gets the mode any file the process creates gets (0o666 less
    // the umask), not the 0o600 of a temporary file.
    let reference = dir.join("reference");
    fs::write(&reference, b"").unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), mode(&reference));
    fs::remove_file(&reference).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let newer = Small::<f32>::init(2);
    save_safetensors(&newer, &path).unwrap();
    let back: Box<Small<f32>> = load_safetensors(&path).unwrap();
    assert_eq!(params(&*back), params(&newer));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(
        entries(&dir),
        ["net.safetensors"],
        "no temporary file is left"
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_into_a_path_under_a_regular_file_fails_with_the_path() {
    let dir = temp_dir("under-file");
    let not_a_dir = dir.join("plain-file");
    fs::write(&not_a_dir, b"keep me").unwrap();
    let path = not_a_dir.join("net.safetensors");
    let err = save_safetensors(&Small::<f32>::init(1), &path).unwrap_err();
    assert!(
        matches!(&err, WeightsError { path: Some(p), kind: WeightsErrorKind::Io { action: "create a temporary file for", .. }, .. } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(&format!(
        "{}: cannot create a temporary file for: ",
        path.display()
    )));
    assert_eq!(fs::read(&not_a_dir).unwrap(), b"keep me");
    assert_eq!(entries(&dir), ["plain-file"]);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn failed_rename_leaves_the_target_and_no_temporary_file() {
    // The target is a non-empty folder: the rename fails after the temporary
    // file has been written and synced.
    let dir = temp_dir("rename");
    let path = dir.join("net.safetensors");
    fs::create_dir(&path).unwrap();
    fs::write(path.join("inside"), b"x").unwrap();
    let err = save_safetensors(&Small::<f32>::init(1), &path).unwrap_err();
    assert!(
        matches!(
            &err,
            WeightsError {
                kind: WeightsErrorKind::Io {
                    action: "replace",
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(entries(&dir), ["net.safetensors"]);
    assert_eq!(entries(&path), ["inside"]);
    fs::remove_dir_all(dir).unwrap();
}

/// Set by `failed_write_leaves_the_previous_file_intact` for the copy of
/// itself that it runs under a file-size limit.
const CHILD: &str = "NN_WEIGHTS_SAVE_UNDER_FILE_SIZE_LIMIT";

/// A save that fails while writing (here: the file-size limit `ulimit -f`,
/// which binds root too, unlike permission bits) leaves the previous file
/// byte for byte and removes its temporary file. A save that wrote into the
/// target in place would leave it cut off.
#[test]
fn failed_write_leaves_the_previous_file_intact() {
    if let Some(path) = std::env::var_os(CHILD) {
        // The child: 100 KiB of f64 parameters against a limit of a few KiB.
        let err = save_safetensors(&mnist::<f64>(4), &path).unwrap_err();
        match &err {
            WeightsError {
                kind:
                    WeightsErrorKind::Io {
                        action: "write",
                        error: source,
                        ..
                    },
                ..
            } => assert_eq!(source.raw_os_error(), Some(27), "EFBIG: {err}"),
            other => panic!("{other:?}"),
        }
        println!("child: save failed as expected: {err}");
        return;
    }
    let dir = temp_dir("write-fails");
    let path = dir.join("net.safetensors");
    let old = mnist::<f64>(3);
    save_safetensors(&old, &path).unwrap();
    let before = fs::read(&path).unwrap();
    assert!(before.len() > 100_000);

    // SIGXFSZ would kill the child at the limit; ignored, write() fails with EFBIG.
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"trap '' XFSZ && ulimit -f 8 && exec "$0" "$@""#)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "failed_write_leaves_the_previous_file_intact",
            "--nocapture",
        ])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && stdout.contains("child: save failed as expected")
            && stdout.contains("1 passed"),
        "child failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // (assert!, not assert_eq!: on failure, 100 KiB of bytes would drown the message)
    assert!(
        fs::read(&path).unwrap() == before,
        "the previous file is not intact"
    );
    assert_eq!(
        entries(&dir),
        ["net.safetensors"],
        "no temporary file is left"
    );
    let back: Box<Mnist<f64>> = load_safetensors(&path).unwrap();
    assert_eq!(params(&*back), params(&old));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn saves_under_the_longest_file_name_the_folder_allows() {
    let dir = temp_dir("long-name");
    let name = format!("{}.safetensors", "n".repeat(255 - ".safetensors".len()));
    assert_eq!(name.len(), 255, "NAME_MAX on Linux file systems");
    let path = dir.join(&name);
    fs::write(&path, b"old").unwrap();
    let net = Small::<f32>::init(1);
    save_safetensors(&net, &path).unwrap();
    let back: Box<Small<f32>> = load_safetensors(&path).unwrap();
    assert_eq!(params(&*back), params(&net));
    assert_eq!(entries(&dir), [name]);
    fs::remove_dir_all(dir).unwrap();
}

/// Set by `a_killed_save_leaves_one_recognizable_temporary_file` for the copy
/// of itself that is killed while it writes.
const KILLED_CHILD: &str = "NN_WEIGHTS_SAVE_KILLED";

/// A process killed while it saves cannot remove its temporary file; what it
/// leaves must match the pattern `save_safetensors` documents, so that it
/// can be found and deleted. The child is killed by SIGXFSZ, the signal a
/// write past the file-size limit raises.
#[test]
fn a_killed_save_leaves_one_recognizable_temporary_file() {
    if let Some(path) = std::env::var_os(KILLED_CHILD) {
        let _ = save_safetensors(&mnist::<f64>(4), &path);
        println!("child: the save returned instead of being killed");
        return;
    }
    let dir = temp_dir("killed");
    let path = dir.join("net.safetensors");
    save_safetensors(&Small::<f32>::init(1), &path).unwrap();
    let before = fs::read(&path).unwrap();

    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -c 0 && ulimit -f 8 && exec "$0" "$@""#)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_killed_save_leaves_one_recognizable_temporary_file",
            "--nocapture",
        ])
        .env(KILLED_CHILD, &path)
        .output()
        .unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(25),
            "the child is killed by SIGXFSZ: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(fs::read(&path).unwrap(), before, "the old file is intact");
    let names = entries(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[1], "net.safetensors");
    let temp = &names[0];
    // `.nn-save-XXXXXX.tmp`, with six random letters or digits.
    let random = temp
        .strip_prefix(".nn-save-")
        .and_then(|t| t.strip_suffix(".tmp"))
        .unwrap_or_else(|| panic!("{temp} does not match `.nn-save-*.tmp`"));
    assert!(
        random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric()),
        "{temp}"
    );
    fs::remove_dir_all(dir).unwrap();
}
