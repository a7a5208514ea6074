//! The checked spec that `validate` returns and `expand` consumes: every
//! rule already holds, so expansion never fails.

use proc_macro2::Span;
use syn::Ident;
use syn::ext::IdentExt;

use super::ast::{Spec, Width};
use super::vocabulary::{self, ActivationDef, LossDef};

/// A checked spec.
pub struct Net<'a> {
    pub spec: &'a Spec,
    /// The input's width (for an image, `channels · height · width`).
    pub input: Width,
    /// The input as an image `[channels, height, width]`, if it is one.
    pub input_image: Option<[Width; 3]>,
    pub layers: Vec<NetLayer<'a>>,
    pub loss: Option<NetLoss>,
    /// Rules on named constants, checked by the compiler after expansion.
    pub assertions: Vec<ConstAssert>,
    /// The parameters of `#[weights("PATH")]`, read and checked.
    pub weights: Option<Baked>,
    /// With `quantize = int8`: the int8 network, scales and multipliers
    /// computed from the baked weights and the calibration file.
    pub quantized: Option<Quantized>,
}

/// An int8 network (the formulas are `nn::quant`'s module docs).
pub struct Quantized {
    /// The scale of the int8 input, `max |x| / 127` over the calibration.
    pub input_scale: f64,
    /// The scale of the int8 output (the logits), as of each layer's.
    pub output_scale: f64,
    /// The calibration file as written, for the docs.
    pub calibration: String,
    /// Its absolute path, for `include_bytes!`.
    pub calibration_absolute: String,
    /// The number of samples it holds.
    pub samples: usize,
    pub layers: Vec<QuantizedLayer>,
}

/// One `nn::quant::QuantizedDense`.
pub struct QuantizedLayer {
    pub rows: usize,
    pub cols: usize,
    /// Row-major, `[rows][cols]`.
    pub weight: Vec<i8>,
    pub bias: Vec<i32>,
    pub multiplier: Vec<i32>,
    pub shift: Vec<u8>,
    pub floor: i8,
}

/// A weights file read at compile time, every tensor checked against the spec.
pub struct Baked {
    /// The path as written.
    pub display: String,
    /// The absolute path, for `include_bytes!` (so that cargo rebuilds when
    /// the file changes).
    pub absolute: String,
    /// The file's one dtype: the scalar type of the baked network.
    pub dtype: BakedDtype,
    /// One per layer, in the spec's order.
    pub layers: Vec<BakedLayer>,
}

#[derive(Clone, Copy, PartialEq)]
pub enum BakedDtype {
    F32,
    F64,
}

/// One layer's parameters as the file stores them, row-major (PyTorch's
/// `[out, in]`), widened to `f64` (exact for `F32` files).
pub struct BakedLayer {
    pub rows: usize,
    pub cols: usize,
    pub weight: Vec<f64>,
    pub bias: Vec<f64>,
}

/// A checked layer: a node of the network's graph.
pub struct NetLayer<'a> {
    pub name: &'a Ident,
    pub kind_span: Span,
    pub op: Op,
    /// What the layer reads, in order, resolved through `flatten` (which
    /// only renames its input): the network's input or an earlier layer.
    pub sources: Vec<Source>,
    /// The width flowing in: its (first) source's.
    pub input: Width,
    /// The width of its output (an image's `channels · height · width`).
    pub output: Width,
    /// The output as an image `[channels, height, width]`, if it is one.
    pub image: Option<[Width; 3]>,
    pub act: Act,
    /// The activation as written (`"leaky_relu(0.01)"`).
    pub act_text: String,
}

/// Where a layer's input comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    Input,
    /// The layer at this index of `Net::layers`.
    Layer(usize),
}

/// What a layer computes. Two ops are equal when they are the same kind
/// (`op == Op::Dense`), whatever their geometry.
#[derive(Clone)]
pub enum Op {
    Dense,
    Conv2d(Geometry),
    Depthwise(Geometry),
    MaxPool(Geometry),
    AvgPool(Geometry),
    Flatten,
    Add,
    Concat,
}

/// The shapes of an image layer, as `nn::__private::image::Geometry` holds
/// them: input `[channels, height, width]`, a square kernel (or pool
/// window), stride, padding, and the output `[out_channels, out_height,
/// out_width]` by PyTorch's rule `(h + 2p - k) / s + 1`, rounded down.
/// Each is a literal, or an expression over the spec's named constants.
#[derive(Clone)]
pub struct Geometry {
    pub channels: Width,
    pub height: Width,
    pub width: Width,
    pub kernel: Width,
    pub stride: Width,
    pub padding: Width,
    pub out_channels: Width,
    pub out_height: Width,
    pub out_width: Width,
}

impl PartialEq for Op {
    fn eq(&self, other: &Op) -> bool {
        core::mem::discriminant(self) == core::mem::discriminant(other)
    }
}

impl Op {
    /// The layer has a weight and a bias (a field of the network struct).
    pub fn has_params(&self) -> bool {
        matches!(self, Op::Dense | Op::Conv2d(_) | Op::Depthwise(_))
    }

    /// The layer's name in a spec.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Dense => "dense",
            Op::Conv2d(_) => "conv2d",
            Op::Depthwise(_) => "depthwise_conv2d",
            Op::MaxPool(_) => "max_pool",
            Op::AvgPool(_) => "avg_pool",
            Op::Flatten => "flatten",
            Op::Add => "add",
            Op::Concat => "concat",
        }
    }
}

impl NetLayer<'_> {
    /// The shapes of the weight (PyTorch's: `[out, in]`, `[out, in, k, k]`
    /// or `[channels, 1, k, k]`) and of the bias, for a layer with parameters.
    pub fn param_shapes(&self) -> Option<(Vec<Width>, Width)> {
        let one = Width::computed(1, self.kind_span);
        match &self.op {
            Op::Dense => Some((
                vec![self.output.clone(), self.input.clone()],
                self.output.clone(),
            )),
            Op::Conv2d(g) => Some((
                vec![
                    g.out_channels.clone(),
                    g.channels.clone(),
                    g.kernel.clone(),
                    g.kernel.clone(),
                ],
                g.out_channels.clone(),
            )),
            Op::Depthwise(g) => Some((
                vec![g.channels.clone(), one, g.kernel.clone(), g.kernel.clone()],
                g.channels.clone(),
            )),
            _ => None,
        }
    }

    /// The parameter struct's shape `(fan_in, rows)`: a dense layer's
    /// `(in, out)`; a convolution's `(in · k · k, out)`; a depthwise
    /// convolution's `(k · k, channels)`.
    pub fn param_matrix(&self) -> Option<(Width, Width)> {
        let span = self.kind_span;
        match &self.op {
            Op::Dense => Some((self.input.clone(), self.output.clone())),
            Op::Conv2d(g) => Some((
                Width::product(&[&g.channels, &g.kernel, &g.kernel], span),
                g.out_channels.clone(),
            )),
            Op::Depthwise(g) => Some((
                Width::product(&[&g.kernel, &g.kernel], span),
                g.channels.clone(),
            )),
            _ => None,
        }
    }
}

/// A layer's activation: its row of the vocabulary and its parameters
/// (defaults filled in).
#[derive(Clone)]
pub struct Act {
    pub def: &'static ActivationDef,
    pub params: Vec<f64>,
}

impl Act {
    /// The activation of a layer that names none.
    pub fn identity() -> Self {
        Act {
            def: vocabulary::identity(),
            params: Vec::new(),
        }
    }
}

/// The network's loss: its row of the vocabulary, its parameters and how
/// the spec wrote it (`"huber(1.0)"`).
pub struct NetLoss {
    pub def: &'static LossDef,
    pub params: Vec<f64>,
    pub text: String,
}

impl NetLoss {
    /// Fused losses read the output layer's logits `z`, the others its activation `a`.
    pub fn on_logits(&self) -> bool {
        self.def.fused.is_some()
    }
}

/// `assert!(lhs OP rhs, message)` in a `const` item, spanned at `span`.
pub struct ConstAssert {
    pub span: Span,
    pub lhs: Width,
    pub op: AssertOp,
    pub rhs: usize,
    pub rhs_width: Option<Width>,
    pub message: String,
}

pub enum AssertOp {
    /// `lhs == rhs_width`
    EqWidth,
    /// `lhs >= rhs_width`
    AtLeastWidth,
    /// `lhs >= rhs`
    AtLeast,
    /// `lhs == rhs`
    Eq,
}

/// The suffixes of the trace types generated for a network: `Mnist` gets
/// `MnistTrace` (one sample) and `MnistTraceBatch` (a mini-batch). Neither
/// ends the other, so two networks' generated names can only clash if one
/// network's name is another's plus a suffix, which `check_name` rejects.
pub const TRACE_SUFFIX: &str = "Trace";
pub const TRACE_BATCH_SUFFIX: &str = "TraceBatch";

/// A name as messages and generated strings show it: without `r#`.
pub fn unraw(ident: &Ident) -> String {
    ident.unraw().to_string()
}
