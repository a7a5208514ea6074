//! `#[weights("PATH", quantize = int8, calibration = "CALIB")]`: the baked
//! f32 weights turned into an int8 network at compile time, with the
//! activation scales set by running the f32 network on the sample inputs of
//! the calibration file (a tensor `input` of shape `[samples, INPUT]`, `F32`
//! or `F64`).
//!
//! The formulas are those of `nn::quant`'s module docs; this file computes
//! their constants:
//!
//! - `s_w[o] = max_i |W[o][i]| / 127`, `W_q = round(W / s_w)`;
//! - `s_x = max |x| / 127` over the calibration inputs, and for each layer
//!   `s_out = max |a| / 127` over the same samples run through the f32 layers
//!   (`a` after the activation: ReLU outputs are non-negative, the logits are
//!   not);
//! - `bias_q[o] = round(b[o] / (s_in · s_w[o]))`;
//! - `M[o] = s_in · s_w[o] / s_out = multiplier[o] / 2^shift[o]` with the
//!   multiplier in `[2^30, 2^31)`.
//!
//! A scale whose maximum is 0 (a row of zero weights, a unit the calibration
//! never turns on) is taken as `1 / 127`, so nothing divides by zero; its
//! values are all 0 either way.

use std::collections::BTreeMap;

use nn_format::{Dtype, TensorValues};
use syn::LitStr;

use super::ast::{Layer, WeightsAttr};
use super::net::{Baked, NetLayer, Op, Quantized, QuantizedLayer, Source, unraw};
use super::validate::Cx;
use super::weights::read_file;

/// The quantization schemes `quantize = ..` knows.
const SCHEMES: &[&str] = &["int8"];
/// The activations an int8 layer has: ReLU is the clamp at 0 of the
/// requantization, and no other activation has an integer form here.
const ACTIVATIONS: &[&str] = &["identity", "relu"];
/// The calibration file's tensor of sample inputs.
const INPUT_TENSOR: &str = "input";

/// Checks the quantization options of `attr` and, with the baked weights,
/// computes the int8 network; `None` without `quantize`, or after pushing
/// errors.
pub fn check(
    attr: &WeightsAttr,
    layers: &[&Layer],
    net_layers: &[NetLayer],
    baked: Option<&Baked>,
    cx: &mut Cx,
) -> Option<Quantized> {
    let Some((_, scheme)) = &attr.quantize else {
        if let Some((kw, _)) = &attr.calibration {
            cx.error(syn::Error::new(
                kw.span,
                "`calibration` sets the activation scales of a quantized network, but this network is not quantized; expected `quantize = int8` beside it, or no `calibration`",
            ));
        }
        return None;
    };
    let mut ok = true;
    if !SCHEMES.iter().any(|s| scheme == s) {
        cx.error(syn::Error::new(
            scheme.span(),
            format!("unknown quantization `{scheme}`; expected `int8`"),
        ));
        ok = false;
    }
    if attr.calibration.is_none() {
        cx.error(syn::Error::new(
            scheme.span(),
            "`quantize = int8` needs sample inputs to set the activation scales; expected `calibration = \"PATH.safetensors\"` beside it, a file with a tensor `input` of shape [samples, INPUT]",
        ));
        ok = false;
    }
    // The int8 kernels are dense only: the first layer of another kind (or
    // reading another layer than the one above) is reported, and nothing
    // else is computed.
    let not_chain = net_layers.iter().enumerate().find(|(i, l)| {
        let above = i.checked_sub(1).map_or(Source::Input, Source::Layer);
        l.op != Op::Dense || l.sources != [above]
    });
    if let Some((_, l)) = not_chain {
        let what = if l.op == Op::Dense {
            "reads another layer than the one above it".to_string()
        } else {
            format!("is `{}`", l.op.kind())
        };
        cx.error(syn::Error::new(
            l.kind_span,
            format!(
                "layer `{}` {what}, which has no int8 form; expected a chain of `dense` layers in a network with `quantize = int8`",
                unraw(l.name)
            ),
        ));
        return None;
    }
    for (layer, net_layer) in layers.iter().zip(net_layers) {
        let name = net_layer.act.def.name;
        if !ACTIVATIONS.contains(&name) {
            // An activation that is not the identity is written in the spec.
            let span = layer
                .activation
                .as_ref()
                .map_or_else(|| layer.name.span(), |f| f.name.span());
            cx.error(syn::Error::new(
                span,
                format!(
                    "layer `{}` has activation `{}`, which has no int8 form; expected `relu` or no activation in a network with `quantize = int8`",
                    layer.name, net_layer.act_text
                ),
            ));
            ok = false;
        }
    }
    let (_, lit) = attr.calibration.as_ref()?;
    let baked = baked?;
    let inputs = baked.layers.first()?.cols;
    let (samples, absolute) = read_calibration(lit, inputs, cx)?;
    if !ok {
        return None;
    }
    let floors: Vec<i8> = net_layers
        .iter()
        .map(|l| if l.act.def.name == "relu" { 0 } else { -127 })
        .collect();
    Some(quantize(baked, &floors, &samples, lit.value(), absolute))
}

/// The sample inputs of the calibration file, row by row, and its absolute
/// path; `None` after pushing an error on the path.
fn read_calibration(lit: &LitStr, inputs: usize, cx: &mut Cx) -> Option<(Vec<Vec<f64>>, String)> {
    let display = lit.value();
    let fail = |cx: &mut Cx, message: String| {
        cx.error(syn::Error::new(lit.span(), message));
        None
    };
    let (absolute, tensors) = read_file(lit, "calibration file", "", false, cx)?;
    let file: BTreeMap<&str, &TensorValues> =
        tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let Some(tensor) = file.get(INPUT_TENSOR) else {
        let names: Vec<&str> = file.keys().copied().collect();
        return fail(
            cx,
            format!(
                "calibration file `{display}` has no tensor `{INPUT_TENSOR}`; expected the sample inputs as `{INPUT_TENSOR}` of shape [samples, {inputs}], found {}",
                if names.is_empty() {
                    "no tensors".to_owned()
                } else {
                    format!("`{}`", names.join("`, `"))
                }
            ),
        );
    };
    let shape = &tensor.shape;
    if shape.len() != 2 || shape[1] != inputs || shape[0] == 0 {
        return fail(
            cx,
            format!(
                "tensor `{INPUT_TENSOR}` in calibration file `{display}` has shape {shape:?}; expected [samples, {inputs}] (the network's input width) with at least one sample"
            ),
        );
    }
    let values = match (&tensor.values, tensor.dtype) {
        (Some(values), Dtype::F32 | Dtype::F64) => values,
        (_, dtype) => {
            return fail(
                cx,
                format!(
                    "tensor `{INPUT_TENSOR}` in calibration file `{display}` has dtype {dtype}; expected F32 or F64"
                ),
            );
        }
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return fail(
            cx,
            format!(
                "tensor `{INPUT_TENSOR}` in calibration file `{display}` holds {} at [{}, {}]; expected finite numbers only",
                values[i],
                i / inputs,
                i % inputs
            ),
        );
    }
    Some((
        values.chunks(inputs).map(<[f64]>::to_vec).collect(),
        absolute,
    ))
}

/// `max |v| / 127`, or `1 / 127` when every value is 0.
fn scale(max_abs: f64) -> f64 {
    if max_abs > 0.0 {
        max_abs / 127.0
    } else {
        1.0 / 127.0
    }
}

/// `round(v)` half away from zero, saturated to `[lo, hi]`.
fn round_clamp(v: f64, lo: f64, hi: f64) -> f64 {
    v.round().clamp(lo, hi)
}

/// `m / 2^shift` closest to `real`, with `m` in `[2^30, 2^31)` when `shift`
/// stays within `1..=62` (it does for any multiplier between `2^-32` and
/// `2^30`; outside, `m` is saturated).
fn fixed_point(real: f64) -> (i32, u8) {
    let two31 = 2f64.powi(31);
    let mut shift = 31i32;
    while real * 2f64.powi(shift) >= two31 && shift > 1 {
        shift -= 1;
    }
    while real * 2f64.powi(shift) < two31 / 2.0 && shift < 62 {
        shift += 1;
    }
    let mut m = (real * 2f64.powi(shift)).round();
    if m >= two31 && shift > 1 {
        // Rounded up to 2^31: one bit less.
        shift -= 1;
        m = (real * 2f64.powi(shift)).round();
    }
    (m.min(f64::from(i32::MAX)) as i32, shift as u8)
}

/// The int8 network of `baked`, `floors[l]` being each layer's clamp.
fn quantize(
    baked: &Baked,
    floors: &[i8],
    samples: &[Vec<f64>],
    calibration: String,
    calibration_absolute: String,
) -> Quantized {
    let max_abs = |values: &[f64]| values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let input_scale = scale(samples.iter().map(|x| max_abs(x)).fold(0.0, f64::max));
    let mut s_in = input_scale;
    let mut activations: Vec<Vec<f64>> = samples.to_vec();
    let mut layers = Vec::new();
    for (layer, &floor) in baked.layers.iter().zip(floors) {
        let (rows, cols) = (layer.rows, layer.cols);
        // The f32 layer on every sample: `a = max(W a_prev + b, 0)` after ReLU.
        activations = activations
            .iter()
            .map(|x| {
                (0..rows)
                    .map(|o| {
                        let row = &layer.weight[o * cols..(o + 1) * cols];
                        let z = layer.bias[o] + row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
                        if floor == 0 { z.max(0.0) } else { z }
                    })
                    .collect()
            })
            .collect();
        let s_out = scale(activations.iter().map(|a| max_abs(a)).fold(0.0, f64::max));
        let mut q = QuantizedLayer {
            rows,
            cols,
            weight: Vec::with_capacity(rows * cols),
            bias: Vec::with_capacity(rows),
            multiplier: Vec::with_capacity(rows),
            shift: Vec::with_capacity(rows),
            floor,
        };
        for o in 0..rows {
            let row = &layer.weight[o * cols..(o + 1) * cols];
            let s_w = scale(max_abs(row));
            q.weight.extend(
                row.iter()
                    .map(|w| round_clamp(w / s_w, -127.0, 127.0) as i8),
            );
            q.bias.push(round_clamp(
                layer.bias[o] / (s_in * s_w),
                f64::from(i32::MIN),
                f64::from(i32::MAX),
            ) as i32);
            let (m, shift) = fixed_point(s_in * s_w / s_out);
            q.multiplier.push(m);
            q.shift.push(shift);
        }
        layers.push(q);
        s_in = s_out;
    }
    Quantized {
        input_scale,
        output_scale: s_in,
        calibration,
        calibration_absolute,
        samples: samples.len(),
        layers,
    }
}

#[cfg(test)]
mod tests {
    use super::fixed_point;

    #[test]
    fn fixed_point_multipliers_are_normalised_and_close() {
        for real in [1e-9, 0.000_123, 0.01, 0.5, 0.999_999_9, 1.0, 3.7, 1000.0] {
            let (m, shift) = fixed_point(real);
            assert!((1 << 30..=i32::MAX).contains(&m), "{real}: {m}");
            let back = f64::from(m) / 2f64.powi(i32::from(shift));
            assert!(
                (back - real).abs() <= real * 2f64.powi(-30),
                "{real}: {back}"
            );
        }
    }
}
