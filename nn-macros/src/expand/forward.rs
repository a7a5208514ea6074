//! `forward` and `forward_trace`: one `dense_forward` call per layer.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{act_value, describe, output_width, trace_name};
use crate::validate::{Net, unraw};

pub fn methods(net: &Net) -> TokenStream {
    let trace = trace_name(net);
    let input = net.input;
    let output = output_width(net);
    let Some(last) = net.layers.last().map(|l| l.name) else {
        return TokenStream::new();
    };

    // For each layer, e.g.
    //     /// layer 2 `hidden2`: dense 16 -> 16, relu: z = W a + b, a = σ(z)
    //     ::nn::__private::dense_forward(&self.hidden2, &Relu, &trace.hidden1.a, &mut trace.hidden2);
    let mut prev: Option<&syn::Ident> = None;
    let steps = net.layers.iter().enumerate().map(|(i, layer)| {
        let name = layer.name;
        let act = act_value(layer.act);
        let doc = format!(
            " layer {} `{}` ({}): z = W a + b, a = σ(z)",
            i + 1,
            unraw(name),
            describe(layer)
        );
        let x = match prev {
            Some(p) => quote! { &trace.#p.a },
            None => quote! { x },
        };
        prev = Some(name);
        quote_spanned! {layer.kind_span=>
            #[doc = #doc]
            ::nn::__private::dense_forward(&self.#name, &#act, #x, &mut trace.#name);
        }
    });

    // Inference keeps only each layer's activation, e.g.
    //     /// layer 1 `hidden1` (dense 784 -> 16, relu): a = σ(W x + b)
    //     let mut a_hidden1 = SVector::<T, 16>::zeros();
    //     ::nn::__private::dense_infer(&self.hidden1, &Relu, x, &mut a_hidden1);
    let mut prev: Option<syn::Ident> = None;
    let infer = net.layers.iter().enumerate().map(|(i, layer)| {
        let name = layer.name;
        let act = act_value(layer.act);
        let a = quote::format_ident!("a_{}", name);
        let w = layer.output;
        let doc = format!(
            " layer {} `{}` ({}): a = σ(W a_prev + b)",
            i + 1,
            unraw(name),
            describe(layer)
        );
        let x = match &prev {
            Some(p) => quote! { &#p },
            None => quote! { x },
        };
        prev = Some(a.clone());
        let code = quote_spanned! {layer.kind_span=>
            #[doc = #doc]
            let mut #a = ::nn::__private::SVector::<T, #w>::zeros();
            ::nn::__private::dense_infer(&self.#name, &#act, #x, &mut #a);
        };
        (code, Some(a))
    });
    let infer = super::scoped_chunks(infer.collect());
    let last_a = quote::format_ident!("a_{}", last);

    quote! {
        /// Runs the network on one input and returns the output layer's
        /// activation, keeping no trace. Allocates nothing on the heap.
        #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
        pub fn forward(
            &self,
            x: &::nn::__private::SVector<T, #input>,
        ) -> ::nn::__private::SVector<T, #output> {
            #infer
            #last_a
        }

        /// Runs the network on one input, keeping every layer's `z` and `a`
        /// in `trace` for the backward pass.
        #[allow(unused_doc_comments, reason = "doc comments on statements are the comments `cargo expand` shows")]
        pub fn forward_trace(
            &self,
            x: &::nn::__private::SVector<T, #input>,
            trace: &mut #trace<T>,
        ) {
            #(#steps)*
        }
    }
}
