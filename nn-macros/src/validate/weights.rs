//! `#[weights("PATH")]`: the safetensors file read at compile time and every
//! tensor checked against the spec (issue 5, part 3).
//!
//! The rules are those of `nn::io`'s loader, so a file that bakes in also
//! loads at run time and the other way round:
//!
//! - tensors are named `<layer>.weight` (`[out, in]`, row-major) and
//!   `<layer>.bias` (`[out]`);
//! - the dtype is `F32` or `F64`, one for the whole file, and it decides the
//!   scalar type of the baked network (`TRAINED` is a `Name<f32>` or a
//!   `Name<f64>`): values are never converted;
//! - a tensor the network does not read is an error (a file that holds more
//!   is usually the file of another network); `__metadata__` is ignored;
//! - every value is finite.

use std::collections::BTreeSet;
use std::path::PathBuf;

use safetensors::tensor::{Dtype, SafeTensors};
use syn::Ident;
use syn::spanned::Spanned;

use super::{AssertOp, Baked, BakedDtype, BakedLayer, ConstAssert};
use crate::ast::{Layer, WeightsAttr, Width};
use crate::errors::{Errors, one_of};

/// How many of the file's tensor names a "missing tensor" error lists.
const NAMES_SHOWN: usize = 8;

/// Reads and checks the file; `None` after pushing the errors.
pub fn check(
    attr: &WeightsAttr,
    net: &Ident,
    input: &Width,
    layers: &[&Layer],
    errors: &mut Errors,
    assertions: &mut Vec<ConstAssert>,
) -> Option<Baked> {
    let lit = &attr.path;
    let display = lit.value();
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        // error: cannot find weights file `net.safetensors`: CARGO_MANIFEST_DIR is not set; expected a build by cargo
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "cannot find weights file `{display}`: CARGO_MANIFEST_DIR is not set; expected a build by cargo"
            ),
        ));
        return None;
    };
    let absolute = PathBuf::from(dir).join(&display);
    let bytes = match std::fs::read(&absolute) {
        Ok(bytes) => bytes,
        Err(e) => {
            // error: cannot read weights file `missing.safetensors` (in the folder of the crate's Cargo.toml): No such file or directory (os error 2)
            errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "cannot read weights file `{display}` (in the folder of the crate's Cargo.toml): {e}"
                ),
            ));
            return None;
        }
    };
    let Some(absolute) = absolute.to_str().map(str::to_owned) else {
        // error: the path of weights file `net.safetensors` is not valid UTF-8; expected a path `include_bytes!` can name
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "the path of weights file `{display}` is not valid UTF-8; expected a path `include_bytes!` can name"
            ),
        ));
        return None;
    };
    let file = match SafeTensors::deserialize(&bytes) {
        Ok(file) => file,
        Err(e) => {
            // error: weights file `corrupt.safetensors` is not a safetensors file: invalid header length; expected a file written by `nn::io::save_safetensors` or `safetensors.torch.save_file`
            errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "weights file `{display}` is not a safetensors file: {e}; expected a file written by `nn::io::save_safetensors` or `safetensors.torch.save_file`"
                ),
            ));
            return None;
        }
    };
    let prefixes = prefixes(attr, net, layers, errors)?;
    let mut names: Vec<String> = file.names().into_iter().map(str::to_owned).collect();
    names.sort();

    // One dtype for the file: the first float tensor's, by name. Each kind
    // of problem is reported once, naming the first tensor that has it.
    let mut dtype: Option<(BakedDtype, &str)> = None;
    let mut not_float: Vec<(&str, Dtype)> = Vec::new();
    let mut mixed: Option<(&str, BakedDtype)> = None;
    for name in &names {
        let Ok(view) = file.tensor(name) else {
            continue;
        };
        let this = match view.dtype() {
            Dtype::F32 => BakedDtype::F32,
            Dtype::F64 => BakedDtype::F64,
            other => {
                not_float.push((name, other));
                continue;
            }
        };
        match dtype {
            None => dtype = Some((this, name)),
            Some((first, _)) if first != this && mixed.is_none() => mixed = Some((name, this)),
            Some(_) => {}
        }
    }
    let mut ok = true;
    if let Some(&(name, found)) = not_float.first() {
        let more = match not_float.len() {
            1 => String::new(),
            n => format!(" (and {} more tensors)", n - 1),
        };
        // error: tensor `hidden.bias` in `f16.safetensors` has dtype F16 (and 3 more tensors); expected F32 (for a `Net<f32>`) or F64 (for a `Net<f64>`)
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "tensor `{name}` in `{display}` has dtype {found}{more}; expected F32 (for a `{net}<f32>`) or F64 (for a `{net}<f64>`)"
            ),
        ));
        ok = false;
    }
    if let (Some((name, this)), Some((first, first_name))) = (mixed, dtype) {
        // error: tensor `output.bias` in `mixed.safetensors` has dtype F64, but `hidden.bias` has F32; expected one dtype for the whole file
        errors.push(syn::Error::new(
            lit.span(),
            format!(
                "tensor `{name}` in `{display}` has dtype {}, but `{first_name}` has {}; expected one dtype for the whole file",
                dtype_name(this),
                dtype_name(first)
            ),
        ));
        ok = false;
    }

    // Every tensor in the file is one of the network's.
    let expected: BTreeSet<String> = prefixes
        .iter()
        .flat_map(|p| [format!("{p}.weight"), format!("{p}.bias")])
        .collect();
    let wanted: Vec<&str> = expected.iter().map(String::as_str).collect();
    for name in &names {
        if !expected.contains(name) {
            // error: unexpected tensor `hidden2.weight` in `extra.safetensors`; expected only the network's tensors `hidden.bias`, `hidden.weight`, `output.bias` or `output.weight`
            errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "unexpected tensor `{name}` in `{display}`; expected only the network's tensors {}",
                    one_of(&wanted)
                ),
            ));
            ok = false;
        }
    }

    // Every layer's tensors are there, with the layer's shapes.
    let mut baked = Vec::new();
    let mut prev = input;
    for (layer, prefix) in layers.iter().zip(&prefixes) {
        // The width flowing in: an explicit `IN ->` was checked against it.
        let (ins, outs) = (prev, &layer.output);
        prev = outs;
        let weight = tensor(
            &file,
            &names,
            &display,
            layer,
            prefix,
            "weight",
            &[outs, ins],
            errors,
            assertions,
        );
        let bias = tensor(
            &file,
            &names,
            &display,
            layer,
            prefix,
            "bias",
            &[outs],
            errors,
            assertions,
        );
        match (weight, bias) {
            (Some((weight, shape)), Some((bias, _))) => baked.push(BakedLayer {
                rows: shape[0],
                cols: shape[1],
                weight,
                bias,
            }),
            _ => ok = false,
        }
    }
    let dtype = dtype?.0;
    ok.then_some(Baked {
        display,
        absolute,
        dtype,
        layers: baked,
    })
}

/// The file's name of each layer's tensors, `<prefix>.weight`: the layer's
/// own name unless `layers(LAYER = "NAME", ...)` gives another; `None` after
/// pushing the errors of a mapping that names no layer, or a layer or name twice.
fn prefixes(
    attr: &WeightsAttr,
    net: &Ident,
    layers: &[&Layer],
    errors: &mut Errors,
) -> Option<Vec<String>> {
    let mut ok = true;
    for (i, (layer, name)) in attr.layers.iter().enumerate() {
        if !layers.iter().any(|l| &l.name == layer) {
            let all: Vec<String> = layers.iter().map(|l| l.name.to_string()).collect();
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            // error: `hidden3` in `layers(..)` is not a layer of `Net`; expected one of `hidden`, `output`
            errors.push(syn::Error::new(
                layer.span(),
                format!(
                    "`{layer}` in `layers(..)` is not a layer of `{net}`; expected one of {}",
                    one_of(&all)
                ),
            ));
            ok = false;
        }
        if attr.layers[..i].iter().any(|(l, _)| l == layer) {
            // error: layer `hidden` is given twice in `layers(..)`; expected one file name per layer
            errors.push(syn::Error::new(
                layer.span(),
                format!("layer `{layer}` is given twice in `layers(..)`; expected one file name per layer"),
            ));
            ok = false;
        }
        if attr.layers[..i]
            .iter()
            .any(|(_, n)| n.value() == name.value())
        {
            // error: `"0"` names two layers in `layers(..)`; expected one layer per name in the file
            errors.push(syn::Error::new(
                name.span(),
                format!(
                    "`{:?}` names two layers in `layers(..)`; expected one layer per name in the file",
                    name.value()
                ),
            ));
            ok = false;
        }
    }
    ok.then(|| {
        layers
            .iter()
            .map(|l| {
                attr.layers
                    .iter()
                    .find(|(layer, _)| layer == &l.name)
                    .map_or_else(|| l.name.to_string(), |(_, name)| name.value())
            })
            .collect()
    })
}

fn dtype_name(dtype: BakedDtype) -> &'static str {
    match dtype {
        BakedDtype::F32 => "F32",
        BakedDtype::F64 => "F64",
    }
}

/// `[16, 784]` or `[HIDDEN, 784]`.
fn shape_text(dims: &[impl ToString]) -> String {
    let dims: Vec<String> = dims.iter().map(ToString::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// One tensor of `layer` (`kind` is `"weight"` or `"bias"`) whose shape in
/// the spec is `spec`: its values widened to `f64`, row-major, and its shape;
/// `None` after pushing an error. A dimension given by a named constant is
/// checked by a const assertion.
#[allow(
    clippy::too_many_arguments,
    reason = "one call per tensor kind, all context"
)]
fn tensor(
    file: &SafeTensors,
    names: &[String],
    display: &str,
    layer: &Layer,
    prefix: &str,
    kind: &str,
    spec: &[&Width],
    errors: &mut Errors,
    assertions: &mut Vec<ConstAssert>,
) -> Option<(Vec<f64>, Vec<usize>)> {
    let name = format!("{prefix}.{kind}");
    let layer_name = &layer.name;
    let spec_shape = shape_text(&spec.iter().map(|w| w.display()).collect::<Vec<_>>());
    let Ok(view) = file.tensor(&name) else {
        let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
        let more = if names.len() > NAMES_SHOWN {
            ", ..."
        } else {
            ""
        };
        let has = if names.is_empty() {
            "no tensors".to_owned()
        } else {
            format!("{}{more}", one_of(&shown).replace(" or ", ", "))
        };
        // error: layer `output` has no bias in `missing-bias.safetensors`: expected a tensor `output.bias` of shape [2]; the file has `hidden.bias`, `hidden.weight`, `output.weight`
        errors.push(syn::Error::new(
            layer_name.span(),
            format!(
                "layer `{layer_name}` has no {kind} in `{display}`: expected a tensor `{name}` of shape {spec_shape}; the file has {has}"
            ),
        ));
        return None;
    };
    let shape = view.shape().to_vec();
    let found = shape_text(&shape);
    let literal_mismatch = shape.len() != spec.len()
        || spec
            .iter()
            .zip(&shape)
            .any(|(w, &d)| w.literal().is_some_and(|v| v != d));
    if literal_mismatch {
        // error: shape mismatch: layer `hidden` has weight [3, 2] (dense 2 -> 3), but `hidden.weight` in `shape.safetensors` is [4, 2]
        errors.push(syn::Error::new(
            layer_name.span(),
            format!(
                "shape mismatch: layer `{layer_name}` has {kind} {spec_shape}, but `{name}` in `{display}` is {found}"
            ),
        ));
        return None;
    }
    for (width, &dim) in spec.iter().zip(&shape) {
        if let Width::Const(path) = width {
            // error[E0080]: evaluation panicked: shape mismatch: layer `hidden` has weight [HIDDEN, 2], but `hidden.weight` in `net.safetensors` is [4, 2]
            assertions.push(ConstAssert {
                span: path.span(),
                lhs: (*width).clone(),
                op: AssertOp::Eq,
                rhs: dim,
                rhs_width: None,
                message: format!(
                    "shape mismatch: layer `{layer_name}` has {kind} {spec_shape}, but `{name}` in `{display}` is {found}"
                ),
            });
        }
    }
    let values: Vec<f64> = match view.dtype() {
        Dtype::F32 => view
            .data()
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::F64 => view
            .data()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect(),
        // Reported with the file's dtype above.
        _ => return None,
    };
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        let cols = shape.get(1).copied().unwrap_or(1).max(1);
        let index = if shape.len() == 2 {
            format!("[{}, {}]", i / cols, i % cols)
        } else {
            format!("[{i}]")
        };
        // error: tensor `hidden.weight` in `nan.safetensors` holds NaN at [1, 0]; expected finite numbers only
        errors.push(syn::Error::new(
            layer_name.span(),
            format!(
                "tensor `{name}` in `{display}` holds {v} at {index}; expected finite numbers only"
            ),
        ));
        return None;
    }
    Some((values, shape))
}
