//! The spec as written: `impl Parse` for every part, keeping the tokens read
//! so that `validate` can point at them. The activations and losses are the
//! rows of `vocabulary`.
//!
//! ```text
//! network! {
//!     #[attributes] / doc comments
//!     [#[weights("PATH.safetensors" [, layers(LAYER = "NAME", ...)] [, optional]
//!                [, quantize = int8, calibration = "PATH.safetensors"])]]   // bake weights in
//!     VIS struct NAME {
//!         input: WIDTH | [CHANNELS, HEIGHT, WIDTH],         // a vector or an image
//!         LAYER: KIND,                                     // one or more, in order
//!         [loss: LOSS,]
//!     }
//! }
//! KIND       = dense([WIDTH ->] WIDTH [, ACTIVATION] [, from = LAYER])
//!            | conv2d([SIZE ->] SIZE, SIZE [, stride = SIZE] [, padding = SIZE] [, ACTIVATION] [, from = LAYER])
//!            | depthwise_conv2d(SIZE [, stride = SIZE] [, padding = SIZE] [, ACTIVATION] [, from = LAYER])
//!            | max_pool(SIZE [, stride = SIZE] [, from = LAYER]) | avg_pool(...)
//!            | flatten [(from = LAYER)] | add(LAYER, LAYER, ...) | concat(LAYER, LAYER, ...)
//! LAYER      = the name of an earlier layer, or `input`
//! SIZE       = integer literal | path to a `usize` constant
//! WIDTH      = integer literal | path to a `usize` constant
//! ACTIVATION = identity | sigmoid | tanh | relu | leaky_relu(ALPHA) | elu[(ALPHA)]
//!            | selu | gelu | silu | softplus | softmax
//! LOSS       = squared_error | mean_squared_error | absolute_error | huber(DELTA)
//!            | softmax_cross_entropy | binary_cross_entropy | hinge(DELTA)
//!            | multiclass_hinge(DELTA)
//! ```

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    Attribute, Ident, LitFloat, LitInt, LitStr, Path, Token, Visibility, braced, parenthesized,
};

use super::vocabulary::{
    ACTIVATIONS, LOSSES, layer_kind, layer_kind_aliases, layer_kind_names, names,
};
use crate::diagnostics::{describe, did_you_mean, expected, expected_hint, nearest, one_of};

pub mod kw {
    syn::custom_keyword!(input);
    syn::custom_keyword!(loss);
}

/// The whole `network!` input.
pub struct Spec {
    /// The attributes to emit on the struct (without `#[weights(..)]`).
    pub attrs: Vec<Attribute>,
    /// `#[weights("PATH")]`: a safetensors file to bake in at compile time.
    pub weights: Option<WeightsAttr>,
    pub vis: Visibility,
    pub name: Ident,
    pub entries: Vec<Entry>,
}

/// `#[weights("PATH" [, layers(LAYER = "NAME", ...)] [, optional])]`, with
/// `PATH` relative to the folder of the source file it is written in.
pub struct WeightsAttr {
    /// The path as written; errors about the file point at it.
    pub path: LitStr,
    /// `layers(hidden1 = "0", ...)`: the file's name for a layer's tensors
    /// (`0.weight`, `0.bias`), as a PyTorch `Sequential` names them.
    pub layers: Vec<(Ident, LitStr)>,
    /// `optional`: a missing file is no error, and the network gets no
    /// `TRAINED` (`BAKED` is `None`) until it exists.
    pub optional: bool,
    /// `quantize = int8`: the keyword and the scheme as written (checked by
    /// `validate`, so that an unknown one is reported with the other errors).
    pub quantize: Option<(weights_kw::quantize, Ident)>,
    /// `calibration = "PATH"`: the safetensors file of sample inputs that
    /// sets the activation scales of a quantized network.
    pub calibration: Option<(weights_kw::calibration, LitStr)>,
}

pub mod weights_kw {
    syn::custom_keyword!(layers);
    syn::custom_keyword!(optional);
    syn::custom_keyword!(quantize);
    syn::custom_keyword!(calibration);
}

impl Parse for WeightsAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(LitStr) {
            return Err(expected(
                input,
                "the weights file's path as a string, e.g. `\"net.safetensors\"`",
            ));
        }
        let path: LitStr = input.parse()?;
        let mut layers = None;
        let mut optional = None;
        let mut quantize = None;
        let mut calibration = None;
        while !input.is_empty() {
            if !input.peek(Token![,]) {
                return Err(expected(input, "the end of `#[weights(..)]`"));
            }
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(weights_kw::layers) {
                let kw = input.parse::<weights_kw::layers>()?;
                if layers.is_some() {
                    return Err(twice(kw.span, "layers(..)"));
                }
                let content;
                parenthesized!(content in input);
                let mut pairs = Vec::new();
                while !content.is_empty() {
                    let layer: Ident = content.parse()?;
                    content.parse::<Token![=]>()?;
                    let name: LitStr = content.parse()?;
                    pairs.push((layer, name));
                    if content.is_empty() {
                        break;
                    }
                    content.parse::<Token![,]>()?;
                }
                layers = Some(pairs);
            } else if input.peek(weights_kw::optional) {
                let kw = input.parse::<weights_kw::optional>()?;
                if optional.is_some() {
                    return Err(twice(kw.span, "optional"));
                }
                optional = Some(kw);
            } else if input.peek(weights_kw::quantize) {
                let kw = input.parse::<weights_kw::quantize>()?;
                if quantize.is_some() {
                    return Err(twice(kw.span, "quantize"));
                }
                input.parse::<Token![=]>()?;
                if !input.peek(Ident) {
                    return Err(expected(input, "a quantization scheme, `int8`"));
                }
                quantize = Some((kw, input.parse()?));
            } else if input.peek(weights_kw::calibration) {
                let kw = input.parse::<weights_kw::calibration>()?;
                if calibration.is_some() {
                    return Err(twice(kw.span, "calibration"));
                }
                input.parse::<Token![=]>()?;
                if !input.peek(LitStr) {
                    return Err(expected(
                        input,
                        "the calibration file's path as a string, e.g. `\"calibration.safetensors\"`",
                    ));
                }
                calibration = Some((kw, input.parse()?));
            } else {
                return Err(expected(
                    input,
                    "`layers(LAYER = \"NAME\", ...)`, `optional`, `quantize = int8` or `calibration = \"PATH\"` after the path",
                ));
            }
        }
        Ok(WeightsAttr {
            path,
            layers: layers.unwrap_or_default(),
            optional: optional.is_some(),
            quantize,
            calibration,
        })
    }
}

/// The error on an option of `#[weights(..)]` given a second time.
fn twice(span: proc_macro2::Span, option: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!("`{option}` is given twice in `#[weights(..)]`; expected each option once"),
    )
}

/// One `key: value` entry inside the braces.
pub enum Entry {
    /// `input: WIDTH` or `input: [CHANNELS, HEIGHT, WIDTH]`
    Input { key: kw::input, shape: InputShape },
    /// `loss: LOSS`
    Loss { key: kw::loss, func: Func },
    /// `NAME: KIND(...)`
    Layer(Box<Layer>),
}

/// The network's input: a vector, or an image `[channels, height, width]`.
pub enum InputShape {
    Flat(Width),
    Image { dims: [Size; 3] },
}

/// `NAME: KIND(...)`: one layer, whose kind is a row of
/// `vocabulary::LAYER_KINDS`.
pub struct Layer {
    pub name: Ident,
    /// The kind as written (`dense`, `conv2d`, ...): errors and generated
    /// statements about the layer point at it.
    pub kind_name: Ident,
    pub kind: Kind,
    pub activation: Option<Func>,
    /// `from = LAYER`: the layer reads `LAYER` (or the network's `input`)
    /// instead of the layer above it.
    pub from: Option<Ident>,
}

/// A layer's kind and its sizes as written.
pub enum Kind {
    /// `dense([IN ->] OUT, ...)`
    Dense { input: Option<Width>, output: Width },
    /// `conv2d([IN ->] OUT, KERNEL, stride = S, padding = P, ...)`
    Conv2d {
        input: Option<Size>,
        output: Size,
        kernel: Size,
        stride: Option<Size>,
        padding: Option<Size>,
    },
    /// `depthwise_conv2d(KERNEL, stride = S, padding = P, ...)`
    Depthwise {
        kernel: Size,
        stride: Option<Size>,
        padding: Option<Size>,
    },
    /// `max_pool(SIZE, stride = S)` or `avg_pool(...)`
    Pool {
        max: bool,
        size: Size,
        stride: Option<Size>,
    },
    /// `flatten`
    Flatten,
    /// `add(A, B, ...)` or `concat(A, B, ...)`
    Join { add: bool, parts: Vec<Ident> },
}

/// A size of an image layer (channels, kernel, stride, padding): an
/// integer literal or a `usize` constant, as a width.
pub type Size = Width;

/// A width: an integer literal, or a path to a constant; or one the macro
/// computed from named constants (an image layer's output size).
#[derive(Clone)]
pub enum Width {
    Lit {
        value: usize,
        lit: LitInt,
    },
    Const(Path),
    /// A `usize` constant expression over named sizes, e.g.
    /// `(::nn::__private::width::<{ H }>() + 2 * 1 - 3) / 1 + 1`, shown as
    /// `text` in messages and docs.
    Expr {
        tokens: TokenStream,
        text: String,
        span: proc_macro2::Span,
    },
}

impl Width {
    /// A width the macro computed (an image's size), as a literal spanned at `span`.
    pub fn computed(value: usize, span: proc_macro2::Span) -> Self {
        Width::Lit {
            value,
            lit: LitInt::new(&value.to_string(), span),
        }
    }

    /// The literal value, if the width is one.
    pub fn literal(&self) -> Option<usize> {
        match self {
            Width::Lit { value, .. } => Some(*value),
            Width::Const(_) | Width::Expr { .. } => None,
        }
    }

    /// The tokens to point at in an error about this width (not
    /// `Spanned::span`, which would span the braces `ToTokens` writes).
    pub fn token_span(&self) -> proc_macro2::Span {
        match self {
            Width::Lit { lit, .. } => lit.span(),
            Width::Const(path) => syn::spanned::Spanned::span(path),
            Width::Expr { span, .. } => *span,
        }
    }

    /// `f(parts)` over widths: a literal spanned at `span` when every part
    /// is one (`None` from `value` is an overflow, left to the compiler as
    /// an expression), else the expression `expr` of the parts' `typed`
    /// values, shown as `text`.
    fn combine(
        parts: &[&Width],
        span: proc_macro2::Span,
        value: impl Fn(&[usize]) -> Option<usize>,
        expr: impl Fn(&[TokenStream]) -> TokenStream,
        text: impl Fn(&[String]) -> String,
    ) -> Width {
        let literals: Option<Vec<usize>> = parts.iter().map(|w| w.literal()).collect();
        if let Some(v) = literals.as_deref().and_then(&value) {
            return Width::computed(v, span);
        }
        let typed: Vec<TokenStream> = parts.iter().map(|w| w.typed()).collect();
        let shown: Vec<String> = parts.iter().map(|w| w.display()).collect();
        Width::Expr {
            tokens: expr(&typed),
            text: text(&shown),
            span,
        }
    }

    /// `a + b + ...`.
    pub fn sum(parts: &[&Width], span: proc_macro2::Span) -> Width {
        Width::combine(
            parts,
            span,
            |v| v.iter().try_fold(0usize, |a, b| a.checked_add(*b)),
            |t| quote::quote! { 0 #(+ #t)* },
            |t| t.join(" + "),
        )
    }

    /// `a · b · ...`.
    pub fn product(parts: &[&Width], span: proc_macro2::Span) -> Width {
        Width::combine(
            parts,
            span,
            |v| v.iter().try_fold(1usize, |a, b| a.checked_mul(*b)),
            |t| quote::quote! { 1 #(* #t)* },
            |t| t.join("·"),
        )
    }

    /// An output size by PyTorch's rule, `(size + 2·padding − kernel) /
    /// stride + 1`, rounded down; for literals, `None` when the kernel does
    /// not fit or the stride is 0 (checked and reported by `validate`).
    pub fn window_out(
        size: &Width,
        kernel: &Width,
        stride: &Width,
        padding: &Width,
        span: proc_macro2::Span,
    ) -> Option<Width> {
        let parts = [size, kernel, stride, padding];
        if parts.iter().all(|w| w.literal().is_some()) {
            let [h, k, s, p] = parts.map(|w| w.literal().unwrap_or(0));
            let padded = h.checked_add(p.checked_mul(2)?)?;
            return (s > 0 && k <= padded).then(|| Width::computed((padded - k) / s + 1, span));
        }
        Some(Width::combine(
            &parts,
            span,
            |_| None,
            |t| {
                let (h, k, s, p) = (&t[0], &t[1], &t[2], &t[3]);
                // `window_out` saturates: a window that does not fit, or a
                // zero stride, is reported by the layer's own const
                // assertion, not as an overflow in every type of the size.
                quote::quote! { ::nn::__private::window_out(#h, #k, #s, #p) }
            },
            |t| format!("({} + 2·{} - {}) / {} + 1", t[0], t[3], t[1], t[2]),
        ))
    }

    /// The width as a `usize` value, for arithmetic such as `out * in + out`.
    /// A named width goes through a const generic argument,
    /// `::nn::__private::width::<{ HIDDEN }>()`, as in the types: a constant
    /// of another integer type, or an unknown name, is then reported once,
    /// on the name, rather than again over the whole macro for the product
    /// (tests/ui/network/shape/width-const-wrong-type.rs and
    /// undefined-width-const.rs).
    pub fn typed(&self) -> TokenStream {
        match self {
            Width::Lit { .. } => self.to_token_stream(),
            Width::Const(_) => quote::quote! { ::nn::__private::width::<#self>() },
            Width::Expr { tokens, .. } => quote::quote! { (#tokens) },
        }
    }

    /// How the user wrote it.
    pub fn display(&self) -> String {
        match self {
            Width::Lit { value, .. } => value.to_string(),
            Width::Const(path) => path.to_token_stream().to_string().replace(' ', ""),
            Width::Expr { text, .. } => text.clone(),
        }
    }
}

impl ToTokens for Width {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            // Emit the value unsuffixed (`784`, not `784usize`), spanned as the user's literal.
            Width::Lit { value, lit } => {
                let mut out = proc_macro2::Literal::usize_unsuffixed(*value);
                out.set_span(lit.span());
                out.to_tokens(tokens);
            }
            // A named width is emitted braced, `Dense<T, { HIDDEN }, 7>`: a path
            // of several segments (`sizes::HIDDEN`) is not a valid const
            // generic argument without braces, and an unknown name then gives
            // one "cannot find value" instead of "cannot find type" plus a
            // "surround it with braces" hint (tests/ui/network/shape/
            // undefined-width-const.rs). The braces get the call-site span, so
            // `unused_braces` does not fire on them (tests/pass/lint-clean.rs).
            Width::Const(path) => {
                let mut group =
                    proc_macro2::Group::new(proc_macro2::Delimiter::Brace, path.to_token_stream());
                group.set_span(proc_macro2::Span::call_site());
                group.to_tokens(tokens);
            }
            // A computed size, braced as a const generic argument.
            Width::Expr { tokens: expr, .. } => {
                let mut group =
                    proc_macro2::Group::new(proc_macro2::Delimiter::Brace, expr.clone());
                group.set_span(proc_macro2::Span::call_site());
                group.to_tokens(tokens);
            }
        }
    }
}

/// An activation or a loss: `name` or `name(number, ...)`.
pub struct Func {
    pub name: Ident,
    pub args: Option<Args>,
}

/// The parenthesised parameters of a [`Func`].
pub struct Args {
    pub paren: syn::token::Paren,
    pub values: Punctuated<Number, Token![,]>,
}

/// A numeric parameter, possibly negative.
pub struct Number {
    pub value: f64,
    pub tokens: TokenStream,
}

impl Parse for Spec {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (attrs, weights) = split_weights(input.call(Attribute::parse_outer)?)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(expected(input, "`struct NAME { ... }`"));
        }
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        if !input.peek(syn::token::Brace) {
            return Err(expected(
                input,
                &format!("`{{` and the network's entries after `{name}`"),
            ));
        }
        let body;
        braced!(body in input);
        let mut entries = Vec::new();
        while !body.is_empty() {
            let start = body.cursor();
            let entry: Entry = body.parse()?;
            if !body.is_empty() && !body.peek(Token![,]) {
                // The comma is missing at the end of this entry, which is
                // where it goes, not on the next entry's name.
                let what = match entry {
                    Entry::Layer(_) => "this layer",
                    Entry::Input { .. } | Entry::Loss { .. } => "this entry",
                };
                let found = body
                    .cursor()
                    .token_tree()
                    .map(|(token, _)| format!(", found {}", describe(&token)))
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    last_token_span(start, body.cursor()),
                    format!("expected `,` after {what}{found}"),
                ));
            }
            entries.push(entry);
            if body.is_empty() {
                break;
            }
            body.parse::<Token![,]>()?;
        }
        if let Some((token, _)) = input.cursor().token_tree() {
            return Err(syn::Error::new(
                token.span(),
                format!(
                    "unexpected {} after the network's closing brace; expected every entry inside the braces",
                    describe(&token)
                ),
            ));
        }
        Ok(Spec {
            attrs,
            weights,
            vis,
            name,
            entries,
        })
    }
}

/// The span of the last token between `start` and `end` (the closing
/// delimiter when it is a group, such as the `)` of `dense(2)`).
fn last_token_span(start: syn::buffer::Cursor, end: syn::buffer::Cursor) -> proc_macro2::Span {
    let mut span = start.span();
    let mut cursor = start;
    while cursor != end {
        let Some((token, next)) = cursor.token_tree() else {
            break;
        };
        span = match &token {
            proc_macro2::TokenTree::Group(group) => group.span_close(),
            other => other.span(),
        };
        cursor = next;
    }
    span
}

/// Takes `#[weights("PATH")]` out of the struct's attributes: it is ours,
/// not an attribute rustc knows.
fn split_weights(all: Vec<Attribute>) -> syn::Result<(Vec<Attribute>, Option<WeightsAttr>)> {
    let mut attrs = Vec::new();
    let mut weights: Option<WeightsAttr> = None;
    for attr in all {
        if !attr.path().is_ident("weights") {
            attrs.push(attr);
            continue;
        }
        if weights.is_some() {
            return Err(syn::Error::new_spanned(
                &attr,
                "`#[weights(..)]` is given twice; expected one weights file per network",
            ));
        }
        weights = Some(match &attr.meta {
            syn::Meta::List(list) if list.tokens.clone().into_iter().next().is_some() => {
                list.parse_args::<WeightsAttr>()?
            }
            _ => {
                return Err(syn::Error::new_spanned(
                    &attr,
                    "expected `#[weights(\"path/to/file.safetensors\")]`, with the path relative to this source file",
                ));
            }
        });
    }
    Ok((attrs, weights))
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if (input.peek(kw::input) || input.peek(kw::loss)) && input.peek2(Token![:]) {
            let ahead = input.fork();
            let key: Ident = ahead.call(syn::ext::IdentExt::parse_any)?;
            ahead.parse::<Token![:]>()?;
            let kind = ahead.parse::<Ident>().map(|k| k.to_string());
            if kind.is_ok_and(|k| layer_kind(&k).is_some()) {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "`{key}` is a reserved entry, not a layer name; expected another name for this layer, e.g. `hidden: dense(...)`"
                    ),
                ));
            }
        }
        if input.peek(kw::input) && input.peek2(Token![:]) {
            let key = input.parse()?;
            input.parse::<Token![:]>()?;
            return Ok(Entry::Input {
                key,
                shape: input.parse()?,
            });
        }
        if input.peek(kw::loss) && input.peek2(Token![:]) {
            let key = input.parse()?;
            input.parse::<Token![:]>()?;
            return Ok(Entry::Loss {
                key,
                func: Func::parse_named(input, "a loss", &names(LOSSES))?,
            });
        }
        if !input.peek(Ident) {
            return Err(expected(
                input,
                &format!(
                    "one of {}",
                    one_of(&["input: WIDTH", "NAME: dense(...)", "loss: LOSS"])
                ),
            ));
        }
        let name: Ident = input.parse()?;
        if !input.peek(Token![:]) {
            return Err(expected(input, &format!("`:` after `{name}`")));
        }
        input.parse::<Token![:]>()?;
        let kind_def = input
            .cursor()
            .ident()
            .and_then(|(kind, _)| layer_kind(&kind.to_string()));
        let Some(kind_def) = kind_def else {
            return Err(unknown_kind(input, &name));
        };
        let kind_name: Ident = input.parse()?;
        parse_layer(input, name, kind_name, kind_def.name)
    }
}

/// The error on a layer kind that is not one: a misspelled `input` or
/// `loss` reads as a layer name, a misspelled kind gets "did you mean".
fn unknown_kind(input: ParseStream, name: &Ident) -> syn::Error {
    let hint = match input.cursor().ident() {
        Some((found, _)) => did_you_mean(
            &found.to_string(),
            &layer_kind_names(),
            &layer_kind_aliases(),
        ),
        None => String::new(),
    };
    let hint = if hint.is_empty() {
        nearest(&name.to_string(), &["input", "loss"])
            .map(|key| format!("; did you mean `{key}: ...`?"))
            .unwrap_or_default()
    } else {
        hint
    };
    expected_hint(
        input,
        &format!(
            "a layer kind ({}), as in `{name}: dense(16, relu)`",
            one_of(&layer_kind_names())
        ),
        &hint,
    )
}

/// The arguments of a layer of kind `kind` (a row of `LAYER_KINDS`).
fn parse_layer(
    input: ParseStream,
    name: Ident,
    kind_name: Ident,
    kind: &str,
) -> syn::Result<Entry> {
    let grammar = layer_kind(kind).map_or("", |k| k.grammar);
    if kind == "flatten" && !input.peek(syn::token::Paren) {
        return Ok(Entry::Layer(Box::new(Layer {
            name,
            kind_name,
            kind: Kind::Flatten,
            activation: None,
            from: None,
        })));
    }
    if !input.peek(syn::token::Paren) {
        let what = if kind == "dense" {
            "`(WIDTH)` or `(WIDTH, ACTIVATION)` after `dense`".to_string()
        } else {
            format!("its arguments after `{kind}`: `{grammar}`")
        };
        return Err(expected(input, &what));
    }
    let args;
    parenthesized!(args in input);
    let (kind_value, tail) = match kind {
        "dense" => {
            let first: Width = args.parse()?;
            let (layer_input, output) = if args.peek(Token![->]) {
                args.parse::<Token![->]>()?;
                (Some(first), args.parse::<Width>()?)
            } else {
                (None, first)
            };
            if !args.is_empty() && !args.peek(Token![,]) {
                let what = if layer_input.is_none() {
                    "one of `->`, `,` or `)` after the width"
                } else {
                    "`,` or `)` after the output width"
                };
                return Err(expected(&args, what));
            }
            let tail = Tail::parse(&args, kind, true, &["from"])?;
            let kind = Kind::Dense {
                input: layer_input,
                output,
            };
            (kind, tail)
        }
        "conv2d" => {
            let first = Size::parse_named(&args, "the output channels", kind)?;
            let (layer_input, output) = if args.peek(Token![->]) {
                args.parse::<Token![->]>()?;
                (
                    Some(first),
                    Size::parse_named(&args, "the output channels", kind)?,
                )
            } else {
                (None, first)
            };
            comma(&args, "`,` and the kernel size", kind)?;
            let kernel = Size::parse_named(&args, "the kernel size", kind)?;
            let tail = Tail::parse(&args, kind, true, &["stride", "padding", "from"])?;
            let kind = Kind::Conv2d {
                input: layer_input,
                output,
                kernel,
                stride: tail.size("stride"),
                padding: tail.size("padding"),
            };
            (kind, tail)
        }
        "depthwise_conv2d" => {
            let kernel = Size::parse_named(&args, "the kernel size", kind)?;
            let tail = Tail::parse(&args, kind, true, &["stride", "padding", "from"])?;
            let kind = Kind::Depthwise {
                kernel,
                stride: tail.size("stride"),
                padding: tail.size("padding"),
            };
            (kind, tail)
        }
        "max_pool" | "avg_pool" => {
            let size = Size::parse_named(&args, "the window size", kind)?;
            let tail = Tail::parse(&args, kind, false, &["stride", "from"])?;
            let kind = Kind::Pool {
                max: kind == "max_pool",
                size,
                stride: tail.size("stride"),
            };
            (kind, tail)
        }
        "flatten" => {
            let tail = Tail::parse_named_only(&args, kind, &["from"])?;
            (Kind::Flatten, tail)
        }
        _ => {
            // `add` and `concat`: two or more layer names.
            let mut parts: Vec<Ident> = Vec::new();
            loop {
                if !args.peek(Ident) {
                    return Err(expected(
                        &args,
                        &format!("the name of a layer to {kind} (or `input`), as in `{grammar}`"),
                    ));
                }
                parts.push(args.call(syn::ext::IdentExt::parse_any)?);
                if args.is_empty() {
                    break;
                }
                comma(&args, "`,` or `)` after the layer name", kind)?;
                if args.is_empty() {
                    break;
                }
            }
            if parts.len() < 2 {
                return Err(syn::Error::new(
                    args.span(),
                    format!(
                        "`{kind}` joins two or more layers, found one; expected e.g. `{}`",
                        layer_kind(kind).map_or("", |k| k.example)
                    ),
                ));
            }
            let tail = Tail::default();
            (
                Kind::Join {
                    add: kind == "add",
                    parts,
                },
                tail,
            )
        }
    };
    Ok(Entry::Layer(Box::new(Layer {
        name,
        kind_name,
        kind: kind_value,
        activation: tail.activation,
        from: tail.from,
    })))
}

/// A `,` before `what`, or an error that says so.
fn comma(args: ParseStream, what: &str, kind: &str) -> syn::Result<()> {
    if args.peek(Token![,]) {
        args.parse::<Token![,]>()?;
        return Ok(());
    }
    let grammar = layer_kind(kind).map_or("", |k| k.grammar);
    Err(expected_hint(
        args,
        what,
        &format!("; `{kind}` is written `{grammar}`"),
    ))
}

/// What follows a layer's positional arguments: `, ACTIVATION` and
/// `, name = value` options, each at most once, with a trailing comma allowed.
#[derive(Default)]
struct Tail {
    activation: Option<Func>,
    options: Vec<(Ident, Size)>,
    from: Option<Ident>,
}

impl Tail {
    /// `, ...` after the positional arguments of `kind`: an activation if
    /// `activation`, and the named options in `named`.
    fn parse(args: ParseStream, kind: &str, activation: bool, named: &[&str]) -> syn::Result<Self> {
        let mut tail = Tail::default();
        while !args.is_empty() {
            comma(args, "`,` or `)`", kind)?;
            if args.is_empty() {
                break;
            }
            if args.peek(Ident) && (args.peek2(Token![=]) || args.peek2(Token![:])) {
                tail.named(args, kind, named)?;
                continue;
            }
            if !activation {
                let mut allowed: Vec<String> = named.iter().map(|n| option_text(n)).collect();
                allowed.push(")".to_string());
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                return Err(expected_hint(
                    args,
                    &one_of(&allowed),
                    &format!("; `{kind}` has no activation"),
                ));
            }
            if tail.activation.is_some() {
                return Err(match args.cursor().token_tree() {
                    Some((token, _)) => syn::Error::new(
                        token.span(),
                        format!(
                            "unexpected {} after the activation; expected `)`: {}",
                            describe(&token),
                            takes(kind),
                        ),
                    ),
                    None => args.error("expected `)`"),
                });
            }
            tail.activation = Some(Func::parse_named(
                args,
                "an activation",
                &names(ACTIVATIONS),
            )?);
        }
        Ok(tail)
    }

    /// `name = value, ...` only (`flatten(from = LAYER)`).
    fn parse_named_only(args: ParseStream, kind: &str, named: &[&str]) -> syn::Result<Self> {
        let mut tail = Tail::default();
        while !args.is_empty() {
            if !(args.peek(Ident) && (args.peek2(Token![=]) || args.peek2(Token![:]))) {
                return Err(expected(args, &options_text(named)));
            }
            tail.named(args, kind, named)?;
            if args.is_empty() {
                break;
            }
            comma(args, "`,` or `)`", kind)?;
        }
        Ok(tail)
    }

    /// One `name = value` option.
    fn named(&mut self, args: ParseStream, kind: &str, named: &[&str]) -> syn::Result<()> {
        let key: Ident = args.call(syn::ext::IdentExt::parse_any)?;
        let key_text = key.to_string();
        if !named.contains(&key_text.as_str()) {
            let hint = did_you_mean(
                &key_text,
                named,
                &[("strides", "stride"), ("pad", "padding"), ("input", "from")],
            );
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown option `{key}` of `{kind}`; expected {}{hint}",
                    options_text(named)
                ),
            ));
        }
        if args.peek(Token![:]) {
            let colon: Token![:] = args.parse()?;
            return Err(syn::Error::new(
                colon.span,
                format!(
                    "expected `=` after `{key}`, found `:`; options are written `{}`",
                    option_text(&key_text)
                ),
            ));
        }
        args.parse::<Token![=]>()?;
        let twice = match key_text.as_str() {
            "from" => self.from.is_some(),
            _ => self.options.iter().any(|(k, _)| *k == key),
        };
        if twice {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` is given twice; expected each option once"),
            ));
        }
        if key_text == "from" {
            if !args.peek(Ident) {
                return Err(expected(
                    args,
                    "the name of a layer (or `input`) after `from =`",
                ));
            }
            self.from = Some(args.call(syn::ext::IdentExt::parse_any)?);
        } else {
            let value = Size::parse_named(args, &format!("the {key}"), kind)?;
            self.options.push((key, value));
        }
        Ok(())
    }

    fn size(&self, key: &str) -> Option<Size> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

/// The options in `named`, as messages list them.
fn options_text(named: &[&str]) -> String {
    let texts: Vec<String> = named.iter().map(|n| option_text(n)).collect();
    one_of(&texts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `stride = S`, as messages write an option.
fn option_text(name: &str) -> String {
    match name {
        "from" => "from = LAYER".to_string(),
        "stride" => "stride = S".to_string(),
        "padding" => "padding = P".to_string(),
        other => format!("{other} = N"),
    }
}

/// What a layer of `kind` takes, for messages.
fn takes(kind: &str) -> String {
    match kind {
        "dense" => {
            "a dense layer takes a width and an activation, e.g. `dense(16, relu)`".to_string()
        }
        _ => {
            let def = layer_kind(kind);
            format!(
                "`{kind}` is written `{}`, e.g. `{}`",
                def.map_or("", |k| k.grammar),
                def.map_or("", |k| k.example)
            )
        }
    }
}

impl Width {
    /// A size of an image layer: an integer literal or a `usize` constant,
    /// `what` of a layer of `kind` (for messages).
    fn parse_named(input: ParseStream, what: &str, kind: &str) -> syn::Result<Self> {
        if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            return match lit.base10_parse::<usize>() {
                Ok(value) if matches!(lit.suffix(), "" | "usize") => Ok(Width::Lit { value, lit }),
                _ => Err(syn::Error::new(
                    lit.span(),
                    format!("expected {what} of `{kind}` as a non-negative integer, found `{lit}`"),
                )),
            };
        }
        let path_start = input.peek(Token![::])
            || input.peek(Token![crate])
            || input.peek(Token![self])
            || input.peek(Token![super]);
        if path_start || (input.peek(Ident) && !input.peek2(Token![=]) && !input.peek2(Token![:])) {
            return Ok(Width::Const(Path::parse_mod_style(input)?));
        }
        Err(expected(
            input,
            &format!("{what} of `{kind}` (an integer literal or a `usize` constant)"),
        ))
    }
}

impl Parse for InputShape {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(syn::token::Bracket) {
            return Ok(InputShape::Flat(input.parse()?));
        }
        let content;
        syn::bracketed!(content in input);
        let sep = |content: ParseStream| -> syn::Result<()> {
            if !content.peek(Token![,]) {
                return Err(expected(
                    content,
                    "`,`: an image input is `[CHANNELS, HEIGHT, WIDTH]`",
                ));
            }
            content.parse::<Token![,]>().map(drop)
        };
        let channels = Size::parse_named(&content, "the channels", "input")?;
        sep(&content)?;
        let height = Size::parse_named(&content, "the height", "input")?;
        sep(&content)?;
        let width = Size::parse_named(&content, "the width", "input")?;
        let dims = [channels, height, width];
        if content.peek(Token![,]) {
            content.parse::<Token![,]>()?;
        }
        if let Some((token, _)) = content.cursor().token_tree() {
            return Err(syn::Error::new(
                token.span(),
                format!(
                    "unexpected {}; an image input is `[CHANNELS, HEIGHT, WIDTH]`, e.g. `[1, 28, 28]`",
                    describe(&token)
                ),
            ));
        }
        Ok(InputShape::Image { dims })
    }
}

/// What a width may be, for messages.
const WIDTH: &str =
    "a width (an integer literal such as `16`, or a `usize` constant such as `HIDDEN`)";

impl Parse for Width {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let width = if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            let value = match lit.base10_parse::<usize>() {
                Ok(value) if matches!(lit.suffix(), "" | "usize") => value,
                _ if lit.base10_digits().starts_with('-') => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("expected a width (a positive integer), found `{lit}`"),
                    ));
                }
                _ => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("expected a width (a `usize`), found `{lit}`"),
                    ));
                }
            };
            Width::Lit { value, lit }
        } else if input.peek(Ident)
            || input.peek(Token![::])
            || input.peek(Token![crate])
            || input.peek(Token![self])
            || input.peek(Token![super])
        {
            Width::Const(Path::parse_mod_style(input)?)
        } else {
            return Err(expected(input, WIDTH));
        };
        let operator = input.peek(Token![+])
            || input.peek(Token![*])
            || input.peek(Token![/])
            || input.peek(Token![%])
            || (input.peek(Token![-]) && !input.peek(Token![->]));
        if operator && let Some((token, _)) = input.cursor().token_tree() {
            return Err(syn::Error::new(
                token.span(),
                format!(
                    "expected {WIDTH}, found an expression with {}; for a computed width, declare `const WIDTH: usize = ...;` and write `WIDTH`",
                    describe(&token)
                ),
            ));
        }
        Ok(width)
    }
}

impl Func {
    /// `what` (`"an activation"`) with its parameters, or an error that lists
    /// `names` when the next token is not a name.
    fn parse_named(input: ParseStream, what: &str, names: &[&str]) -> syn::Result<Self> {
        if !input.peek(Ident) {
            return Err(expected(
                input,
                &format!("{what} (one of {})", one_of(names)),
            ));
        }
        let name: Ident = input.parse()?;
        let args = if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            Some(Args {
                paren,
                values: content.parse_terminated(Number::parse, Token![,])?,
            })
        } else {
            None
        };
        Ok(Func { name, args })
    }
}

impl Parse for Number {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut tokens = TokenStream::new();
        let negative = if input.peek(Token![-]) {
            input.parse::<Token![-]>()?.to_tokens(&mut tokens);
            true
        } else {
            false
        };
        let magnitude = if input.peek(LitFloat) {
            let lit: LitFloat = input.parse()?;
            lit.to_tokens(&mut tokens);
            lit.base10_parse::<f64>()?
        } else if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            lit.to_tokens(&mut tokens);
            lit.base10_parse::<f64>()?
        } else {
            return Err(expected(input, "a number such as `0.01`"));
        };
        Ok(Number {
            value: if negative { -magnitude } else { magnitude },
            tokens,
        })
    }
}
