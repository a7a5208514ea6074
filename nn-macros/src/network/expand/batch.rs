//! Mini-batch methods: the same unrolled passes over `N × B` matrices, with
//! one GEMM per product. They need the heap, so they are wrapped in
//! `::nn::__private::if_std!`, which keeps them only when `nn` has `std`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{act_value, loss_type, loss_value, output_width, trace_batch_name};
use crate::network::net::Net;

pub fn items(net: &Net) -> TokenStream {
    let spec = net.spec;
    let (vis, name) = (&spec.vis, &spec.name);
    let trace = trace_batch_name(net);
    let input = net.input;
    let output = output_width(net);
    let Some(last) = net.layers.last() else {
        return TokenStream::new();
    };
    let last_name = last.name;
    let names: Vec<_> = net.layers.iter().map(|l| l.name).collect();
    let outs: Vec<_> = net.layers.iter().map(|l| l.output).collect();
    let trace_doc = format!(
        "Every layer's `z`, `a`, `dL/da` and `δ` for a batch through [`{name}`] \
         (one column per sample); reuse it across batches to avoid reallocating."
    );

    // Forward: one `dense_forward_batch` per layer.
    let mut prev: Option<&syn::Ident> = None;
    let forward = net.layers.iter().map(|layer| {
        let n = layer.name;
        let act = act_value(&layer.act);
        let x = match prev {
            Some(p) => quote! { &trace.#p.a },
            None => quote! { x },
        };
        prev = Some(n);
        quote! { ::nn::__private::dense_forward_batch(&self.#n, &#act, #x, &mut trace.#n); }
    });

    // Backward fused with SGD, output to input: dA_prev = Wᵀ Δ (old W), then
    // W -= lr Δ Xᵀ and b -= lr Δ 1, then Δ_prev = σ′ ⊙ dA_prev.
    let sgd_backward = unrolled(
        net,
        |n, x, da| {
            quote! { ::nn::__private::dense_sgd_backward_batch(&mut self.#n, #x, &trace.#n.delta, lr, #da); }
        },
        quote! { ::core::option::Option::None },
    );
    // Backward, output to input: dW = Δ Xᵀ, db = Δ 1, dA_prev = Wᵀ Δ, Δ_prev = σ′ ⊙ dA_prev.
    let backward = unrolled(
        net,
        |n, x, da| {
            quote! { ::nn::__private::dense_backward_batch(&self.#n, #x, &trace.#n.delta, &mut grads.#n, #da); }
        },
        quote! { dx },
    );

    let x_ty = quote! { ::nn::__private::Batch<T, #input> };
    let out_ty = quote! { ::nn::__private::Batch<T, #output> };
    let last_act = act_value(&last.act);

    let loss_methods = net.loss.as_ref().map(|loss| {
        let loss_ty = loss_type(loss);
        let loss_val = loss_value(loss);
        // A fused loss gives δ from the logits; the trace's `da` of the output
        // layer is then δ itself when `a = z`, else the loss written on `a`.
        let fused_on_act = loss.on_logits() && last.act.def.name != "identity";
        let bound = if fused_on_act {
            quote! { #loss_ty: ::nn::__private::FusedLoss<T, #output, Y> }
        } else {
            quote! { #loss_ty: ::nn::__private::Loss<T, #output, Y> }
        };
        let from_loss = if loss.on_logits() {
            let da = if fused_on_act {
                quote! {
                    ::nn::__private::fused_activation_grad_batch(
                        &#loss_val, &trace.#last_name.a, ys, &mut trace.#last_name.da,
                    );
                }
            } else {
                quote! { trace.#last_name.da.copy_from(&trace.#last_name.delta); }
            };
            quote! {
                let loss = ::nn::__private::loss_backward_batch(
                    &#loss_val, &trace.#last_name.z, ys, &mut trace.#last_name.delta,
                );
                #da
            }
        } else {
            quote! {
                let loss = ::nn::__private::loss_backward_batch(
                    &#loss_val, &trace.#last_name.a, ys, &mut trace.#last_name.da,
                );
                ::nn::__private::activation_backward_batch(
                    &#last_act, &trace.#last_name.z, &trace.#last_name.a,
                    &trace.#last_name.da, &mut trace.#last_name.delta,
                );
            }
        };
        let loss_input = if loss.on_logits() {
            quote! { &trace.#last_name.z }
        } else {
            quote! { &trace.#last_name.a }
        };
        let impl_trait = quote! {
            impl<T: ::nn::__private::Scalar, Y> ::nn::__private::BatchSupervised<T, #input, #output, Y> for #name<T>
            where
                #bound,
            {
                type Trace = #trace<T>;

                fn forward_batch_into<'t>(&self, x: &#x_ty, trace: &'t mut #trace<T>) -> &'t #out_ty {
                    self.forward_batch_trace(x, trace);
                    &trace.#last_name.a
                }

                fn loss_and_grad_batch_into(&self, x: &#x_ty, ys: &[Y], trace: &mut #trace<T>, grads: &mut Self) -> T {
                    self.loss_and_grad_batch(x, ys, trace, grads, ::core::option::Option::None)
                }
            }
        };
        (impl_trait, quote! {
            /// The mean loss over a batch (`ys[j]` is the target of column `j`).
            ///
            /// # Panics
            /// If `ys.len()` is not the number of columns of `x`.
            pub fn loss_batch<Y>(&self, x: &#x_ty, ys: &[Y], trace: &mut #trace<T>) -> T
            where
                #bound,
            {
                self.forward_batch_trace(x, trace);
                ::nn::__private::loss_batch(&Self::loss_fn(), #loss_input, ys)
            }

            /// The mean loss over a batch and its gradient: writes the mean of
            /// the per-sample gradients into `grads` (overwriting it) and, if
            /// `dx` is given, `dL/dX` of the mean loss (`IN × B`) into it.
            ///
            /// # Panics
            /// If `ys.len()`, or the columns of `dx`, differ from the columns of `x`.
            pub fn loss_and_grad_batch<Y>(
                &self,
                x: &#x_ty,
                ys: &[Y],
                trace: &mut #trace<T>,
                grads: &mut Self,
                dx: ::core::option::Option<&mut #x_ty>,
            ) -> T
            where
                #bound,
            {
                self.forward_batch_trace(x, trace);
                #from_loss
                #(#backward)*
                loss
            }

            /// One SGD step on the mean loss of a batch, `θ ← θ − lr · dL/dθ`,
            /// with the update fused into the backward pass (each layer's
            /// `Wᵀ Δ` is taken before its weights change; no gradient is
            /// stored). Returns the mean loss before the step.
            ///
            /// # Panics
            /// If `ys.len()` is not the number of columns of `x`.
            pub fn sgd_step_batch<Y>(&mut self, x: &#x_ty, ys: &[Y], trace: &mut #trace<T>, lr: T) -> T
            where
                #bound,
            {
                self.forward_batch_trace(x, trace);
                #from_loss
                #(#sgd_backward)*
                loss
            }
        })
    });
    let (impl_trait, loss_methods) = loss_methods.unzip();

    quote! {
        ::nn::__private::if_std! {
            #[doc = #trace_doc]
            #[derive(Clone, Debug, PartialEq)]
            #vis struct #trace<T: ::nn::__private::Scalar = f32> {
                #(
                    #[doc = "The values of this layer over the batch."]
                    pub #names: ::nn::__private::BatchLayerTrace<T, #outs>,
                )*
            }

            impl<T: ::nn::__private::Scalar> #trace<T> {
                /// An empty trace; the first batch sizes it.
                pub fn new() -> Self {
                    Self { #( #names: ::nn::__private::BatchLayerTrace::new(), )* }
                }
            }

            impl<T: ::nn::__private::Scalar> ::core::default::Default for #trace<T> {
                fn default() -> Self {
                    Self::new()
                }
            }

            impl<T: ::nn::__private::Scalar> #name<T> {
                /// Runs the network on a batch, one sample per column of `x`.
                pub fn forward_batch(&self, x: &#x_ty) -> #out_ty {
                    let mut trace = #trace::<T>::new();
                    self.forward_batch_trace(x, &mut trace);
                    trace.#last_name.a
                }

                /// Runs the network on a batch, keeping every layer's `z` and `a`
                /// in `trace` (one GEMM per layer).
                pub fn forward_batch_trace(&self, x: &#x_ty, trace: &mut #trace<T>) {
                    #(#forward)*
                }

                #loss_methods
            }

            #impl_trait
        }
    }
}

/// The batch backward pass, output to input: for each layer, `dense(name,
/// input, dL/d(input) argument)` from the caller, then (below the first
/// layer) the previous layer's activation backward. The first layer gets
/// `first_dx` as its `dL/dX` argument.
fn unrolled(
    net: &Net,
    dense: impl Fn(&syn::Ident, TokenStream, TokenStream) -> TokenStream,
    first_dx: TokenStream,
) -> Vec<TokenStream> {
    let mut steps = Vec::new();
    for (i, layer) in net.layers.iter().enumerate().rev() {
        let n = layer.name;
        match i.checked_sub(1).map(|p| &net.layers[p]) {
            Some(p) => {
                let pn = p.name;
                let act = act_value(&p.act);
                let call = dense(
                    n,
                    quote! { &trace.#pn.a },
                    quote! { ::core::option::Option::Some(&mut trace.#pn.da) },
                );
                steps.push(quote! {
                    #call
                    ::nn::__private::activation_backward_batch(
                        &#act, &trace.#pn.z, &trace.#pn.a, &trace.#pn.da, &mut trace.#pn.delta,
                    );
                });
            }
            None => steps.push(dense(n, quote! { x }, first_dx.clone())),
        }
    }
    steps
}
