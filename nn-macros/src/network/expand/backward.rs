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
    LAYERS_PER_BLOCK, act_value, block_ranges, describe, loss_type, loss_value, output_width,
    trace_name,
};
use crate::network::net::{Net, NetLayer, unraw};

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
    if pass.over == Over::Batch || net.layers.len() <= LAYERS_PER_BLOCK {
        let body = (0..=last)
            .rev()
            .map(|i| layer_step(net, pass, i, output_delta_is_ref && i == last))
            .collect();
        return (body, TokenStream::new());
    }
    let mode = pass.update;
    let input = net.input;
    let mut body = TokenStream::new();
    let mut helpers = TokenStream::new();
    for (k, range) in block_ranges(net).into_iter().enumerate().rev() {
        let (first, end) = (range.start, range.end - 1);
        let top = &net.layers[end];
        let top_delta = format_ident!("delta_{}", top.name);
        let top_w = top.output;
        let steps = range
            .clone()
            .rev()
            .map(|i| layer_step(net, pass, i, i == end));
        // The δ handed to the block below, if any.
        let produced = first.checked_sub(1).map(|p| {
            let below = &net.layers[p];
            (format_ident!("delta_{}", below.name), below.output)
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

/// Layer `i`'s statements in the backward pass, ending with the δ of the
/// layer below. `delta_is_ref`: per sample, its own δ is a reference (a
/// parameter), not a local.
fn layer_step(net: &Net, pass: Pass, i: usize, delta_is_ref: bool) -> TokenStream {
    let layer = &net.layers[i];
    let name = layer.name;
    let shown = unraw(name);
    let prev = i.checked_sub(1).map(|p| &net.layers[p]);
    let x = match prev {
        Some(p) => {
            let p = p.name;
            quote! { &trace.#p.a }
        }
        None => quote! { x },
    };
    let delta = match pass.over {
        Over::Sample => {
            let delta = format_ident!("delta_{}", name);
            if delta_is_ref {
                quote! { #delta }
            } else {
                quote! { &#delta }
            }
        }
        Over::Batch => quote! { &trace.#name.delta },
    };
    // dL/da of the layer below: a local per sample, the trace's `da` per
    // batch; for the first layer dL/dx, asked for by the gradient passes
    // (`dx`) and never by SGD.
    let (da_decl, da_arg, da_ref) = match (prev, pass.over) {
        (Some(p), Over::Sample) => {
            let da = format_ident!("da_{}", p.name);
            let w = p.output;
            (
                quote! { let mut #da = ::nn::__private::SVector::<T, #w>::zeros(); },
                quote! { ::core::option::Option::Some(&mut #da) },
                quote! { &#da },
            )
        }
        (Some(p), Over::Batch) => {
            let p = p.name;
            (
                TokenStream::new(),
                quote! { ::core::option::Option::Some(&mut trace.#p.da) },
                quote! { &trace.#p.da },
            )
        }
        (None, _) => {
            let dx = match pass.update {
                Update::Gradients => quote! { dx },
                Update::Sgd => quote! { ::core::option::Option::None },
            };
            (TokenStream::new(), dx, TokenStream::new())
        }
    };
    let call = match (pass.over, pass.update) {
        (Over::Sample, Update::Gradients) => quote! {
            ::nn::__private::layer::dense_backward(&self.#name, #x, #delta, &mut grads.#name, #da_arg);
        },
        (Over::Sample, Update::Sgd) => quote! {
            ::nn::__private::layer::dense_sgd_backward(&mut self.#name, #x, #delta, lr, #da_arg);
        },
        (Over::Batch, Update::Gradients) => quote! {
            ::nn::__private::batch::dense_backward_batch(&self.#name, #x, #delta, &mut grads.#name, #da_arg);
        },
        (Over::Batch, Update::Sgd) => quote! {
            ::nn::__private::batch::dense_sgd_backward_batch(&mut self.#name, #x, #delta, lr, #da_arg);
        },
    };
    let input = prev.map_or_else(|| "x".to_string(), |p| format!("a_{}", unraw(p.name)));
    let doc = match (pass.update, prev) {
        (Update::Gradients, Some(_)) => format!(
            " layer {} `{shown}` ({}): dL/dW = δ {input}ᵀ, dL/db = δ, dL/d{input} = Wᵀ δ",
            i + 1,
            describe(layer),
        ),
        (Update::Gradients, None) => format!(
            " layer {} `{shown}` ({}): dL/dW = δ xᵀ, dL/db = δ, and dL/dx = Wᵀ δ if asked",
            i + 1,
            describe(layer)
        ),
        (Update::Sgd, Some(_)) => format!(
            " layer {} `{shown}` ({}): dL/d{input} = Wᵀ δ, then W -= lr δ {input}ᵀ, b -= lr δ",
            i + 1,
            describe(layer),
        ),
        (Update::Sgd, None) => format!(
            " layer {} `{shown}` ({}): W -= lr δ xᵀ, b -= lr δ",
            i + 1,
            describe(layer)
        ),
    };
    // The comment goes on the first statement of the block: the
    // declaration of dL/da_prev when there is one, else the call.
    let span = layer_span(pass.over, layer);
    let mut blocks = vec![quote_spanned! {span=>
        #[doc = #doc]
        #da_decl
        #call
    }];
    if let Some(p) = prev {
        let doc = format!(
            " layer {i} `{}` ({}): δ = dL/da ⊙ σ′(z)",
            unraw(p.name),
            p.act_text
        );
        let step = activation_step(pass.over, p, da_ref);
        let span = layer_span(pass.over, p);
        blocks.push(quote_spanned! {span=>
            #[doc = #doc]
            #step
        });
    }
    quote! { #(#blocks)* }
}

/// δ = dL/da ⊙ σ′(z) of `layer`, from `da` (a reference to dL/da): into a
/// new local `delta_<name>` per sample, into the trace's `delta` per batch.
fn activation_step(over: Over, layer: &NetLayer, da: TokenStream) -> TokenStream {
    let name = layer.name;
    let act = act_value(&layer.act);
    match over {
        Over::Sample => {
            let delta = format_ident!("delta_{}", name);
            let w = layer.output;
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
    let out = last.output;
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
    let input = net.input;
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
    let input = net.input;
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
