//! The runtime of `graph!`, and its reference.
//!
//! `nn::graph!` turns scalar functions into their computational graph (the
//! lecture's second half) and writes, at compile time, straight-line Rust for
//! the function, its gradient in reverse mode, Jacobian-vector products in
//! forward mode, its Jacobian, and a Graphviz rendering of the graph with every
//! node's value and gradient.
//!
//! ```
//! nn::graph! {
//!     /// The lecture's example.
//!     pub fn lecture(x1, x2, x3) -> y {
//!         let a = x1 + sin(x1);
//!         y = 2.0 * log10(a) * max(x2, x3);
//!     }
//! }
//! # fn main() {
//! let y: f64 = lecture(5.0, -2.0, -5.0);                 // the plain function
//! let (value, gradient) = lecture::grad([5.0, -2.0, -5.0]); // reverse mode
//! assert_eq!(value, y);
//! assert!((gradient[0] + 0.5518).abs() < 5e-5);          // the lecture's numbers
//! assert!((gradient[1] - 1.2130).abs() < 5e-5);
//! assert_eq!(gradient[2], 0.0);
//! let (_, [dy]) = lecture::jvp([5.0, -2.0, -5.0], [0.0, 1.0, 0.0]); // forward mode
//! assert_eq!(dy, gradient[1]);
//! let dot = lecture::dot([5.0f64, -2.0, -5.0], [1.0]).to_string(); // Graphviz
//! assert!(dot.contains("x1\\nvalue 5.0000\\ngrad -0.5518"));
//! # }
//! ```
//!
//! # Grammar
//!
//! ```text
//! graph! {
//!     /// doc comments and attributes
//!     VIS fn NAME(INPUT, ...) -> OUTPUT | (OUTPUT, ...) {
//!         let NAME = EXPR;        // an intermediate node
//!         OUTPUT = EXPR;          // every output is assigned exactly once
//!     }
//!     ...                         // more functions
//! }
//! EXPR = EXPR + EXPR | EXPR - EXPR | EXPR * EXPR | EXPR / EXPR | -EXPR | (EXPR)
//!      | NUMBER | NAME | FUNC(EXPR, ...)
//! FUNC = sin | cos | tan | exp | ln | log10 | log2 | sqrt | abs | tanh
//!      | sigmoid | relu | max(a, b) | min(a, b) | pow(x, n)
//! ```
//!
//! Precedence is Rust's. `pow(x, 3)` with an integer literal exponent is an
//! integer power (`powi`, fine for negative `x`); any other exponent, a real
//! literal or an expression, is a real power `xʸ` differentiated in both
//! arguments. Numbers are converted to the scalar type. A name is bound once:
//! an input, a `let`, or an output; a `let` and an output can be read by the
//! statements below it. A value read twice is one node, and the gradient
//! contributions of its readers add up.
//!
//! # What it generates
//!
//! For `VIS fn f(x1, ..., xN) -> (y1, ..., yM)`, generic over `T: nn::Scalar`
//! (`f32` or `f64`), in `no_std` too (the generated code names only `::core`
//! and `::nn`):
//! - `f::<T>(x1, ..., xN) -> T` (or a tuple of `M` values): the plain
//!   function, written with your names;
//! - a module `f` (functions and modules do not clash) with
//!   - `eval(x: [T; N]) -> [T; M]`;
//!   - `vjp(x, cotangent: [T; M]) -> ([T; M], [T; N])`: reverse mode, the
//!     outputs and `cotangentᵀ·J`, one forward and one backward sweep;
//!   - `grad(x) -> (T, [T; N])` when `M = 1`: the value and the gradient;
//!   - `jvp(x, tangent: [T; N]) -> ([T; M], [T; M])`: forward mode, the outputs
//!     and `J·tangent`, one forward sweep;
//!   - `jacobian(x) -> [[T; N]; M]`, rows following the outputs (numerator
//!     layout), assembled from `N` forward sweeps when `N < M`, else from `M`
//!     backward sweeps; `JACOBIAN_MODE` says which ([`Mode`]);
//!   - `dot(x, cotangent) -> Dot<T, K>`: every node's value and adjoint,
//!     displayed as Graphviz DOT ([`Dot`]);
//!   - `GRAPH` ([`Graph`]), `INPUTS` and `OUTPUTS` (the names).
//!
//! Nodes that depend on no input (such as `sqrt(2.0)`) are computed once and
//! carry no gradient; `let`s that reach no output are left out of the graph.
//!
//! # Kinks
//!
//! Where an operation is not differentiable, the derivative is a documented
//! subgradient, PyTorch's: `relu′(0) = 0`, `abs′(0) = 0`;
//! `max` and `min` send the whole gradient to the selected argument and, on a
//! tie, half to each; `sqrt′(0) = ln′(0) = +∞`.
//!
//! # Mistakes
//!
//! Each is a compile error on the token to change, and all of them are
//! reported in one build: an unknown function (with the nearest name), a name
//! that is not bound (or used before its `let`), a wrong number of arguments,
//! an output never assigned or assigned twice, a name bound twice, an
//! unsupported operator or expression. An **unused input is a warning**, not
//! an error: it is rustc's `unused_variables` lint on the input's name in the
//! plain function, silenced by naming the input `_x`, as for any Rust
//! function parameter; its gradient is zero. An unused `let` warns the same way.
//!
//! # The runtime
//!
//! The generated code sequences calls to `op`, where each operation's value
//! and derivative live together: `op::sin(x)` is the value, `op::sin_d(x)` the
//! value and the local derivative. `op` and the Jacobian assemblers are for
//! generated code only (`nn::__private`), hidden from these docs.
//!
//! ```
//! use nn::__private::graph::op;
//! assert_eq!(op::relu_d(2.0f64), (2.0, 1.0));
//! assert_eq!(op::max_d(1.0f64, 3.0), (3.0, 0.0, 1.0));
//! ```

use core::fmt;

use crate::Scalar;

/// The operations of `graph!` with their derivatives.
///
/// `f(x)` returns the value; `f_d(x)` returns the value and ∂f/∂x (for a
/// binary `f(a, b)`: the value, ∂f/∂a and ∂f/∂b). `f_d` computes the value
/// exactly as `f` does, so the plain function and the derivative sweeps of a
/// graph agree to the last bit.
///
/// At the points where a function is not differentiable the derivative is a
/// documented subgradient, the one PyTorch uses:
/// - `relu′(0) = 0`, `abs′(0) = 0` (the sign function, `sign(0) = 0`);
/// - `max(a, b)` and `min(a, b)` route the gradient to the selected argument;
///   on a tie (`a == b`) each argument gets half;
/// - `sqrt′(0) = +∞`, `ln′(0) = +∞` (the limits from the right).
#[doc(hidden)]
pub mod op {
    use crate::Scalar;

    /// `a + b`; ∂ = (1, 1).
    #[inline(always)]
    pub fn add_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        (a + b, T::one(), T::one())
    }

    /// `a - b`; ∂ = (1, −1).
    #[inline(always)]
    pub fn sub_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        (a - b, T::one(), -T::one())
    }

    /// `a · b`; ∂ = (b, a).
    #[inline(always)]
    pub fn mul_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        (a * b, b, a)
    }

    /// `a / b`; ∂ = (1/b, −a/b²).
    #[inline(always)]
    pub fn div_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        let y = a / b;
        (y, T::one() / b, -y / b)
    }

    /// `−x`; ∂ = −1.
    #[inline(always)]
    pub fn neg_d<T: Scalar>(x: T) -> (T, T) {
        (-x, -T::one())
    }

    /// `xⁿ` for an integer `n`.
    #[inline(always)]
    pub fn powi<T: Scalar>(x: T, n: i32) -> T {
        x.powi(n)
    }

    /// `xⁿ`; ∂ = n·xⁿ⁻¹ (and 0 for `n = 0`, also at `x = 0`).
    #[inline(always)]
    pub fn powi_d<T: Scalar>(x: T, n: i32) -> (T, T) {
        let d = if n == 0 {
            T::zero()
        } else {
            T::cast_f64(f64::from(n)) * x.powi(n - 1)
        };
        (powi(x, n), d)
    }

    /// `aᵇ` for real `b` (NaN for `a < 0` unless `b` is a whole number).
    #[inline(always)]
    pub fn pow<T: Scalar>(a: T, b: T) -> T {
        a.powf(b)
    }

    /// `aᵇ`; ∂ = (b·aᵇ⁻¹, aᵇ·ln a). ∂/∂b is 0 where `aᵇ = 0` (the limit
    /// at `a → 0⁺`, `b > 0`) and NaN for `a < 0`.
    #[inline(always)]
    pub fn pow_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        let y = pow(a, b);
        let db = if y == T::zero() {
            T::zero()
        } else {
            y * a.ln()
        };
        (y, b * a.powf(b - T::one()), db)
    }

    /// `sin x`.
    #[inline(always)]
    pub fn sin<T: Scalar>(x: T) -> T {
        x.sin()
    }

    /// `sin x`; ∂ = cos x.
    #[inline(always)]
    pub fn sin_d<T: Scalar>(x: T) -> (T, T) {
        (sin(x), x.cos())
    }

    /// `cos x`.
    #[inline(always)]
    pub fn cos<T: Scalar>(x: T) -> T {
        x.cos()
    }

    /// `cos x`; ∂ = −sin x.
    #[inline(always)]
    pub fn cos_d<T: Scalar>(x: T) -> (T, T) {
        (cos(x), -x.sin())
    }

    /// `tan x`.
    #[inline(always)]
    pub fn tan<T: Scalar>(x: T) -> T {
        x.tan()
    }

    /// `tan x`; ∂ = 1 + tan² x.
    #[inline(always)]
    pub fn tan_d<T: Scalar>(x: T) -> (T, T) {
        let y = tan(x);
        (y, T::one() + y * y)
    }

    /// `eˣ`.
    #[inline(always)]
    pub fn exp<T: Scalar>(x: T) -> T {
        x.exp()
    }

    /// `eˣ`; ∂ = eˣ.
    #[inline(always)]
    pub fn exp_d<T: Scalar>(x: T) -> (T, T) {
        let y = exp(x);
        (y, y)
    }

    /// `ln x`, the natural logarithm.
    #[inline(always)]
    pub fn ln<T: Scalar>(x: T) -> T {
        x.ln()
    }

    /// `ln x`; ∂ = 1/x.
    #[inline(always)]
    pub fn ln_d<T: Scalar>(x: T) -> (T, T) {
        (ln(x), T::one() / x)
    }

    /// `log₁₀ x`.
    #[inline(always)]
    pub fn log10<T: Scalar>(x: T) -> T {
        x.log10()
    }

    /// `log₁₀ x`; ∂ = 1/(x·ln 10).
    #[inline(always)]
    pub fn log10_d<T: Scalar>(x: T) -> (T, T) {
        (log10(x), T::one() / (x * T::ln_10()))
    }

    /// `log₂ x`.
    #[inline(always)]
    pub fn log2<T: Scalar>(x: T) -> T {
        x.log2()
    }

    /// `log₂ x`; ∂ = 1/(x·ln 2).
    #[inline(always)]
    pub fn log2_d<T: Scalar>(x: T) -> (T, T) {
        (log2(x), T::one() / (x * T::ln_2()))
    }

    /// `√x`.
    #[inline(always)]
    pub fn sqrt<T: Scalar>(x: T) -> T {
        x.sqrt()
    }

    /// `√x`; ∂ = 1/(2√x).
    #[inline(always)]
    pub fn sqrt_d<T: Scalar>(x: T) -> (T, T) {
        let y = sqrt(x);
        (y, T::one() / (y + y))
    }

    /// `|x|`.
    #[inline(always)]
    pub fn abs<T: Scalar>(x: T) -> T {
        <T as nalgebra::ComplexField>::abs(x)
    }

    /// `|x|`; ∂ = sign x, with `sign 0 = 0`.
    #[inline(always)]
    pub fn abs_d<T: Scalar>(x: T) -> (T, T) {
        let d = if x > T::zero() {
            T::one()
        } else if x < T::zero() {
            -T::one()
        } else {
            T::zero()
        };
        (abs(x), d)
    }

    /// `tanh x`.
    #[inline(always)]
    pub fn tanh<T: Scalar>(x: T) -> T {
        x.tanh()
    }

    /// `tanh x`; ∂ = 1 − tanh² x.
    #[inline(always)]
    pub fn tanh_d<T: Scalar>(x: T) -> (T, T) {
        let y = tanh(x);
        (y, T::one() - y * y)
    }

    /// `σ(x) = 1/(1 + e⁻ˣ)`, computed without overflow for large `|x|`.
    #[inline(always)]
    pub fn sigmoid<T: Scalar>(x: T) -> T {
        crate::activation::sigmoid(x)
    }

    /// `σ(x)`; ∂ = σ(x)·(1 − σ(x)).
    #[inline(always)]
    pub fn sigmoid_d<T: Scalar>(x: T) -> (T, T) {
        let y = sigmoid(x);
        (y, y * (T::one() - y))
    }

    /// `max(x, 0)`; NaN stays NaN, as in PyTorch and `nn::activation::Relu`.
    ///
    /// ```
    /// assert!(nn::graph::op::relu(f64::NAN).is_nan());
    /// ```
    #[inline(always)]
    pub fn relu<T: Scalar>(x: T) -> T {
        // `x <= 0` is false for NaN, which comes out as it went in.
        if x <= T::zero() { T::zero() } else { x }
    }

    /// `max(x, 0)`; ∂ = 1 for `x > 0`, else 0 (so `relu′(0) = 0`); NaN gives
    /// NaN for both.
    ///
    /// ```
    /// let (y, d) = nn::graph::op::relu_d(f64::NAN);
    /// assert!(y.is_nan() && d.is_nan());
    /// ```
    #[inline(always)]
    pub fn relu_d<T: Scalar>(x: T) -> (T, T) {
        if x > T::zero() {
            (x, T::one())
        } else if x <= T::zero() {
            (T::zero(), T::zero())
        } else {
            // NaN: both comparisons are false.
            (x, x)
        }
    }

    /// The larger of `a` and `b`.
    #[inline(always)]
    pub fn max<T: Scalar>(a: T, b: T) -> T {
        if a >= b { a } else { b }
    }

    /// `max(a, b)`; ∂ = (1, 0) if `a > b`, (0, 1) if `a < b`, (½, ½) on a tie.
    #[inline(always)]
    pub fn max_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        let (da, db) = route(a, b);
        (max(a, b), da, db)
    }

    /// The smaller of `a` and `b`.
    #[inline(always)]
    pub fn min<T: Scalar>(a: T, b: T) -> T {
        if a <= b { a } else { b }
    }

    /// `min(a, b)`; ∂ = (1, 0) if `a < b`, (0, 1) if `a > b`, (½, ½) on a tie.
    #[inline(always)]
    pub fn min_d<T: Scalar>(a: T, b: T) -> (T, T, T) {
        let (da, db) = route(b, a);
        (min(a, b), da, db)
    }

    /// The partials of `max(a, b)`: all to the larger argument, half each
    /// on a tie.
    #[inline(always)]
    fn route<T: Scalar>(a: T, b: T) -> (T, T) {
        if a > b {
            (T::one(), T::zero())
        } else if a < b {
            (T::zero(), T::one())
        } else {
            let half = T::cast_f64(0.5);
            (half, half)
        }
    }
}

/// What a node of a graph computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// An input of the function.
    Input,
    /// A numeric constant.
    Constant,
    /// An operation on earlier nodes.
    Operation,
}

/// One node of a [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// What the node computes: the input's name, the constant, or the
    /// operation (`"+"`, `"sin"`, `"pow 2"`).
    pub label: &'static str,
    /// The name the value is bound to by `let` or as an output, if any.
    pub name: Option<&'static str>,
    /// Indices of the nodes this one reads, in argument order.
    pub args: &'static [usize],
    /// Input, constant or operation.
    pub kind: NodeKind,
    /// Whether the node depends on an input; only active nodes carry a
    /// gradient.
    pub active: bool,
}

/// A function of `graph!` as a DAG, nodes in evaluation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Graph {
    /// The function's name.
    pub name: &'static str,
    /// Every node that contributes to an output, in evaluation order.
    pub nodes: &'static [Node],
    /// The input nodes, in the function's argument order.
    pub inputs: &'static [usize],
    /// The output nodes, in the function's output order.
    pub outputs: &'static [usize],
}

/// How a Jacobian is assembled; `graph!` picks one at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One forward sweep (a Jacobian-vector product) per input: cheaper when
    /// there are fewer inputs than outputs.
    Forward,
    /// One backward sweep (a vector-Jacobian product) per output: cheaper
    /// when there are at least as many inputs as outputs.
    Reverse,
}

/// A graph evaluated at a point: every node's value and adjoint (the
/// gradient of `cotangent · outputs` with respect to the node).
///
/// [`Display`](fmt::Display) renders it in Graphviz DOT, left to right like
/// the lecture's slides, each node labelled with its value and gradient.
/// Use `.to_string()` with `std`, or `write!` into any [`fmt::Write`].
#[derive(Clone, Debug)]
pub struct Dot<T, const K: usize> {
    /// The graph's structure.
    pub graph: &'static Graph,
    /// The value of each node.
    pub values: [T; K],
    /// The adjoint of each node; zero for inactive nodes.
    pub adjoints: [T; K],
}

impl<T: Scalar, const K: usize> fmt::Display for Dot<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = f.precision().unwrap_or(4);
        writeln!(f, "digraph \"{}\" {{", self.graph.name)?;
        writeln!(f, "    rankdir=LR;")?;
        writeln!(f, "    node [fontname=\"Helvetica\"];")?;
        for (k, node) in self.graph.nodes.iter().enumerate() {
            write!(f, "    n{k} [label=\"")?;
            match (node.kind, node.name) {
                (NodeKind::Operation, Some(name)) => write!(f, "{name} = {}", node.label)?,
                _ => write!(f, "{}", node.label)?,
            }
            // A constant's label is its value already.
            if node.kind != NodeKind::Constant {
                write!(f, "\\nvalue {:.*}", digits, self.values[k])?;
            }
            if node.active {
                write!(f, "\\ngrad {:.*}", digits, self.adjoints[k])?;
            }
            let shape = match node.kind {
                NodeKind::Input => "box",
                NodeKind::Constant => "plaintext",
                NodeKind::Operation => "ellipse",
            };
            write!(f, "\", shape={shape}")?;
            if self.graph.outputs.contains(&k) {
                write!(f, ", peripheries=2")?;
            }
            writeln!(f, "];")?;
        }
        for (k, node) in self.graph.nodes.iter().enumerate() {
            for arg in node.args {
                writeln!(f, "    n{arg} -> n{k};")?;
            }
        }
        writeln!(f, "}}")
    }
}

/// The `M × N` Jacobian from `N` Jacobian-vector products, one per input:
/// column `j` is `jvp(e_j)`.
#[doc(hidden)]
pub fn jacobian_forward<T: Scalar, const N: usize, const M: usize>(
    mut jvp: impl FnMut([T; N]) -> [T; M],
) -> [[T; N]; M] {
    let mut jacobian = [[T::zero(); N]; M];
    for j in 0..N {
        let mut tangent = [T::zero(); N];
        tangent[j] = T::one();
        let column = jvp(tangent);
        for (row, value) in jacobian.iter_mut().zip(column) {
            row[j] = value;
        }
    }
    jacobian
}

/// The `M × N` Jacobian from `M` vector-Jacobian products, one per output:
/// row `i` is `vjp(e_i)`.
#[doc(hidden)]
pub fn jacobian_reverse<T: Scalar, const N: usize, const M: usize>(
    mut vjp: impl FnMut([T; M]) -> [T; N],
) -> [[T; N]; M] {
    let mut jacobian = [[T::zero(); N]; M];
    for (i, row) in jacobian.iter_mut().enumerate() {
        let mut cotangent = [T::zero(); M];
        cotangent[i] = T::one();
        *row = vjp(cotangent);
    }
    jacobian
}

#[cfg(test)]
mod tests {
    use super::op;

    #[test]
    fn kinks_use_the_documented_subgradient() {
        assert_eq!(op::relu_d(0.0f64), (0.0, 0.0));
        assert_eq!(op::abs_d(0.0f64), (0.0, 0.0));
        assert_eq!(op::max_d(2.0f64, 2.0), (2.0, 0.5, 0.5));
        assert_eq!(op::min_d(1.0f64, 4.0), (1.0, 1.0, 0.0));
        assert_eq!(op::powi_d(0.0f64, 0), (1.0, 0.0));
        assert_eq!(op::pow_d(0.0f64, 2.0), (0.0, 0.0, 0.0));
    }
}
