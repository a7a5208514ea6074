//! The procedural macros of [`nn`](https://docs.rs/nn): `network!` and `graph!`.
//!
//! Each macro runs in three stages kept apart: *parse* turns tokens into an
//! AST that remembers every token it read (for spans), *validate* checks the
//! AST and collects every problem, and *expand* writes the code for a checked
//! spec and never fails. Use the macros through the `nn` facade crate.

mod ast;
mod errors;
mod expand;
mod graph;
mod validate;

use proc_macro::TokenStream;
use syn::parse_macro_input;

/// Declares a neural network; see the `nn` crate's documentation of
/// `network!` for the grammar and what it generates.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let spec = parse_macro_input!(input as ast::Spec);
    validate::check(&spec)
        .map(|net| expand::network(&net))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares scalar functions as computational graphs and generates their
/// derivatives; see the `nn` crate's documentation of `graph!`.
#[proc_macro]
pub fn graph(input: TokenStream) -> TokenStream {
    graph::graph(input.into()).into()
}
