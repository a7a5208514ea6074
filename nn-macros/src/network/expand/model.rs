//! The struct, its trace type, constants, constructors, the parameter walk
//! and the summary.

use proc_macro2::TokenStream;
use quote::quote;

use super::{describe, image_text, output_width, trace_name};
use crate::network::ast::Width;
use crate::network::net::{Net, NetLayer, Op, Source, unraw};

pub fn items(net: &Net) -> TokenStream {
    let spec = net.spec;
    let (attrs, vis, name) = (&spec.attrs, &spec.vis, &spec.name);
    let trace = trace_name(net);
    let input = &net.input;
    let output = output_width(net);
    let count = net.layers.len();

    // The struct has a field per layer with parameters (dense and
    // convolutions), each an `nn::Dense` of its weight matrix's shape; the
    // trace has one per layer but `flatten`, which only renames its input.
    let params: Vec<&NetLayer> = net.layers.iter().filter(|l| l.op.has_params()).collect();
    let names: Vec<_> = params.iter().map(|l| l.name).collect();
    let (ins, outs): (Vec<Width>, Vec<Width>) =
        params.iter().filter_map(|l| l.param_matrix()).unzip();
    let traced: Vec<&NetLayer> = net.layers.iter().filter(|l| l.op != Op::Flatten).collect();
    let trace_names: Vec<_> = traced.iter().map(|l| l.name).collect();
    let trace_types: Vec<TokenStream> = traced
        .iter()
        .map(|l| {
            let w = &l.output;
            if l.op.has_params() {
                quote! { ::nn::__private::LayerTrace<T, #w> }
            } else {
                quote! { ::nn::__private::image::NodeTrace<T, #w> }
            }
        })
        .collect();
    let trace_news: Vec<TokenStream> = traced
        .iter()
        .map(|l| {
            if l.op.has_params() {
                quote! { ::nn::__private::LayerTrace::new() }
            } else {
                quote! { ::nn::__private::image::NodeTrace::new() }
            }
        })
        .collect();
    // Every layer, for `LAYERS`.
    let all_names: Vec<String> = net.layers.iter().map(|l| unraw(l.name)).collect();
    let all_kinds: Vec<&str> = net.layers.iter().map(|l| l.op.kind()).collect();
    let all_ins: Vec<&Width> = net.layers.iter().map(|l| &l.input).collect();
    let all_outs: Vec<&Width> = net.layers.iter().map(|l| &l.output).collect();
    // Shapes: `[width]`, or an image's `[c, h, w]`.
    let shape_of = |image: Option<&[Width; 3]>, width: &Width| -> Vec<TokenStream> {
        match image {
            Some(dims) => dims.iter().map(Width::typed).collect(),
            None => vec![width.typed()],
        }
    };
    let all_in_shapes: Vec<Vec<TokenStream>> = net
        .layers
        .iter()
        .map(|l| {
            // A dense layer reads a vector (after `flatten`, which its
            // sources skip), the others what their source holds.
            let image = match l.sources.first() {
                _ if l.op == Op::Dense => None,
                Some(Source::Layer(j)) => net.layers[*j].image.as_ref(),
                _ => net.input_image.as_ref(),
            };
            shape_of(image, &l.input)
        })
        .collect();
    let all_out_shapes: Vec<Vec<TokenStream>> = net
        .layers
        .iter()
        .map(|l| shape_of(l.image.as_ref(), &l.output))
        .collect();
    let all_acts: Vec<&str> = net
        .layers
        .iter()
        .map(|l| {
            if l.op.has_params() {
                l.act_text.as_str()
            } else {
                "-"
            }
        })
        .collect();
    let all_params: Vec<TokenStream> = net
        .layers
        .iter()
        .map(|l| match l.param_matrix() {
            Some((i, o)) => {
                let (i, o) = (i.typed(), o.typed());
                quote! { (#o) * (#i) + (#o) }
            }
            None => quote! { 0 },
        })
        .collect();
    // Names as strings (tensor names, the summary) are shown without `r#`.
    let name_strs: Vec<String> = names.iter().map(|n| unraw(n)).collect();
    let field_docs: Vec<String> = net
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.op.has_params())
        .map(|(i, l)| format!("Layer {} of {count}: {}.", i + 1, describe(l)))
        .collect();
    let trace_docs: Vec<String> = traced
        .iter()
        .map(|l| {
            if l.op.has_params() {
                format!(
                    "`z` and `a` of layer `{}` ({} values each).",
                    unraw(l.name),
                    l.output.display()
                )
            } else {
                format!(
                    "`a` of layer `{}` ({} values).",
                    unraw(l.name),
                    l.output.display()
                )
            }
        })
        .collect();
    let weight_names: Vec<String> = name_strs.iter().map(|n| format!("{n}.weight")).collect();
    let bias_names: Vec<String> = name_strs.iter().map(|n| format!("{n}.bias")).collect();
    let (weight_shapes, bias_shapes): (Vec<Vec<Width>>, Vec<Width>) =
        params.iter().filter_map(|l| l.param_shapes()).unzip();
    let ins_n: Vec<TokenStream> = ins.iter().map(Width::typed).collect();
    let outs_n: Vec<TokenStream> = outs.iter().map(Width::typed).collect();
    let largest = largest_activation(net);
    let schemes = params.iter().map(|l| {
        if l.act.def.he_init {
            quote! { ::nn::__private::Scheme::He }
        } else {
            quote! { ::nn::__private::Scheme::Xavier }
        }
    });
    let loss_name = match &net.loss {
        Some(loss) => {
            let text = &loss.text;
            quote! { ::core::option::Option::Some(#text) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let param_count = param_count(net);
    let name_str = unraw(name);
    let struct_doc = format!(
        "Generated by `network!`: {} -> {} in {count} layer{}. \
         Parameters are plain public fields; `{name}::init(seed)` makes an `f32` network, \
         `{name}::<f64>::init(seed)` (with `nn::Params` in scope) an `f64` one; \
         see [`{name}::summary`] for the table.",
        match &net.input_image {
            Some(dims) => image_text(dims),
            None => input.display(),
        },
        net.layers
            .last()
            .map(|l| match &l.image {
                Some(dims) => image_text(dims),
                None => l.output.display(),
            })
            .unwrap_or_default(),
        if count == 1 { "" } else { "s" },
    );
    // Each constructor names its generic twin in `Params`, the spelling for
    // a scalar other than `f32`.
    let other = |call: &str| {
        format!(" For `f64`: `{name_str}::<f64>::{call}`, with `nn::Params` in scope.")
    };
    let zeros_doc = format!(
        "An `f32` network with every weight and bias zero. It does not train (every hidden \
         unit gets the same gradient): start from `init`.{}",
        other("zeros()")
    );
    let init_doc = format!(
        "An `f32` network, seeded: He uniform for ReLU-family layers, Xavier/Glorot uniform \
         otherwise, biases zero. The same seed gives the same weights on every machine. For \
         networks too large for the stack, see `init_boxed`.{}",
        other("init(seed)")
    );
    let zeros_boxed_doc = format!(
        "`zeros()` allocated directly on the heap, never on the stack: for layers too large \
         for it.{}",
        other("zeros_boxed()")
    );
    let init_boxed_doc = format!(
        "`init(seed)` allocated directly on the heap.{}",
        other("init_boxed(seed)")
    );
    let trace_doc = format!(
        "Every layer's pre-activation `z` and activation `a` for one input of [`{name}`], \
         filled by [`{name}::forward_trace`] and read by its backward pass."
    );

    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = #struct_doc]
        #[derive(Clone, Debug, PartialEq)]
        #vis struct #name<T: ::nn::__private::Scalar = f32> {
            #(
                #[doc = #field_docs]
                pub #names: ::nn::__private::Dense<T, #ins, #outs>,
            )*
        }

        #[doc = #trace_doc]
        #[derive(Clone, Debug, PartialEq)]
        #vis struct #trace<T: ::nn::__private::Scalar = f32> {
            #(
                #[doc = #trace_docs]
                pub #trace_names: #trace_types,
            )*
        }

        impl<T: ::nn::__private::Scalar> #trace<T> {
            /// A trace of zeros, to be filled by `forward_trace`.
            pub fn new() -> Self {
                Self { #( #trace_names: #trace_news, )* }
            }
        }

        impl<T: ::nn::__private::Scalar> ::core::default::Default for #trace<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        // SAFETY (of both impls): every field is an `nn::Dense<T, _, _>`, an
        // `nn::LayerTrace<T, _>` or an `image::NodeTrace<T, _>`, all `Zeroable`
        // (arrays of the `Pod` float `T`), so the all-zero bit pattern is a
        // valid value of the struct.
        unsafe impl<T: ::nn::__private::Scalar> ::nn::__private::Zeroable for #name<T> {}
        unsafe impl<T: ::nn::__private::Scalar> ::nn::__private::Zeroable for #trace<T> {}

        impl<T: ::nn::__private::Scalar> #name<T> {
            /// The input width.
            pub const INPUT: usize = #input;
            /// The output width.
            pub const OUTPUT: usize = #output;
            /// The number of parameters (every weight and bias).
            pub const PARAM_COUNT: usize = #param_count;
            /// Bytes of the parameters: the size of the network, and of one
            /// gradient (`loss_and_grad` returns a value of this type). On
            /// x86-64 it includes the padding that aligns each layer to a
            /// 64-byte cache line (under 64 bytes per layer).
            pub const PARAM_BYTES: usize = ::core::mem::size_of::<Self>();
            /// Bytes of the trace of one sample's forward/backward pass: every
            /// layer's `z` and `a` (only `a` for pools, `add` and `concat`;
            /// nothing for `flatten`), the generated trace type. The backward
            /// pass also keeps each layer's `δ` and `dL/da` on the stack, at
            /// most as much again.
            pub const TRACE_BYTES: usize = ::core::mem::size_of::<#trace<T>>();
            /// Optimizer state of plain SGD (`sgd_step`, `nn::optim::Sgd`): none.
            pub const SGD_STATE_BYTES: usize = 0;
            /// Optimizer state of `nn::optim::Momentum`: one velocity per parameter.
            pub const MOMENTUM_STATE_BYTES: usize = Self::PARAM_BYTES;
            /// Optimizer state of `nn::optim::Adam`: two moments per parameter.
            pub const ADAM_STATE_BYTES: usize = 2 * Self::PARAM_BYTES;
            /// Bytes of the largest activation (the input or one layer's output):
            /// the buffer a caller must hold for one value between layers.
            pub const LARGEST_ACTIVATION_BYTES: usize = (#largest) * ::core::mem::size_of::<T>();
            /// The layers, input to output.
            pub const LAYERS: &'static [::nn::__private::LayerInfo] = &[
                #(
                    ::nn::__private::LayerInfo {
                        name: #all_names,
                        kind: #all_kinds,
                        inputs: #all_ins,
                        outputs: #all_outs,
                        input_shape: &[#(#all_in_shapes),*],
                        output_shape: &[#(#all_out_shapes),*],
                        activation: #all_acts,
                        params: #all_params,
                    },
                )*
            ];
            /// The parameter tensors, in the order of `Network::tensors`:
            /// each layer's weight (`[out, in]`; a convolution's
            /// `[out, in, k, k]`), then its bias (`[out]`).
            pub const TENSORS: &'static [::nn::__private::TensorInfo] = &[
                #(
                    ::nn::__private::TensorInfo {
                        name: #weight_names,
                        layer: #name_strs,
                        kind: ::nn::__private::TensorKind::Weight,
                        shape: &[#(#weight_shapes),*],
                        len: (#outs_n) * (#ins_n),
                    },
                    ::nn::__private::TensorInfo {
                        name: #bias_names,
                        layer: #name_strs,
                        kind: ::nn::__private::TensorKind::Bias,
                        shape: &[#bias_shapes],
                        len: #bias_shapes,
                    },
                )*
            ];

            /// Re-initialises every parameter in place, as `init(seed)` would.
            pub fn init_in_place(&mut self, seed: u64) {
                <Self as ::nn::__private::Params<T>>::init_in_place(self, seed)
            }

            /// The layer table: names, shapes, activations, parameter counts
            /// (also what `Display` prints).
            pub fn summary(&self) -> ::nn::__private::Summary {
                <Self as ::nn::__private::Network<T, #input, #output>>::summary(self)
            }
        }

        // The constructors are inherent on `f32` only, so `Net::init(0)` is an
        // `f32` network whatever data it later meets (a default type parameter
        // does not steer inference). Other scalars go through the generic
        // `Params` methods of the same names: `Net::<f64>::init(0)`.
        impl #name<f32> {
            #[doc = #zeros_doc]
            pub fn zeros() -> Self {
                <Self as ::nn::__private::Params<f32>>::zeros()
            }

            #[doc = #init_doc]
            pub fn init(seed: u64) -> Self {
                <Self as ::nn::__private::Params<f32>>::init(seed)
            }
        }

        ::nn::__private::if_std! {
            impl #name<f32> {
                #[doc = #zeros_boxed_doc]
                pub fn zeros_boxed() -> ::nn::__private::Box<Self> {
                    <Self as ::nn::__private::Params<f32>>::zeros_boxed()
                }

                #[doc = #init_boxed_doc]
                pub fn init_boxed(seed: u64) -> ::nn::__private::Box<Self> {
                    <Self as ::nn::__private::Params<f32>>::init_boxed(seed)
                }
            }
        }

        impl<T: ::nn::__private::Scalar> ::core::fmt::Display for #name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.summary(), f)
            }
        }

        impl<T: ::nn::__private::Scalar> ::nn::__private::Params<T> for #name<T> {
            const PARAM_COUNT: usize = #name::<T>::PARAM_COUNT;
            const TENSORS: &'static [::nn::__private::TensorInfo] = #name::<T>::TENSORS;

            fn zeros() -> Self {
                Self { #( #names: ::nn::__private::Dense::zeros(), )* }
            }

            fn init_in_place(&mut self, seed: u64) {
                let mut rng = ::nn::__private::SplitMix64::new(seed);
                #(
                    ::nn::__private::fill_uniform(&mut self.#names.weight, #schemes, &mut rng);
                    self.#names.bias.fill(<T as ::nn::__private::Scalar>::cast_f64(0.0));
                )*
            }

            fn tensors(&self) -> impl ::core::iter::Iterator<Item = &[T]> {
                [ #( self.#names.weight.as_slice(), self.#names.bias.as_slice(), )* ].into_iter()
            }

            fn tensors_mut(&mut self) -> impl ::core::iter::Iterator<Item = &mut [T]> {
                [ #( self.#names.weight.as_mut_slice(), self.#names.bias.as_mut_slice(), )* ].into_iter()
            }
        }

        impl<T: ::nn::__private::Scalar> ::nn::__private::Network<T, #input, #output> for #name<T> {
            const NAME: &'static str = #name_str;
            const LAYERS: &'static [::nn::__private::LayerInfo] = #name::<T>::LAYERS;
            const LOSS: ::core::option::Option<&'static str> = #loss_name;
            const TRACE_BYTES: usize = #name::<T>::TRACE_BYTES;

            fn forward(
                &self,
                x: &::nn::__private::SVector<T, #input>,
            ) -> ::nn::__private::SVector<T, #output> {
                #name::forward(self, x)
            }
        }
    }
}

/// The number of parameters: one literal when every width is one (and the
/// count fits a `usize`), else a sum the compiler evaluates, written as a
/// loop over an array. A `+` chain of one term per layer would nest as
/// deep as the network is long, and rustc overflows its stack parsing a few
/// thousand (tests/network_deep.rs).
///
/// ```text
/// pub const PARAM_COUNT: usize = 13002;
/// pub const PARAM_COUNT: usize = {
///     let layers: [usize; 3] = [(width::<{ HIDDEN }>()) * (784) + (width::<{ HIDDEN }>()), ...];
///     let mut total = 0;
///     let mut k = 0;
///     while k < layers.len() { total += layers[k]; k += 1; }
///     total
/// };
/// ```
fn param_count(net: &Net) -> TokenStream {
    let matrices: Vec<(Width, Width)> =
        net.layers.iter().filter_map(|l| l.param_matrix()).collect();
    let literal = matrices.iter().try_fold(0usize, |total, (i, o)| {
        let (i, o) = (i.literal()?, o.literal()?);
        o.checked_mul(i)?.checked_add(o)?.checked_add(total)
    });
    if let Some(total) = literal {
        let total = proc_macro2::Literal::usize_unsuffixed(total);
        return quote! { #total };
    }
    let count = proc_macro2::Literal::usize_unsuffixed(matrices.len());
    let layers = matrices.iter().map(|(i, o)| {
        let (i, o) = (i.typed(), o.typed());
        quote! { (#o) * (#i) + (#o) }
    });
    quote! {
        {
            let layers: [usize; #count] = [#(#layers),*];
            let mut total = 0;
            let mut k = 0;
            while k < layers.len() {
                total += layers[k];
                k += 1;
            }
            total
        }
    }
}

/// The widest value between layers (the input or a layer's output): one
/// literal when every width is one, else a maximum the compiler evaluates.
fn largest_activation(net: &Net) -> TokenStream {
    let widths: Vec<&Width> = std::iter::once(&net.input)
        .chain(net.layers.iter().map(|l| &l.output))
        .collect();
    if let Some(max) = widths
        .iter()
        .map(|w| w.literal())
        .collect::<Option<Vec<_>>>()
    {
        let max = proc_macro2::Literal::usize_unsuffixed(max.into_iter().max().unwrap_or(0));
        return quote! { #max };
    }
    let count = proc_macro2::Literal::usize_unsuffixed(widths.len());
    let typed = widths.iter().map(|w| w.typed());
    quote! {
        {
            let widths: [usize; #count] = [#(#typed),*];
            let mut max = 0;
            let mut k = 0;
            while k < widths.len() {
                if widths[k] > max {
                    max = widths[k];
                }
                k += 1;
            }
            max
        }
    }
}
