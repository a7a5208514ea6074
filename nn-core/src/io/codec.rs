//! The safetensors codec: a network to bytes and bytes to a network, with
//! every check of the [module docs](super); no files.

use super::{WeightsError, WeightsErrorKind};
use crate::{Params, Scalar, TensorInfo, network::column_major_position};
use safetensors::tensor::{Dtype, View};
use std::borrow::Cow;

/// The network as the bytes of a safetensors file: `<layer>.weight` of shape
/// `[out, in]` and `<layer>.bias` of shape `[out]` for every layer, row-major,
/// dtype [`Scalar::DTYPE`].
///
/// Fails with [`WeightsErrorKind::NonFinite`] if a parameter is NaN or infinite.
///
/// # Panics
///
/// If the network's [`Params`] implementation is inconsistent (a tensor
/// slice whose length is not its shape's, or two tensors of one name); the
/// implementations `network!` generates never are.
///
/// ```
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::to_safetensors_bytes;
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Tiny::<f64>::init(1))?;
/// // 8 bytes of header length, the JSON header, then 3 f64 values.
/// let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// assert_eq!(bytes.len(), 8 + header + 3 * 8);
/// assert!(std::str::from_utf8(&bytes[8..8 + header])?.contains(r#""out.weight":{"dtype":"F64","shape":[1,2]"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_safetensors_bytes<P: Params<T>, T: Scalar>(net: &P) -> Result<Vec<u8>, WeightsError> {
    let tensors = encode(net)?;
    safetensors::serialize(tensors, None).map_err(|e| {
        WeightsError::from(WeightsErrorKind::Corrupt {
            reason: format!("cannot encode: {e}"),
        })
    })
}

/// The bytes of a calibration file for `quantize = int8`: the sample
/// `inputs` (rows of `features` values one after the other, as
/// `Dataset::inputs` (`nn::data`) holds them) as one
/// `F32` tensor `input` of shape `[samples, features]`.
///
/// Fails with [`WeightsErrorKind::Rows`] if `inputs` is empty or not whole
/// rows, and with [`WeightsErrorKind::NonFinite`] on a NaN or an infinity.
///
/// ```
/// use nn::io::calibration_bytes;
/// let bytes = calibration_bytes(&[0.0, 0.5, 1.0, 0.25], 2)?;
/// let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// assert!(std::str::from_utf8(&bytes[8..8 + header])?.contains(r#""input":{"dtype":"F32","shape":[2,2]"#));
/// assert!(calibration_bytes(&[0.0, 0.5, 1.0], 2).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn calibration_bytes(inputs: &[f32], features: usize) -> Result<Vec<u8>, WeightsError> {
    if features == 0 || inputs.is_empty() || !inputs.len().is_multiple_of(features) {
        return Err(WeightsErrorKind::Rows {
            values: inputs.len(),
            features,
        }
        .into());
    }
    if let Some(i) = inputs.iter().position(|v| !v.is_finite()) {
        return Err(WeightsErrorKind::NonFinite {
            name: "input".to_owned(),
            tensor: "input",
            index: vec![i / features, i % features],
            value: inputs[i].into(),
        }
        .into());
    }
    let tensor = Encoded {
        dtype: Dtype::F32,
        shape: vec![inputs.len() / features, features],
        data: inputs.iter().flat_map(|v| v.to_le_bytes()).collect(),
    };
    safetensors::serialize([("input", tensor)], None).map_err(|e| {
        WeightsError::from(WeightsErrorKind::Corrupt {
            reason: format!("cannot encode: {e}"),
        })
    })
}

/// A network from the bytes of a safetensors file, as [`load_safetensors`](crate::io::load_safetensors)
/// reads it, built on the heap.
///
/// ```
/// use nn::io::{from_safetensors_bytes, to_safetensors_bytes, WeightsError, WeightsErrorKind};
/// nn::network! { struct Small { input: 2, out: dense(1) } }
/// nn::network! { struct Wide { input: 3, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Wide::<f32>::init(1))?;
/// let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
/// assert!(matches!(err.kind, WeightsErrorKind::Shape { ref found, .. } if found == &[1, 3]));
/// assert_eq!(err.to_string(), "tensor `out.weight`: shape [1, 3]: expected [1, 2]");
/// // A small network can leave its box.
/// let wide: Wide<f32> = *from_safetensors_bytes(&bytes)?;
/// assert_eq!(wide.out.weight, Wide::<f32>::init(1).out.weight);
/// # Ok::<(), WeightsError>(())
/// ```
pub fn from_safetensors_bytes<P: Params<T>, T: Scalar>(
    bytes: &[u8],
) -> Result<Box<P>, WeightsError> {
    from_safetensors_bytes_mapped(bytes, &[])
}

/// A network from the bytes of a safetensors file whose layers have other
/// names, as [`load_safetensors_mapped`](crate::io::load_safetensors_mapped) reads it, built on the heap.
///
/// ```
/// use nn::io::{LayerName, from_safetensors_bytes, from_safetensors_bytes_mapped, to_safetensors_bytes};
/// nn::network! { struct A { input: 2, first: dense(3, relu), second: dense(1) } }
/// nn::network! { struct B { input: 2, l1: dense(3, relu), l2: dense(1) } }
/// let bytes = to_safetensors_bytes(&A::<f32>::init(9))?;
/// assert!(from_safetensors_bytes::<B<f32>, _>(&bytes).is_err());
/// let names = [
///     LayerName { layer: "l1", file: "first" },
///     LayerName { layer: "l2", file: "second" },
/// ];
/// let b: Box<B<f32>> = from_safetensors_bytes_mapped(&bytes, &names)?;
/// assert_eq!(b.l2.weight, A::<f32>::init(9).second.weight);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn from_safetensors_bytes_mapped<P: Params<T>, T: Scalar>(
    bytes: &[u8],
    layers: &[LayerName<'_>],
) -> Result<Box<P>, WeightsError> {
    let mut net = P::zeros_boxed();
    from_safetensors_bytes_into(&mut *net, bytes, layers)?;
    Ok(net)
}

/// Reads the bytes of a safetensors file into an existing network, in
/// place, as [`load_safetensors_into`](crate::io::load_safetensors_into) does; `net` is left as it was if the
/// bytes are rejected.
///
/// ```
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::{from_safetensors_bytes_into, to_safetensors_bytes};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Tiny::<f64>::init(8))?;
/// let mut net = Tiny::<f64>::zeros();
/// from_safetensors_bytes_into(&mut net, &bytes, &[])?;
/// assert_eq!(net.out.bias, Tiny::<f64>::init(8).out.bias);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn from_safetensors_bytes_into<P: Params<T>, T: Scalar>(
    net: &mut P,
    bytes: &[u8],
    layers: &[LayerName<'_>],
) -> Result<(), WeightsError> {
    let names = file_names::<P, T>(layers)?;
    let file = nn_format::parse(bytes).map_err(WeightsError::format)?;
    let tensors = check_tensors(&*net, &file, &names)?;
    for ((info, slice), tensor) in P::TENSORS.iter().zip(net.tensors_mut()).zip(tensors) {
        for (i, value) in values::<T>(tensor.data()).enumerate() {
            // Exact: the dtype is T's; the value was checked to be finite.
            slice[column_major_index(info.shape, i).0] = T::cast_f64(value);
        }
    }
    Ok(())
}

/// A layer whose tensors have another name in the file: the network's
/// `<layer>.weight` and `<layer>.bias` are read from the file's
/// `<file>.weight` and `<file>.bias`. The run-time twin of
/// `#[weights("PATH", layers(LAYER = "FILE"))]`, and in the same order.
///
/// Fields, not a pair: a `(&str, &str)` could be written either way round
/// and a mapping between names the network and the file share would load
/// the wrong tensors without an error.
///
/// ```
/// use nn::io::{LayerName, from_safetensors_bytes_mapped, to_safetensors_bytes};
/// nn::network! { struct A { input: 2, first: dense(1) } }
/// nn::network! { struct B { input: 2, l1: dense(1) } }
/// let bytes = to_safetensors_bytes(&A::<f32>::init(3))?;
/// let b: Box<B<f32>> = from_safetensors_bytes_mapped(&bytes, &[LayerName { layer: "l1", file: "first" }])?;
/// assert_eq!(b.l1.weight, A::<f32>::init(3).first.weight);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayerName<'a> {
    /// The network's layer, as the spec names it (`hidden1`).
    pub layer: &'a str,
    /// The name of its tensors in the file, without `.weight` or `.bias`
    /// (`0` for the first `Linear` of a PyTorch `Sequential`).
    pub file: &'a str,
}

/// A tensor to write: what the safetensors crate needs of it.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The safetensors dtype of `T` (the trait is sealed: `f32` or `f64`).
fn dtype_of<T: Scalar>() -> Dtype {
    if T::DTYPE == "F64" {
        Dtype::F64
    } else {
        Dtype::F32
    }
}

/// Panics unless `slice` can hold the tensor `info` describes.
fn check_params_impl(info: &TensorInfo, slice_len: usize) {
    let elements: usize = info.shape.iter().product();
    assert!(
        elements == info.len && slice_len == info.len,
        "inconsistent Params implementation: tensor `{}` has shape {:?}, len {} and a slice of {} values",
        info.name,
        info.shape,
        info.len,
        slice_len
    );
}

/// The element of a column-major slice at row-major position `i` of `shape`
/// (see [`column_major_position`]), and its index in `shape`.
fn column_major_index(shape: &[usize], i: usize) -> (usize, Vec<usize>) {
    let mut index = vec![0; shape.len().max(1)];
    let mut rest = i;
    for (k, &dim) in index.iter_mut().zip(shape).rev() {
        *k = rest % dim.max(1);
        rest /= dim.max(1);
    }
    if shape.is_empty() {
        index[0] = i;
    }
    (column_major_position(shape, i), index)
}

/// Every tensor of `net`, row-major little-endian bytes, named as in `TENSORS`.
fn encode<P: Params<T>, T: Scalar>(net: &P) -> Result<Vec<(&'static str, Encoded)>, WeightsError> {
    let dtype = dtype_of::<T>();
    let mut out: Vec<(&'static str, Encoded)> = Vec::with_capacity(P::TENSORS.len());
    let mut slices = net.tensors();
    for info in P::TENSORS {
        let slice = slices.next().unwrap_or(&[]);
        check_params_impl(info, slice.len());
        assert!(
            out.iter().all(|(n, _)| *n != info.name),
            "inconsistent Params implementation: two tensors are named `{}`",
            info.name
        );
        let mut data = Vec::with_capacity(info.len * core::mem::size_of::<T>());
        for i in 0..info.len {
            let (j, index) = column_major_index(info.shape, i);
            let value = slice[j].into_f64();
            if !value.is_finite() {
                return Err(WeightsError::from(WeightsErrorKind::NonFinite {
                    name: info.name.to_string(),
                    tensor: info.name,
                    index,
                    value,
                }));
            }
            match dtype {
                // Exact: the value came from an f32.
                Dtype::F32 => data.extend_from_slice(&(value as f32).to_le_bytes()),
                _ => data.extend_from_slice(&value.to_le_bytes()),
            }
        }
        out.push((
            info.name,
            Encoded {
                dtype,
                shape: info.shape.to_vec(),
                data,
            },
        ));
    }
    Ok(out)
}

/// The file name of each tensor of `P`, after checking the mapping.
fn file_names<P: Params<T>, T: Scalar>(
    layers: &[LayerName<'_>],
) -> Result<Vec<String>, WeightsError> {
    let bad = |map: &LayerName, reason| {
        WeightsError::from(WeightsErrorKind::Mapping {
            layer: map.layer.to_string(),
            file: map.file.to_string(),
            reason,
        })
    };
    for (k, map) in layers.iter().enumerate() {
        if !P::TENSORS.iter().any(|t| t.layer == map.layer) {
            return Err(bad(map, "the network has no such layer"));
        }
        if layers[..k].iter().any(|m| m.layer == map.layer) {
            return Err(bad(map, "another mapping names the same layer"));
        }
        if layers[..k].iter().any(|m| m.file == map.file) {
            return Err(bad(map, "another mapping names the same file name"));
        }
    }
    Ok(P::TENSORS
        .iter()
        .map(|info| {
            let suffix = info.name.strip_prefix(info.layer).unwrap_or(info.name);
            match layers.iter().find(|m| m.layer == info.layer) {
                Some(m) => format!("{}{suffix}", m.file),
                None => info.name.to_string(),
            }
        })
        .collect())
}

/// The values of a tensor of `T`'s dtype, widened to `f64` (exactly).
fn values<T: Scalar>(data: &[u8]) -> impl Iterator<Item = f64> + '_ {
    let width = core::mem::size_of::<T>();
    data.chunks_exact(width).map(move |b| match width {
        4 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        _ => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
    })
}

/// The file's tensor for each tensor of `P` (named `names`), after checking
/// every rule of the [module docs](crate::io): nothing is written to a network
/// before the whole file has passed.
fn check_tensors<'f, 'a, P: Params<T>, T: Scalar>(
    net: &P,
    file: &'f nn_format::File<'a>,
    names: &[String],
) -> Result<Vec<&'f nn_format::Tensor<'a>>, WeightsError> {
    let mut slices = net.tensors();
    let mut found = Vec::with_capacity(P::TENSORS.len());
    for (info, name) in P::TENSORS.iter().zip(names) {
        check_params_impl(info, slices.next().map_or(0, <[T]>::len));
        let Some(tensor) = file.get(name) else {
            return Err(WeightsError::from(WeightsErrorKind::Missing {
                name: name.clone(),
                tensor: info.name,
                available: file.names().map(String::from).collect(),
            }));
        };
        if tensor.dtype().name() != T::DTYPE {
            return Err(WeightsError::from(WeightsErrorKind::Dtype {
                name: name.clone(),
                tensor: info.name,
                expected: T::DTYPE,
                found: tensor.dtype().to_string(),
            }));
        }
        if tensor.shape() != info.shape {
            return Err(WeightsError::from(WeightsErrorKind::Shape {
                name: name.clone(),
                tensor: info.name,
                expected: info.shape,
                found: tensor.shape().to_vec(),
            }));
        }
        if let Some((i, value)) = values::<T>(tensor.data())
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return Err(WeightsError::from(WeightsErrorKind::NonFinite {
                name: name.clone(),
                tensor: info.name,
                index: column_major_index(info.shape, i).1,
                value,
            }));
        }
        found.push(tensor);
    }
    if let Some(extra) = file.names().find(|n| !names.iter().any(|m| m == n)) {
        return Err(WeightsError::from(WeightsErrorKind::Unexpected {
            name: extra.to_string(),
        }));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, TensorKind};

    /// A convolution from 3 channels to 2 with a 2 × 2 kernel, its weight
    /// declared as PyTorch's `[out, in, kh, kw]` and stored as the
    /// `2 × 12` matrix of `Dense` (row `o` is `weight[o]` flattened).
    #[derive(Clone, Debug, PartialEq)]
    struct Conv {
        conv: Dense<f64, 12, 2>,
    }

    // SAFETY: one `Dense` of f64, which is valid as all-zero bytes.
    unsafe impl bytemuck::Zeroable for Conv {}

    impl Params<f64> for Conv {
        const PARAM_COUNT: usize = 26;
        const TENSORS: &'static [TensorInfo] = &[
            TensorInfo {
                name: "conv.weight",
                layer: "conv",
                kind: TensorKind::Weight,
                shape: &[2, 3, 2, 2],
                len: 24,
            },
            TensorInfo {
                name: "conv.bias",
                layer: "conv",
                kind: TensorKind::Bias,
                shape: &[2],
                len: 2,
            },
        ];
        fn zeros() -> Self {
            Self {
                conv: Dense::zeros(),
            }
        }
        fn init_in_place(&mut self, seed: u64) {
            let mut rng = crate::init::SplitMix64::new(seed);
            for v in self.conv.weight.iter_mut().chain(self.conv.bias.iter_mut()) {
                *v = rng.next_f64();
            }
        }
        fn tensors(&self) -> impl Iterator<Item = &[f64]> {
            [self.conv.weight.as_slice(), self.conv.bias.as_slice()].into_iter()
        }
        fn tensors_mut(&mut self) -> impl Iterator<Item = &mut [f64]> {
            [
                self.conv.weight.as_mut_slice(),
                self.conv.bias.as_mut_slice(),
            ]
            .into_iter()
        }
    }

    /// PyTorch's row-major `weight[o][c][ki][kj]`, numbered `1000 o + 100 c
    /// + 10 ki + kj` so that a misplaced value shows where it came from.
    fn pytorch_weight() -> Vec<f64> {
        let mut w = Vec::new();
        for o in 0..2 {
            for c in 0..3 {
                for ki in 0..2 {
                    for kj in 0..2 {
                        w.push(f64::from(1000 * o + 100 * c + 10 * ki + kj));
                    }
                }
            }
        }
        w
    }

    #[test]
    fn a_4d_weight_loads_row_major_into_rows_of_the_matrix() {
        let net = Conv::from_tensors(&[&pytorch_weight(), &[0.5, -0.5]]).unwrap();
        // Row o, column c·4 + ki·2 + kj.
        assert_eq!(net.conv.weight[(1, 2 * 4 + 2 + 1)], 1211.0);
        assert_eq!(net.conv.weight[(0, 4 + 1)], 101.0);
    }

    #[test]
    fn a_4d_weight_saves_row_major_and_round_trips() {
        let net = Conv::from_tensors(&[&pytorch_weight(), &[0.5, -0.5]]).unwrap();
        let bytes = to_safetensors_bytes(&net).unwrap();
        let file = nn_format::parse(&bytes).unwrap();
        let weight = file.get("conv.weight").unwrap();
        assert_eq!(weight.shape(), [2, 3, 2, 2]);
        // The file holds PyTorch's layout exactly.
        assert_eq!(
            values::<f64>(weight.data()).collect::<Vec<_>>(),
            pytorch_weight()
        );
        let back: Box<Conv> = from_safetensors_bytes(&bytes).unwrap();
        assert_eq!(*back, net);
    }

    #[test]
    fn a_non_finite_value_of_a_4d_weight_is_reported_at_its_4d_index() {
        let mut net = Conv::from_tensors(&[&pytorch_weight(), &[0.5, -0.5]]).unwrap();
        net.conv.weight[(1, 2 * 4 + 2 + 1)] = f64::NAN;
        let err = to_safetensors_bytes(&net).unwrap_err();
        assert!(
            matches!(err.kind, WeightsErrorKind::NonFinite { ref index, .. } if index == &[1, 2, 1, 1]),
            "{err:?}"
        );
    }
}
