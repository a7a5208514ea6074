//! What every generated network has in common: the [`Params`] trait, which
//! optimizers, serialization and training loops use to walk a network's
//! parameters without knowing its layers, the [`Network`] trait for its
//! forward pass, and the static description of its layers and tensors.

#[cfg(feature = "alloc")]
use alloc::{boxed::Box, vec::Vec};
use core::fmt;

use nalgebra::SVector;

use crate::{Scalar, metrics::argmax};

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
    /// The input's shape: `[inputs]` for a vector, `[channels, height,
    /// width]` for an image.
    pub input_shape: &'static [usize],
    /// The output's shape, as `input_shape`.
    pub output_shape: &'static [usize],
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
/// element `(r, c)` is at `c * rows + r`. A shape of more dimensions,
/// `[rows, rest @ ..]` (a convolution's `[out, in, kh, kw]`), is the
/// `rows × product(rest)` matrix whose row `r` is `tensor[r]` flattened
/// row-major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// `"<layer>.weight"` or `"<layer>.bias"`.
    pub name: &'static str,
    /// The layer's field name.
    pub layer: &'static str,
    /// Weight or bias.
    pub kind: TensorKind,
    /// The logical shape, PyTorch's convention: `[out, in]`, `[out]`, or
    /// `[out, in, kh, kw]` for a convolution's weight.
    pub shape: &'static [usize],
    /// The number of elements.
    pub len: usize,
}

/// Where row-major element `i` of a tensor of `shape` lies in its
/// column-major slice: `[rows, rest @ ..]` is a `rows × product(rest)`
/// matrix (a convolution's `[out, in, kh, kw]` is `out × (in·kh·kw)`, row
/// `o` being PyTorch's `weight[o]` flattened), `[len]` a column.
pub(crate) fn column_major_position(shape: &[usize], i: usize) -> usize {
    match shape {
        [rows, rest @ ..] if !rest.is_empty() => {
            let cols: usize = rest.iter().product();
            (i % cols) * rows + i / cols
        }
        _ => i,
    }
}

/// A slice given to [`Params::from_flat_column_major`] or
/// [`Params::copy_flat_column_major_to`] whose length is not the parameter
/// count.
///
/// ```
/// use nn::ParamCountError;
/// let e = ParamCountError { expected: 3, found: 2 };
/// assert_eq!(e.to_string(), "expected 3 parameters, found 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} parameters, found {found}")]
pub struct ParamCountError {
    /// The network's parameter count.
    pub expected: usize,
    /// The slice's length.
    pub found: usize,
}

/// Why [`Params::from_tensors`] or [`Params::set_tensors`] rejected its
/// tensors.
///
/// ```
/// use nn::Params;
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let err = Tiny::<f32>::from_tensors(&[&[1.0, 2.0]]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "expected 2 tensors (each layer's weight, then its bias), found 1"
/// );
/// let err = Tiny::<f32>::from_tensors(&[&[1.0, 2.0, 3.0], &[0.0]]).unwrap_err();
/// assert_eq!(err.to_string(), "tensor `out.weight` of shape [1, 2]: expected 2 values, found 3");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TensorError {
    /// Not one slice per entry of [`Params::TENSORS`].
    #[error("expected {expected} tensors (each layer's weight, then its bias), found {found}")]
    Count {
        /// The number of tensors of the network.
        expected: usize,
        /// The number of slices given.
        found: usize,
    },
    /// A slice whose length is not its tensor's.
    #[error("tensor `{name}` of shape {shape:?}: expected {expected} values, found {found}")]
    Len {
        /// The tensor's name (`"hidden.weight"`).
        name: &'static str,
        /// The tensor's shape, PyTorch's convention (`[out, in]` or `[out]`).
        shape: &'static [usize],
        /// The tensor's number of elements.
        expected: usize,
        /// The slice's length.
        found: usize,
    },
}

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

    /// Every parameter zero. A network of zeros does not train (every
    /// hidden unit gets the same gradient): start from [`Params::init`].
    fn zeros() -> Self;

    /// Re-initialises every parameter in place from `seed`: He uniform for
    /// ReLU-family layers, Xavier/Glorot uniform otherwise, biases zero.
    fn init_in_place(&mut self, seed: u64);

    /// Seeded initialisation, as [`Params::init_in_place`]: the same seed
    /// gives the same weights on every machine.
    ///
    /// The generated `init` of a network (`Net::init(seed)`) makes an `f32`
    /// network; this trait method makes any scalar, named in the type:
    ///
    /// ```
    /// use nn::Params; // brings `Net::<f64>::init` into scope
    /// nn::network! { struct Net { input: 2, out: dense(1) } }
    /// let net = Net::<f64>::init(7);
    /// assert_eq!(net.out.weight, Net::<f64>::init(7).out.weight);
    /// assert_ne!(net, Net::<f64>::zeros());
    /// ```
    fn init(seed: u64) -> Self {
        let mut net = Self::zeros();
        net.init_in_place(seed);
        net
    }

    /// Every parameter zero, allocated directly on the heap: no copy of the
    /// network ever passes through the stack, so layers of any size work
    /// (a 1024 × 1024 `f32` layer is 4 MiB, twice a test thread's stack).
    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> Box<Self> {
        bytemuck::allocation::zeroed_box()
    }

    /// [`Params::init`], allocated directly on the heap.
    #[cfg(feature = "alloc")]
    fn init_boxed(seed: u64) -> Box<Self> {
        let mut net = Self::zeros_boxed();
        net.init_in_place(seed);
        net
    }
    /// The parameter tensors, in [`Params::TENSORS`] order, column-major.
    fn tensors(&self) -> impl Iterator<Item = &[T]>;
    /// The parameter tensors, mutable, in [`Params::TENSORS`] order.
    fn tensors_mut(&mut self) -> impl Iterator<Item = &mut [T]>;

    /// A network from one slice per tensor, in [`Params::TENSORS`] order,
    /// each **row-major** in the shape `TENSORS` gives (`[out, in]` for a
    /// weight): PyTorch's `state_dict()` order and layout, so
    /// `layer.weight.detach().numpy().ravel()` goes in as it is.
    ///
    /// ```
    /// use nn::{Params, nalgebra::Vector2};
    /// nn::network! { struct Square { input: 2, out: dense(2) } }
    /// // PyTorch: nn.Linear(2, 2) with weight [[1, 2], [3, 4]] and bias [0.5, -0.5].
    /// let net = Square::<f32>::from_tensors(&[&[1.0, 2.0, 3.0, 4.0], &[0.5, -0.5]])?;
    /// assert_eq!(net.out.weight[(0, 1)], 2.0); // row 0, column 1
    /// // y = W x + b, as PyTorch computes it.
    /// assert_eq!(net.forward(&Vector2::new(1.0, 1.0)), Vector2::new(3.5, 6.5));
    /// # Ok::<(), nn::TensorError>(())
    /// ```
    fn from_tensors(tensors: &[&[T]]) -> Result<Self, TensorError> {
        let mut net = Self::zeros();
        net.set_tensors(tensors)?;
        Ok(net)
    }

    /// Overwrites every parameter with [`Params::from_tensors`]' input
    /// (one row-major slice per tensor). On an error `self` is unchanged.
    ///
    /// ```
    /// use nn::{Params, TensorError};
    /// nn::network! { struct Tiny { input: 2, out: dense(1) } }
    /// let mut net = Tiny::init(7);
    /// let before = net.clone();
    /// let err = net.set_tensors(&[&[1.0, 2.0], &[0.0, 0.0]]).unwrap_err();
    /// assert!(matches!(err, TensorError::Len { name: "out.bias", expected: 1, found: 2, .. }));
    /// assert_eq!(net, before);
    /// ```
    fn set_tensors(&mut self, tensors: &[&[T]]) -> Result<(), TensorError> {
        if tensors.len() != Self::TENSORS.len() {
            return Err(TensorError::Count {
                expected: Self::TENSORS.len(),
                found: tensors.len(),
            });
        }
        for (info, src) in Self::TENSORS.iter().zip(tensors) {
            if src.len() != info.len {
                return Err(TensorError::Len {
                    name: info.name,
                    shape: info.shape,
                    expected: info.len,
                    found: src.len(),
                });
            }
        }
        for ((info, src), dst) in Self::TENSORS.iter().zip(tensors).zip(self.tensors_mut()) {
            if info.shape.len() < 2 {
                dst.copy_from_slice(src);
            } else {
                // Row-major in, nalgebra's column-major out.
                for (i, &v) in src.iter().enumerate() {
                    dst[column_major_position(info.shape, i)] = v;
                }
            }
        }
        Ok(())
    }

    /// A network from one flat slice of [`Params::PARAM_COUNT`] values,
    /// tensor after tensor in [`Params::TENSORS`] order, each in nalgebra's
    /// **column-major** order (the order [`Params::tensors`] yields and
    /// [`Params::copy_flat_column_major_to`] writes). For PyTorch's row-major
    /// tensors use [`Params::from_tensors`].
    ///
    /// ```
    /// use nn::Params;
    /// nn::network! { struct Square { input: 2, out: dense(2) } }
    /// // W = [[1, 2], [3, 4]] is stored column by column: 1, 3, then 2, 4.
    /// let net = Square::<f32>::from_flat_column_major(&[1.0, 3.0, 2.0, 4.0, 0.5, -0.5])?;
    /// assert_eq!(net.out.weight[(0, 1)], 2.0);
    /// # Ok::<(), nn::ParamCountError>(())
    /// ```
    fn from_flat_column_major(params: &[T]) -> Result<Self, ParamCountError> {
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

    /// [`Params::from_flat_column_major`] under its old name, which did not
    /// say the order.
    #[deprecated(
        since = "0.1.0",
        note = "column-major and easy to load transposed: use `from_tensors` for PyTorch's \
                row-major tensors, or `from_flat_column_major`"
    )]
    fn from_params(params: &[T]) -> Result<Self, ParamCountError> {
        Self::from_flat_column_major(params)
    }

    /// Copies every parameter into `out`, in the order of
    /// [`Params::from_flat_column_major`]: tensor after tensor, each
    /// column-major.
    ///
    /// ```
    /// use nn::Params;
    /// nn::network! { struct Square { input: 2, out: dense(2) } }
    /// let net = Square::<f32>::from_tensors(&[&[1.0, 2.0, 3.0, 4.0], &[0.5, -0.5]])?;
    /// let mut flat = [0.0; 6];
    /// net.copy_flat_column_major_to(&mut flat)?;
    /// assert_eq!(flat, [1.0, 3.0, 2.0, 4.0, 0.5, -0.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn copy_flat_column_major_to(&self, out: &mut [T]) -> Result<(), ParamCountError> {
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

    /// [`Params::copy_flat_column_major_to`] under its old name, which did
    /// not say the order.
    #[deprecated(since = "0.1.0", note = "renamed to `copy_flat_column_major_to`")]
    fn copy_params_to(&self, out: &mut [T]) -> Result<(), ParamCountError> {
        self.copy_flat_column_major_to(out)
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
    /// Every generated network also implements `Display` with this table.
    ///
    /// ```
    /// nn::network! { struct Tiny { input: 2, hidden: dense(3, relu), out: dense(1) } }
    /// let net = Tiny::init(7);
    /// let summary = net.summary();
    /// assert_eq!((summary.scalar, summary.params), ("f32", 13));
    /// assert_eq!(net.to_string(), summary.to_string());
    /// assert!(net.to_string().starts_with("Tiny<f32>: 2 -> 1"));
    /// ```
    fn summary(&self) -> Summary {
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

    /// The output for one input: [`Network::forward`] under the name other
    /// libraries use.
    ///
    /// ```
    /// use nn::{Network, nalgebra::Vector2};
    /// nn::network! { struct Tiny { input: 2, out: dense(2, sigmoid) } }
    /// let net = Tiny::init(7);
    /// let x = Vector2::new(0.5, -1.0);
    /// assert_eq!(net.predict(&x), net.forward(&x));
    /// ```
    fn predict(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        self.forward(x)
    }

    /// The predicted class of one input: the index of the largest output
    /// (the first one on ties), as the training loop's accuracy counts it.
    ///
    /// ```
    /// use nn::{Network, Params, nalgebra::Vector2};
    /// nn::network! { struct Pick { input: 2, out: dense(3) } }
    /// // Outputs (x0, x1, x0 + x1) - 0.5 (bias): the class is the largest.
    /// let net = Pick::from_tensors(&[&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[0.0, 0.0, -0.5]])?;
    /// assert_eq!(net.classify(&Vector2::new(2.0, 0.0)), 0);
    /// assert_eq!(net.classify(&Vector2::new(0.0, 2.0)), 1);
    /// assert_eq!(net.classify(&Vector2::new(1.0, 1.0)), 2);
    /// # Ok::<(), nn::TensorError>(())
    /// ```
    fn classify(&self, x: &SVector<T, IN>) -> usize {
        argmax(self.forward(x).as_slice())
    }

    /// The predicted class of each input, as [`Network::classify`].
    ///
    /// ```
    /// use nn::{Network, nalgebra::Vector2};
    /// nn::network! { struct Tiny { input: 2, out: dense(3) } }
    /// let net = Tiny::init(7);
    /// let xs = [Vector2::new(1.0, 0.0), Vector2::new(0.0, 1.0)];
    /// assert_eq!(net.classify_batch(&xs), [net.classify(&xs[0]), net.classify(&xs[1])]);
    /// ```
    #[cfg(feature = "alloc")]
    fn classify_batch(&self, xs: &[SVector<T, IN>]) -> Vec<usize> {
        xs.iter().map(|x| self.classify(x)).collect()
    }

    /// The predicted class of each input into `classes`, one per input,
    /// without a heap (`no_std`).
    ///
    /// ```
    /// use nn::{Network, nalgebra::Vector2};
    /// nn::network! { struct Tiny { input: 2, out: dense(3) } }
    /// let net = Tiny::init(7);
    /// let xs = [Vector2::new(1.0, 0.0), Vector2::new(0.0, 1.0)];
    /// let mut classes = [0; 2];
    /// net.classify_into(&xs, &mut classes)?;
    /// assert_eq!(classes[1], net.classify(&xs[1]));
    /// let err = net.classify_into(&xs, &mut [0; 3]).unwrap_err();
    /// assert_eq!(err.to_string(), "an output slice of 3 classes for 2 inputs: expected 2");
    /// # Ok::<(), nn::ClassCountError>(())
    /// ```
    fn classify_into(
        &self,
        xs: &[SVector<T, IN>],
        classes: &mut [usize],
    ) -> Result<(), ClassCountError> {
        if classes.len() != xs.len() {
            return Err(ClassCountError {
                inputs: xs.len(),
                found: classes.len(),
            });
        }
        for (x, class) in xs.iter().zip(classes) {
            *class = self.classify(x);
        }
        Ok(())
    }
}

/// An output slice given to [`Network::classify_into`] whose length is not
/// the number of inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an output slice of {found} classes for {inputs} inputs: expected {inputs}")]
pub struct ClassCountError {
    /// The number of inputs.
    pub inputs: usize,
    /// The length of the output slice.
    pub found: usize,
}

/// A network with a loss: the loss of one sample and its gradient.
///
/// `Y` is the target type the loss accepts (a `ClassLabel<OUT>`, an
/// `SVector<T, OUT>`, ...).
pub trait Supervised<T: Scalar, const IN: usize, const OUT: usize, Y>: Network<T, IN, OUT> {
    /// The loss of one sample.
    fn loss(&self, x: &SVector<T, IN>, y: &Y) -> T;
    /// Every layer's values for one sample (the generated `<Name>Trace`).
    type Trace: Default;

    /// The loss of one sample, its forward pass kept in `trace`; writes
    /// `dL/dθ` for every parameter into `grads` (overwriting it) and, if `dx`
    /// is given, `dL/dx` into it. The generated inherent method of the same
    /// name.
    fn loss_and_grad_into(
        &self,
        x: &SVector<T, IN>,
        y: &Y,
        trace: &mut Self::Trace,
        grads: &mut Self,
        dx: Option<&mut SVector<T, IN>>,
    ) -> T;
}

/// A printable table of a network's layers, shapes, activations and
/// parameter counts, with its memory footprint.
///
/// ```
/// nn::network! { struct Tiny { input: 2, hidden: dense(3, relu), output: dense(1) } }
/// let summary = Tiny::<f32>::zeros().summary().to_string();
/// // (2·3 + 3) + (3·1 + 1) = 13 parameters of 4 bytes; the trace holds z and a
/// // of 3 + 1 values: 8 floats, 32 bytes.
/// assert!(summary.contains("total: 13 parameters (52 bytes)"));
/// assert!(summary.contains(
///     "memory: trace 32 bytes per sample; optimizer state 0 (sgd), 52 (momentum), 104 (adam) bytes"
/// ));
/// assert_eq!(Tiny::<f64>::TRACE_BYTES, 64);
/// // The struct's size: the parameters, plus on x86-64 the padding that
/// // aligns each layer to a cache line.
/// assert!(Tiny::<f32>::PARAM_BYTES >= 52);
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
        // Image shapes (`[1, 28, 28] -> [8, 28, 28]`) widen the column.
        let width = self
            .layers
            .iter()
            .map(|l| ShapeCell(l.input_shape, l.output_shape).len())
            .fold(14, usize::max);
        writeln!(
            f,
            "  {:<12} {:<width$} {:<18} {:>10}",
            "layer", "shape", "activation", "params"
        )?;
        for l in self.layers {
            let shape = ShapeCell(l.input_shape, l.output_shape);
            writeln!(
                f,
                "  {:<12} {:<width$} {:<18} {:>10}",
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

/// `"784 -> 16"` or `"[1, 28, 28] -> [8, 28, 28]"`, padded as a unit.
struct ShapeCell(&'static [usize], &'static [usize]);

impl ShapeCell {
    /// The cell as text, in `buf`; `None` if it does not fit.
    fn write<'b>(&self, buf: &'b mut [u8; 96]) -> Option<&'b str> {
        let mut w = SliceWriter { buf, len: 0 };
        let shape = |w: &mut SliceWriter<'_>, dims: &[usize]| -> fmt::Result {
            match dims {
                [n] => fmt::write(w, format_args!("{n}")),
                _ => {
                    fmt::Write::write_str(w, "[")?;
                    for (i, d) in dims.iter().enumerate() {
                        let sep = if i == 0 { "" } else { ", " };
                        fmt::write(w, format_args!("{sep}{d}"))?;
                    }
                    fmt::Write::write_str(w, "]")
                }
            }
        };
        shape(&mut w, self.0).ok()?;
        fmt::Write::write_str(&mut w, " -> ").ok()?;
        shape(&mut w, self.1).ok()?;
        let len = w.len;
        core::str::from_utf8(&buf[..len]).ok()
    }

    /// The length of the cell's text.
    fn len(&self) -> usize {
        self.write(&mut [0; 96]).map_or(0, str::len)
    }
}

impl fmt::Display for ShapeCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 96];
        f.pad(self.write(&mut buf).ok_or(fmt::Error)?)
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
