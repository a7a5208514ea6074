//! `forward` and `forward_trace`: one `dense_forward_trace` call per layer.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::{
    LAYERS_PER_BLOCK, act_value, block_ranges, concat_offsets, describe, geometry_value, is_chain,
    output_width, trace_name, trace_value,
};
use crate::network::net::{Net, Op, Source, unraw};

pub fn methods(net: &Net) -> TokenStream {
    let trace = trace_name(net);
    let input = &net.input;
    let output = output_width(net);
    if net.layers.is_empty() {
        return TokenStream::new();
    }

    // For each layer, e.g.
    //     /// layer 2 `hidden2`: dense 16 -> 16, relu: z = W a + b, a = σ(z)
    //     ::nn::__private::layer::dense_forward_trace(&self.hidden2, &Relu, &trace.hidden1.a, &mut trace.hidden2);
    let step = |i: usize, x: TokenStream| {
        let layer = &net.layers[i];
        let name = layer.name;
        let act = act_value(&layer.act);
        let g = geometry_value(&layer.op);
        let (what, call) = match layer.op {
            Op::Dense => (
                "z = W a + b, a = σ(z)",
                quote! { ::nn::__private::layer::dense_forward_trace(&self.#name, &#act, #x, &mut trace.#name); },
            ),
            Op::Conv2d(_) => (
                "z = W ⋆ a + b, a = σ(z)",
                quote! { ::nn::__private::image::conv2d_forward_trace(&self.#name, &#g, &#act, #x, &mut trace.#name); },
            ),
            Op::Depthwise(_) => (
                "z = w_c ⋆ a_c + b_c per channel, a = σ(z)",
                quote! { ::nn::__private::image::depthwise_conv2d_forward_trace(&self.#name, &#g, &#act, #x, &mut trace.#name); },
            ),
            Op::MaxPool(_) => (
                "a = the maximum of each window",
                quote! { ::nn::__private::image::max_pool_forward(&#g, #x, &mut trace.#name.a); },
            ),
            Op::AvgPool(_) => (
                "a = the mean of each window",
                quote! { ::nn::__private::image::avg_pool_forward(&#g, #x, &mut trace.#name.a); },
            ),
            Op::Add | Op::Concat => (
                if layer.op == Op::Add {
                    "a = the sum of its inputs"
                } else {
                    "a = its inputs one after the other"
                },
                join_forward(net, i, &quote! { trace.#name.a }, &|s| trace_value(net, s)),
            ),
            Op::Flatten => return TokenStream::new(),
        };
        let doc = format!(
            " layer {} `{}` ({}): {what}",
            i + 1,
            unraw(name),
            describe(layer)
        );
        quote_spanned! {layer.kind_span=>
            #[doc = #doc]
            #call
        }
    };
    // The input of layer `i`: `x` for the first, else the layer below's `a`.
    let trace_input = |i: usize| {
        trace_value(
            net,
            net.layers[i]
                .sources
                .first()
                .copied()
                .unwrap_or(Source::Input),
        )
    };

    // Inference keeps only each layer's activation, e.g.
    //     /// layer 1 `hidden1` (dense 784 -> 16, relu): a = σ(W x + b)
    //     let mut a_hidden1 = SVector::<T, 16>::zeros();
    //     ::nn::__private::layer::dense_forward(&self.hidden1, &Relu, x, &mut a_hidden1);
    let infer = |i: usize, x: TokenStream| {
        let layer = &net.layers[i];
        let name = layer.name;
        let act = act_value(&layer.act);
        let a = activation(net, i);
        let w = &layer.output;
        let g = geometry_value(&layer.op);
        let (what, call) = match layer.op {
            Op::Dense => (
                "a = σ(W a_prev + b)",
                quote! { ::nn::__private::layer::dense_forward(&self.#name, &#act, #x, &mut #a); },
            ),
            Op::Conv2d(_) => (
                "a = σ(W ⋆ a_prev + b)",
                quote! { ::nn::__private::image::conv2d_forward(&self.#name, &#g, &#act, #x, &mut #a); },
            ),
            Op::Depthwise(_) => (
                "a = σ(w_c ⋆ a_prev_c + b_c) per channel",
                quote! { ::nn::__private::image::depthwise_conv2d_forward(&self.#name, &#g, &#act, #x, &mut #a); },
            ),
            Op::MaxPool(_) => (
                "a = the maximum of each window",
                quote! { ::nn::__private::image::max_pool_forward(&#g, #x, &mut #a); },
            ),
            Op::AvgPool(_) => (
                "a = the mean of each window",
                quote! { ::nn::__private::image::avg_pool_forward(&#g, #x, &mut #a); },
            ),
            Op::Add | Op::Concat => (
                if layer.op == Op::Add {
                    "a = the sum of its inputs"
                } else {
                    "a = its inputs one after the other"
                },
                join_forward(net, i, &quote! { #a }, &|s| infer_source(net, s)),
            ),
            Op::Flatten => return TokenStream::new(),
        };
        let doc = format!(
            " layer {} `{}` ({}): {what}",
            i + 1,
            unraw(name),
            describe(layer)
        );
        quote_spanned! {layer.kind_span=>
            #[doc = #doc]
            let mut #a = ::nn::__private::SVector::<T, #w>::zeros();
            #call
        }
    };
    let infer_input = |i: usize| {
        infer_source(
            net,
            net.layers[i]
                .sources
                .first()
                .copied()
                .unwrap_or(Source::Input),
        )
    };
    let last_a = activation(net, net.layers.len() - 1);

    let (infer_body, trace_body, helpers) = if net.layers.len() <= LAYERS_PER_BLOCK
        || !is_chain(net)
    {
        let all = 0..net.layers.len();
        let infer_body: TokenStream = all.clone().map(|i| infer(i, infer_input(i))).collect();
        let trace_body: TokenStream = all.map(|i| step(i, trace_input(i))).collect();
        (
            quote! { #infer_body #last_a },
            trace_body,
            TokenStream::new(),
        )
    } else {
        // Long networks: each block of layers is a method of its own, so
        // that no function grows with the network (see `block_ranges`).
        let mut infer_body = TokenStream::new();
        let mut trace_body = TokenStream::new();
        let mut helpers = TokenStream::new();
        for (k, range) in block_ranges(net).into_iter().enumerate() {
            let (first, end) = (range.start, range.end - 1);
            let in_w = &net.layers[first].input;
            let out_w = &net.layers[end].output;
            let a_end = activation(net, end);
            let infer_fn = format_ident!("__forward_block_{}", k);
            let trace_fn = format_ident!("__forward_trace_block_{}", k);
            let infer_steps = range.clone().map(|i| {
                let x = if i == first {
                    quote! { x }
                } else {
                    infer_input(i)
                };
                infer(i, x)
            });
            let trace_steps = range.clone().map(|i| step(i, trace_input(i)));
            let x_arg = infer_input(first);
            infer_body.extend(quote! { let #a_end = self.#infer_fn(#x_arg); });
            let (x_param, x_pass) = if first == 0 {
                (
                    quote! { x: &::nn::__private::SVector<T, #input>, },
                    quote! { x, },
                )
            } else {
                (TokenStream::new(), TokenStream::new())
            };
            trace_body.extend(quote! { self.#trace_fn(#x_pass trace); });
            let doc = format!(" Layers {} to {} of `forward`.", first + 1, end + 1);
            let trace_doc = format!(" Layers {} to {} of `forward_trace`.", first + 1, end + 1);
            helpers.extend(quote! {
                #[doc = #doc]
                #[doc(hidden)]
                #[inline(never)]
                #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
                fn #infer_fn(
                    &self,
                    x: &::nn::__private::SVector<T, #in_w>,
                ) -> ::nn::__private::SVector<T, #out_w> {
                    #(#infer_steps)*
                    #a_end
                }

                #[doc = #trace_doc]
                #[doc(hidden)]
                #[inline(never)]
                #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
                fn #trace_fn(&self, #x_param trace: &mut #trace<T>) {
                    #(#trace_steps)*
                }
            });
        }
        (quote! { #infer_body #last_a }, trace_body, helpers)
    };

    quote! {
        /// Runs the network on one input and returns the output layer's
        /// activation, keeping no trace. Allocates nothing on the heap.
        #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
        pub fn forward(
            &self,
            x: &::nn::__private::SVector<T, #input>,
        ) -> ::nn::__private::SVector<T, #output> {
            #infer_body
        }

        /// Runs the network on one input, keeping every layer's `z` and `a`
        /// in `trace` for the backward pass.
        #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
        pub fn forward_trace(
            &self,
            x: &::nn::__private::SVector<T, #input>,
            trace: &mut #trace<T>,
        ) {
            #trace_body
        }

        #helpers
    }
}

/// `source` in `forward`: `x`, or a layer's local `&a_<name>`.
fn infer_source(net: &Net, source: Source) -> TokenStream {
    match source {
        Source::Layer(j) => {
            let a = activation(net, j);
            quote! { &#a }
        }
        Source::Input => quote! { x },
    }
}

/// The forward statements of `add` or `concat` layer `i` into `out` (a
/// place), each input read by `read`.
fn join_forward(
    net: &Net,
    i: usize,
    out: &TokenStream,
    read: &dyn Fn(Source) -> TokenStream,
) -> TokenStream {
    let layer = &net.layers[i];
    let parts: Vec<TokenStream> = layer.sources.iter().map(|s| read(*s)).collect();
    if let (Op::Add, Some((first, rest))) = (&layer.op, parts.split_first()) {
        // The first part, then each other added: part by part, so that
        // parts of named sizes that differ fail on the spec's const
        // assertion, not on a type mismatch.
        return quote! {
            ::nn::__private::join::copy_part(#first, &mut #out);
            #( ::nn::__private::join::add_part(#rest, &mut #out); )*
        };
    }
    let offsets = concat_offsets(net, i);
    quote! {
        #( ::nn::__private::join::concat_forward_part(#parts, #offsets, &mut #out); )*
    }
}

/// The local holding layer `i`'s activation in `forward`: `a_<name>`.
fn activation(net: &Net, i: usize) -> syn::Ident {
    format_ident!("a_{}", net.layers[i].name)
}
