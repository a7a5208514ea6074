//! int8 inference: the integer kernels behind `#[weights(.., quantize = int8, ..)]`.
//!
//! Every tensor is symmetric int8: a real value `r` is stored as
//! `q = clamp(round(r / scale), -127, 127)` and read back as `scale · q`
//! (no zero point, so ReLU is a clamp at 0). `network!` computes every scale
//! and multiplier at compile time; the forward pass is integers only:
//!
//! - weights: one scale per output row, `s_w[o] = max_i |W[o][i]| / 127`;
//! - biases: `i32` at the scale of the product, `bias[o] = round(b[o] / (s_in · s_w[o]))`;
//! - activations: one scale per layer output, `max |a|` over the calibration
//!   samples `/ 127` (`s_in` of the first layer: the same for the input);
//! - one layer: `acc[o] = bias[o] + Σ_i W[o][i] · x[i]` in `i32`, then
//!   [`requantize`] by `M[o] = s_in · s_w[o] / s_out`, written as
//!   `multiplier[o] / 2^shift[o]` (TFLite's and CMSIS-NN's fixed-point
//!   multiplier): `y[o] = clamp((acc[o] · multiplier[o] + 2^(shift[o] − 1)) >> shift[o], floor, 127)`
//!   in `i64`, with `floor` 0 after ReLU and −127 otherwise.
//!
//! No float, no heap, no std: the kernels run on a Cortex-M without an FPU.
//! Only [`quantize`] and [`dequantize`], at the edges, use `f32`.
//!
//! ```
//! use nn::quant::QuantizedDense;
//! // y = relu(W x) with W = [[1, -1]] stored as [[127, -127]], and
//! // M = s_in · s_w / s_out = 1/128, that is 2^30 / 2^37.
//! let layer = QuantizedDense::<2, 1> {
//!     weight: [[127, -127]],
//!     bias: [0],
//!     multiplier: [1 << 30],
//!     shift: [37],
//!     floor: 0, // ReLU
//! };
//! // acc = 127·100 − 127·20 = 10160, and 10160 / 128 = 79.4
//! assert_eq!(layer.forward(&[100, 20]), [79]);
//! assert_eq!(layer.forward(&[20, 100]), [0]);
//! ```

/// One fully-connected int8 layer: `y = clamp(requantize(bias + W x), floor, 127)`.
///
/// `weight` is row-major, `[OUT][IN]` (PyTorch's `[out, in]`), with one
/// requantization (`multiplier[o] / 2^shift[o]`) per output row. `network!`
/// fills it at compile time; [`QuantizedDense::forward`] says the formula.
///
/// ```
/// use nn::quant::QuantizedDense;
/// let layer = QuantizedDense::<2, 2> {
///     weight: [[2, 0], [0, -3]],
///     bias: [4, 0],
///     multiplier: [1 << 30, 1 << 30], // both 1/2: 2^30 / 2^31
///     shift: [31, 31],
///     floor: -127,                    // no activation
/// };
/// // acc = [4 + 2·10, −3·7] = [24, −21]; halved and rounded half up: [12, −10]
/// assert_eq!(layer.forward(&[10, 7]), [12, -10]);
/// assert_eq!(QuantizedDense::<784, 16>::BYTES, 784 * 16 + 16 * (4 + 4 + 1) + 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuantizedDense<const IN: usize, const OUT: usize> {
    /// The int8 weights, one row of `IN` per output.
    pub weight: [[i8; IN]; OUT],
    /// The biases, at the scale `s_in · s_w[o]` of the accumulator.
    pub bias: [i32; OUT],
    /// The fixed-point multiplier of each row, in `[2^30, 2^31)` unless
    /// the real multiplier is tiny (then `shift` is at its cap of 62).
    pub multiplier: [i32; OUT],
    /// The right shift of each row, `1..=62`.
    pub shift: [u8; OUT],
    /// The smallest output: `0` after ReLU (the clamp is the ReLU), `-127`
    /// without an activation.
    pub floor: i8,
}

impl<const IN: usize, const OUT: usize> QuantizedDense<IN, OUT> {
    /// The bytes the layer occupies (weights, biases, multipliers, shifts,
    /// floor and padding): what it puts in flash as a `static`.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// `y[o] = clamp((acc[o] · multiplier[o] + 2^(shift[o] − 1)) >> shift[o], floor, 127)`
    /// with `acc[o] = bias[o] + Σ_i weight[o][i] · x[i]`: `i32` accumulation
    /// (wrapping, which cannot happen below 2^17 inputs: `127 · 127 · IN`
    /// stays under `2^31` with room for the bias), `i64` requantization.
    ///
    /// ```
    /// use nn::quant::QuantizedDense;
    /// let relu = QuantizedDense::<1, 1> { weight: [[1]], bias: [0], multiplier: [1 << 30], shift: [30], floor: 0 };
    /// assert_eq!(relu.forward(&[-5]), [0]);
    /// assert_eq!(relu.forward(&[100]), [100]);
    /// ```
    pub fn forward(&self, x: &[i8; IN]) -> [i8; OUT] {
        let mut y = [0i8; OUT];
        self.forward_into(x, &mut y);
        y
    }

    /// [`forward`](Self::forward) into `y`.
    ///
    /// ```
    /// use nn::quant::QuantizedDense;
    /// let id = QuantizedDense::<1, 1> { weight: [[1]], bias: [0], multiplier: [1 << 30], shift: [30], floor: -127 };
    /// let mut y = [0i8];
    /// id.forward_into(&[-5], &mut y);
    /// assert_eq!(y, [-5]);
    /// ```
    pub fn forward_into(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        for (o, out) in y.iter_mut().enumerate() {
            let mut acc = self.bias[o];
            for (&w, &v) in self.weight[o].iter().zip(x) {
                acc = acc.wrapping_add(i32::from(w) * i32::from(v));
            }
            *out = requantize(acc, self.multiplier[o], self.shift[o], self.floor);
        }
    }
}

/// `clamp((acc · multiplier + 2^(shift − 1)) >> shift, floor, 127)`, in
/// `i64` with an arithmetic shift: `acc · multiplier / 2^shift` rounded half
/// up, saturated to int8. A `shift` outside `1..=62` is taken as its nearest
/// bound.
///
/// ```
/// use nn::quant::requantize;
/// // 1/2 as 2^30 / 2^31: 5/2 = 2.5 rounds up, −5/2 = −2.5 rounds up too.
/// assert_eq!(requantize(5, 1 << 30, 31, -127), 3);
/// assert_eq!(requantize(-5, 1 << 30, 31, -127), -2);
/// assert_eq!(requantize(-5, 1 << 30, 31, 0), 0);     // ReLU
/// assert_eq!(requantize(1000, 1 << 30, 31, -127), 127); // saturated
/// ```
pub fn requantize(acc: i32, multiplier: i32, shift: u8, floor: i8) -> i8 {
    let shift = shift.clamp(1, 62);
    let round = 1i64 << (shift - 1);
    let y = (i64::from(acc) * i64::from(multiplier) + round) >> shift;
    // In range after the clamp, so the cast is exact.
    y.clamp(i64::from(floor), 127) as i8
}

/// `clamp(round(x / scale), -127, 127)`, rounding half away from zero: one
/// real value into int8 at `scale` (the input of a quantized network; the
/// only other float besides [`dequantize`]). A `scale` that is not positive
/// gives 0. A `const fn`, so that a table from 8-bit sensor values to the
/// network's input can be computed at compile time for a core without an FPU.
///
/// ```
/// use nn::quant::quantize;
/// assert_eq!(quantize(0.5, 1.0 / 127.0), 64);   // 63.5 rounds away from zero
/// assert_eq!(quantize(-2.0, 1.0 / 127.0), -127); // saturated
/// const TABLE: [i8; 2] = [quantize(0.0, 0.5), quantize(1.0, 0.5)];
/// assert_eq!(TABLE, [0, 2]);
/// ```
pub const fn quantize(x: f32, scale: f32) -> i8 {
    if scale.is_nan() || scale <= 0.0 {
        return 0;
    }
    let q = x / scale;
    // `round` is std-only: half away from zero by hand. `as` saturates and
    // maps NaN to 0.
    let q = if q >= 0.0 { q + 0.5 } else { q - 0.5 } as i32;
    // `Ord::clamp` is not `const`.
    if q > 127 {
        127
    } else if q < -127 {
        -127
    } else {
        q as i8
    }
}

/// `scale · q`: an int8 value back into a real one.
///
/// ```
/// use nn::quant::dequantize;
/// assert_eq!(dequantize(-64, 0.5), -32.0);
/// ```
pub fn dequantize(q: i8, scale: f32) -> f32 {
    f32::from(q) * scale
}

/// The index of the largest value, the first on a tie (`0` for an empty
/// slice): `classify` on int8 logits.
///
/// ```
/// use nn::quant::argmax;
/// assert_eq!(argmax(&[3, -7, 9, 9]), 2);
/// ```
pub fn argmax(values: &[i8]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
