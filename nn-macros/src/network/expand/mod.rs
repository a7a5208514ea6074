//! Code generation for a checked [`Net`]. Nothing here fails: every rule was
//! enforced by `validate`.
//!
//! - `model`: the struct, its trace type, constants, constructors, the
//!   `Network` parameter walk and the summary;
//! - `forward`: `forward` and `forward_trace`;
//! - `backward`: the unrolled backward pass, losses and the SGD step;
//! - `batch`: the same over mini-batches (with `std`);
//! - `weights`: the `TRAINED` const of `#[weights("PATH")]`;
//! - `quantized`: the `<Name>Int8` network of `quantize = int8`.

mod backward;
mod batch;
mod forward;
mod model;
mod quantized;
mod weights;

use proc_macro2::{Delimiter, Group, Literal, Spacing, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::network::ast::Width;
use crate::network::net::{
    Act, AssertOp, Geometry, Net, NetLayer, NetLoss, Op, Source, TRACE_BATCH_SUFFIX, TRACE_SUFFIX,
};
use crate::network::vocabulary::Param;

/// Everything `network!` emits for `net`.
pub fn network(net: &Net) -> TokenStream {
    let model = model::items(net);
    let assertions = assertions(net);
    let name = &net.spec.name;
    let forward = forward::methods(net);
    let backward = backward::methods(net);
    let traits = backward::trait_impls(net);
    let batch = batch::items(net);
    let weights = weights::items(net);
    let quantized = quantized::items(net);
    let items = quote! {
        #model
        #assertions
        impl<T: ::nn::__private::Scalar> #name<T> {
            #forward
            #backward
        }
        #traits
        #batch
        #weights
        #quantized
    };
    // Located at the name, resolved and linted as the rest of the expansion.
    at_struct_name(items, Span::call_site().located_at(name.span()))
}

/// Gives every generated method's signature (`fn name(params) -> R where ..`)
/// the span of the struct's name in the spec. Generated tokens otherwise
/// carry the call-site span, which is the whole `network!` block, and
/// rustc's notes that point at a definition ("method defined here",
/// "required by a bound in") would underline all of it
/// (tests/ui/network/usage/). Widths inside a signature keep the user's
/// spans (literals and braced constants are left alone), so a mistake in
/// one is still reported on it, once; bodies are untouched.
fn at_struct_name(tokens: TokenStream, span: Span) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), at_struct_name(group.stream(), span));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            TokenTree::Ident(kw) if kw == "fn" => {
                out.push(TokenTree::Ident(kw));
                let mut depth = 0usize;
                let mut after_minus = false;
                while let Some(mut head) = iter.next_if(|t| match t {
                    TokenTree::Group(g) => depth > 0 || g.delimiter() != Delimiter::Brace,
                    TokenTree::Punct(p) => p.as_char() != ';',
                    _ => true,
                }) {
                    if let TokenTree::Punct(p) = &head {
                        match p.as_char() {
                            '<' => depth += 1,
                            '>' if !after_minus => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                        after_minus = p.as_char() == '-' && p.spacing() == Spacing::Joint;
                    } else {
                        after_minus = false;
                    }
                    out.push(respan_signature(&mut head, span));
                }
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// `token` with the span `span`, and so its contents if it is a group,
/// except for literals and braced groups: the widths the user wrote.
fn respan_signature(token: &mut TokenTree, span: Span) -> TokenTree {
    match token {
        TokenTree::Group(group) if group.delimiter() != Delimiter::Brace => {
            let inner = group
                .stream()
                .into_iter()
                .map(|mut t| respan_signature(&mut t, span))
                .collect();
            let mut respanned = Group::new(group.delimiter(), inner);
            respanned.set_span(span);
            TokenTree::Group(respanned)
        }
        TokenTree::Ident(_) | TokenTree::Punct(_) => {
            token.set_span(span);
            token.clone()
        }
        TokenTree::Group(_) | TokenTree::Literal(_) => token.clone(),
    }
}

/// `const _: () = assert!(...)` for every rule on named constants, each
/// spanned at the token the user must change.
fn assertions(net: &Net) -> TokenStream {
    let checks = net.assertions.iter().map(|a| {
        let lhs = &a.lhs;
        let rhs = Literal::usize_unsuffixed(a.rhs);
        let msg = &a.message;
        let cond = match (&a.op, &a.rhs_width) {
            (AssertOp::EqWidth, Some(w)) => quote! { #lhs == #w },
            (AssertOp::EqWidth, None) | (AssertOp::Eq, _) => quote! { #lhs == #rhs },
            (AssertOp::AtLeast, _) | (AssertOp::AtLeastWidth, None) => quote! { #lhs >= #rhs },
            (AssertOp::AtLeastWidth, Some(w)) => quote! { #lhs >= #w },
        };
        quote_spanned! {a.span=>
            const _: () = ::core::assert!(#cond, #msg);
        }
    });
    quote! { #(#checks)* }
}

/// The trace type's name: `MnistTrace` for `Mnist`.
fn trace_name(net: &Net) -> Ident {
    format_ident!("{}{}", net.spec.name, TRACE_SUFFIX)
}

/// The mini-batch trace type's name: `MnistTraceBatch` for `Mnist`.
fn trace_batch_name(net: &Net) -> Ident {
    format_ident!("{}{}", net.spec.name, TRACE_BATCH_SUFFIX)
}

/// How many layers one generated function covers in long networks.
const LAYERS_PER_BLOCK: usize = 32;

/// The layers of a long network in blocks of [`LAYERS_PER_BLOCK`], input to
/// output. Beyond that many layers, `forward`, `forward_trace`, the backward
/// pass and the SGD step each call one private `#[inline(never)]` method per
/// block, which hands its last activation (or δ) on to the next:
///
/// ```text
/// let a_l31 = self.__forward_block_0(x);
/// let a_l63 = self.__forward_block_1(&a_l31);
/// ```
///
/// so no generated function grows with the network. One function of a few
/// thousand layers takes LLVM super-linear time (about 100 s for 600 layers
/// at `opt-level = 1`), and its nested `let` scopes overflow rustc's stack
/// in debug info (tests/network_deep.rs).
fn block_ranges(net: &Net) -> Vec<core::ops::Range<usize>> {
    let n = net.layers.len();
    (0..n)
        .step_by(LAYERS_PER_BLOCK)
        .map(|start| start..(start + LAYERS_PER_BLOCK).min(n))
        .collect()
}

/// A network of dense layers, each reading the one above: the only kind
/// that long networks split into blocks (see `block_ranges`).
fn is_chain(net: &Net) -> bool {
    net.layers.iter().enumerate().all(|(i, l)| {
        let above = i.checked_sub(1).map_or(Source::Input, Source::Layer);
        l.op == Op::Dense && l.sources == [above]
    })
}

/// `Geometry::conv(..)` or `Geometry::pool(..)`: a const value of
/// `nn::__private::image::Geometry` for an image layer.
fn geometry_value(op: &Op) -> TokenStream {
    match op {
        Op::Conv2d(g) | Op::Depthwise(g) => {
            let (c, h, w, o, k, s, p) = (
                g.channels.typed(),
                g.height.typed(),
                g.width.typed(),
                g.out_channels.typed(),
                g.kernel.typed(),
                g.stride.typed(),
                g.padding.typed(),
            );
            quote! { ::nn::__private::image::Geometry::conv(#c, #h, #w, #o, #k, #s, #p) }
        }
        Op::MaxPool(g) | Op::AvgPool(g) => {
            let (c, h, w, k, s) = (
                g.channels.typed(),
                g.height.typed(),
                g.width.typed(),
                g.kernel.typed(),
                g.stride.typed(),
            );
            quote! { ::nn::__private::image::Geometry::pool(#c, #h, #w, #k, #s) }
        }
        Op::Dense | Op::Flatten | Op::Add | Op::Concat => TokenStream::new(),
    }
}

/// The layer a source is: `x` for the network's input, else a layer.
fn source_layer<'n, 'a>(net: &'n Net<'a>, source: Source) -> Option<&'n NetLayer<'a>> {
    match source {
        Source::Input => None,
        Source::Layer(j) => Some(&net.layers[j]),
    }
}

/// Where each input of `concat` layer `i` starts in its output: the
/// running sum of the widths before it.
fn concat_offsets(net: &Net, i: usize) -> Vec<TokenStream> {
    let layer = &net.layers[i];
    let widths: Vec<&Width> = layer
        .sources
        .iter()
        .map(|s| match source_layer(net, *s) {
            Some(l) => &l.output,
            None => &net.input,
        })
        .collect();
    (0..widths.len())
        .map(|k| Width::sum(&widths[..k], layer.kind_span).typed())
        .collect()
}

/// A layer's input in the passes that keep a trace (the batch trace has the
/// same fields): `x`, or the source layer's `&trace.<name>.a`.
fn trace_value(net: &Net, source: Source) -> TokenStream {
    match source_layer(net, source) {
        Some(layer) => {
            let name = layer.name;
            quote! { &trace.#name.a }
        }
        None => quote! { x },
    }
}

/// The output width of the last layer.
fn output_width(net: &Net) -> TokenStream {
    let w = net.layers.last().map(|l| &l.output);
    quote! { #w }
}

/// The activation as a value: its row's runtime type, with one field per
/// parameter, e.g.
///     ::nn::__private::activation::LeakyRelu::<T> { alpha: <T as Scalar>::cast_f64(0.01) }
fn act_value(act: &Act) -> TokenStream {
    let ty = format_ident!("{}", act.def.runtime);
    runtime_value(
        quote! { ::nn::__private::activation::#ty },
        act.def.params,
        &act.params,
    )
}

/// The loss's type: `::nn::__private::loss::Huber<T>`, generic over the
/// scalar type when it has parameters.
fn loss_type(loss: &NetLoss) -> TokenStream {
    let ty = format_ident!("{}", loss.def.runtime);
    if loss.def.params.is_empty() {
        quote! { ::nn::__private::loss::#ty }
    } else {
        quote! { ::nn::__private::loss::#ty<T> }
    }
}

/// The loss as a value, e.g.
///     ::nn::__private::loss::Huber::<T> { delta: <T as Scalar>::cast_f64(1.0) }
fn loss_value(loss: &NetLoss) -> TokenStream {
    let ty = format_ident!("{}", loss.def.runtime);
    runtime_value(
        quote! { ::nn::__private::loss::#ty },
        loss.def.params,
        &loss.params,
    )
}

/// A unit struct's path as it is, or `PATH::<T> { param: value, .. }`.
fn runtime_value(path: TokenStream, params: &[Param], values: &[f64]) -> TokenStream {
    if params.is_empty() {
        return path;
    }
    let fields = params.iter().zip(values).map(|(param, value)| {
        let field = format_ident!("{}", param.name);
        let value = Literal::f64_unsuffixed(*value);
        quote! { #field: <T as ::nn::__private::Scalar>::cast_f64(#value) }
    });
    quote! { #path::<T> { #(#fields),* } }
}

/// `"dense 784 -> 16, relu"`, `"conv2d [1, 28, 28] -> [8, 28, 28], 3×3 stride 1 padding 1, relu"`,
/// for comments and docs.
fn describe(layer: &NetLayer) -> String {
    let image = |g: &Geometry| {
        format!(
            "[{}, {}, {}] -> [{}, {}, {}]",
            g.channels.display(),
            g.height.display(),
            g.width.display(),
            g.out_channels.display(),
            g.out_height.display(),
            g.out_width.display()
        )
    };
    let window = |g: &Geometry| {
        format!(
            "{k}×{k} stride {} padding {}",
            g.stride.display(),
            g.padding.display(),
            k = g.kernel.display()
        )
    };
    match &layer.op {
        Op::Dense => format!(
            "dense {} -> {}, {}",
            layer.input.display(),
            layer.output.display(),
            layer.act_text
        ),
        Op::Conv2d(g) | Op::Depthwise(g) => format!(
            "{} {}, {}, {}",
            layer.op.kind(),
            image(g),
            window(g),
            layer.act_text
        ),
        Op::MaxPool(g) | Op::AvgPool(g) => {
            format!("{} {}, {}", layer.op.kind(), image(g), window(g))
        }
        Op::Flatten | Op::Add | Op::Concat => format!(
            "{} -> {}",
            layer.op.kind(),
            match &layer.image {
                Some(dims) => image_text(dims),
                None => layer.output.display(),
            }
        ),
    }
}

/// `[8, 14, 14]`, as a spec's sizes show.
fn image_text(dims: &[Width; 3]) -> String {
    let shown: Vec<String> = dims.iter().map(Width::display).collect();
    format!("[{}]", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    /// Each pass of a long network is split into methods of at most
    /// `LAYERS_PER_BLOCK` layers: LLVM's time over one function grows
    /// faster than its length.
    #[test]
    fn no_generated_pass_grows_with_the_network() {
        let layers: String = (0..200).map(|k| format!("l{k}: dense(3, relu),")).collect();
        let spec: crate::network::ast::Spec = syn::parse_str(&format!(
            "struct Deep {{ input: 2, {layers} out: dense(1), loss: squared_error, }}"
        ))
        .expect("the spec parses");
        let net = crate::network::validate::check(&spec).expect("the spec is valid");
        let file: syn::File = syn::parse2(super::network(&net)).expect("the expansion parses");
        let mut blocks = 0;
        for item in &file.items {
            let syn::Item::Impl(imp) = item else { continue };
            for item in &imp.items {
                let syn::ImplItem::Fn(f) = item else { continue };
                let name = f.sig.ident.to_string();
                // `dense_forward_trace`, `dense_forward`, `dense_backward`, `dense_sgd_backward`.
                let calls = f
                    .block
                    .to_token_stream()
                    .to_string()
                    .matches("dense_")
                    .count();
                assert!(
                    calls <= super::LAYERS_PER_BLOCK,
                    "`{name}` has {calls} layer calls"
                );
                blocks += usize::from(name.contains("_block_"));
            }
        }
        // 201 layers: 7 blocks for each of the four passes.
        assert_eq!(blocks, 4 * 7);
    }

    /// Every `::nn::X` path in `tokens`, as `X`.
    fn nn_paths(tokens: proc_macro2::TokenStream, found: &mut Vec<String>) {
        use proc_macro2::TokenTree;
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (k, token) in tokens.iter().enumerate() {
            if let TokenTree::Group(g) = token {
                nn_paths(g.stream(), found);
            }
            // `::nn::X` is `:` `:` `nn` `:` `:` `X`.
            if let [
                TokenTree::Punct(_),
                TokenTree::Punct(_),
                TokenTree::Ident(nn),
                TokenTree::Punct(c),
                TokenTree::Punct(_),
                TokenTree::Ident(next),
            ] = tokens.get(k..k + 6).unwrap_or_default()
            {
                let leading = tokens[k].to_string() == ":" && c.as_char() == ':';
                if leading
                    && nn == "nn"
                    && k.checked_sub(1)
                        .is_none_or(|p| !matches!(&tokens[p], TokenTree::Ident(_)))
                {
                    found.push(next.to_string());
                }
            }
        }
    }

    /// Generated code reaches `nn` only through `::nn::__private`: the rest
    /// of the facade is the user's API, free to move.
    #[test]
    fn generated_code_names_nn_only_through_private() {
        let spec: crate::network::ast::Spec = syn::parse_str(
            "struct Small { input: 2, h: dense(2, relu), out: dense(1, sigmoid), loss: binary_cross_entropy, }",
        )
        .expect("the spec parses");
        let mut net = crate::network::validate::check(&spec).expect("the spec is valid");
        // Baked in by hand: the expansion of a weights file is checked
        // without reading one.
        let layer = |rows: usize, cols: usize| crate::network::net::BakedLayer {
            rows,
            cols,
            weight: vec![0.5; rows * cols],
            bias: vec![0.25; rows],
        };
        net.weights = Some(crate::network::net::Baked {
            display: "w.safetensors".into(),
            absolute: "/w.safetensors".into(),
            dtype: crate::network::net::BakedDtype::F32,
            layers: vec![layer(2, 2), layer(1, 2)],
        });
        let mut found = Vec::new();
        nn_paths(super::network(&net), &mut found);
        assert!(found.len() > 10, "too few `::nn::` paths: {found:?}");
        found.retain(|p| p != "__private");
        assert_eq!(found, Vec::<String>::new());
    }
}
