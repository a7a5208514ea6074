//! Code generation for a checked [`Net`]. Nothing here fails: every rule was
//! enforced by `validate`.
//!
//! - `model`: the struct, its trace type, constants, constructors, the
//!   `Network` parameter walk and the summary;
//! - `forward`: `forward` and `forward_trace`;
//! - `backward`: the unrolled backward pass, losses and the SGD step;
//! - `batch`: the same over mini-batches (with `std`);
//! - `weights`: the `TRAINED` const of `#[weights("PATH")]`.

mod backward;
mod batch;
mod forward;
mod model;
mod weights;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::validate::{Act, AssertOp, LossKind, Net, NetLayer, TRACE_BATCH_SUFFIX, TRACE_SUFFIX};

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
    quote! {
        #model
        #assertions
        impl<T: ::nn::__private::Scalar> #name<T> {
            #forward
            #backward
        }
        #traits
        #batch
        #weights
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
            (AssertOp::AtLeast, _) => quote! { #lhs >= #rhs },
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

/// How many layers' statements share one block in long networks.
const LAYERS_PER_BLOCK: usize = 32;

/// Straight-line code of one step per layer, each step binding a local
/// that the next step reads (`produced`). Up to [`LAYERS_PER_BLOCK`] layers
/// the steps are emitted as they are; beyond, each group of that many is a
/// block that hands its last local on:
///
/// ```text
/// let a_l31 = { let mut a_l0 = ...; ...; let mut a_l31 = ...; a_l31 };
/// ```
///
/// Every `let` opens a lexical scope nested in the previous one, and LLVM's
/// debug info recurses on that nesting: a few thousand `let`s in one
/// function overflow rustc's stack (tests/network_deep.rs).
fn scoped_chunks(steps: Vec<(TokenStream, Option<Ident>)>) -> TokenStream {
    if steps.len() <= LAYERS_PER_BLOCK {
        return steps.into_iter().map(|(code, _)| code).collect();
    }
    let mut out = TokenStream::new();
    for chunk in steps.chunks(LAYERS_PER_BLOCK) {
        let code = chunk.iter().map(|(code, _)| code);
        match chunk.last().and_then(|(_, produced)| produced.as_ref()) {
            Some(local) => out.extend(quote! { let #local = { #(#code)* #local }; }),
            None => out.extend(quote! { #(#code)* }),
        }
    }
    out
}

/// The output width of the last layer.
fn output_width(net: &Net) -> TokenStream {
    let w = net.layers.last().map(|l| l.output);
    quote! { #w }
}

/// The activation as a value.
fn act_value(act: Act) -> TokenStream {
    match act {
        Act::Identity => quote! { ::nn::__private::activation::Identity },
        Act::Sigmoid => quote! { ::nn::__private::activation::Sigmoid },
        Act::Tanh => quote! { ::nn::__private::activation::Tanh },
        Act::Relu => quote! { ::nn::__private::activation::Relu },
        Act::Softmax => quote! { ::nn::__private::activation::Softmax },
        Act::LeakyRelu(alpha) => {
            let alpha = Literal::f64_unsuffixed(alpha);
            quote! {
                ::nn::__private::activation::LeakyRelu::<T> {
                    alpha: <T as ::nn::__private::Scalar>::cast_f64(#alpha),
                }
            }
        }
    }
}

/// The loss's type.
fn loss_type(kind: LossKind) -> TokenStream {
    match kind {
        LossKind::SquaredError => quote! { ::nn::__private::loss::SquaredError },
        LossKind::MeanSquaredError => quote! { ::nn::__private::loss::MeanSquaredError },
        LossKind::AbsoluteError => quote! { ::nn::__private::loss::AbsoluteError },
        LossKind::Huber(_) => quote! { ::nn::__private::loss::Huber<T> },
        LossKind::SoftmaxCrossEntropy => quote! { ::nn::__private::loss::SoftmaxCrossEntropy },
        LossKind::BinaryCrossEntropy => quote! { ::nn::__private::loss::BinaryCrossEntropy },
        LossKind::Hinge(_) => quote! { ::nn::__private::loss::Hinge<T> },
        LossKind::MulticlassHinge(_) => quote! { ::nn::__private::loss::MulticlassHinge<T> },
    }
}

/// The loss as a value.
fn loss_value(kind: LossKind) -> TokenStream {
    let with_delta = |ty: TokenStream, delta: f64| {
        let delta = Literal::f64_unsuffixed(delta);
        quote! { #ty { delta: <T as ::nn::__private::Scalar>::cast_f64(#delta) } }
    };
    match kind {
        LossKind::Huber(d) => with_delta(quote! { ::nn::__private::loss::Huber::<T> }, d),
        LossKind::Hinge(d) => with_delta(quote! { ::nn::__private::loss::Hinge::<T> }, d),
        LossKind::MulticlassHinge(d) => {
            with_delta(quote! { ::nn::__private::loss::MulticlassHinge::<T> }, d)
        }
        other => loss_type(other),
    }
}

/// `"dense 784 -> 16, relu"`, for comments and docs.
fn describe(layer: &NetLayer) -> String {
    format!(
        "dense {} -> {}, {}",
        layer.input.display(),
        layer.output.display(),
        layer.act_text
    )
}
