//! `graph!`: scalar expressions to computational graphs and their derivatives.
//!
//! - `ast`: the functions as written (`impl Parse`);
//! - `validate`: every rule, and the translation into a DAG of nodes;
//! - `graph`: the checked DAG that `validate` returns;
//! - `expand`: the plain function and the module of derivatives.

mod ast;
mod expand;
#[allow(
    clippy::module_inception,
    reason = "graph/graph.rs holds the checked types, as network/net.rs does"
)]
mod graph;
mod validate;

use proc_macro2::TokenStream;

/// Entry point of `graph!`: parse, validate, expand.
pub fn graph(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<ast::Input>(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    match validate::check(&input.functions) {
        Ok(graphs) => graphs.iter().map(expand::function).collect(),
        Err(error) => error.into_compile_error(),
    }
}
