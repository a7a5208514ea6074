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
    pub input: &'a Width,
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

/// A checked layer.
pub struct NetLayer<'a> {
    pub name: &'a Ident,
    pub kind_span: Span,
    /// The width flowing in: the previous layer's output (or the input).
    pub input: &'a Width,
    pub output: &'a Width,
    pub act: Act,
    /// The activation as written (`"leaky_relu(0.01)"`).
    pub act_text: String,
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
