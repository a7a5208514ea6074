//! `#[weights("PATH")]`: the safetensors file read at compile time and every
//! tensor checked against the spec (with `optional`, a file that does not
//! exist is not an error).
//!
//! The rules are those of `nn::io`'s loader, so a file that bakes in also
//! loads at run time and the other way round:
//!
//! - the bytes are read by `nn_format::read_tensors`, which runs the checks of
//!   the run-time loader's `nn_format::parse` (offsets with checked
//!   arithmetic, each tensor named once, ...): a file it rejects is an error
//!   on the path;
//! - tensors are named `<layer>.weight` (`[out, in]`, row-major) and
//!   `<layer>.bias` (`[out]`);
//! - the dtype is `F32` or `F64`, one for the whole file, and it decides the
//!   scalar type of the baked network (`TRAINED` is a `Name<f32>` or a
//!   `Name<f64>`): values are never converted;
//! - a tensor the network does not read is an error (a file that holds more
//!   is usually the file of another network); `__metadata__` is ignored;
//! - every value is finite.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nn_format::{Dtype, TensorValues};
use syn::{Ident, LitStr};

use super::ast::{WeightsAttr, Width};
use super::net::{AssertOp, Baked, BakedDtype, BakedLayer, ConstAssert, NetLayer};
use super::validate::Cx;
use crate::diagnostics::one_of;

/// How many of the file's tensor names a "missing tensor" error lists.
const NAMES_SHOWN: usize = 8;

/// Reads and checks the file; `None` after pushing the errors, or without
/// an error for an `optional` file that does not exist.
pub fn check(attr: &WeightsAttr, net: &Ident, layers: &[NetLayer], cx: &mut Cx) -> Option<Baked> {
    // Only dense and convolution layers have tensors.
    let layers: Vec<&NetLayer> = layers.iter().filter(|l| l.op.has_params()).collect();
    let lit = &attr.path;
    let display = lit.value();
    let (absolute, tensors) = read_file(
        lit,
        "weights file",
        " (as `nn::io::save_safetensors` and `safetensors.torch.save_file` write them)",
        attr.optional,
        cx,
    )?;
    let file: BTreeMap<&str, &TensorValues> =
        tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let prefixes = prefixes(attr, net, &layers, cx)?;
    // In name order: `read_tensors` sorts them.
    let names: Vec<String> = tensors.iter().map(|t| t.name.clone()).collect();

    // One dtype for the file: the first float tensor's, by name. Each kind
    // of problem is reported once, naming the first tensor that has it.
    let mut dtype: Option<(BakedDtype, &str)> = None;
    let mut not_float: Vec<(&str, Dtype)> = Vec::new();
    let mut mixed: Option<(&str, BakedDtype)> = None;
    for tensor in &tensors {
        let name = tensor.name.as_str();
        let this = match tensor.dtype {
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
        cx.error(syn::Error::new(
            lit.span(),
            format!(
                "tensor `{name}` in `{display}` has dtype {found}{more}; expected F32 (for a `{net}<f32>`) or F64 (for a `{net}<f64>`)"
            ),
        ));
        ok = false;
    }
    if let (Some((name, this)), Some((first, first_name))) = (mixed, dtype) {
        cx.error(syn::Error::new(
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
            cx.error(syn::Error::new(
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
    for (layer, prefix) in layers.iter().zip(&prefixes) {
        let Some((weight_shape, bias_shape)) = layer.param_shapes() else {
            continue;
        };
        let weight_shape: Vec<&Width> = weight_shape.iter().collect();
        let weight = tensor(
            &file,
            &names,
            &display,
            layer.name,
            prefix,
            "weight",
            &weight_shape,
            cx,
        );
        let bias = tensor(
            &file,
            &names,
            &display,
            layer.name,
            prefix,
            "bias",
            &[&bias_shape],
            cx,
        );
        match (weight, bias) {
            (Some((weight, shape)), Some((bias, _))) => baked.push(BakedLayer {
                rows: shape[0],
                cols: shape[1..].iter().product(),
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

/// Resolves, reads and parses the safetensors file `lit` names (`what` says
/// which file in the errors, `written_by` what writes a valid one): its
/// absolute path, as `include_bytes!` takes it, and its tensors. `None`
/// after pushing an error, or, when `optional`, without one for a file that
/// does not exist (not yet trained: the expansion gives `BAKED: None`).
pub fn read_file(
    lit: &LitStr,
    what: &str,
    written_by: &str,
    optional: bool,
    cx: &mut Cx,
) -> Option<(String, Vec<TensorValues>)> {
    let display = lit.value();
    let mut fail = |message: String| {
        cx.error(syn::Error::new(lit.span(), message));
        None
    };
    let absolute = match resolve(lit) {
        Ok(absolute) => absolute,
        Err(e) => {
            cx.error(e);
            return None;
        }
    };
    let bytes = match std::fs::read(&absolute) {
        Ok(bytes) => bytes,
        Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return fail(format!(
                "cannot read {what} `{display}` (relative to the folder of the source file that names it): {e}"
            ));
        }
    };
    let Some(absolute) = absolute.to_str().map(str::to_owned) else {
        return fail(format!(
            "the path of {what} `{display}` is not valid UTF-8; expected a path `include_bytes!` can name"
        ));
    };
    match nn_format::read_tensors(&bytes) {
        Ok(tensors) => Some((absolute, tensors)),
        Err(e) => fail(format!(
            "{what} `{display}` is not a valid safetensors file{written_by}: {e}"
        )),
    }
}

/// The absolute path of the file `lit` names: relative to the folder of the
/// source file the literal is written in, as for `include_bytes!`.
///
/// Not relative to `CARGO_MANIFEST_DIR`: under trybuild that is the crate it
/// generates in the target folder, so a compile-fail case would have to climb
/// out of it, and no path would work for every `CARGO_TARGET_DIR`
/// (the cases in `tests/ui/network/weights/` name `fixtures/..` this way).
pub fn resolve(lit: &LitStr) -> syn::Result<PathBuf> {
    let written = lit.value();
    if Path::new(&written).is_absolute() {
        return Ok(PathBuf::from(written));
    }
    let Some(source) = lit.span().local_file() else {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "cannot find weights file `{written}`: the path is relative to the source file that names it, but the compiler gives no source file for it; expected an absolute path or a spec written in a source file"
            ),
        ));
    };
    let folder = source.parent().unwrap_or(Path::new(""));
    // rustc may name a workspace member's files relative to its working
    // folder, which is also the macro's.
    let folder = if folder.is_absolute() {
        folder.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(folder),
            Err(e) => {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "cannot find weights file `{written}`: the compiler's working folder is unreadable: {e}"
                    ),
                ));
            }
        }
    };
    Ok(folder.join(written))
}

/// The file's name of each layer's tensors, `<prefix>.weight`: the layer's
/// own name unless `layers(LAYER = "NAME", ...)` gives another; `None` after
/// pushing the errors of a mapping that names no layer, or a layer or name twice.
fn prefixes(
    attr: &WeightsAttr,
    net: &Ident,
    layers: &[&NetLayer],
    cx: &mut Cx,
) -> Option<Vec<String>> {
    let mut ok = true;
    for (i, (layer, name)) in attr.layers.iter().enumerate() {
        if !layers.iter().any(|l| l.name == layer) {
            let all: Vec<String> = layers.iter().map(|l| l.name.to_string()).collect();
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            cx.error(syn::Error::new(
                layer.span(),
                format!(
                    "`{layer}` in `layers(..)` is not a layer of `{net}`; expected one of {}",
                    one_of(&all)
                ),
            ));
            ok = false;
        }
        if attr.layers[..i].iter().any(|(l, _)| l == layer) {
            cx.error(syn::Error::new(
                layer.span(),
                format!("layer `{layer}` is given twice in `layers(..)`; expected one file name per layer"),
            ));
            ok = false;
        }
        if attr.layers[..i]
            .iter()
            .any(|(_, n)| n.value() == name.value())
        {
            cx.error(syn::Error::new(
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
                    .find(|(layer, _)| layer == l.name)
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
    file: &BTreeMap<&str, &TensorValues>,
    names: &[String],
    display: &str,
    layer_name: &Ident,
    prefix: &str,
    kind: &str,
    spec: &[&Width],
    cx: &mut Cx,
) -> Option<(Vec<f64>, Vec<usize>)> {
    let name = format!("{prefix}.{kind}");
    let spec_shape = shape_text(&spec.iter().map(|w| w.display()).collect::<Vec<_>>());
    let Some(view) = file.get(name.as_str()) else {
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
        cx.error(syn::Error::new(
            layer_name.span(),
            format!(
                "layer `{layer_name}` has no {kind} in `{display}`: expected a tensor `{name}` of shape {spec_shape}; the file has {has}"
            ),
        ));
        return None;
    };
    let shape = view.shape.clone();
    let found = shape_text(&shape);
    let literal_mismatch = shape.len() != spec.len()
        || spec
            .iter()
            .zip(&shape)
            .any(|(w, &d)| w.literal().is_some_and(|v| v != d));
    if literal_mismatch {
        cx.error(syn::Error::new(
            layer_name.span(),
            format!(
                "shape mismatch: layer `{layer_name}` has {kind} {spec_shape}, but `{name}` in `{display}` is {found}"
            ),
        ));
        return None;
    }
    for (width, &dim) in spec.iter().zip(&shape) {
        if width.literal().is_none() {
            cx.assert(ConstAssert {
                span: Width::token_span(width),
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
    // `None` for other dtypes, reported with the file's dtype above.
    let values = view.values.clone()?;
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        // The position in the tensor's shape, last dimension fastest.
        let mut rest = i;
        let mut index: Vec<String> = shape
            .iter()
            .rev()
            .map(|&d| {
                let at = rest % d.max(1);
                rest /= d.max(1);
                at.to_string()
            })
            .collect();
        index.reverse();
        let index = format!("[{}]", index.join(", "));
        cx.error(syn::Error::new(
            layer_name.span(),
            format!(
                "tensor `{name}` in `{display}` holds {v} at {index}; expected finite numbers only"
            ),
        ));
        return None;
    }
    Some((values, shape))
}
