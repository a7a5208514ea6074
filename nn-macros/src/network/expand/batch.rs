//! Mini-batch methods: the same unrolled passes over `N × B` matrices, with
//! one GEMM per product. They need the heap, so they are wrapped in
//! `::nn::__private::if_std!`, which keeps them only when `nn` has `std`.

use proc_macro2::TokenStream;
use quote::quote;

use super::backward::{Over, Pass, Update, loss_to_delta, unrolled};
use super::{
    act_value, concat_offsets, geometry_value, loss_type, output_width, trace_batch_name,
    trace_value,
};
use crate::network::net::{Net, NetLayer, Op, Source};

pub fn items(net: &Net) -> TokenStream {
    let spec = net.spec;
    let (vis, name) = (&spec.vis, &spec.name);
    let trace = trace_batch_name(net);
    let input = &net.input;
    let output = output_width(net);
    let Some(last) = net.layers.last() else {
        return TokenStream::new();
    };
    let last_name = last.name;
    // Every layer but `flatten` (which only renames) has a trace.
    let traced: Vec<&NetLayer> = net.layers.iter().filter(|l| l.op != Op::Flatten).collect();
    let names: Vec<_> = traced.iter().map(|l| l.name).collect();
    let trace_types: Vec<TokenStream> = traced
        .iter()
        .map(|l| {
            let w = &l.output;
            match l.op {
                Op::Dense | Op::Depthwise(_) => quote! { ::nn::__private::BatchLayerTrace<T, #w> },
                Op::Conv2d(_) => quote! { ::nn::__private::image::batch::BatchConvTrace<T, #w> },
                _ => quote! { ::nn::__private::image::batch::BatchNodeTrace<T, #w> },
            }
        })
        .collect();
    let trace_news: Vec<TokenStream> = traced
        .iter()
        .map(|l| match l.op {
            Op::Dense | Op::Depthwise(_) => quote! { ::nn::__private::BatchLayerTrace::new() },
            Op::Conv2d(_) => quote! { ::nn::__private::image::batch::BatchConvTrace::new() },
            _ => quote! { ::nn::__private::image::batch::BatchNodeTrace::new() },
        })
        .collect();
    let trace_doc = format!(
        "Every layer's `z`, `a`, `dL/da` and `δ` for a batch through [`{name}`] \
         (one column per sample); reuse it across batches to avoid reallocating."
    );

    // Forward: one kernel per layer (one GEMM per dense or convolution).
    let read = |source: Source| trace_value(net, source);
    let forward = net.layers.iter().enumerate().map(|(i, layer)| {
        let n = layer.name;
        let act = act_value(&layer.act);
        let g = geometry_value(&layer.op);
        let x = read(layer.sources.first().copied().unwrap_or(Source::Input));
        let image = quote! { ::nn::__private::image::batch };
        match layer.op {
            Op::Dense => quote! { ::nn::__private::batch::dense_forward_trace_batch(&self.#n, &#act, #x, &mut trace.#n); },
            Op::Conv2d(_) => quote! { #image::conv2d_forward_trace_batch(&self.#n, &#g, &#act, #x, &mut trace.#n); },
            Op::Depthwise(_) => quote! { #image::depthwise_conv2d_forward_trace_batch(&self.#n, &#g, &#act, #x, &mut trace.#n); },
            Op::MaxPool(_) => quote! {
                trace.#n.resize(x.ncols());
                #image::max_pool_forward_batch(&#g, #x, &mut trace.#n.a);
            },
            Op::AvgPool(_) => quote! {
                trace.#n.resize(x.ncols());
                #image::avg_pool_forward_batch(&#g, #x, &mut trace.#n.a);
            },
            Op::Add => {
                let parts: Vec<TokenStream> = layer.sources.iter().map(|s| read(*s)).collect();
                let (first, rest) = parts.split_first().unzip();
                let rest = rest.unwrap_or_default();
                quote! {
                    trace.#n.resize(x.ncols());
                    ::nn::__private::join::copy_part_batch(#first, &mut trace.#n.a);
                    #( ::nn::__private::join::add_part_batch(#rest, &mut trace.#n.a); )*
                }
            }
            Op::Concat => {
                let parts = layer.sources.iter().map(|s| read(*s));
                let offsets = concat_offsets(net, i);
                quote! {
                    trace.#n.resize(x.ncols());
                    #( ::nn::__private::join::concat_forward_part_batch(#parts, #offsets, &mut trace.#n.a); )*
                }
            }
            Op::Flatten => TokenStream::new(),
        }
    });

    // The batch backward passes: the per-sample ones over matrices, with
    // every δ and dL/da kept in the trace.
    let (sgd_backward, _) = unrolled(
        net,
        Pass {
            over: Over::Batch,
            update: Update::Sgd,
        },
        &trace,
    );
    let (backward, _) = unrolled(
        net,
        Pass {
            over: Over::Batch,
            update: Update::Gradients,
        },
        &trace,
    );

    let x_ty = quote! { ::nn::__private::Batch<T, #input> };
    let out_ty = quote! { ::nn::__private::Batch<T, #output> };

    let loss_methods = net.loss.as_ref().map(|loss| {
        let loss_ty = loss_type(loss);
        // A fused loss after a real activation also writes the trace's `da`
        // of the output layer from `a` (`loss_to_delta`), so it needs more
        // than `Loss`.
        let fused_on_act = loss.on_logits() && last.act.def.name != "identity";
        let bound = if fused_on_act {
            quote! { #loss_ty: ::nn::__private::FusedLoss<T, #output, Y> }
        } else {
            quote! { #loss_ty: ::nn::__private::Loss<T, #output, Y> }
        };
        let from_loss = loss_to_delta(net, Over::Batch);
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

                fn forward_batch_trace<'t>(&self, x: &#x_ty, trace: &'t mut #trace<T>) -> &'t #out_ty {
                    #name::forward_batch_trace(self, x, trace)
                }

                fn loss_and_grad_batch(
                    &self,
                    x: &#x_ty,
                    ys: &[Y],
                    trace: &mut #trace<T>,
                    grads: &mut Self,
                    dx: ::core::option::Option<&mut #x_ty>,
                ) -> T {
                    #name::loss_and_grad_batch(self, x, ys, trace, grads, dx)
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
                ::nn::__private::batch::loss_batch(&Self::loss_fn(), #loss_input, ys)
            }

            /// The mean loss over a batch and its gradient: writes the mean of
            /// the per-sample gradients into `grads` (overwriting it) and, if
            /// `dx` is given, `dL/dX` of the mean loss (`IN × B`) into it.
            ///
            /// # Panics
            /// If `ys.len()`, or the columns of `dx`, differ from the columns of `x`.
            #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
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
                #backward
                loss
            }

            /// One SGD step on the mean loss of a batch, `θ ← θ − lr · dL/dθ`,
            /// with the update fused into the backward pass (each layer's
            /// `Wᵀ Δ` is taken before its weights change; no gradient is
            /// stored). Returns the mean loss before the step.
            ///
            /// # Panics
            /// If `ys.len()` is not the number of columns of `x`.
            #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
            pub fn sgd_step_batch<Y>(&mut self, x: &#x_ty, ys: &[Y], trace: &mut #trace<T>, lr: T) -> T
            where
                #bound,
            {
                self.forward_batch_trace(x, trace);
                #from_loss
                #sgd_backward
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
                    pub #names: #trace_types,
                )*
            }

            impl<T: ::nn::__private::Scalar> #trace<T> {
                /// An empty trace; the first batch sizes it.
                pub fn new() -> Self {
                    Self { #( #names: #trace_news, )* }
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
                /// in `trace` (one GEMM per layer); returns the output (`OUT × B`),
                /// the last layer's `a` in `trace`.
                pub fn forward_batch_trace<'t>(&self, x: &#x_ty, trace: &'t mut #trace<T>) -> &'t #out_ty {
                    #(#forward)*
                    &trace.#last_name.a
                }

                #loss_methods
            }

            #impl_trait
        }
    }
}
