//! `network!`: a spec of dense layers to a struct with its forward pass,
//! unrolled backward pass and training methods.
//!
//! - `ast`: the spec as written (`impl Parse`);
//! - `validate`: every rule, collecting all problems before it fails;
//! - `weights`: the rules of `#[weights("PATH")]`, reading the file;
//! - `quantize`: `quantize = int8`, the int8 network and its calibration;
//! - `vocabulary`: every activation and loss, one row each;
//! - `net`: the checked spec that `validate` returns;
//! - `expand`: the code for a checked spec, which never fails.

mod ast;
mod expand;
mod net;
mod quantize;
mod validate;
mod vocabulary;
mod weights;

use proc_macro2::TokenStream;

/// Entry point of `network!`: parse, validate, expand.
pub fn network(input: TokenStream) -> TokenStream {
    let spec = match syn::parse2::<ast::Spec>(input) {
        Ok(spec) => spec,
        Err(error) => return error.into_compile_error(),
    };
    validate::check(&spec)
        .map(|net| expand::network(&net))
        .unwrap_or_else(syn::Error::into_compile_error)
}
