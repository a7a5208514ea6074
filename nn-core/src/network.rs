//! What every generated network has in common: the [`Params`] trait, which
//! optimizers, serialization and training loops use to walk a network's
//! parameters without knowing its layers, the [`Network`] trait for its
//! forward pass, and the static description of its layers and tensors.

use core::fmt;

use nalgebra::SVector;

use crate::Scalar;

/// One layer of a generated network, as declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// The field name of the layer (`"hidden1"`).
    pub name: &'static str,
    /// The layer kind (`"dense"`).
    pub kind: &'static str,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// The activation as written in the spec (`"relu"`, `"leaky_relu(0.01)"`).
    pub activation: &'static str,
    /// Weights plus biases.
    pub params: usize,
}

/// Whether a tensor is a layer's weight matrix or its bias vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
    /// `W`, `outputs × inputs`.
    Weight,
    /// `b`, `outputs`.
    Bias,
}

/// One parameter tensor of a generated network, in [`Params::tensors`] order.
///
/// The slices that [`Params::tensors`] yields hold the tensor in nalgebra's
/// column-major order: for a weight of shape `[rows, cols] = [out, in]`,
/// element `(r, c)` is at `c * rows + r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// `"<layer>.weight"` or `"<layer>.bias"`.
    pub name: &'static str,
    /// The layer's field name.
    pub layer: &'static str,
    /// Weight or bias.
    pub kind: TensorKind,
    /// The logical shape, PyTorch's convention: `[out, in]` or `[out]`.
    pub shape: &'static [usize],
    /// The number of elements.
    pub len: usize,
}

/// A slice given to [`Params::from_params`] or
/// [`Params::copy_params_to`] whose length is not the parameter count.
///
/// ```
/// use nn::ParamCountError;
/// let e = ParamCountError { expected: 3, found: 2 };
/// assert_eq!(e.to_string(), "expected 3 parameters, found 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamCountError {
    /// The network's parameter count.
    pub expected: usize,
    /// The slice's length.
    pub found: usize,
}

impl fmt::Display for ParamCountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {} parameters, found {}",
            self.expected, self.found
        )
    }
}

impl core::error::Error for ParamCountError {}

/// The parameters of a generated network, seen as a list of tensors: what
/// optimizers and serialization walk without knowing the layers.
///
/// Optimizers zip [`Params::tensors_mut`] of a network with
/// [`Params::tensors`] of its gradient, which has the same type.
///
/// ```
/// use nn::Params;
/// nn::network! {
///     struct Tiny { input: 2, out: dense(1, sigmoid), loss: binary_cross_entropy }
/// }
/// let net = Tiny::<f64>::init(7);
/// let flat: usize = net.tensors().map(|t| t.len()).sum();
/// assert_eq!(flat, <Tiny<f64> as Params<f64>>::PARAM_COUNT);
/// assert_eq!(Tiny::<f64>::TENSORS[0].name, "out.weight");
/// ```
pub trait Params<T: Scalar>: Clone + Sized + bytemuck::Zeroable {
    /// The total number of parameters.
    const PARAM_COUNT: usize;
    /// The parameter tensors: each layer's weight, then its bias.
    const TENSORS: &'static [TensorInfo];

    /// Every parameter zero.
    fn zeros() -> Self;

    /// Every parameter zero, allocated directly on the heap: no copy of the
    /// network ever passes through the stack, so layers of any size work
    /// (a 1024 × 1024 `f32` layer is 4 MiB, twice a test thread's stack).
    #[cfg(feature = "std")]
    fn zeros_boxed() -> Box<Self> {
        bytemuck::allocation::zeroed_box()
    }
    /// The parameter tensors, in [`Params::TENSORS`] order, column-major.
    fn tensors(&self) -> impl Iterator<Item = &[T]>;
    /// The parameter tensors, mutable, in [`Params::TENSORS`] order.
    fn tensors_mut(&mut self) -> impl Iterator<Item = &mut [T]>;

    /// A network from a flat slice of [`Params::PARAM_COUNT`] values, tensor
    /// after tensor in [`Params::TENSORS`] order (each column-major).
    fn from_params(params: &[T]) -> Result<Self, ParamCountError> {
        if params.len() != Self::PARAM_COUNT {
            return Err(ParamCountError {
                expected: Self::PARAM_COUNT,
                found: params.len(),
            });
        }
        let mut net = Self::zeros();
        let mut rest = params;
        for t in net.tensors_mut() {
            let (head, tail) = rest.split_at(t.len());
            t.copy_from_slice(head);
            rest = tail;
        }
        Ok(net)
    }

    /// Copies every parameter into `out`, in the order of [`Params::from_params`].
    fn copy_params_to(&self, out: &mut [T]) -> Result<(), ParamCountError> {
        if out.len() != Self::PARAM_COUNT {
            return Err(ParamCountError {
                expected: Self::PARAM_COUNT,
                found: out.len(),
            });
        }
        let mut rest = out;
        for t in self.tensors() {
            let (head, tail) = rest.split_at_mut(t.len());
            head.copy_from_slice(t);
            rest = tail;
        }
        Ok(())
    }
}

/// A network generated by `network!`, seen without its layers: `IN` and
/// `OUT` are its input and output widths.
///
/// ```
/// use nn::{Network, nalgebra::SVector};
/// nn::network! {
///     struct Tiny { input: 2, out: dense(1, sigmoid) }
/// }
/// fn run<N: Network<f32, 2, 1>>(net: &N) -> f32 {
///     net.forward(&SVector::from([1.0, 2.0]))[0]
/// }
/// assert_eq!(run(&Tiny::<f32>::zeros()), 0.5);
/// assert_eq!(<Tiny as Network<f32, 2, 1>>::LAYERS[0].activation, "sigmoid");
/// ```
pub trait Network<T: Scalar, const IN: usize, const OUT: usize>: Params<T> {
    /// The struct's name.
    const NAME: &'static str;
    /// The layers, input to output.
    const LAYERS: &'static [LayerInfo];
    /// The loss as written in the spec, if any.
    const LOSS: Option<&'static str>;
    /// Bytes of the trace of one sample's forward/backward pass (every
    /// layer's `z` and `a`).
    const TRACE_BYTES: usize;

    /// Runs the network on one input.
    fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT>;

    /// The layer table: names, shapes, activations and parameter counts.
    fn summary() -> Summary {
        Summary {
            name: Self::NAME,
            scalar: T::NAME,
            input: IN,
            output: OUT,
            layers: Self::LAYERS,
            params: Self::PARAM_COUNT,
            param_bytes: Self::PARAM_COUNT * core::mem::size_of::<T>(),
            trace_bytes: Self::TRACE_BYTES,
            loss: Self::LOSS,
        }
    }
}

/// A network with a loss: the loss of one sample and its gradient.
///
/// `Y` is the target type the loss accepts (a `ClassLabel<OUT>`, an
/// `SVector<T, OUT>`, ...).
pub trait Supervised<T: Scalar, const IN: usize, const OUT: usize, Y>: Network<T, IN, OUT> {
    /// The loss of one sample.
    fn loss(&self, x: &SVector<T, IN>, y: &Y) -> T;
    /// The loss of one sample; writes `dL/dθ` for every parameter into `grads`
    /// (overwriting it) and, if `dx` is given, `dL/dx` into it.
    fn loss_grad(
        &self,
        x: &SVector<T, IN>,
        y: &Y,
        grads: &mut Self,
        dx: Option<&mut SVector<T, IN>>,
    ) -> T;
}

/// A printable table of a network's layers, shapes, activations and
/// parameter counts, with its memory footprint.
///
/// ```
/// nn::network! { struct Tiny { input: 2, hidden: dense(3, relu), output: dense(1) } }
/// let summary = Tiny::<f32>::summary().to_string();
/// // (2·3 + 3) + (3·1 + 1) = 13 parameters of 4 bytes; the trace holds z and a
/// // of 3 + 1 values: 8 floats, 32 bytes.
/// assert!(summary.contains("total: 13 parameters (52 bytes)"));
/// assert!(summary.contains(
///     "memory: trace 32 bytes per sample; optimizer state 0 (sgd), 52 (momentum), 104 (adam) bytes"
/// ));
/// assert_eq!((Tiny::<f32>::PARAM_BYTES, Tiny::<f64>::TRACE_BYTES), (52, 64));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The struct's name.
    pub name: &'static str,
    /// The scalar type (`"f32"`).
    pub scalar: &'static str,
    /// Input width.
    pub input: usize,
    /// Output width.
    pub output: usize,
    /// The layers.
    pub layers: &'static [LayerInfo],
    /// Total parameter count.
    pub params: usize,
    /// Bytes taken by the parameters (and by one gradient).
    pub param_bytes: usize,
    /// Bytes of the trace of one forward/backward pass.
    pub trace_bytes: usize,
    /// The loss, if any.
    pub loss: Option<&'static str>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}<{}>: {} -> {}",
            self.name, self.scalar, self.input, self.output
        )?;
        writeln!(
            f,
            "  {:<12} {:<14} {:<18} {:>10}",
            "layer", "shape", "activation", "params"
        )?;
        for l in self.layers {
            let shape = ShapeCell(l.inputs, l.outputs);
            writeln!(
                f,
                "  {:<12} {:<14} {:<18} {:>10}",
                l.name, shape, l.activation, l.params
            )?;
        }
        writeln!(
            f,
            "  total: {} parameters ({} bytes)",
            self.params, self.param_bytes
        )?;
        writeln!(
            f,
            "  memory: trace {} bytes per sample; optimizer state 0 (sgd), {} (momentum), {} (adam) bytes",
            self.trace_bytes,
            self.param_bytes,
            2 * self.param_bytes
        )?;
        match self.loss {
            Some(loss) => write!(f, "  loss: {loss}"),
            None => write!(f, "  loss: none (inference and backward from dL/d(output))"),
        }
    }
}

/// `"784 -> 16"`, padded as a unit.
struct ShapeCell(usize, usize);

impl fmt::Display for ShapeCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 48];
        let mut w = SliceWriter {
            buf: &mut buf,
            len: 0,
        };
        fmt::write(&mut w, format_args!("{} -> {}", self.0, self.1))?;
        let len = w.len;
        f.pad(core::str::from_utf8(&buf[..len]).map_err(|_| fmt::Error)?)
    }
}

struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
