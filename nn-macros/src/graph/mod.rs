//! `graph!`: scalar expressions to computational graphs and their derivatives.
//!
//! - `ast`: the functions as written (`impl Parse`);
//! - `check`: every rule, and the translation into a DAG of nodes;
//! - `expand`: the plain function and the module of derivatives.

mod ast;
mod check;
mod expand;

use proc_macro2::TokenStream;

/// Entry point of `graph!` (parse -> check -> expand).
pub fn graph(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<ast::Input>(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    match check::check(&input.functions) {
        Ok(graphs) => graphs.iter().map(expand::function).collect(),
        Err(error) => error.into_compile_error(),
    }
}
