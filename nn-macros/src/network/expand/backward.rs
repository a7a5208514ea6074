//! The backward pass, written out layer by layer (the lecture's
//! backpropagation, output to input), the loss methods and the fused SGD step.
//!
//! For each layer, from the last to the first:
//!   δ = (∂a/∂z)ᵀ dL/da                    (activation_backward)
//!   dL/dW = δ a_prevᵀ, dL/db = δ, dL/da_prev = Wᵀ δ   (dense_backward)
//! The first layer computes dL/dx only when it is asked for.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::{
    LAYERS_PER_BLOCK, act_value, block_ranges, describe, loss_type, loss_value, output_width,
    trace_name,
};
use crate::network::net::{Net, unraw};

/// Which update the straight-line backward applies to each layer.
#[derive(Clone, Copy)]
enum Mode {
    /// Write dL/dθ into `grads`.
    Gradients,
    /// Update the parameters in place: θ ← θ − η dL/dθ.
    Sgd,
}

/// The straight-line code from `delta_<last>` (dL/dz of the output layer)
/// down to the first layer, and for long networks the block methods it
/// calls (see `block_ranges`). `delta_<last>` is a reference in `Gradients`
/// mode (a parameter of `backward_delta_into`), a local in `Sgd` mode.
fn unrolled(net: &Net, mode: Mode, trace: &Ident) -> (TokenStream, TokenStream) {
    let last = net.layers.len() - 1;
    if net.layers.len() <= LAYERS_PER_BLOCK {
        let body = (0..=last)
            .rev()
            .map(|i| layer_step(net, mode, i, matches!(mode, Mode::Gradients) && i == last))
            .collect();
        return (body, TokenStream::new());
    }
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
            .map(|i| layer_step(net, mode, i, i == end));
        // The δ handed to the block below, if any.
        let produced = first.checked_sub(1).map(|p| {
            let below = &net.layers[p];
            (format_ident!("delta_{}", below.name), below.output)
        });
        let (ret, ret_ty) = match &produced {
            Some((d, w)) => (quote! { #d }, quote! { -> ::nn::__private::SVector<T, #w> }),
            None => (TokenStream::new(), TokenStream::new()),
        };
        let delta_arg = if end == last && matches!(mode, Mode::Gradients) {
            quote! { #top_delta }
        } else {
            quote! { &#top_delta }
        };
        let bottom = first == 0;
        let (method, receiver, params, args) = match mode {
            Mode::Gradients => {
                let (x_param, x_arg) = if bottom {
                    (
                        quote! { x: &::nn::__private::SVector<T, #input>, },
                        quote! { x, },
                    )
                } else {
                    (TokenStream::new(), TokenStream::new())
                };
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
            Mode::Sgd => {
                let (x_param, x_arg) = if bottom {
                    (
                        quote! { x: &::nn::__private::SVector<T, #input>, },
                        quote! { x, },
                    )
                } else {
                    (TokenStream::new(), TokenStream::new())
                };
                (
                    format_ident!("__sgd_block_{}", k),
                    quote! { &mut self },
                    quote! { #x_param trace: &#trace<T>, #top_delta: &::nn::__private::SVector<T, #top_w>, lr: T, },
                    quote! { #x_arg trace, #delta_arg, lr, },
                )
            }
        };
        match &produced {
            Some((d, _)) => body.extend(quote! { let #d = self.#method(#args); }),
            None => body.extend(quote! { self.#method(#args); }),
        }
        let what = match mode {
            Mode::Gradients => "the backward pass",
            Mode::Sgd => "the SGD step",
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

/// Layer `i`'s statements in the backward pass, ending with the δ of the
/// layer below. `delta_is_ref`: its own δ is a reference (a parameter), not
/// a local.
fn layer_step(net: &Net, mode: Mode, i: usize, delta_is_ref: bool) -> TokenStream {
    let layer = &net.layers[i];
    {
        let mut blocks = Vec::new();
        let name = layer.name;
        let shown = unraw(name);
        let delta = format_ident!("delta_{}", name);
        let prev = i.checked_sub(1).map(|p| &net.layers[p]);
        let x = match prev {
            Some(p) => {
                let p = p.name;
                quote! { &trace.#p.a }
            }
            None => quote! { x },
        };
        let (da_prev, da_arg) = match prev {
            Some(p) => {
                let da = format_ident!("da_{}", p.name);
                (
                    Some(da.clone()),
                    quote! { ::core::option::Option::Some(&mut #da) },
                )
            }
            // dL/dx: asked for in `backward_delta_into`, never in `sgd_step`.
            None => match mode {
                Mode::Gradients => (None, quote! { dx }),
                Mode::Sgd => (None, quote! { ::core::option::Option::None }),
            },
        };
        let input = prev.map_or_else(|| "x".to_string(), |p| format!("a_{}", unraw(p.name)));
        let doc = match (mode, prev) {
            (Mode::Gradients, Some(_)) => format!(
                " layer {} `{shown}` ({}): dL/dW = δ {input}ᵀ, dL/db = δ, dL/d{input} = Wᵀ δ",
                i + 1,
                describe(layer),
            ),
            (Mode::Gradients, None) => format!(
                " layer {} `{shown}` ({}): dL/dW = δ xᵀ, dL/db = δ, and dL/dx = Wᵀ δ if asked",
                i + 1,
                describe(layer)
            ),
            (Mode::Sgd, Some(_)) => format!(
                " layer {} `{shown}` ({}): dL/d{input} = Wᵀ δ, then W -= lr δ {input}ᵀ, b -= lr δ",
                i + 1,
                describe(layer),
            ),
            (Mode::Sgd, None) => format!(
                " layer {} `{shown}` ({}): W -= lr δ xᵀ, b -= lr δ",
                i + 1,
                describe(layer)
            ),
        };
        // In `backward_delta_into` the output layer's δ is a parameter (a
        // reference), as is the top layer's in each block method; every
        // other δ is a local.
        let delta_ref = if delta_is_ref {
            quote! { #delta }
        } else {
            quote! { &#delta }
        };
        let call = match mode {
            Mode::Gradients => quote! {
                ::nn::__private::dense_backward(&self.#name, #x, #delta_ref, &mut grads.#name, #da_arg);
            },
            Mode::Sgd => quote! {
                ::nn::__private::dense_sgd_backward(&mut self.#name, #x, #delta_ref, lr, #da_arg);
            },
        };
        // The comment goes on the first statement of the block: the
        // declaration of dL/da_prev when there is one, else the call.
        blocks.push(match (prev, &da_prev) {
            (Some(p), Some(da)) => {
                let w = p.output;
                quote_spanned! {layer.kind_span=>
                    #[doc = #doc]
                    let mut #da = ::nn::__private::SVector::<T, #w>::zeros();
                    #call
                }
            }
            _ => quote_spanned! {layer.kind_span=>
                #[doc = #doc]
                #call
            },
        });
        if let (Some(p), Some(da)) = (prev, da_prev) {
            let pname = p.name;
            let pdelta = format_ident!("delta_{}", pname);
            let w = p.output;
            let act = act_value(&p.act);
            let doc = format!(
                " layer {i} `{}` ({}): δ = dL/da ⊙ σ′(z)",
                unraw(pname),
                p.act_text
            );
            blocks.push(quote_spanned! {p.kind_span=>
                #[doc = #doc]
                let mut #pdelta = ::nn::__private::SVector::<T, #w>::zeros();
                ::nn::__private::activation_backward(&#act, &trace.#pname, &#da, &mut #pdelta);
            });
        }
        quote! { #(#blocks)* }
    }
}

/// `let mut delta_<last> = ...; let loss = ...;` from the loss, fused on the
/// logits or through the output activation.
fn output_delta_from_loss(net: &Net) -> TokenStream {
    let (Some(loss), Some(last)) = (&net.loss, net.layers.last()) else {
        return TokenStream::new();
    };
    let name = last.name;
    let delta = format_ident!("delta_{}", name);
    let out = last.output;
    let value = loss_value(loss);
    if loss.on_logits() {
        let doc = format!(
            " output δ = dL/dz of `{}`, straight from the fused loss `{}`",
            unraw(name),
            loss.text
        );
        quote! {
            #[doc = #doc]
            let mut #delta = ::nn::__private::SVector::<T, #out>::zeros();
            let loss = ::nn::__private::Loss::grad(&#value, &trace.#name.z, y, &mut #delta);
        }
    } else {
        let act = act_value(&last.act);
        let doc = format!(
            " dL/da of `{}` from the loss `{}`, then δ = dL/da ⊙ σ′(z)",
            unraw(name),
            loss.text
        );
        quote! {
            #[doc = #doc]
            let mut da_out = ::nn::__private::SVector::<T, #out>::zeros();
            let loss = ::nn::__private::Loss::grad(&#value, &trace.#name.a, y, &mut da_out);
            let mut #delta = ::nn::__private::SVector::<T, #out>::zeros();
            ::nn::__private::activation_backward(&#act, &trace.#name, &da_out, &mut #delta);
        }
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
    let last_act = act_value(&last.act);
    let (grads_backward, grads_helpers) = unrolled(net, Mode::Gradients, &trace);
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
            let mut #last_delta = ::nn::__private::SVector::<T, #output>::zeros();
            ::nn::__private::activation_backward(&#last_act, &trace.#last_name, d_out, &mut #last_delta);
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
    let from_loss = output_delta_from_loss(net);
    let (sgd_backward, sgd_helpers) = unrolled(net, Mode::Sgd, &trace);
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
            let mut trace = #trace::<T>::zeros();
            self.forward_trace(x, &mut trace);
            ::nn::__private::Loss::value(&Self::loss_fn(), #loss_input, y)
        }

        /// The loss of one sample, the gradient of every parameter (a value of
        /// the network's own type) and `dL/dx`.
        pub fn loss_and_grad<Y>(&self, x: &#x_ty, y: &Y) -> (T, Self, #x_ty)
        where
            #bound,
        {
            let mut trace = #trace::<T>::zeros();
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
            let mut trace = #trace::<T>::zeros();
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

            fn loss_grad(
                &self,
                x: &::nn::__private::SVector<T, #input>,
                y: &Y,
                grads: &mut Self,
                dx: ::core::option::Option<&mut ::nn::__private::SVector<T, #input>>,
            ) -> T {
                let mut trace = #trace::<T>::zeros();
                #name::loss_and_grad_into(self, x, y, &mut trace, grads, dx)
            }
        }
    }
}
