//! The backward pass, written out layer by layer (the lecture's
//! backpropagation, output to input), the loss methods and the fused SGD step.
//! One routine, [`unrolled`], emits all four passes (per sample or per batch,
//! gradients or SGD), each started by [`loss_to_delta`].
//!
//! For each layer, from the last to the first:
//!   δ = (∂a/∂z)ᵀ dL/da                    (activation_backward)
//!   dL/dW = δ a_prevᵀ, dL/db = δ, dL/da_prev = Wᵀ δ   (dense_backward)
//! The first layer computes dL/dx only when it is asked for.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::{
    LAYERS_PER_BLOCK, act_value, block_ranges, concat_offsets, describe, geometry_value, is_chain,
    loss_type, loss_value, output_width, source_layer, trace_name, trace_value,
};
use crate::network::ast::Width;
use crate::network::net::{Net, NetLayer, Op, Source, unraw};

/// One sample (vectors, each δ and dL/da a local on the stack) or a
/// mini-batch (matrices, one column per sample, kept in the batch trace).
#[derive(Clone, Copy, PartialEq)]
pub enum Over {
    Sample,
    Batch,
}

/// What the backward pass does with each layer's gradient.
#[derive(Clone, Copy, PartialEq)]
pub enum Update {
    /// Write dL/dθ into `grads`.
    Gradients,
    /// Update the parameters in place: θ ← θ − η dL/dθ.
    Sgd,
}

/// One of the four backward passes: per sample or per batch, gradients or
/// SGD. Every pass is emitted by [`unrolled`] and starts from
/// [`loss_to_delta`]; only the kernels and where δ and dL/da live differ.
#[derive(Clone, Copy)]
pub struct Pass {
    pub over: Over,
    pub update: Update,
}

/// The straight-line code from the output layer's δ (dL/dz) down to the
/// first layer, and for long per-sample networks the block methods it calls
/// (see `block_ranges`). Per sample, `delta_<last>` is a reference in
/// `Gradients` mode (a parameter of `backward_delta_into`), a local in `Sgd`
/// mode; per batch, every δ is in the trace.
pub fn unrolled(net: &Net, pass: Pass, trace: &Ident) -> (TokenStream, TokenStream) {
    let last = net.layers.len() - 1;
    let output_delta_is_ref = pass.over == Over::Sample && pass.update == Update::Gradients;
    if pass.over == Over::Batch || net.layers.len() <= LAYERS_PER_BLOCK || !is_chain(net) {
        // `dx` is handed to several kernels, or to one that does not take
        // an `Option`: each takes it by `as_deref_mut`.
        let rebind = if pass.update == Update::Gradients && !input_read_once(net) {
            quote! { let mut dx = dx; }
        } else {
            TokenStream::new()
        };
        let steps = (0..=last)
            .rev()
            .map(|i| layer_step(net, pass, i, output_delta_is_ref && i == last));
        return (quote! { #rebind #(#steps)* }, TokenStream::new());
    }
    let mode = pass.update;
    let input = &net.input;
    let mut body = TokenStream::new();
    let mut helpers = TokenStream::new();
    for (k, range) in block_ranges(net).into_iter().enumerate().rev() {
        let (first, end) = (range.start, range.end - 1);
        let top = &net.layers[end];
        let top_delta = format_ident!("delta_{}", top.name);
        let top_w = &top.output;
        let steps = range
            .clone()
            .rev()
            .map(|i| layer_step(net, pass, i, i == end));
        // The δ handed to the block below, if any.
        let produced = first.checked_sub(1).map(|p| {
            let below = &net.layers[p];
            (format_ident!("delta_{}", below.name), &below.output)
        });
        let (ret, ret_ty) = match &produced {
            Some((d, w)) => (quote! { #d }, quote! { -> ::nn::__private::SVector<T, #w> }),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let delta_arg = if end == last && output_delta_is_ref {
            quote! { #top_delta }
        } else {
            quote! { &#top_delta }
        };
        let bottom = first == 0;
        let (x_param, x_arg) = if bottom {
            (
                quote! { x: &::nn::__private::SVector<T, #input>, },
                quote! { x, },
            )
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        let (method, receiver, params, args) = match mode {
            Update::Gradients => {
                let (dx_param, dx_arg) = if bottom {
                    (
                        quote! { dx: ::core::option::Option<&mut ::nn::__private::SVector<T, #input>>, },
                        quote! { dx, },
                    )
                } else {
                    (TokenStream::new(), TokenStream::new())
                };
                (
                    format_ident!("__backward_block_{}", k),
                    quote! { &self },
                    quote! { #x_param trace: &#trace<T>, #top_delta: &::nn::__private::SVector<T, #top_w>, grads: &mut Self, #dx_param },
                    quote! { #x_arg trace, #delta_arg, grads, #dx_arg },
                )
            }
            Update::Sgd => (
                format_ident!("__sgd_block_{}", k),
                quote! { &mut self },
                quote! { #x_param trace: &#trace<T>, #top_delta: &::nn::__private::SVector<T, #top_w>, lr: T, },
                quote! { #x_arg trace, #delta_arg, lr, },
            ),
        };
        match &produced {
            Some((d, _)) => body.extend(quote! { let #d = self.#method(#args); }),
            None => body.extend(quote! { self.#method(#args); }),
        }
        let what = match mode {
            Update::Gradients => "the backward pass",
            Update::Sgd => "the SGD step",
        };
        let doc = format!(" Layers {} down to {} of {what}.", end + 1, first + 1);
        helpers.extend(quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[inline(never)]
            #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
            fn #method(#receiver, #params) #ret_ty {
                #(#steps)*
                #ret
            }
        });
    }
    (body, helpers)
}

/// The span of a layer's generated statements: per sample, the layer's
/// `dense` keyword, so a residual type error lands on that layer; per batch,
/// the call site, as the batch methods have always been.
fn layer_span(over: Over, layer: &NetLayer) -> Span {
    match over {
        Over::Sample => layer.kind_span,
        Over::Batch => Span::call_site(),
    }
}

/// Layer `i`'s statements in the backward pass: the gradient of its
/// parameters, and of each layer it reads (summed over that layer's
/// readers), then the δ of each layer it was the last to pass a gradient
/// to (the reader nearest the input: the backward pass runs output to input).
/// `delta_is_ref`: per sample, its own δ is a reference (a parameter), not
/// a local.
fn layer_step(net: &Net, pass: Pass, i: usize, delta_is_ref: bool) -> TokenStream {
    let layer = &net.layers[i];
    if layer.op == Op::Flatten {
        return TokenStream::new();
    }
    let name = layer.name;
    let shown = unraw(name);
    // What the backward pass starts from: δ = dL/dz of a layer with an
    // activation, dL/da of a pool, `add` or `concat`.
    let d = match (pass.over, layer.op.has_params()) {
        (Over::Sample, true) => {
            let delta = format_ident!("delta_{}", name);
            if delta_is_ref {
                quote! { #delta }
            } else {
                quote! { &#delta }
            }
        }
        (Over::Sample, false) => {
            let da = format_ident!("da_{}", name);
            quote! { &#da }
        }
        (Over::Batch, true) => quote! { &trace.#name.delta },
        (Over::Batch, false) => quote! { &trace.#name.da },
    };
    let g = geometry_value(&layer.op);
    let batch_image = quote! { ::nn::__private::image::batch };
    let mut statements = Vec::new();
    for (k, source) in layer.sources.iter().enumerate() {
        let x = trace_value(net, *source);
        let edge_op = match (&layer.op, pass.over, pass.update) {
            (Op::Dense, Over::Sample, Update::Gradients) => EdgeOp::Kernel(quote! {
                ::nn::__private::layer::dense_backward(&self.#name, #x, #d, &mut grads.#name, DEST);
            }),
            (Op::Dense, Over::Sample, Update::Sgd) => EdgeOp::Kernel(quote! {
                ::nn::__private::layer::dense_sgd_backward(&mut self.#name, #x, #d, lr, DEST);
            }),
            (Op::Dense, Over::Batch, Update::Gradients) => EdgeOp::Kernel(quote! {
                ::nn::__private::batch::dense_backward_batch(&self.#name, #x, #d, &mut grads.#name, DEST);
            }),
            (Op::Dense, Over::Batch, Update::Sgd) => EdgeOp::Kernel(quote! {
                ::nn::__private::batch::dense_sgd_backward_batch(&mut self.#name, #x, #d, lr, DEST);
            }),
            (Op::Conv2d(_), Over::Sample, Update::Gradients) => EdgeOp::Kernel(quote! {
                ::nn::__private::image::conv2d_backward(&self.#name, &#g, #x, #d, &mut grads.#name, DEST);
            }),
            (Op::Conv2d(_), Over::Sample, Update::Sgd) => EdgeOp::Kernel(quote! {
                ::nn::__private::image::conv2d_sgd_backward(&mut self.#name, &#g, #x, #d, lr, DEST);
            }),
            (Op::Conv2d(_), Over::Batch, Update::Gradients) => EdgeOp::Kernel(quote! {
                #batch_image::conv2d_backward_batch(&self.#name, &#g, #x, &mut trace.#name, &mut grads.#name, DEST);
            }),
            (Op::Conv2d(_), Over::Batch, Update::Sgd) => EdgeOp::Kernel(quote! {
                #batch_image::conv2d_sgd_backward_batch(&mut self.#name, &#g, #x, &mut trace.#name, lr, DEST);
            }),
            (Op::Depthwise(_), Over::Sample, Update::Gradients) => EdgeOp::Kernel(quote! {
                ::nn::__private::image::depthwise_conv2d_backward(&self.#name, &#g, #x, #d, &mut grads.#name, DEST);
            }),
            (Op::Depthwise(_), Over::Sample, Update::Sgd) => EdgeOp::Kernel(quote! {
                ::nn::__private::image::depthwise_conv2d_sgd_backward(&mut self.#name, &#g, #x, #d, lr, DEST);
            }),
            (Op::Depthwise(_), Over::Batch, Update::Gradients) => EdgeOp::Kernel(quote! {
                #batch_image::depthwise_conv2d_backward_batch(&self.#name, &#g, #x, #d, &mut grads.#name, DEST);
            }),
            (Op::Depthwise(_), Over::Batch, Update::Sgd) => EdgeOp::Kernel(quote! {
                #batch_image::depthwise_conv2d_sgd_backward_batch(&mut self.#name, &#g, #x, #d, lr, DEST);
            }),
            (Op::MaxPool(_), Over::Sample, _) => EdgeOp::Write(quote! {
                ::nn::__private::image::max_pool_backward(&#g, #x, #d, DEST);
            }),
            (Op::MaxPool(_), Over::Batch, _) => EdgeOp::Write(quote! {
                #batch_image::max_pool_backward_batch(&#g, #x, #d, DEST);
            }),
            (Op::AvgPool(_), Over::Sample, _) => EdgeOp::Write(quote! {
                ::nn::__private::image::avg_pool_backward(&#g, #d, DEST);
            }),
            (Op::AvgPool(_), Over::Batch, _) => EdgeOp::Write(quote! {
                #batch_image::avg_pool_backward_batch(&#g, #d, DEST);
            }),
            (Op::Add, _, _) => EdgeOp::Copy(d.clone()),
            (Op::Concat, over, _) => {
                let offset = concat_offsets(net, i)[k].clone();
                let f = match over {
                    Over::Sample => quote! { ::nn::__private::join::concat_backward_part },
                    Over::Batch => quote! { ::nn::__private::join::concat_backward_part_batch },
                };
                EdgeOp::Write(quote! { #f(#d, #offset, DEST); })
            }
            (Op::Flatten, _, _) => continue,
        };
        statements.push(edge(net, pass, i, k, edge_op));
    }
    let what = match layer.op {
        Op::Dense | Op::Conv2d(_) | Op::Depthwise(_) => {
            let input = match layer.sources.first().and_then(|s| source_layer(net, *s)) {
                Some(p) => format!("a_{}", unraw(p.name)),
                None => "x".to_string(),
            };
            let product = if layer.op == Op::Dense {
                "δ"
            } else {
                "δ ⋆"
            };
            let reads_input = layer.sources.first() == Some(&Source::Input);
            match (pass.update, reads_input) {
                (Update::Gradients, false) => {
                    format!("dL/dW = {product} {input}ᵀ, dL/db = Σ δ, dL/d{input} = Wᵀ δ")
                }
                (Update::Gradients, true) => {
                    format!("dL/dW = {product} xᵀ, dL/db = Σ δ, and dL/dx = Wᵀ δ if asked")
                }
                (Update::Sgd, false) => {
                    format!("dL/d{input} = Wᵀ δ, then W -= lr {product} {input}ᵀ, b -= lr Σ δ")
                }
                (Update::Sgd, true) => format!("W -= lr {product} xᵀ, b -= lr Σ δ"),
            }
        }
        Op::MaxPool(_) => "dL/da_prev = dL/da at each window's maximum".to_string(),
        Op::AvgPool(_) => "dL/da_prev = dL/da / k² over each window".to_string(),
        Op::Add => "each input's dL/da += dL/da".to_string(),
        Op::Concat => "each input's dL/da += its part of dL/da".to_string(),
        Op::Flatten => String::new(),
    };
    let doc = format!(" layer {} `{shown}` ({}): {what}", i + 1, describe(layer));
    let span = layer_span(pass.over, layer);
    let mut blocks = vec![quote_spanned! {span=>
        #[doc = #doc]
        #(#statements)*
    }];
    // The δ of each layer this one is the last to pass a gradient to.
    let mut done: Vec<usize> = Vec::new();
    for source in &layer.sources {
        let Source::Layer(p) = *source else { continue };
        let below = &net.layers[p];
        if done.contains(&p) || !below.op.has_params() || first_reader(net, p) != i {
            continue;
        }
        done.push(p);
        let da = match pass.over {
            Over::Sample => {
                let da = format_ident!("da_{}", below.name);
                quote! { &#da }
            }
            Over::Batch => {
                let name = below.name;
                quote! { &trace.#name.da }
            }
        };
        let doc = format!(
            " layer {} `{}` ({}): δ = dL/da ⊙ σ′(z)",
            p + 1,
            unraw(below.name),
            below.act_text
        );
        let step = activation_step(pass.over, below, da);
        let span = layer_span(pass.over, below);
        blocks.push(quote_spanned! {span=>
            #[doc = #doc]
            #step
        });
    }
    quote! { #(#blocks)* }
}

/// What one input of a layer gets in the backward pass; `DEST` in the
/// tokens stands for the place its gradient goes.
enum EdgeOp {
    /// A kernel of a layer with parameters, which takes `Option<&mut _>`
    /// (`None`: no gradient of the input wanted).
    Kernel(TokenStream),
    /// A kernel that writes the input's gradient into `&mut _`.
    Write(TokenStream),
    /// `add`: the input's gradient is this one (a reference).
    Copy(TokenStream),
}

/// The reader of layer `p` nearest the input: the last one the backward
/// pass reaches, after which `p`'s gradient is complete.
fn first_reader(net: &Net, p: usize) -> usize {
    (p + 1..net.layers.len())
        .find(|&i| {
            net.layers[i].op != Op::Flatten && net.layers[i].sources.contains(&Source::Layer(p))
        })
        .unwrap_or(p)
}

/// Whether the edge from input `k` of layer `i` is the first to reach its
/// source in the backward pass (which runs from the last layer down, each
/// layer's inputs in order): that one writes the gradient, the later ones
/// add to it.
fn first_edge(net: &Net, i: usize, k: usize) -> bool {
    let source = net.layers[i].sources[k];
    // `flatten` passes no gradient itself: its readers read its source.
    let later_layer = net.layers[i + 1..]
        .iter()
        .any(|l| l.op != Op::Flatten && l.sources.contains(&source));
    !later_layer && !net.layers[i].sources[..k].contains(&source)
}

/// Whether the network's input is read by exactly one layer, once, and that
/// layer has parameters: its kernel then takes `dx` as it is.
pub fn input_read_once(net: &Net) -> bool {
    let edges: Vec<&NetLayer> = net
        .layers
        .iter()
        .flat_map(|l| {
            l.sources
                .iter()
                .filter(|s| **s == Source::Input)
                .map(move |_| l)
        })
        .collect();
    matches!(edges.as_slice(), [only] if only.op.has_params())
}

/// The statements that pass the gradient of input `k` of layer `i` to its
/// source: into a new `da_<source>` (per sample) or the trace's `da` (per
/// batch) for the first edge to reach it, through a temporary added to it
/// for the others; for the network's input, into `dx` when it is asked for.
fn edge(net: &Net, pass: Pass, i: usize, k: usize, op: EdgeOp) -> TokenStream {
    let source = net.layers[i].sources[k];
    let first = first_edge(net, i, k);
    // The kernel call writing into a place, given as a `&mut` (`&mut
    // da_res`, `dx`).
    let call = |place_mut: &TokenStream| -> TokenStream {
        let (tokens, dest) = match &op {
            EdgeOp::Kernel(t) => (t, quote! { ::core::option::Option::Some(#place_mut) }),
            EdgeOp::Write(t) => (t, place_mut.clone()),
            EdgeOp::Copy(d) => {
                let f = match pass.over {
                    Over::Sample => quote! { ::nn::__private::join::copy_part },
                    Over::Batch => quote! { ::nn::__private::join::copy_part_batch },
                };
                return quote! { #f(#d, #place_mut); };
            }
        };
        replace_dest(tokens.clone(), &dest)
    };
    // A later edge adds to the gradient: through a temporary named after
    // both ends, `da_res_from_pool`. `AddAssign::add_assign(a, b)`, not
    // `*a += b`: a compound assignment cannot carry the doc comment that
    // starts a layer's statements.
    let add = |place_mut: TokenStream, width: &Width| -> TokenStream {
        if let EdgeOp::Copy(d) = &op {
            let f = match pass.over {
                Over::Sample => quote! { ::nn::__private::join::add_part },
                Over::Batch => quote! { ::nn::__private::join::add_part_batch },
            };
            return quote! { #f(#d, #place_mut); };
        }
        let layer = &net.layers[i];
        let twice = layer.sources.iter().filter(|s| **s == source).count() > 1;
        let suffix = if twice {
            format!("_{k}")
        } else {
            String::new()
        };
        let extra = match source_layer(net, source) {
            Some(below) => format_ident!("da_{}_from_{}{}", below.name, layer.name, suffix),
            None => format_ident!("dx_from_{}{}", layer.name, suffix),
        };
        let zeros = match pass.over {
            Over::Sample => quote! { ::nn::__private::SVector::<T, #width>::zeros() },
            Over::Batch => quote! { ::nn::__private::Batch::<T, #width>::zeros(x.ncols()) },
        };
        let call = call(&quote! { &mut #extra });
        quote! {
            let mut #extra = #zeros;
            #call
            ::core::ops::AddAssign::add_assign(#place_mut, &#extra);
        }
    };
    match source {
        Source::Layer(p) => {
            let below = &net.layers[p];
            let width = &below.output;
            let place = match pass.over {
                Over::Sample => {
                    let da = format_ident!("da_{}", below.name);
                    quote! { #da }
                }
                Over::Batch => {
                    let name = below.name;
                    quote! { trace.#name.da }
                }
            };
            let place_mut = quote! { &mut #place };
            match (pass.over, first) {
                (Over::Sample, true) => {
                    let call = call(&place_mut);
                    quote! {
                        let mut #place = ::nn::__private::SVector::<T, #width>::zeros();
                        #call
                    }
                }
                (Over::Batch, true) => call(&place_mut),
                (_, false) => add(place_mut, width),
            }
        }
        Source::Input => match (pass.update, &op) {
            (Update::Sgd, EdgeOp::Kernel(_)) => {
                replace_dest(op_tokens(&op), &quote! { ::core::option::Option::None })
            }
            (Update::Sgd, _) => TokenStream::new(),
            (Update::Gradients, EdgeOp::Kernel(t)) if input_read_once(net) => {
                replace_dest(t.clone(), &quote! { dx })
            }
            (Update::Gradients, _) => {
                let inner = if first {
                    call(&quote! { dx })
                } else {
                    add(quote! { dx }, &net.input)
                };
                // Without `dx`, a layer with parameters still needs its own
                // gradient.
                let otherwise = match &op {
                    EdgeOp::Kernel(t) => {
                        let call =
                            replace_dest(t.clone(), &quote! { ::core::option::Option::None });
                        quote! { else { #call } }
                    }
                    _ => TokenStream::new(),
                };
                quote! {
                    if let ::core::option::Option::Some(dx) = dx.as_deref_mut() {
                        #inner
                    } #otherwise
                }
            }
        },
    }
}

/// The tokens of a kernel call.
fn op_tokens(op: &EdgeOp) -> TokenStream {
    match op {
        EdgeOp::Kernel(t) | EdgeOp::Write(t) | EdgeOp::Copy(t) => t.clone(),
    }
}

/// `tokens` with the identifier `DEST` replaced by `dest`.
fn replace_dest(tokens: TokenStream, dest: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tt| match tt {
            proc_macro2::TokenTree::Ident(id) if id == "DEST" => dest.clone(),
            proc_macro2::TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_dest(g.stream(), dest));
                group.set_span(g.span());
                proc_macro2::TokenTree::Group(group).into()
            }
            other => other.into(),
        })
        .collect()
}

/// δ = dL/da ⊙ σ′(z) of `layer`, from `da` (a reference to dL/da): into a
/// new local `delta_<name>` per sample, into the trace's `delta` per batch.
fn activation_step(over: Over, layer: &NetLayer, da: TokenStream) -> TokenStream {
    let name = layer.name;
    let act = act_value(&layer.act);
    match over {
        Over::Sample => {
            let delta = format_ident!("delta_{}", name);
            let w = &layer.output;
            quote! {
                let mut #delta = ::nn::__private::SVector::<T, #w>::zeros();
                ::nn::__private::layer::activation_backward(&#act, &trace.#name, #da, &mut #delta);
            }
        }
        Over::Batch => quote! {
            ::nn::__private::batch::activation_backward_batch(
                &#act, &trace.#name.z, &trace.#name.a, #da, &mut trace.#name.delta,
            );
        },
    }
}

/// `let loss = ...;` and the output layer's δ from the loss, fused on the
/// logits or through the output activation. Per sample the target is `y`
/// and δ a new local `delta_<last>`; per batch the targets are `ys` and δ
/// goes into the trace (with its `da`, which a fused loss sets apart).
pub fn loss_to_delta(net: &Net, over: Over) -> TokenStream {
    let (Some(loss), Some(last)) = (&net.loss, net.layers.last()) else {
        return TokenStream::new();
    };
    let name = last.name;
    let out = &last.output;
    let value = loss_value(loss);
    let fused = loss.on_logits();
    let doc = if fused {
        format!(
            " output δ = dL/dz of `{}`, straight from the fused loss `{}`",
            unraw(name),
            loss.text
        )
    } else {
        format!(
            " dL/da of `{}` from the loss `{}`, then δ = dL/da ⊙ σ′(z)",
            unraw(name),
            loss.text
        )
    };
    // The loss writes dL/dz (fused) or dL/da into `dest`, declared by `decl`.
    let on = if fused {
        quote! { &trace.#name.z }
    } else {
        quote! { &trace.#name.a }
    };
    let (decl, dest, da) = match (over, fused) {
        (Over::Sample, true) => {
            let delta = format_ident!("delta_{}", name);
            (
                quote! { let mut #delta = ::nn::__private::SVector::<T, #out>::zeros(); },
                quote! { &mut #delta },
                TokenStream::new(),
            )
        }
        (Over::Sample, false) => (
            quote! { let mut da_out = ::nn::__private::SVector::<T, #out>::zeros(); },
            quote! { &mut da_out },
            quote! { &da_out },
        ),
        (Over::Batch, true) => (
            TokenStream::new(),
            quote! { &mut trace.#name.delta },
            TokenStream::new(),
        ),
        (Over::Batch, false) => (
            TokenStream::new(),
            quote! { &mut trace.#name.da },
            quote! { &trace.#name.da },
        ),
    };
    let grad = match over {
        Over::Sample => quote! { ::nn::__private::Loss::grad(&#value, #on, y, #dest) },
        Over::Batch => {
            quote! { ::nn::__private::batch::loss_backward_batch(&#value, #on, ys, #dest) }
        }
    };
    let then = match (over, fused) {
        (_, false) => activation_step(over, last, da),
        (Over::Sample, true) => TokenStream::new(),
        // The trace's `da` of the output layer: δ itself when `a = z`, else
        // the loss written on `a`.
        (Over::Batch, true) if last.act.def.name == "identity" => {
            quote! { trace.#name.da.copy_from(&trace.#name.delta); }
        }
        (Over::Batch, true) => quote! {
            ::nn::__private::batch::fused_activation_grad_batch(
                &#value, &trace.#name.a, ys, &mut trace.#name.da,
            );
        },
    };
    quote! {
        #[doc = #doc]
        #decl
        let loss = #grad;
        #then
    }
}

pub fn methods(net: &Net) -> TokenStream {
    let trace = trace_name(net);
    let input = &net.input;
    let output = output_width(net);
    let Some(last) = net.layers.last() else {
        return TokenStream::new();
    };
    let last_name = last.name;
    let last_delta = format_ident!("delta_{}", last_name);
    let from_d_out = activation_step(Over::Sample, last, quote! { d_out });
    let (grads_backward, grads_helpers) = unrolled(
        net,
        Pass {
            over: Over::Sample,
            update: Update::Gradients,
        },
        &trace,
    );
    let allow_docs = quote! {
        #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
    };
    let x_ty = quote! { ::nn::__private::SVector<T, #input> };
    let out_ty = quote! { ::nn::__private::SVector<T, #output> };

    let common = quote! {
        /// Backpropagation from `d_out = dL/da` of the output layer: writes
        /// `dL/dθ` of every parameter into `grads` (overwriting it) and, if
        /// `dx` is given, `dL/dx` into it. `trace` must come from
        /// `forward_trace(x, ..)`. Allocates nothing on the heap.
        pub fn backward_into(
            &self,
            x: &#x_ty,
            trace: &#trace<T>,
            d_out: &#out_ty,
            grads: &mut Self,
            dx: ::core::option::Option<&mut #x_ty>,
        ) {
            #from_d_out
            self.backward_delta_into(x, trace, &#last_delta, grads, dx);
        }

        /// Backpropagation from `δ = dL/dz` of the output layer (its logits),
        /// one block per layer, output to input; see `backward_into`.
        #allow_docs
        pub fn backward_delta_into(
            &self,
            x: &#x_ty,
            trace: &#trace<T>,
            #last_delta: &#out_ty,
            grads: &mut Self,
            dx: ::core::option::Option<&mut #x_ty>,
        ) {
            #grads_backward
        }

        /// Backpropagation from `d_out = dL/da` of the output layer: the
        /// gradient of every parameter (a value of the network's own type)
        /// and `dL/dx`.
        pub fn backward(
            &self,
            x: &#x_ty,
            trace: &#trace<T>,
            d_out: &#out_ty,
        ) -> (Self, #x_ty) {
            let mut grads = <Self as ::nn::__private::Params<T>>::zeros();
            let mut dx = ::nn::__private::SVector::<T, #input>::zeros();
            self.backward_into(x, trace, d_out, &mut grads, ::core::option::Option::Some(&mut dx));
            (grads, dx)
        }

        #grads_helpers
    };

    let Some(loss) = &net.loss else {
        return common;
    };
    let loss_ty = loss_type(loss);
    let loss_val = loss_value(loss);
    let bound = quote! { #loss_ty: ::nn::__private::Loss<T, #output, Y> };
    let from_loss = loss_to_delta(net, Over::Sample);
    let (sgd_backward, sgd_helpers) = unrolled(
        net,
        Pass {
            over: Over::Sample,
            update: Update::Sgd,
        },
        &trace,
    );
    let loss_doc = format!("The network's loss, `{}`.", loss.text);
    let loss_input = if loss.on_logits() {
        quote! { &trace.#last_name.z }
    } else {
        quote! { &trace.#last_name.a }
    };

    quote! {
        #common

        #[doc = #loss_doc]
        pub fn loss_fn() -> #loss_ty {
            #loss_val
        }

        /// The loss of one sample `(x, y)`.
        pub fn loss<Y>(&self, x: &#x_ty, y: &Y) -> T
        where
            #bound,
        {
            let mut trace = #trace::<T>::new();
            self.forward_trace(x, &mut trace);
            ::nn::__private::Loss::value(&Self::loss_fn(), #loss_input, y)
        }

        /// The loss of one sample, the gradient of every parameter (a value of
        /// the network's own type) and `dL/dx`.
        pub fn loss_and_grad<Y>(&self, x: &#x_ty, y: &Y) -> (T, Self, #x_ty)
        where
            #bound,
        {
            let mut trace = #trace::<T>::new();
            let mut grads = <Self as ::nn::__private::Params<T>>::zeros();
            let mut dx = ::nn::__private::SVector::<T, #input>::zeros();
            let loss = self.loss_and_grad_into(x, y, &mut trace, &mut grads, ::core::option::Option::Some(&mut dx));
            (loss, grads, dx)
        }

        /// Forward into `trace`, then backpropagation of the loss: writes
        /// `dL/dθ` into `grads` (overwriting it) and `dL/dx` into `dx` if
        /// given; returns the loss. Allocates nothing on the heap.
        #allow_docs
        pub fn loss_and_grad_into<Y>(
            &self,
            x: &#x_ty,
            y: &Y,
            trace: &mut #trace<T>,
            grads: &mut Self,
            dx: ::core::option::Option<&mut #x_ty>,
        ) -> T
        where
            #bound,
        {
            self.forward_trace(x, trace);
            #from_loss
            self.backward_delta_into(x, trace, &#last_delta, grads, dx);
            loss
        }

        /// One step of stochastic gradient descent on one sample,
        /// `θ ← θ − lr · dL/dθ`, with the update fused into the backward pass
        /// (each layer's `Wᵀδ` is taken before its weights change). Returns the
        /// loss before the step. Allocates nothing on the heap.
        #allow_docs
        pub fn sgd_step<Y>(&mut self, x: &#x_ty, y: &Y, lr: T) -> T
        where
            #bound,
        {
            let mut trace = #trace::<T>::new();
            self.forward_trace(x, &mut trace);
            let trace = &trace;
            #from_loss
            #sgd_backward
            loss
        }

        #sgd_helpers
    }
}

/// `Supervised` for networks with a loss.
pub fn trait_impls(net: &Net) -> TokenStream {
    let (Some(loss), Some(_)) = (&net.loss, net.layers.last()) else {
        return TokenStream::new();
    };
    let name = &net.spec.name;
    let trace = trace_name(net);
    let input = &net.input;
    let output = output_width(net);
    let loss_ty = loss_type(loss);
    quote! {
        impl<T: ::nn::__private::Scalar, Y> ::nn::__private::Supervised<T, #input, #output, Y> for #name<T>
        where
            #loss_ty: ::nn::__private::Loss<T, #output, Y>,
        {
            fn loss(&self, x: &::nn::__private::SVector<T, #input>, y: &Y) -> T {
                #name::loss(self, x, y)
            }

            type Trace = #trace<T>;

            fn loss_and_grad_into(
                &self,
                x: &::nn::__private::SVector<T, #input>,
                y: &Y,
                trace: &mut #trace<T>,
                grads: &mut Self,
                dx: ::core::option::Option<&mut ::nn::__private::SVector<T, #input>>,
            ) -> T {
                #name::loss_and_grad_into(self, x, y, trace, grads, dx)
            }
        }
    }
}
