//! The procedural macros of [`nn`](https://docs.rs/nn): `network!` and `graph!`.
//!
//! Each macro runs in three stages kept apart: *parse* turns tokens into an
//! AST that remembers every token it read (for spans), *validate* checks the
//! AST and collects every problem, and *expand* writes the code for a checked
//! spec and never fails. Use the macros through the `nn` facade crate.

mod diagnostics;
mod graph;
mod network;

use proc_macro::TokenStream;

/// # Grammar
///
/// ```text
/// network! {
///     #[attributes] and /// doc comments
///     [#[weights("PATH.safetensors" [, layers(LAYER = "NAME", ...)] [, optional]
///                [, quantize = int8, calibration = "PATH.safetensors"])]]
///     VIS struct NAME {
///         input: WIDTH | [CHANNELS, HEIGHT, WIDTH],          // a vector or an image
///         LAYER_NAME: KIND,                                 // one or more, in order
///         [loss: LOSS,]
///     }
/// }
/// KIND       = dense([WIDTH ->] WIDTH [, ACTIVATION] [, from = LAYER])
///            | conv2d([SIZE ->] SIZE, SIZE [, stride = SIZE] [, padding = SIZE] [, ACTIVATION] [, from = LAYER])
///            | depthwise_conv2d(SIZE [, stride = SIZE] [, padding = SIZE] [, ACTIVATION] [, from = LAYER])
///            | max_pool(SIZE [, stride = SIZE] [, from = LAYER]) | avg_pool(...)
///            | flatten [(from = LAYER)] | add(LAYER, LAYER, ...) | concat(LAYER, LAYER, ...)
/// LAYER      = the name of a layer above, or `input`
/// SIZE       = integer literal | path to a `usize` constant
/// WIDTH      = integer literal | path to a `usize` constant
/// ACTIVATION = identity (the default) | sigmoid | tanh | relu
///            | leaky_relu(ALPHA) | elu[(ALPHA)] | selu | gelu | silu
///            | softplus | softmax (output layer only)
/// LOSS       = squared_error | mean_squared_error | absolute_error | huber(DELTA)
///            | softmax_cross_entropy | binary_cross_entropy | hinge(DELTA)
///            | multiclass_hinge(DELTA)
/// ```
///
/// The activations and losses follow PyTorch: `elu` alone is `elu(1.0)` and
/// any alpha is allowed, `gelu` is the exact erf form, `softplus` has β = 1
/// and is linear above 20.
///
/// Each layer reads the layer above it (the first reads the input) unless
/// it names another with `from = LAYER`; `add` and `concat` read the layers
/// they name. A layer reads only layers above it, so the spec is a graph
/// without cycles; every layer but the last must be read by another, and
/// the last is the output (a `dense` or a convolution). The backward pass
/// runs from the last layer up, summing the gradients of a layer read twice.
///
/// Images are `[channels, height, width]`, stored as one vector channel by
/// channel, row by row (PyTorch's order). `conv2d(OUT, K)` is PyTorch's
/// `Conv2d(IN, OUT, K)` (`conv2d(IN -> OUT, K)` states `IN` too); its weight
/// is `[OUT, IN, K, K]`. `depthwise_conv2d(K)` is `Conv2d(C, C, K,
/// groups=C)`, weight `[C, 1, K, K]`. `max_pool(K)` and `avg_pool(K)` take
/// the stride `K` unless given. Output sizes follow PyTorch,
/// `(size + 2·padding − K) / stride + 1` rounded down: a last window that
/// would run past the edge is dropped. `flatten` turns an image into a
/// vector (free: the layout is the same) and must come before a `dense`
/// layer that reads an image. `add` sums layers of one shape; `concat`
/// joins vectors, or images of one height and width along their channels.
/// With literal sizes every shape is computed while the macro expands; a
/// size given by a named constant makes the shapes below it const
/// expressions, with a const assertion (naming the layer) for each rule the
/// macro cannot check itself. A kernel larger than its padded input, a zero
/// stride, a channel mismatch, joined shapes that differ, a `dense` on an
/// image, an unknown name and a cycle are compile errors on the token to
/// change.
///
/// `dense(16 -> 10, ..)` states the input width too: it must equal the
/// previous layer's output (checked by the macro for literals, by a const
/// assertion naming the layer for constants). `softmax_cross_entropy` and
/// `binary_cross_entropy` are fused: they read the output layer's logits and
/// need an output activation of identity/softmax and identity/sigmoid. A
/// network without `loss` gets inference and a backward pass from `dL/d(output)`.
///
/// Besides the struct `NAME`, the macro generates the trace types
/// `NAMETrace` (one sample's `z` and `a` per layer, for `forward_trace`) and,
/// with `std`, `NAMETraceBatch` (the same over a mini-batch). So that two
/// networks in one module never generate the same name, `NAME` may not end
/// in `Trace` or `TraceBatch`; it may not be `T` (the scalar type parameter)
/// or a primitive type either. Names shown at run time (`LAYERS`, `TENSORS`,
/// the summary) drop the `r#` of raw identifiers: a layer `r#type` has the
/// tensors `type.weight` and `type.bias`.
///
/// `#[weights("PATH")]` reads a safetensors file while the macro expands,
/// checks every tensor's name, shape and dtype against the spec (each problem
/// is a compile error), and emits the values as a `TRAINED` const (and
/// `BAKED`, `Some(TRAINED)`): the trained network can be a `static` in
/// read-only memory, with no parsing at run time. `PATH` is relative to the
/// folder of the source file that contains it, as for `include_bytes!`, so a
/// trybuild case names its fixture as any other file would; an absolute
/// path is used as it is. `layers(..)` maps layer names to the file's
/// (`layers(hidden1 = "0")` for PyTorch's `Sequential`). With `optional`, a
/// file that does not exist is not an error: the network then has no
/// `TRAINED`, and `BAKED` is `None` (for any scalar type), so one crate can
/// build, train and save, then bake on its next build; its `build.rs` prints
/// `cargo::rerun-if-changed=PATH` (relative to `Cargo.toml`) so that cargo
/// rebuilds when the file appears (the README's "train then bake in one
/// crate").
///
/// `quantize = int8, calibration = "CALIB.safetensors"` also bakes the
/// network as int8 (post-training quantization at compile time), in a
/// second struct `NAMEInt8` with its own `TRAINED` const, `forward` (int8 in,
/// int8 logits out, integer arithmetic only: no FPU, no heap), `classify`,
/// `quantize_input`, `dequantize_output`, `INPUT_SCALE`, `OUTPUT_SCALE` and
/// `WEIGHT_BYTES`. Weights are symmetric int8 with one scale per output row,
/// biases `i32`, activations symmetric int8 with one scale per layer: the
/// largest `|a|` that the f32 network reaches on the calibration file's
/// samples, a tensor `input` of shape `[samples, INPUT]` (`F32` or `F64`;
/// `nn::io::save_calibration(inputs, features, path)` writes one from a few hundred training
/// inputs). The layers' activations must be `relu` (the clamp at 0) or none.
/// The formulas are in `nn::quant`; an unknown scheme, a missing or
/// malformed calibration file, a `calibration` without `quantize` or an
/// activation without an int8 form are compile errors.
///
/// See `examples/xor.rs` and the `nn` crate's documentation for what is
/// generated; `cargo expand` shows it.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    network::network(input.into()).into()
}

/// Declares scalar functions as computational graphs and generates their
/// derivatives; see the `nn` crate's documentation of `graph!`.
#[proc_macro]
pub fn graph(input: TokenStream) -> TokenStream {
    graph::graph(input.into()).into()
}
