//! `#[weights("PATH")]`: the checked parameters as a `const` of the network. No parsing at run time: the values are float literals
//! in nalgebra's const constructors, so `static NET: Mnist = Mnist::TRAINED;`
//! puts the whole network in read-only memory.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::network::net::{Baked, BakedDtype, Net};

/// For `#[weights("mnist.safetensors")]` on `struct Mnist` with an `F32` file:
///
/// ```text
/// impl Mnist<f32> {
///     /// The trained parameters of `mnist.safetensors`, baked in at compile time.
///     pub const TRAINED: Self = Self {
///         hidden1: ::nn::__private::Dense {
///             weight: ::nn::__private::SMatrix::from_array_storage(
///                 ::nn::__private::ArrayStorage([[w00, w10, ...], ...]),  // columns
///             ),
///             bias: ::nn::__private::SVector::from_array_storage(::nn::__private::ArrayStorage([[b0, ...]])),
///         },
///         ...
///     };
///     pub const BAKED: ::core::option::Option<Self> = ::core::option::Option::Some(Self::TRAINED);
/// }
/// // Makes rustc, and so cargo, track the file: editing it rebuilds the crate.
/// const _: &[u8] = ::core::include_bytes!("/abs/path/mnist.safetensors");
/// ```
pub fn items(net: &Net) -> TokenStream {
    let name = &net.spec.name;
    let Some(baked) = &net.weights else {
        return match &net.spec.weights {
            // `validate` let it through: `optional`, and the file is missing.
            Some(attr) => untrained(name, &attr.path.value()),
            None => TokenStream::new(),
        };
    };
    let scalar = match baked.dtype {
        BakedDtype::F32 => quote! { f32 },
        BakedDtype::F64 => quote! { f64 },
    };
    // Only dense and convolution layers have tensors (and struct fields).
    let params: Vec<&crate::network::net::NetLayer> =
        net.layers.iter().filter(|l| l.op.has_params()).collect();
    let names = params.iter().map(|l| l.name);
    // A width given by a named constant is checked by a const assertion
    // (validate), not here; the arrays, shaped as the file, go through
    // `fit` so that a mismatch gives that assertion's message only, and not
    // also a "mismatched types" about array lengths.
    let named = |l: &&crate::network::net::NetLayer| {
        l.param_matrix()
            .is_some_and(|(i, o)| i.literal().is_none() || o.literal().is_none())
    };
    let any_named = params.iter().any(named);
    let layers = baked.layers.iter().zip(&params).map(|(layer, spec)| {
        // nalgebra's `ArrayStorage` is column-major, an array of columns;
        // the file is row-major `[out, in]`.
        let columns = (0..layer.cols).map(|c| {
            let column = (0..layer.rows).map(|r| literal(baked, layer.weight[r * layer.cols + c]));
            quote! { [#(#column),*] }
        });
        let bias = layer.bias.iter().map(|&v| literal(baked, v));
        let (weight, bias) = (quote! { [#(#columns),*] }, quote! { [[#(#bias),*]] });
        let (weight, bias) = if named(spec) {
            (quote! { fit(#weight) }, quote! { fit(#bias) })
        } else {
            (weight, bias)
        };
        quote! {
            ::nn::__private::Dense {
                weight: ::nn::__private::SMatrix::from_array_storage(
                    ::nn::__private::ArrayStorage(#weight),
                ),
                bias: ::nn::__private::SVector::from_array_storage(
                    ::nn::__private::ArrayStorage(#bias),
                ),
            }
        }
    });
    let fit = any_named.then(|| {
        quote! {
            /// The file's `C` columns of `R` into the spec's `C2` of `R2`:
            /// equal sizes, or a const assertion has already failed.
            const fn fit<const R: usize, const C: usize, const R2: usize, const C2: usize>(
                a: [[#scalar; R]; C],
            ) -> [[#scalar; R2]; C2] {
                let mut out = [[0.0; R2]; C2];
                let mut c = 0;
                while c < C && c < C2 {
                    let mut r = 0;
                    while r < R && r < R2 {
                        out[c][r] = a[c][r];
                        r += 1;
                    }
                    c += 1;
                }
                out
            }
        }
    });
    let doc = format!(
        "The trained parameters of `{}` ({}), baked in at compile time: \
         `static NET: {name}<{}> = {name}::TRAINED;` keeps them in read-only memory.",
        baked.display,
        match baked.dtype {
            BakedDtype::F32 => "F32",
            BakedDtype::F64 => "F64",
        },
        scalar,
    );
    let baked_doc = format!(
        "`Some(Self::TRAINED)`: `{}` was there when the crate was built \
         (`None`, and no `TRAINED`, while an `optional` file is missing).",
        baked.display
    );
    let path = &baked.absolute;
    quote! {
        impl #name<#scalar> {
            #[doc = #doc]
            #[allow(
                clippy::approx_constant,
                clippy::excessive_precision,
                clippy::unreadable_literal,
                reason = "trained values are data, written to round-trip exactly"
            )]
            pub const TRAINED: Self = {
                #fit
                Self {
                    #( #names: #layers, )*
                }
            };

            #[doc = #baked_doc]
            pub const BAKED: ::core::option::Option<Self> = ::core::option::Option::Some(Self::TRAINED);
        }

        const _: &[u8] = ::core::include_bytes!(#path);
    }
}

/// For `#[weights("net.safetensors", optional)]` whose file does not exist
/// (yet): no `TRAINED`, and `BAKED` for every scalar type, so that code
/// written for the trained state (`Mnist::<f32>::BAKED`) compiles before it.
///
/// ```text
/// impl<T: ::nn::__private::Scalar> Mnist<T> {
///     pub const BAKED: ::core::option::Option<Self> = ::core::option::Option::None;
/// }
/// ```
///
/// Nothing makes rustc track a file that does not exist (`include_bytes!`
/// of it is an error), so the crate's `build.rs` has to ask cargo to rebuild
/// when it appears: `cargo::rerun-if-changed=PATH`.
fn untrained(name: &syn::Ident, display: &str) -> TokenStream {
    let doc = format!(
        "`None`: `{display}` did not exist when the crate was built. Once it does \
         (saved by `nn::io::save_safetensors`), the next build bakes it in: \
         `BAKED` is `Some(Self::TRAINED)`. A `build.rs` printing \
         `cargo::rerun-if-changed=` with the file's path makes cargo run that build."
    );
    quote! {
        impl<T: ::nn::__private::Scalar> #name<T> {
            #[doc = #doc]
            pub const BAKED: ::core::option::Option<Self> = ::core::option::Option::None;
        }
    }
}

/// A value as an unsuffixed literal that round-trips (`Display` of floats
/// prints the shortest text that parses back to the same value).
fn literal(baked: &Baked, value: f64) -> Literal {
    match baked.dtype {
        BakedDtype::F32 => Literal::f32_unsuffixed(value as f32),
        BakedDtype::F64 => Literal::f64_unsuffixed(value),
    }
}
