//! Every rule a spec must follow. `check` collects all problems before it
//! fails, so two mistakes give two errors in one build; what it returns is a
//! [`Net`] that `expand` can turn into code without further checks.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;
use syn::spanned::Spanned;

use super::ast::{ACTIVATIONS, Entry, Func, LOSSES, Layer, Spec, Width};
use super::net::{
    Act, AssertOp, ConstAssert, LossKind, Net, NetLayer, NetLoss, TRACE_BATCH_SUFFIX, TRACE_SUFFIX,
    unraw,
};
use super::weights;
use crate::diagnostics::{Errors, did_you_mean, one_of};

/// Names other libraries use for our activations, for "did you mean".
const ACTIVATION_ALIASES: &[(&str, &str)] = &[
    ("linear", "identity"),
    ("none", "identity"),
    ("logistic", "sigmoid"),
    ("lrelu", "leaky_relu"),
    ("leakyrelu", "leaky_relu"),
];

/// Names other libraries use for our losses, for "did you mean".
const LOSS_ALIASES: &[(&str, &str)] = &[
    ("mse", "mean_squared_error"),
    ("l2", "squared_error"),
    ("sse", "squared_error"),
    ("mae", "absolute_error"),
    ("l1", "absolute_error"),
    ("ce", "softmax_cross_entropy"),
    ("nll", "softmax_cross_entropy"),
    ("categorical_cross_entropy", "softmax_cross_entropy"),
    ("crossentropy", "softmax_cross_entropy"),
    ("bce", "binary_cross_entropy"),
    ("smooth_l1", "huber"),
    ("svm", "multiclass_hinge"),
];

pub fn check(spec: &Spec) -> syn::Result<Net<'_>> {
    let mut errors = Errors::default();
    let mut assertions = Vec::new();
    let net_name = &spec.name;
    check_name(net_name, &mut errors);

    // Entry order: `input` first, then layers, then `loss`.
    let mut input: Option<&Width> = None;
    let mut loss_func: Option<&Func> = None;
    let mut layers: Vec<&Layer> = Vec::new();
    let is_layer = |e: &Entry| matches!(e, Entry::Layer(_));
    let first_layer = spec.entries.iter().position(is_layer);
    let last_layer = spec.entries.iter().rposition(is_layer);
    for (index, entry) in spec.entries.iter().enumerate() {
        let layer_before = first_layer.is_some_and(|first| first < index);
        let layer_after = last_layer.is_some_and(|last| last > index);
        match entry {
            Entry::Input { key, width } => {
                if input.is_some() {
                    errors.push(syn::Error::new(
                        key.span,
                        "`input` is given twice; expected it once, as the first entry",
                    ));
                } else if layer_before {
                    errors.push(syn::Error::new(
                        key.span,
                        "`input` must be the first entry, before the layers",
                    ));
                }
                input.get_or_insert(width);
            }
            Entry::Loss { key, func } => {
                if loss_func.is_some() {
                    errors.push(syn::Error::new(
                        key.span,
                        "`loss` is given twice; expected it once, as the last entry",
                    ));
                } else if layer_after {
                    errors.push(syn::Error::new(
                        key.span,
                        "`loss` must come after the last layer",
                    ));
                }
                loss_func.get_or_insert(func);
            }
            Entry::Layer(layer) => layers.push(layer),
        }
    }
    if layers.is_empty() {
        errors.push(syn::Error::new(
            net_name.span(),
            format!(
                "network `{}` has no layers; expected at least one, e.g. `output: dense(10)`",
                unraw(net_name)
            ),
        ));
    }

    if let Some(input) = input {
        check_width(input, "the input", &mut errors, &mut assertions);
    }

    // Duplicate names, compared without `r#`: `r#a` and `a` are one field.
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for layer in &layers {
        let name = unraw(&layer.name);
        if let Some(first) = seen.get(&name) {
            errors.push(syn::Error::new(
                layer.name.span(),
                format!("layer name `{name}` is used twice; expected a unique name for each layer"),
            ));
            errors.push(syn::Error::new(
                first.span(),
                format!("`{name}` is first used here"),
            ));
        } else {
            seen.insert(name, &layer.name);
        }
    }

    let mut net_layers = Vec::new();
    // Without an `input` the layers are still checked, so that every mistake
    // shows in one build; the first layer then has nothing to compare with.
    let mut prev_width: Option<&Width> = input;
    let mut prev_name = String::from("the network's `input`");
    for (i, layer) in layers.iter().enumerate() {
        let what = format!("layer `{}`", unraw(&layer.name));
        check_width(&layer.output, &what, &mut errors, &mut assertions);
        if let (Some(explicit), Some(prev_width)) = (&layer.input, prev_width) {
            match (explicit.literal(), prev_width.literal()) {
                (Some(a), Some(b)) if a != b => {
                    errors.push(syn::Error::new_spanned(
                        explicit,
                        format!(
                            "shape mismatch: layer `{}` takes {a} inputs, but {prev_name} before it produces {b}; expected `dense({b} -> ...)`",
                            unraw(&layer.name)
                        ),
                    ));
                }
                (Some(_), Some(_)) => {}
                _ => assertions.push(ConstAssert {
                    span: explicit_span(explicit),
                    lhs: explicit.clone(),
                    op: AssertOp::EqWidth,
                    rhs: 0,
                    rhs_width: Some(prev_width.clone()),
                    message: format!(
                        "shape mismatch: layer `{}` takes `{}` inputs, but {prev_name} before it produces `{}`",
                        unraw(&layer.name),
                        explicit.display(),
                        prev_width.display()
                    ),
                }),
            }
        }
        let next = layers.get(i + 1).copied();
        let (act, act_text) = check_activation(layer, next, &mut errors, &mut assertions);
        net_layers.push(NetLayer {
            name: &layer.name,
            kind_span: layer.kind.span,
            // Without `input` (an error reported below) any width will do.
            input: prev_width.unwrap_or(&layer.output),
            output: &layer.output,
            act,
            act_text,
        });
        prev_width = Some(&layer.output);
        prev_name = format!("layer `{}`", unraw(&layer.name));
    }

    let loss = loss_func
        .and_then(|func| check_loss(func, net_layers.last(), &mut errors, &mut assertions));
    let weights = match (&spec.weights, input) {
        (Some(attr), Some(input)) if !layers.is_empty() => {
            weights::check(attr, net_name, input, &layers, &mut errors, &mut assertions)
        }
        _ => None,
    };
    let Some(input) = input else {
        return Err(errors.fail(syn::Error::new(
            net_name.span(),
            format!(
                "network `{}` has no input width; expected `input: WIDTH,` as its first entry",
                unraw(net_name)
            ),
        )));
    };
    errors.finish(Net {
        spec,
        input,
        layers: net_layers,
        loss,
        assertions,
        weights,
    })
}

/// The primitive types, which a struct of the same name would shadow in
/// the generated code (`T = f32`, `usize` constants, `&'static str` names).
const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize",
];

/// Rejects network names that cannot work, or could clash with the names
/// generated for another network in the same module.
fn check_name(name: &Ident, errors: &mut Errors) {
    let shown = unraw(name);
    let problem = if shown == "T" {
        "is also the name of the network's scalar type parameter, `T`".to_string()
    } else if PRIMITIVES.contains(&shown.as_str()) {
        format!("would shadow the primitive type `{shown}`, which the generated code uses")
    } else if let Some((stem, suffix)) = [TRACE_BATCH_SUFFIX, TRACE_SUFFIX]
        .iter()
        .find_map(|suffix| Some((shown.strip_suffix(suffix)?, suffix)))
        .filter(|(stem, _)| !stem.is_empty())
    {
        format!(
            "ends in `{suffix}`, like the trace types generated for a network `{stem}` \
             (`{stem}{TRACE_SUFFIX}` and `{stem}{TRACE_BATCH_SUFFIX}`)"
        )
    } else {
        return;
    };
    errors.push(syn::Error::new(
        name.span(),
        format!("network name `{shown}` {problem}; expected another name"),
    ));
}

fn explicit_span(width: &Width) -> Span {
    match width {
        Width::Lit { lit, .. } => lit.span(),
        Width::Const(path) => path.span(),
    }
}

/// Widths are at least 1: literals here, named constants by a const assertion.
fn check_width(width: &Width, what: &str, errors: &mut Errors, assertions: &mut Vec<ConstAssert>) {
    match width {
        Width::Lit { value: 0, lit } => errors.push(syn::Error::new(
            lit.span(),
            format!("width of {what} must be at least 1, found 0"),
        )),
        Width::Lit { .. } => {}
        Width::Const(path) => assertions.push(ConstAssert {
            span: path.span(),
            lhs: width.clone(),
            op: AssertOp::AtLeast,
            rhs: 1,
            rhs_width: None,
            message: format!(
                "width of {what} must be at least 1, but `{}` is 0",
                width.display()
            ),
        }),
    }
}

/// The parameters of `func`, checked against the number it takes.
fn params(func: &Func, expected: &[&str], example: &str, errors: &mut Errors) -> Option<Vec<f64>> {
    let name = &func.name;
    match (&func.args, expected.len()) {
        (None, 0) => Some(Vec::new()),
        (None, _) => {
            errors.push(syn::Error::new(
                name.span(),
                format!(
                    "`{name}` needs its {}: expected `{name}({})`, e.g. `{example}`",
                    expected.join(" and "),
                    expected.join(", ")
                ),
            ));
            None
        }
        (Some(args), 0) if args.values.is_empty() => {
            errors.push(syn::Error::new(
                args.paren.span.join(),
                format!(
                    "`{name}` takes no parameters; expected `{name}` without parentheses, found `{name}()`"
                ),
            ));
            None
        }
        (Some(args), n) if args.values.len() != n => {
            let found = args.values.len();
            let msg = if n == 0 {
                format!("`{name}` takes no parameters, found {found}; expected `{name}`")
            } else {
                format!(
                    "`{name}` takes {n} parameter ({}), found {found}; expected e.g. `{example}`",
                    expected.join(", ")
                )
            };
            errors.push(syn::Error::new(args.paren.span.join(), msg));
            None
        }
        (Some(args), _) => Some(args.values.iter().map(|n| n.value).collect()),
    }
}

/// The single parameter of `func` (from [`params`]), checked: the macro writes
/// it into the generated code as a float literal, which must be finite and must
/// fit in an `f32`; a delta must also be positive.
fn checked_param(
    func: &Func,
    values: Option<Vec<f64>>,
    what: &str,
    positive: bool,
    errors: &mut Errors,
) -> Option<f64> {
    let value = *values?.first()?;
    let number = func.args.as_ref().and_then(|a| a.values.first())?;
    let text = number.tokens.to_string().replace(' ', "");
    let name = &func.name;
    let problem = if !value.is_finite() || value.abs() > f64::from(f32::MAX) {
        "be finite and fit in an `f32`"
    } else if positive && value <= 0.0 {
        "be positive"
    } else {
        return Some(value);
    };
    errors.push(syn::Error::new_spanned(
        &number.tokens,
        format!("the {what} of `{name}` must {problem}, found {text}"),
    ));
    None
}

/// The layer's activation; `next` is the layer after it, if any.
fn check_activation(
    layer: &Layer,
    next: Option<&Layer>,
    errors: &mut Errors,
    assertions: &mut Vec<ConstAssert>,
) -> (Act, String) {
    let Some(func) = &layer.activation else {
        return (Act::Identity, "identity".into());
    };
    let name = func.name.to_string();
    let text = match &func.args {
        Some(args) => {
            let values: Vec<String> = args
                .values
                .iter()
                .map(|n| n.tokens.to_string().replace(' ', ""))
                .collect();
            format!("{name}({})", values.join(", "))
        }
        None => name.clone(),
    };
    let act = match name.as_str() {
        "identity" => params(func, &[], "identity", errors).map(|_| Act::Identity),
        "sigmoid" => params(func, &[], "sigmoid", errors).map(|_| Act::Sigmoid),
        "tanh" => params(func, &[], "tanh", errors).map(|_| Act::Tanh),
        "relu" => params(func, &[], "relu", errors).map(|_| Act::Relu),
        "leaky_relu" => {
            let p = params(func, &["alpha"], "leaky_relu(0.01)", errors);
            checked_param(func, p, "alpha", false, errors).map(Act::LeakyRelu)
        }
        "softmax" => {
            let act = params(func, &[], "softmax", errors).map(|_| Act::Softmax);
            if let Some(next) = next {
                errors.push(syn::Error::new(
                    func.name.span(),
                    format!(
                        "`softmax` is only allowed on the output layer, but `{}` is followed by `{}`; expected another activation, e.g. `relu`",
                        unraw(&layer.name),
                        unraw(&next.name)
                    ),
                ));
            } else {
                match layer.output.literal() {
                    Some(1) => errors.push(syn::Error::new(
                        func.name.span(),
                        format!(
                            "`softmax` over the 1 output of layer `{}` is always 1; expected at least 2 outputs, or `sigmoid`",
                            unraw(&layer.name)
                        ),
                    )),
                    Some(_) => {}
                    None => assertions.push(ConstAssert {
                        span: func.name.span(),
                        lhs: layer.output.clone(),
                        op: AssertOp::AtLeast,
                        rhs: 2,
                        rhs_width: None,
                        message: format!(
                            "`softmax` needs at least 2 outputs, but layer `{}` has `{}`; softmax over 1 output is always 1, for one output use `sigmoid`",
                            unraw(&layer.name),
                            layer.output.display()
                        ),
                    }),
                }
            }
            act
        }
        _ => {
            let hint = did_you_mean(&name, ACTIVATIONS, ACTIVATION_ALIASES);
            errors.push(syn::Error::new(
                func.name.span(),
                format!(
                    "unknown activation `{name}`; expected one of {}{hint}",
                    one_of(ACTIVATIONS)
                ),
            ));
            None
        }
    };
    (act.unwrap_or(Act::Identity), text)
}

fn check_loss(
    func: &Func,
    last: Option<&NetLayer<'_>>,
    errors: &mut Errors,
    assertions: &mut Vec<ConstAssert>,
) -> Option<NetLoss> {
    let name = func.name.to_string();
    let positive =
        |p: Option<Vec<f64>>, errors: &mut Errors| checked_param(func, p, "delta", true, errors);
    let kind =
        match name.as_str() {
            "squared_error" => {
                params(func, &[], "squared_error", errors).map(|_| LossKind::SquaredError)
            }
            "mean_squared_error" => {
                params(func, &[], "mean_squared_error", errors).map(|_| LossKind::MeanSquaredError)
            }
            "absolute_error" => {
                params(func, &[], "absolute_error", errors).map(|_| LossKind::AbsoluteError)
            }
            "huber" => positive(params(func, &["delta"], "huber(1.0)", errors), errors)
                .map(LossKind::Huber),
            "softmax_cross_entropy" => params(func, &[], "softmax_cross_entropy", errors)
                .map(|_| LossKind::SoftmaxCrossEntropy),
            "binary_cross_entropy" => params(func, &[], "binary_cross_entropy", errors)
                .map(|_| LossKind::BinaryCrossEntropy),
            "hinge" => positive(params(func, &["delta"], "hinge(1.0)", errors), errors)
                .map(LossKind::Hinge),
            "multiclass_hinge" => positive(
                params(func, &["delta"], "multiclass_hinge(1.0)", errors),
                errors,
            )
            .map(LossKind::MulticlassHinge),
            _ => {
                let hint = did_you_mean(&name, LOSSES, LOSS_ALIASES);
                errors.push(syn::Error::new(
                    func.name.span(),
                    format!(
                        "unknown loss `{name}`; expected one of {}{hint}",
                        one_of(LOSSES)
                    ),
                ));
                None
            }
        }?;
    // `params` accepted the arguments: none, or the one delta.
    let text = match func.args.as_ref().and_then(|a| a.values.first()) {
        Some(delta) => format!("{name}({})", delta.tokens.to_string().replace(' ', "")),
        None => name.clone(),
    };
    if let Some(last) = last {
        check_loss_fits(kind, func, last, errors, assertions);
    }
    Some(NetLoss { kind, text })
}

/// Whether the loss can read the output layer: its width and activation.
fn check_loss_fits(
    kind: LossKind,
    func: &Func,
    last: &NetLayer<'_>,
    errors: &mut Errors,
    assertions: &mut Vec<ConstAssert>,
) {
    let name = &func.name;
    let layer = unraw(last.name);
    let width = last.output.literal();
    let mut min_outputs = |min: usize, hint: &str, errors: &mut Errors| match width {
        Some(w) if w < min => errors.push(syn::Error::new(
            name.span(),
            format!("`{name}` needs at least {min} outputs, but layer `{layer}` has {w}{hint}"),
        )),
        Some(_) => {}
        None => assertions.push(ConstAssert {
            span: name.span(),
            lhs: last.output.clone(),
            op: AssertOp::AtLeast,
            rhs: min,
            rhs_width: None,
            message: format!(
                "`{name}` needs at least {min} outputs, but layer `{layer}` has `{}`{hint}",
                last.output.display()
            ),
        }),
    };
    match kind {
        LossKind::SoftmaxCrossEntropy => {
            if !matches!(last.act, Act::Identity | Act::Softmax) {
                errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` applies softmax to the logits of layer `{layer}` itself, but that layer ends in `{}`; expected no activation (identity) or `softmax` on the output layer",
                        last.act_text
                    ),
                ));
            }
            min_outputs(2, "; for one output use `binary_cross_entropy`", errors);
        }
        LossKind::BinaryCrossEntropy => {
            if !matches!(last.act, Act::Identity | Act::Sigmoid) {
                errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` applies a sigmoid to the logit of layer `{layer}` itself, but that layer ends in `{}`; expected `sigmoid` or no activation on the output layer",
                        last.act_text
                    ),
                ));
            }
            match width {
                Some(w) if w != 1 => errors.push(syn::Error::new(
                    name.span(),
                    format!("`{name}` needs exactly 1 output, but layer `{layer}` has {w}; for several classes use `softmax_cross_entropy`"),
                )),
                Some(_) => {}
                None => assertions.push(ConstAssert {
                    span: name.span(),
                    lhs: last.output.clone(),
                    op: AssertOp::Eq,
                    rhs: 1,
                    rhs_width: None,
                    message: format!("`{name}` needs exactly 1 output, but layer `{layer}` has `{}`", last.output.display()),
                }),
            }
        }
        LossKind::MulticlassHinge(_) => min_outputs(2, "; for one output use `hinge`", errors),
        _ => {}
    }
}
