//! `graph!`: scalar expressions to computational graphs and their derivatives.

use proc_macro2::TokenStream;

/// Entry point of `graph!` (parse -> validate -> expand).
pub fn graph(input: TokenStream) -> TokenStream {
    syn::Error::new(
        proc_macro2::Span::call_site(),
        format!(
            "graph! is not implemented yet ({} tokens)",
            input.into_iter().count()
        ),
    )
    .into_compile_error()
}
