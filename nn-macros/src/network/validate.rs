//! Every rule a spec must follow. `check` collects all problems before it
//! fails, so two mistakes give two errors in one build; what it returns is a
//! [`Net`] that `expand` can turn into code without further checks.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;
use syn::spanned::Spanned;

use super::ast::{Entry, Func, Layer, Spec, Width};
use super::net::{
    Act, AssertOp, ConstAssert, Net, NetLayer, NetLoss, TRACE_BATCH_SUFFIX, TRACE_SUFFIX, unraw,
};
use super::vocabulary::{self, ACTIVATIONS, LOSSES, LossDef, Outputs, Row, aliases, names};
use super::{quantize, weights};
use crate::diagnostics::{Ctxt, did_you_mean, one_of};

/// The validation context of `network!`: errors, and the const assertions
/// on named widths.
pub type Cx = Ctxt<ConstAssert>;

/// Checks `spec` against every rule, in the order of the spec: the name, the
/// entries, the layers, the loss, the weights file. Each check records its
/// problems in `cx` and goes on, so one build shows them all.
pub fn check(spec: &Spec) -> syn::Result<Net<'_>> {
    let mut cx = Cx::new();
    check_name(&spec.name, &mut cx);
    let entries = check_entry_order(spec, &mut cx);
    check_has_layers(spec, &entries.layers, &mut cx);
    if let Some(input) = entries.input {
        check_width(input, "the input", &mut cx);
    }
    check_unique_layer_names(&entries.layers, &mut cx);
    let layers = check_layers(entries.input, &entries.layers, &mut cx);
    let loss = entries
        .loss
        .and_then(|func| check_loss(func, layers.last(), &mut cx));
    let weights = match (&spec.weights, entries.input) {
        (Some(attr), Some(input)) if !entries.layers.is_empty() => {
            weights::check(attr, &spec.name, input, &entries.layers, &mut cx)
        }
        _ => None,
    };
    let quantized = spec.weights.as_ref().and_then(|attr| {
        quantize::check(attr, &entries.layers, &layers, weights.as_ref(), &mut cx)
    });
    let Some(input) = entries.input else {
        return Err(cx.fail(syn::Error::new(
            spec.name.span(),
            format!(
                "network `{}` has no input width; expected `input: WIDTH,` as its first entry",
                unraw(&spec.name)
            ),
        )));
    };
    cx.finish(|assertions| Net {
        spec,
        input,
        layers,
        loss,
        assertions,
        weights,
        quantized,
    })
}

/// The entries of a spec, sorted by kind.
struct Entries<'a> {
    input: Option<&'a Width>,
    layers: Vec<&'a Layer>,
    loss: Option<&'a Func>,
}

/// `input` first, then the layers, then `loss`, each of `input` and `loss`
/// at most once (the first one counts).
fn check_entry_order<'a>(spec: &'a Spec, cx: &mut Cx) -> Entries<'a> {
    let mut entries = Entries {
        input: None,
        layers: Vec::new(),
        loss: None,
    };
    let is_layer = |e: &Entry| matches!(e, Entry::Layer(_));
    let first_layer = spec.entries.iter().position(is_layer);
    let last_layer = spec.entries.iter().rposition(is_layer);
    for (index, entry) in spec.entries.iter().enumerate() {
        let layer_before = first_layer.is_some_and(|first| first < index);
        let layer_after = last_layer.is_some_and(|last| last > index);
        match entry {
            Entry::Input { key, width } => {
                if entries.input.is_some() {
                    cx.error(syn::Error::new(
                        key.span,
                        "`input` is given twice; expected it once, as the first entry",
                    ));
                } else if layer_before {
                    cx.error(syn::Error::new(
                        key.span,
                        "`input` must be the first entry, before the layers",
                    ));
                }
                entries.input.get_or_insert(width);
            }
            Entry::Loss { key, func } => {
                if entries.loss.is_some() {
                    cx.error(syn::Error::new(
                        key.span,
                        "`loss` is given twice; expected it once, as the last entry",
                    ));
                } else if layer_after {
                    cx.error(syn::Error::new(
                        key.span,
                        "`loss` must come after the last layer",
                    ));
                }
                entries.loss.get_or_insert(func);
            }
            Entry::Layer(layer) => entries.layers.push(layer),
        }
    }
    entries
}

/// A network has at least one layer.
fn check_has_layers(spec: &Spec, layers: &[&Layer], cx: &mut Cx) {
    if layers.is_empty() {
        cx.error(syn::Error::new(
            spec.name.span(),
            format!(
                "network `{}` has no layers; expected at least one, e.g. `output: dense(10)`",
                unraw(&spec.name)
            ),
        ));
    }
}

/// Layer names are unique, compared without `r#`: `r#a` and `a` are one field.
fn check_unique_layer_names(layers: &[&Layer], cx: &mut Cx) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for layer in layers {
        let name = unraw(&layer.name);
        if let Some(first) = seen.get(&name) {
            cx.error(syn::Error::new(
                layer.name.span(),
                format!("layer name `{name}` is used twice; expected a unique name for each layer"),
            ));
            cx.error(syn::Error::new(
                first.span(),
                format!("`{name}` is first used here"),
            ));
        } else {
            seen.insert(name, &layer.name);
        }
    }
}

/// Each layer: its width, its explicit input width against the layer below,
/// and its activation. Without an `input` the layers are still checked, so
/// that every mistake shows in one build; the first layer then has nothing
/// to compare with.
fn check_layers<'a>(
    input: Option<&'a Width>,
    layers: &[&'a Layer],
    cx: &mut Cx,
) -> Vec<NetLayer<'a>> {
    let mut net_layers = Vec::new();
    let mut prev_width: Option<&Width> = input;
    let mut prev_name = String::from("the network's `input`");
    for (i, layer) in layers.iter().enumerate() {
        let what = format!("layer `{}`", unraw(&layer.name));
        check_width(&layer.output, &what, cx);
        if let (Some(explicit), Some(prev_width)) = (&layer.input, prev_width) {
            check_input_width(layer, explicit, prev_width, &prev_name, cx);
        }
        let next = layers.get(i + 1).copied();
        let (act, act_text) = check_activation(layer, next, cx);
        net_layers.push(NetLayer {
            name: &layer.name,
            kind_span: layer.kind.span,
            // Without `input` (an error reported at the end) any width will do.
            input: prev_width.unwrap_or(&layer.output),
            output: &layer.output,
            act,
            act_text,
        });
        prev_width = Some(&layer.output);
        prev_name = format!("layer `{}`", unraw(&layer.name));
    }
    net_layers
}

/// `dense(IN -> OUT)`: `IN` is the width of the layer below, `prev`
/// (described as `prev_name`); checked here for literals, by a const
/// assertion for named constants.
fn check_input_width(layer: &Layer, explicit: &Width, prev: &Width, prev_name: &str, cx: &mut Cx) {
    match (explicit.literal(), prev.literal()) {
        (Some(a), Some(b)) if a != b => {
            cx.error(syn::Error::new_spanned(
                explicit,
                format!(
                    "shape mismatch: layer `{}` takes {a} inputs, but {prev_name} before it produces {b}; expected `dense({b} -> ...)`",
                    unraw(&layer.name)
                ),
            ));
        }
        (Some(_), Some(_)) => {}
        _ => cx.assert(ConstAssert {
            span: explicit_span(explicit),
            lhs: explicit.clone(),
            op: AssertOp::EqWidth,
            rhs: 0,
            rhs_width: Some(prev.clone()),
            message: format!(
                "shape mismatch: layer `{}` takes `{}` inputs, but {prev_name} before it produces `{}`",
                unraw(&layer.name),
                explicit.display(),
                prev.display()
            ),
        }),
    }
}

/// The primitive types, which a struct of the same name would shadow in
/// the generated code (`T = f32`, `usize` constants, `&'static str` names).
const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize",
];

/// Rejects network names that cannot work, or could clash with the names
/// generated for another network in the same module.
fn check_name(name: &Ident, cx: &mut Cx) {
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
    cx.error(syn::Error::new(
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
fn check_width(width: &Width, what: &str, cx: &mut Cx) {
    match width {
        Width::Lit { value: 0, lit } => cx.error(syn::Error::new(
            lit.span(),
            format!("width of {what} must be at least 1, found 0"),
        )),
        Width::Lit { .. } => {}
        Width::Const(path) => cx.assert(ConstAssert {
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

/// How the spec wrote `func`: `"leaky_relu(0.01)"`, `"relu"`.
fn written(func: &Func) -> String {
    let name = func.name.to_string();
    match &func.args {
        Some(args) => {
            let values: Vec<String> = args
                .values
                .iter()
                .map(|n| n.tokens.to_string().replace(' ', ""))
                .collect();
            format!("{name}({})", values.join(", "))
        }
        None => name,
    }
}

/// The parameters of `func` checked against its row: their number, and
/// each value (the macro writes it into the generated code as a float
/// literal, which must be finite and fit in an `f32`; a delta must also be
/// positive). Omitted parameters take the row's defaults.
fn params<R: Row>(func: &Func, row: &R, cx: &mut Cx) -> Option<Vec<f64>> {
    let name = &func.name;
    let expected: Vec<&str> = row.params().iter().map(|p| p.name).collect();
    let example = row.example();
    let args = match (&func.args, expected.len()) {
        (None, _) => {
            let defaults: Option<Vec<f64>> = row.params().iter().map(|p| p.default).collect();
            if defaults.is_none() {
                cx.error(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` needs its {}: expected `{name}({})`, e.g. `{example}`",
                        expected.join(" and "),
                        expected.join(", ")
                    ),
                ));
            }
            return defaults;
        }
        (Some(args), 0) if args.values.is_empty() => {
            cx.error(syn::Error::new(
                args.paren.span.join(),
                format!(
                    "`{name}` takes no parameters; expected `{name}` without parentheses, found `{name}()`"
                ),
            ));
            return None;
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
            cx.error(syn::Error::new(args.paren.span.join(), msg));
            return None;
        }
        (Some(args), _) => args,
    };
    let mut values = Some(Vec::new());
    for (param, number) in row.params().iter().zip(&args.values) {
        let value = number.value;
        let problem = if !value.is_finite() || value.abs() > f64::from(f32::MAX) {
            "be finite and fit in an `f32`"
        } else if param.positive && value <= 0.0 {
            "be positive"
        } else {
            if let Some(values) = &mut values {
                values.push(value);
            }
            continue;
        };
        let text = number.tokens.to_string().replace(' ', "");
        cx.error(syn::Error::new_spanned(
            &number.tokens,
            format!(
                "the {} of `{name}` must {problem}, found {text}",
                param.name
            ),
        ));
        values = None;
    }
    values
}

/// The layer's activation; `next` is the layer after it, if any.
fn check_activation(layer: &Layer, next: Option<&Layer>, cx: &mut Cx) -> (Act, String) {
    let Some(func) = &layer.activation else {
        return (Act::identity(), vocabulary::identity().name.into());
    };
    let name = func.name.to_string();
    let text = written(func);
    let Some(def) = vocabulary::find(ACTIVATIONS, &name) else {
        let hint = did_you_mean(&name, &names(ACTIVATIONS), &aliases(ACTIVATIONS));
        cx.error(syn::Error::new(
            func.name.span(),
            format!(
                "unknown activation `{name}`; expected one of {}{hint}",
                one_of(&names(ACTIVATIONS))
            ),
        ));
        return (Act::identity(), text);
    };
    let params = params(func, def, cx);
    if def.output_only {
        check_output_only(func, layer, next, cx);
    }
    match params {
        Some(params) => (Act { def, params }, text),
        None => (Act::identity(), text),
    }
}

/// An activation over the whole output (`softmax`) is for the output layer,
/// and over 1 output it is constant.
fn check_output_only(func: &Func, layer: &Layer, next: Option<&Layer>, cx: &mut Cx) {
    let name = &func.name;
    if let Some(next) = next {
        cx.error(syn::Error::new(
            name.span(),
            format!(
                "`{name}` is only allowed on the output layer, but `{}` is followed by `{}`; expected another activation, e.g. `relu`",
                unraw(&layer.name),
                unraw(&next.name)
            ),
        ));
        return;
    }
    match layer.output.literal() {
        Some(1) => cx.error(syn::Error::new(
            name.span(),
            format!(
                "`{name}` over the 1 output of layer `{}` is always 1; expected at least 2 outputs, or `sigmoid`",
                unraw(&layer.name)
            ),
        )),
        Some(_) => {}
        None => cx.assert(ConstAssert {
            span: name.span(),
            lhs: layer.output.clone(),
            op: AssertOp::AtLeast,
            rhs: 2,
            rhs_width: None,
            message: format!(
                "`{name}` needs at least 2 outputs, but layer `{}` has `{}`; {name} over 1 output is always 1, for one output use `sigmoid`",
                unraw(&layer.name),
                layer.output.display()
            ),
        }),
    }
}

fn check_loss(func: &Func, last: Option<&NetLayer<'_>>, cx: &mut Cx) -> Option<NetLoss> {
    let name = func.name.to_string();
    let Some(def) = vocabulary::find(LOSSES, &name) else {
        let hint = did_you_mean(&name, &names(LOSSES), &aliases(LOSSES));
        cx.error(syn::Error::new(
            func.name.span(),
            format!(
                "unknown loss `{name}`; expected one of {}{hint}",
                one_of(&names(LOSSES))
            ),
        ));
        return None;
    };
    let params = params(func, def, cx)?;
    if let Some(last) = last {
        check_loss_fits(def, func, last, cx);
    }
    Some(NetLoss {
        def,
        params,
        text: written(func),
    })
}

/// Whether the loss can read the output layer: its width and activation.
fn check_loss_fits(def: &LossDef, func: &Func, last: &NetLayer<'_>, cx: &mut Cx) {
    let name = &func.name;
    let layer = unraw(last.name);
    let width = last.output.literal();
    if let Some(fused) = &def.fused
        && !fused.after.contains(&last.act.def.name)
    {
        cx.error(syn::Error::new(
            name.span(),
            format!(
                "`{name}` applies {} of layer `{layer}` itself, but that layer ends in `{}`; expected {} on the output layer",
                fused.applies, last.act_text, fused.after_text
            ),
        ));
    }
    let (outputs, hint, exact) = match def.outputs {
        Outputs::Any => return,
        Outputs::AtLeast(min, hint) => (min, hint, false),
        Outputs::Exactly(n, hint) => (n, hint, true),
    };
    match width {
        Some(w) if exact && w != outputs => cx.error(syn::Error::new(
            name.span(),
            format!("`{name}` needs exactly {outputs} output, but layer `{layer}` has {w}{hint}"),
        )),
        Some(w) if !exact && w < outputs => cx.error(syn::Error::new(
            name.span(),
            format!("`{name}` needs at least {outputs} outputs, but layer `{layer}` has {w}{hint}"),
        )),
        Some(_) => {}
        None if exact => cx.assert(ConstAssert {
            span: name.span(),
            lhs: last.output.clone(),
            op: AssertOp::Eq,
            rhs: outputs,
            rhs_width: None,
            message: format!(
                "`{name}` needs exactly {outputs} output, but layer `{layer}` has `{}`",
                last.output.display()
            ),
        }),
        None => cx.assert(ConstAssert {
            span: name.span(),
            lhs: last.output.clone(),
            op: AssertOp::AtLeast,
            rhs: outputs,
            rhs_width: None,
            message: format!(
                "`{name}` needs at least {outputs} outputs, but layer `{layer}` has `{}`{hint}",
                last.output.display()
            ),
        }),
    }
}
