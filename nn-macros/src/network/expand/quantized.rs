//! `quantize = int8`: the int8 network as a struct of its own, `<Name>Int8`,
//! whose `TRAINED` const holds every integer the forward pass reads.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::network::net::{Net, unraw};

/// For `#[weights("mnist.safetensors", quantize = int8, calibration = "calib.safetensors")]`
/// on `pub struct Mnist`:
///
/// ```text
/// pub struct MnistInt8 {
///     pub hidden1: ::nn::__private::QuantizedDense<784, 16>,
///     ...
/// }
/// impl MnistInt8 {
///     pub const TRAINED: Self = Self {
///         hidden1: ::nn::__private::QuantizedDense {
///             weight: [[w00, w01, ...], ...],   // rows
///             bias: [b0, ...],
///             multiplier: [m0, ...],
///             shift: [n0, ...],
///             floor: 0,
///         },
///         ...
///     };
///     pub const INPUT_SCALE: f32 = ..;
///     pub const OUTPUT_SCALE: f32 = ..;
///     pub const WEIGHT_BYTES: usize = ::core::mem::size_of::<Self>();
///     pub fn forward(&self, x: &[i8; 784]) -> [i8; 10] {
///         let a0 = self.hidden1.forward(x);
///         let a1 = self.hidden2.forward(&a0);
///         self.output.forward(&a1)
///     }
///     pub fn classify(&self, x: &[i8; 784]) -> usize { .. }
///     pub fn quantize_input(x: &[f32; 784]) -> [i8; 784] { .. }
///     pub fn dequantize_output(y: &[i8; 10]) -> [f32; 10] { .. }
/// }
/// const _: &[u8] = ::core::include_bytes!("/abs/path/calib.safetensors");
/// ```
pub fn items(net: &Net) -> TokenStream {
    let Some(q) = &net.quantized else {
        return TokenStream::new();
    };
    let name = &net.spec.name;
    let vis = &net.spec.vis;
    let int8 = format_ident!("{}Int8", name);
    let names: Vec<_> = net.layers.iter().map(|l| l.name).collect();
    let usize_lit = Literal::usize_unsuffixed;
    let inputs = usize_lit(q.layers[0].cols);
    let outputs = usize_lit(q.layers[q.layers.len() - 1].rows);
    let types = q.layers.iter().map(|l| {
        let (cols, rows) = (usize_lit(l.cols), usize_lit(l.rows));
        quote! { ::nn::__private::QuantizedDense<#cols, #rows> }
    });
    let values = q.layers.iter().map(|l| {
        let rows = l.weight.chunks(l.cols).map(|row| {
            let row = row.iter().map(|&w| Literal::i8_unsuffixed(w));
            quote! { [#(#row),*] }
        });
        let bias = l.bias.iter().map(|&b| Literal::i32_unsuffixed(b));
        let multiplier = l.multiplier.iter().map(|&m| Literal::i32_unsuffixed(m));
        let shift = l.shift.iter().map(|&s| Literal::u8_unsuffixed(s));
        let floor = Literal::i8_unsuffixed(l.floor);
        quote! {
            ::nn::__private::QuantizedDense {
                weight: [#(#rows),*],
                bias: [#(#bias),*],
                multiplier: [#(#multiplier),*],
                shift: [#(#shift),*],
                floor: #floor,
            }
        }
    });
    // `a0 = hidden1(x)`, `a1 = hidden2(a0)`, ..., the last one returned.
    let steps = names.iter().enumerate().map(|(i, layer)| {
        let a = format_ident!("a{}", i);
        if i == 0 {
            quote! { let #a = self.#layer.forward(x); }
        } else {
            let prev = format_ident!("a{}", i - 1);
            quote! { let #a = self.#layer.forward(&#prev); }
        }
    });
    let last = format_ident!("a{}", names.len() - 1);
    let input_scale = Literal::f32_unsuffixed(q.input_scale as f32);
    let output_scale = Literal::f32_unsuffixed(q.output_scale as f32);
    let shown = unraw(name);
    let doc = format!(
        "`{shown}` quantized to int8 at compile time: per-row int8 weights, `i32` biases \
         and fixed-point requantization (the formulas are `nn::quant`'s), activation \
         scales calibrated on the {} samples of `{}`. Its forward pass uses integers \
         only (no FPU, no heap): `static NET: {shown}Int8 = {shown}Int8::TRAINED;` keeps it \
         in flash, `{shown}Int8::WEIGHT_BYTES` bytes.",
        q.samples, q.calibration
    );
    let layer_docs = names.iter().map(|l| format!("Layer `{}`, int8.", unraw(l)));
    let path = &q.calibration_absolute;
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #vis struct #int8 {
            #(
                #[doc = #layer_docs]
                pub #names: #types,
            )*
        }

        impl #int8 {
            /// The quantized parameters, baked in at compile time.
            pub const TRAINED: Self = Self {
                #( #names: #values, )*
            };
            /// The scale of the int8 input: `x ≈ INPUT_SCALE · q`.
            pub const INPUT_SCALE: f32 = #input_scale;
            /// The scale of the int8 output (the logits): `y ≈ OUTPUT_SCALE · q`.
            pub const OUTPUT_SCALE: f32 = #output_scale;
            /// The bytes of the quantized parameters (weights, biases,
            /// multipliers, shifts): the flash a `static` of it takes.
            pub const WEIGHT_BYTES: usize = ::core::mem::size_of::<Self>();

            /// The int8 logits of an int8 input, integer arithmetic only.
            pub fn forward(&self, x: &[i8; #inputs]) -> [i8; #outputs] {
                #( #steps )*
                #last
            }

            /// The index of the largest int8 logit (the first on a tie).
            pub fn classify(&self, x: &[i8; #inputs]) -> usize {
                ::nn::__private::quant::argmax(&self.forward(x))
            }

            /// A real input into int8 at `INPUT_SCALE`, rounded and
            /// saturated (float arithmetic; an FPU-less target quantizes
            /// its inputs another way, or reads them as int8).
            pub fn quantize_input(x: &[f32; #inputs]) -> [i8; #inputs] {
                ::core::array::from_fn(|i| ::nn::__private::quant::quantize(x[i], Self::INPUT_SCALE))
            }

            /// The int8 logits back into real ones, at `OUTPUT_SCALE`.
            pub fn dequantize_output(y: &[i8; #outputs]) -> [f32; #outputs] {
                ::core::array::from_fn(|i| ::nn::__private::quant::dequantize(y[i], Self::OUTPUT_SCALE))
            }
        }

        const _: &[u8] = ::core::include_bytes!(#path);
    }
}
