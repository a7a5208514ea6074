//! Every rule a spec must follow. `check` collects all problems before it
//! fails, so two mistakes give two errors in one build; what it returns is a
//! [`Net`] that `expand` can turn into code without further checks.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Ident;
use syn::spanned::Spanned;

use super::ast::{Entry, Func, InputShape, Kind, Layer, Size, Spec, Width};
use super::net::{
    Act, AssertOp, ConstAssert, Geometry, Net, NetLayer, NetLoss, Op, Source, TRACE_BATCH_SUFFIX,
    TRACE_SUFFIX, unraw,
};
use super::vocabulary::{self, ACTIVATIONS, LOSSES, LossDef, Outputs, Row, aliases, names};
use super::{quantize, weights};
use crate::diagnostics::{Ctxt, did_you_mean, nearest, one_of};

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
    let input = entries.input.map(|shape| check_input(shape, &mut cx));
    check_unique_layer_names(&entries.layers, &mut cx);
    let layers = check_layers(input.as_ref(), &entries.layers, &mut cx);
    let loss = entries
        .loss
        .and_then(|func| check_loss(func, layers.last(), &mut cx));
    let weights = match (&spec.weights, &input) {
        (Some(_), Some(_)) if layers.len() != entries.layers.len() => None,
        (Some(attr), Some(_)) if !entries.layers.is_empty() => {
            weights::check(attr, &spec.name, &layers, &mut cx)
        }
        _ => None,
    };
    let quantized = spec.weights.as_ref().and_then(|attr| {
        quantize::check(attr, &entries.layers, &layers, weights.as_ref(), &mut cx)
    });
    let Some((input, input_image)) = input.map(|shape| match shape {
        Shape::Flat(width) => (width, None),
        Shape::Image(dims) => (image_width(&dims, spec.name.span()), Some(dims)),
    }) else {
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
        input_image,
        layers,
        loss,
        assertions,
        weights,
        quantized,
    })
}

/// The entries of a spec, sorted by kind.
struct Entries<'a> {
    input: Option<&'a InputShape>,
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
            Entry::Input { key, shape } => {
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
                entries.input.get_or_insert(shape);
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
            Entry::Layer(layer) => entries.layers.push(layer.as_ref()),
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

/// The shape of a layer's output (or of the input): a vector of a width,
/// or an image `[channels, height, width]` (literals, or expressions over
/// named constants).
#[derive(Clone)]
enum Shape {
    Flat(Width),
    Image([Width; 3]),
}

impl Shape {
    /// `a vector of 784 values`, `an image [8, 14, 14]`, for messages.
    fn text(&self) -> String {
        match self {
            Shape::Flat(w) => format!("a vector of {} values", w.display()),
            Shape::Image(dims) => format!("an image {}", image_text(dims)),
        }
    }

    /// The width of the flat vector that holds it.
    fn width(&self, span: Span) -> Width {
        match self {
            Shape::Flat(w) => w.clone(),
            Shape::Image(dims) => image_width(dims, span),
        }
    }
}

/// `[8, 14, 14]`, or `[C, (H + 2·1 - 3) / 1 + 1, ...]` with named sizes.
fn image_text(dims: &[Width; 3]) -> String {
    let shown: Vec<String> = dims.iter().map(Width::display).collect();
    format!("[{}]", shown.join(", "))
}

/// `channels · height · width`, spanned at `span`.
fn image_width([c, h, w]: &[Width; 3], span: Span) -> Width {
    Width::product(&[c, h, w], span)
}

/// The input: a width of at least 1, or an image with no zero dimension.
fn check_input(shape: &InputShape, cx: &mut Cx) -> Shape {
    match shape {
        InputShape::Flat(width) => {
            check_width(width, "the input", cx);
            Shape::Flat(width.clone())
        }
        InputShape::Image { dims, .. } => {
            let mut names = ["channels", "height", "width"].into_iter();
            let checked =
                dims.clone().map(
                    |dim| match (dim.literal(), names.next().unwrap_or("size")) {
                        (Some(0), what) => {
                            cx.error(syn::Error::new(
                                dim.token_span(),
                                format!("the input's {what} must be at least 1, found 0"),
                            ));
                            // Checked on as 1: one error, not one per layer below.
                            Width::computed(1, dim.token_span())
                        }
                        (Some(_), _) => dim,
                        (None, what) => {
                            positive(&dim, &format!("the {what}"), "input", cx);
                            dim
                        }
                    },
                );
            Shape::Image(checked)
        }
    }
}

/// What each layer reads, and its output shape. Without an `input` the
/// layers are still checked, so that every mistake shows in one build;
/// what reads the input then has nothing to compare with.
fn check_layers<'a>(input: Option<&Shape>, layers: &[&'a Layer], cx: &mut Cx) -> Vec<NetLayer<'a>> {
    let mut net_layers: Vec<NetLayer<'a>> = Vec::new();
    // Each layer's output shape, `None` after an error in it.
    let mut shapes: Vec<Option<Shape>> = Vec::new();
    let mut reads: Vec<Vec<usize>> = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let mut read = Vec::new();
        let refs = references(layer, i, layers);
        let mut sources = Vec::new();
        let mut in_shapes = Vec::new();
        let mut ok = true;
        for (ident, implicit) in &refs {
            match resolve(ident.as_ref(), *implicit, i, layers, cx) {
                Some(Source::Input) => {
                    sources.push(Source::Input);
                    in_shapes.push(input.cloned());
                }
                Some(Source::Layer(j)) => {
                    read.push(j);
                    // `flatten` only renames: read what it reads.
                    let source = match net_layers[j].op {
                        Op::Flatten => net_layers[j].sources[0],
                        _ => Source::Layer(j),
                    };
                    sources.push(source);
                    in_shapes.push(shapes[j].clone());
                }
                None => ok = false,
            }
        }
        let what = format!("layer `{}`", unraw(&layer.name));
        let below = |k: usize| -> String {
            match (&refs[k].0, sources.get(k)) {
                (_, Some(Source::Input)) => "the network's `input`".to_string(),
                (Some(name), _) => format!("layer `{}`", unraw(name)),
                (None, _) => "the layer above".to_string(),
            }
        };
        let in_shapes: Option<Vec<Shape>> = if ok {
            in_shapes.into_iter().collect()
        } else {
            None
        };
        let (op, out) = match in_shapes {
            Some(in_shapes) => check_op(layer, &what, &in_shapes, &below, cx),
            None => (placeholder_op(layer), None),
        };
        let span = layer.kind_name.span();
        let output = match (&out, &layer.kind) {
            (Some(shape), _) => shape.width(span),
            (None, Kind::Dense { output, .. }) => output.clone(),
            (None, _) => Width::computed(1, span),
        };
        let (act, act_text) = check_activation(layer, layers.get(i + 1).copied(), &output, cx);
        let input_width = match sources.first() {
            Some(Source::Input) => input.map(|s| s.width(span)),
            Some(Source::Layer(j)) => Some(net_layers[*j].output.clone()),
            None => None,
        }
        .unwrap_or_else(|| output.clone());
        let image = match &out {
            Some(Shape::Image(dims)) => Some(dims.clone()),
            _ => None,
        };
        shapes.push(out);
        reads.push(read);
        net_layers.push(NetLayer {
            name: &layer.name,
            kind_span: span,
            op,
            sources,
            input: input_width,
            output,
            image,
            act,
            act_text,
        });
    }
    check_output_layer(&net_layers, cx);
    check_every_layer_used(layers, &reads, cx);
    net_layers
}

/// The names a layer reads, in order: `(Some(name), false)` as written
/// (`from = name`, the parts of `add`), or `(None, true)` for the layer
/// above (the input, for the first).
fn references(layer: &Layer, i: usize, layers: &[&Layer]) -> Vec<(Option<Ident>, bool)> {
    match (&layer.kind, &layer.from) {
        (Kind::Join { parts, .. }, _) => parts.iter().map(|p| (Some(p.clone()), false)).collect(),
        (_, Some(from)) => vec![(Some(from.clone()), false)],
        _ => vec![(i.checked_sub(1).map(|p| layers[p].name.clone()), true)],
    }
}

/// The layer or input a name refers to, from layer `i`; `None` after an
/// error: an unknown name, the layer itself, or a layer below it (which
/// would make a cycle).
fn resolve(
    name: Option<&Ident>,
    implicit: bool,
    i: usize,
    layers: &[&Layer],
    cx: &mut Cx,
) -> Option<Source> {
    let Some(name) = name else {
        return Some(Source::Input);
    };
    let shown = unraw(name);
    if implicit {
        return Some(Source::Layer(i - 1));
    }
    if shown == "input" {
        return Some(Source::Input);
    }
    let reader = unraw(&layers[i].name);
    match layers.iter().position(|l| unraw(&l.name) == shown) {
        Some(j) if j < i => Some(Source::Layer(j)),
        Some(j) if j == i => {
            cx.error(syn::Error::new(
                name.span(),
                format!(
                    "layer `{reader}` reads itself, which would make a cycle; expected `input` or a layer above it"
                ),
            ));
            None
        }
        Some(_) => {
            cx.error(syn::Error::new(
                name.span(),
                format!(
                    "layer `{reader}` reads `{shown}`, which is defined below it: that would make a cycle; expected `input` or a layer above `{reader}` (layers read only layers declared before them)"
                ),
            ));
            None
        }
        None => {
            let above: Vec<String> = std::iter::once("input".to_string())
                .chain(layers[..i].iter().map(|l| unraw(&l.name)))
                .collect();
            let above: Vec<&str> = above.iter().map(String::as_str).collect();
            let hint = nearest(&shown, &above)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            cx.error(syn::Error::new(
                name.span(),
                format!(
                    "unknown layer `{shown}` in layer `{reader}`; expected `input` or a layer above it ({}){hint}",
                    one_of(&above)
                ),
            ));
            None
        }
    }
}

/// The op of a layer whose input could not be resolved (its other checks
/// still run).
fn placeholder_op(layer: &Layer) -> Op {
    let g = || unknown_geometry(layer.kind_name.span());
    match layer.kind {
        Kind::Dense { .. } => Op::Dense,
        Kind::Conv2d { .. } => Op::Conv2d(g()),
        Kind::Depthwise { .. } => Op::Depthwise(g()),
        Kind::Pool { max: true, .. } => Op::MaxPool(g()),
        Kind::Pool { max: false, .. } => Op::AvgPool(g()),
        Kind::Flatten => Op::Flatten,
        Kind::Join { add: true, .. } => Op::Add,
        Kind::Join { add: false, .. } => Op::Concat,
    }
}

/// The geometry of an image layer after an error in it: a stand-in of 1s
/// that keeps the layer's kind for the checks that follow (the spec is not
/// expanded).
fn unknown_geometry(span: Span) -> Geometry {
    let one = || Width::computed(1, span);
    Geometry {
        channels: one(),
        height: one(),
        width: one(),
        kernel: one(),
        stride: one(),
        padding: one(),
        out_channels: one(),
        out_height: one(),
        out_width: one(),
    }
}

/// The rules of each kind of layer on its input shapes, and its output
/// shape (`None` after an error).
fn check_op(
    layer: &Layer,
    what: &str,
    inputs: &[Shape],
    below: &dyn Fn(usize) -> String,
    cx: &mut Cx,
) -> (Op, Option<Shape>) {
    let kind = layer.kind_name.to_string();
    let span = layer.kind_name.span();
    let image = |cx: &mut Cx| -> Option<[Width; 3]> {
        match &inputs[0] {
            Shape::Image(dims) => Some(dims.clone()),
            Shape::Flat(w) => {
                cx.error(syn::Error::new(
                    span,
                    format!(
                        "`{kind}` needs an image [CHANNELS, HEIGHT, WIDTH], but {} before {what} is a vector of {} values; expected an image input (`input: [1, 28, 28]`) or image layers before it",
                        below(0),
                        w.display()
                    ),
                ));
                None
            }
        }
    };
    // An image layer's op and output shape from its geometry, or its kind
    // with a stand-in geometry after an error.
    let image_op = |g: Option<Geometry>, make: fn(Geometry) -> Op| match g {
        Some(g) => {
            let out = Shape::Image([
                g.out_channels.clone(),
                g.out_height.clone(),
                g.out_width.clone(),
            ]);
            (make(g), Some(out))
        }
        None => (make(unknown_geometry(span)), None),
    };
    match &layer.kind {
        Kind::Dense { input, output } => {
            check_width(output, what, cx);
            match &inputs[0] {
                Shape::Image(dims) => {
                    cx.error(syn::Error::new(
                        span,
                        format!(
                            "{what} is `dense`, but {} before it is an image {}; expected `flatten` between them, e.g. `flat: flatten,` above it",
                            below(0),
                            image_text(dims)
                        ),
                    ));
                    (Op::Dense, None)
                }
                Shape::Flat(prev) => {
                    if let Some(explicit) = input {
                        check_input_width(layer, explicit, prev, &below(0), cx);
                    }
                    (Op::Dense, Some(Shape::Flat(output.clone())))
                }
            }
        }
        Kind::Conv2d {
            input,
            output,
            kernel,
            stride,
            padding,
        } => {
            let Some([c, h, w]) = image(cx) else {
                return (Op::Conv2d(unknown_geometry(span)), None);
            };
            if let Some(explicit) = input {
                let message = format!(
                    "channel mismatch: {what} takes {} input channels, but {} before it has {}",
                    explicit.display(),
                    below(0),
                    c.display()
                );
                let hint = format!("; expected `conv2d({} -> ...)`", c.display());
                equal(explicit, &c, message, &hint, cx);
            }
            positive(output, "the output channels", &kind, cx);
            let g = geometry(
                what,
                &kind,
                [c, h, w],
                output.clone(),
                kernel,
                stride.as_ref(),
                padding.as_ref(),
                cx,
            );
            image_op(g, Op::Conv2d)
        }
        Kind::Depthwise {
            kernel,
            stride,
            padding,
        } => {
            let Some([c, h, w]) = image(cx) else {
                return (Op::Depthwise(unknown_geometry(span)), None);
            };
            let g = geometry(
                what,
                &kind,
                [c.clone(), h, w],
                c,
                kernel,
                stride.as_ref(),
                padding.as_ref(),
                cx,
            );
            image_op(g, Op::Depthwise)
        }
        Kind::Pool { max, size, stride } => {
            let make = if *max { Op::MaxPool } else { Op::AvgPool };
            let Some([c, h, w]) = image(cx) else {
                return (make(unknown_geometry(span)), None);
            };
            // PyTorch's default stride is the window size.
            let stride = stride.clone().unwrap_or_else(|| size.clone());
            let g = geometry(
                what,
                &kind,
                [c.clone(), h, w],
                c,
                size,
                Some(&stride),
                None,
                cx,
            );
            image_op(g, make)
        }
        Kind::Flatten => {
            let out = match &inputs[0] {
                Shape::Image(dims) => Shape::Flat(image_width(dims, span)),
                flat => flat.clone(),
            };
            (Op::Flatten, Some(out))
        }
        Kind::Join { add, parts } => {
            let op = if *add { Op::Add } else { Op::Concat };
            let first = &inputs[0];
            let mut ok = true;
            for (k, shape) in inputs.iter().enumerate().skip(1) {
                let rule = if *add {
                    "expected the same shape (add sums them element by element)"
                } else {
                    "expected images of the same height and width (concat joins their channels) or two vectors"
                };
                let message = format!(
                    "shape mismatch: `{kind}` in {what} joins {} ({}) and {} ({})",
                    below(0),
                    first.text(),
                    below(k),
                    shape.text()
                );
                let hint = format!("; {rule}");
                // The dimensions that must agree, or `None` for a vector
                // and an image.
                let pairs: Option<Vec<(&Width, &Width)>> = match (first, shape) {
                    (Shape::Image(a), Shape::Image(b)) if *add => Some(a.iter().zip(b).collect()),
                    (Shape::Image(a), Shape::Image(b)) => {
                        Some(a[1..].iter().zip(&b[1..]).collect())
                    }
                    (Shape::Flat(a), Shape::Flat(b)) if *add => Some(vec![(a, b)]),
                    (Shape::Flat(_), Shape::Flat(_)) => Some(Vec::new()),
                    _ => None,
                };
                let Some(pairs) = pairs else {
                    cx.error(syn::Error::new(parts[k].span(), format!("{message}{hint}")));
                    ok = false;
                    continue;
                };
                // One error per join, on the part that differs.
                let literal_mismatch = pairs.iter().any(
                    |(a, b)| matches!((a.literal(), b.literal()), (Some(x), Some(y)) if x != y),
                );
                if literal_mismatch {
                    cx.error(syn::Error::new(parts[k].span(), format!("{message}{hint}")));
                    ok = false;
                    continue;
                }
                for (a, b) in pairs {
                    if a.literal().is_none() || b.literal().is_none() {
                        cx.assert(ConstAssert {
                            span: parts[k].span(),
                            lhs: b.clone(),
                            op: AssertOp::EqWidth,
                            rhs: 0,
                            rhs_width: Some(a.clone()),
                            message: message.clone(),
                        });
                    }
                }
            }
            if !ok {
                return (op, None);
            }
            let out = match (add, first) {
                (true, shape) => shape.clone(),
                (false, Shape::Image([_, h, w])) => {
                    let channels: Vec<&Width> = inputs
                        .iter()
                        .filter_map(|s| match s {
                            Shape::Image([c, ..]) => Some(c),
                            Shape::Flat(_) => None,
                        })
                        .collect();
                    Shape::Image([Width::sum(&channels, span), h.clone(), w.clone()])
                }
                (false, Shape::Flat(_)) => {
                    let widths: Vec<&Width> = inputs
                        .iter()
                        .filter_map(|s| match s {
                            Shape::Flat(w) => Some(w),
                            Shape::Image(_) => None,
                        })
                        .collect();
                    Shape::Flat(Width::sum(&widths, span))
                }
            };
            (op, Some(out))
        }
    }
}

/// `found == expected`: checked here for literals (an error on `found`
/// with `message` and `hint`), by a const assertion with `message`
/// otherwise.
fn equal(found: &Width, expected: &Width, message: String, hint: &str, cx: &mut Cx) {
    match (found.literal(), expected.literal()) {
        (Some(a), Some(b)) if a != b => {
            cx.error(syn::Error::new(
                found.token_span(),
                format!("{message}{hint}"),
            ));
        }
        (Some(_), Some(_)) => {}
        _ => cx.assert(ConstAssert {
            span: found.token_span(),
            lhs: found.clone(),
            op: AssertOp::EqWidth,
            rhs: 0,
            rhs_width: Some(expected.clone()),
            message,
        }),
    }
}

/// A size that must be at least 1 (channels, a kernel, a stride): checked
/// here for a literal, by a const assertion for a named constant.
fn positive(size: &Size, what: &str, kind: &str, cx: &mut Cx) -> bool {
    match size.literal() {
        Some(0) => {
            cx.error(syn::Error::new(
                size.token_span(),
                format!("{what} of `{kind}` must be at least 1, found 0"),
            ));
            false
        }
        Some(_) => true,
        None => {
            cx.assert(ConstAssert {
                span: size.token_span(),
                lhs: size.clone(),
                op: AssertOp::AtLeast,
                rhs: 1,
                rhs_width: None,
                message: format!(
                    "{what} of `{kind}` must be at least 1, but `{}` is 0",
                    size.display()
                ),
            });
            true
        }
    }
}

/// The geometry of a convolution or pool of window `kernel` over an image
/// `[c, h, w]`: the window fits the padded image, the stride is at least
/// 1, the padding is below the kernel, and the output size is PyTorch's
/// `(h + 2p - k) / s + 1`, rounded down (a window that would run past the
/// edge is dropped, as in PyTorch). Literals are checked here; named
/// constants by const assertions naming the layer.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one layer, all context"
)]
fn geometry(
    what: &str,
    kind: &str,
    [c, h, w]: [Width; 3],
    out_channels: Width,
    kernel: &Size,
    stride: Option<&Size>,
    padding: Option<&Size>,
    cx: &mut Cx,
) -> Option<Geometry> {
    let window = if kind.ends_with("pool") {
        "window"
    } else {
        "kernel"
    };
    let span = kernel.token_span();
    let one = Width::computed(1, span);
    let zero = Width::computed(0, span);
    let s = stride.cloned().unwrap_or(one.clone());
    let p = padding.cloned().unwrap_or(zero);
    let k = kernel.clone();
    let mut ok = positive(&k, &format!("the {window} size"), kind, cx);
    if let Some(s) = stride {
        ok &= positive(s, "the stride", kind, cx);
    }
    if !ok {
        return None;
    }
    // The padding is below the kernel.
    match (p.literal(), k.literal()) {
        (Some(pv), Some(kv)) if pv > 0 && pv >= kv => {
            cx.error(syn::Error::new(
                p.token_span(),
                format!(
                    "the padding {pv} of {what} is not smaller than its kernel {kv}: every output at the border would see only padding; expected a padding below {kv}"
                ),
            ));
            return None;
        }
        (Some(_), Some(_)) => {}
        _ => cx.assert(ConstAssert {
            span: p.token_span(),
            lhs: k.clone(),
            op: AssertOp::AtLeastWidth,
            rhs: 0,
            rhs_width: Some(Width::sum(&[&p, &one], span)),
            message: format!(
                "the padding `{}` of {what} must be smaller than its kernel `{}`",
                p.display(),
                k.display()
            ),
        }),
    }
    // The window fits the padded input, in both directions.
    let padded = |size: &Width| Width::sum(&[size, &p, &p], span);
    let (ph, pw) = (padded(&h), padded(&w));
    match (k.literal(), ph.literal(), pw.literal()) {
        (Some(kv), Some(phv), Some(pwv)) if kv > phv || kv > pwv => {
            let (hv, wv, pv) = (
                h.literal().unwrap_or(0),
                w.literal().unwrap_or(0),
                p.literal().unwrap_or(0),
            );
            let shown = if pv > 0 {
                format!("the padded input {phv}×{pwv} ({hv}×{wv} with padding {pv})")
            } else {
                format!("its input {hv}×{wv}")
            };
            cx.error(syn::Error::new(
                kernel.token_span(),
                format!(
                    "the {window} {kv}×{kv} of {what} is larger than {shown}; expected a {window} of at most {}",
                    phv.min(pwv)
                ),
            ));
            return None;
        }
        (Some(_), Some(_), Some(_)) => {}
        _ => {
            for (padded, dim) in [(&ph, "height"), (&pw, "width")] {
                cx.assert(ConstAssert {
                    span: kernel.token_span(),
                    lhs: padded.clone(),
                    op: AssertOp::AtLeastWidth,
                    rhs: 0,
                    rhs_width: Some(k.clone()),
                    message: format!(
                        "the {window} `{}` of {what} is larger than its padded input's {dim} `{}`",
                        k.display(),
                        padded.display()
                    ),
                });
            }
        }
    }
    let out_height = Width::window_out(&h, &k, &s, &p, span)?;
    let out_width = Width::window_out(&w, &k, &s, &p, span)?;
    Some(Geometry {
        channels: c,
        height: h,
        width: w,
        kernel: k,
        stride: s,
        padding: p,
        out_channels,
        out_height,
        out_width,
    })
}

/// The last layer is the network's output: a layer with an activation,
/// whose `z` and `a` a loss reads.
fn check_output_layer(layers: &[NetLayer], cx: &mut Cx) {
    let Some(last) = layers.last() else { return };
    if !last.op.has_params() {
        cx.error(syn::Error::new(
            last.kind_span,
            format!(
                "the last layer `{}` is the network's output, but `{}` has no activation for a loss to read; expected `dense`, `conv2d` or `depthwise_conv2d` last, e.g. `out: dense(10)` after it",
                unraw(last.name),
                last.op.kind()
            ),
        ));
    }
}

/// Every layer but the last is read by a later one (`reads[i]` are the
/// layers layer `i` names or follows): a layer nothing reads is a mistake
/// in the graph, its output would be computed and dropped.
fn check_every_layer_used(layers: &[&Layer], reads: &[Vec<usize>], cx: &mut Cx) {
    let n = layers.len();
    let mut used = vec![false; n];
    for j in reads.iter().flatten() {
        used[*j] = true;
    }
    for (layer, used) in layers.iter().zip(used).take(n.saturating_sub(1)) {
        if !used {
            let name = unraw(&layer.name);
            cx.error(syn::Error::new(
                layer.name.span(),
                format!(
                    "layer `{name}` is never used: no layer reads it and it is not the last layer (the output); expected a layer that reads it, e.g. `from = {name}` or `add({name}, ...)`"
                ),
            ));
        }
    }
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
            span: explicit.token_span(),
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

/// Widths are at least 1: literals here, named constants by a const assertion.
fn check_width(width: &Width, what: &str, cx: &mut Cx) {
    match width {
        Width::Lit { value: 0, lit } => cx.error(syn::Error::new(
            lit.span(),
            format!("width of {what} must be at least 1, found 0"),
        )),
        Width::Lit { .. } => {}
        Width::Const(_) | Width::Expr { .. } => cx.assert(ConstAssert {
            span: width.token_span(),
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
fn check_activation(
    layer: &Layer,
    next: Option<&Layer>,
    output: &Width,
    cx: &mut Cx,
) -> (Act, String) {
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
        check_output_only(func, layer, next, output, cx);
    }
    match params {
        Some(params) => (Act { def, params }, text),
        None => (Act::identity(), text),
    }
}

/// An activation over the whole output (`softmax`) is for the output layer,
/// and over 1 output it is constant.
fn check_output_only(
    func: &Func,
    layer: &Layer,
    next: Option<&Layer>,
    output: &Width,
    cx: &mut Cx,
) {
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
    match output.literal() {
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
            lhs: output.clone(),
            op: AssertOp::AtLeast,
            rhs: 2,
            rhs_width: None,
            message: format!(
                "`{name}` needs at least 2 outputs, but layer `{}` has `{}`; {name} over 1 output is always 1, for one output use `sigmoid`",
                unraw(&layer.name),
                output.display()
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
