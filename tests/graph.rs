//! `graph!`: the lecture's numbers, every operation against central finite
//! differences in f64, the documented subgradients at kinks, both Jacobian
//! modes, f32, and the DOT rendering.
//!
//! Expected numbers come from hand-derived formulas and from finite
//! differences, never from the code under test.
#![deny(warnings)]

use approx::assert_abs_diff_eq;
use nn::graph::{Mode, NodeKind};

nn::graph! {
    /// The lecture's example: y = 2·log10(x1 + sin x1)·max(x2, x3).
    pub fn lecture(x1, x2, x3) -> y {
        let a = x1 + sin(x1);
        y = 2.0 * log10(a) * max(x2, x3);
    }

    /// The lecture's Jacobian example: y = (−5·x1 + x2, x1²).
    pub fn jac(x1, x2) -> (y1, y2) {
        y1 = -5.0 * x1 + x2;
        y2 = pow(x1, 2);
    }

    /// One input, three outputs: the Jacobian is assembled in forward mode.
    pub fn wide(x) -> (y1, y2, y3) {
        y1 = sin(x);
        y2 = x * x * x;
        y3 = exp(-x) / (1 + x * x);
    }

    /// A value used several times: y = s² + s with s = x², so y′ = 4x³ + 2x.
    pub fn shared(x) -> y {
        let s = x * x;
        y = s * s + s;
    }

    /// An output read by a later output.
    pub fn chain(x1, x2) -> (y1, y2) {
        y1 = x1 * x2;
        y2 = sin(y1) + y1 / x2;
    }

    /// Constant subexpressions carry no gradient; an output may be an input
    /// or a constant.
    pub fn consts(x) -> (y, same, three) {
        y = x * sqrt(2.0) + pow(2.0, 3) - -(x / 4);
        same = x;
        three = 3;
    }

    /// An input whose name starts with `_` may go unused, without a warning.
    pub fn ignores(x, _unused) -> y {
        y = exp(x);
    }

    fn op_add(a, b) -> y { y = a + b; }
    fn op_sub(a, b) -> y { y = a - b; }
    fn op_mul(a, b) -> y { y = a * b; }
    fn op_div(a, b) -> y { y = a / b; }
    fn op_neg(a) -> y { y = -a; }
    fn op_powi(a) -> y { y = pow(a, 3); }
    fn op_powi_neg(a) -> y { y = pow(a, -2); }
    fn op_powi_zero(a) -> y { y = pow(a, 0); }
    fn op_powf_const(a) -> y { y = pow(a, 1.5); }
    fn op_pow(a, b) -> y { y = pow(a, b); }
    fn op_sin(a) -> y { y = sin(a); }
    fn op_cos(a) -> y { y = cos(a); }
    fn op_tan(a) -> y { y = tan(a); }
    fn op_exp(a) -> y { y = exp(a); }
    fn op_ln(a) -> y { y = ln(a); }
    fn op_log10(a) -> y { y = log10(a); }
    fn op_log2(a) -> y { y = log2(a); }
    fn op_sqrt(a) -> y { y = sqrt(a); }
    fn op_abs(a) -> y { y = abs(a); }
    fn op_tanh(a) -> y { y = tanh(a); }
    fn op_sigmoid(a) -> y { y = sigmoid(a); }
    fn op_relu(a) -> y { y = relu(a); }
    fn op_max(a, b) -> y { y = max(a, b); }
    fn op_min(a, b) -> y { y = min(a, b); }
    fn op_const(a) -> y { y = 2.5 * a + 7; }
}

/// The Jacobian of `f` at `x` by the fourth-order central difference
/// `(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h` along each input, with
/// `h = step · max(|xⱼ|, 0.1)`: its error is O(h⁴) plus rounding O(ε/h).
fn finite_jacobian<const N: usize, const M: usize>(
    f: impl Fn([f64; N]) -> [f64; M],
    x: [f64; N],
    step: f64,
) -> [[f64; N]; M] {
    let mut jacobian = [[0.0; N]; M];
    for j in 0..N {
        let h = step * x[j].abs().max(0.1);
        let at = |step: f64| {
            let mut x = x;
            x[j] += step;
            f(x)
        };
        let (p2, p1, m1, m2) = (at(2.0 * h), at(h), at(-h), at(-2.0 * h));
        for i in 0..M {
            jacobian[i][j] = (-p2[i] + 8.0 * p1[i] - 8.0 * m1[i] + m2[i]) / (12.0 * h);
        }
    }
    jacobian
}

/// `|a − b| ≤ tol · max(1, |b|)` for every entry.
fn assert_close<const N: usize, const M: usize>(
    what: &str,
    analytic: [[f64; N]; M],
    numeric: [[f64; N]; M],
    tol: f64,
) {
    for i in 0..M {
        for j in 0..N {
            let (a, n) = (analytic[i][j], numeric[i][j]);
            assert!(
                (a - n).abs() <= tol * n.abs().max(1.0),
                "{what}: ∂y{i}/∂x{j} = {a}, finite differences give {n}"
            );
        }
    }
}

/// Checks `jacobian`, `vjp` (every unit and one mixed cotangent) and `jvp`
/// (every unit and one mixed tangent) of a generated module against finite
/// differences of its `eval`, and `eval` against the plain function.
macro_rules! check_fd {
    ($f:ident, $x:expr, $tol:expr) => {{
        let x: [f64; $f::INPUTS.len()] = $x;
        let numeric = finite_jacobian($f::eval::<f64>, x, 1e-3);
        let what = format!("{} at {:?}", stringify!($f), x);
        assert_close(&format!("{what}, jacobian"), $f::jacobian(x), numeric, $tol);
        const N: usize = $f::INPUTS.len();
        const M: usize = $f::OUTPUTS.len();
        // Rows from reverse mode, columns from forward mode.
        let rows = nn::graph::jacobian_reverse::<f64, N, M>(|c| $f::vjp(x, c).1);
        let cols = nn::graph::jacobian_forward::<f64, N, M>(|t| $f::jvp(x, t).1);
        assert_close(&format!("{what}, vjp"), rows, numeric, $tol);
        assert_close(&format!("{what}, jvp"), cols, numeric, $tol);
        // A mixed cotangent and tangent: cᵀJ and J·t.
        let c: [f64; M] = core::array::from_fn(|i| 0.5 - i as f64);
        let t: [f64; N] = core::array::from_fn(|j| 1.5 + j as f64);
        let (values, ct_j) = $f::vjp(x, c);
        let (values_fwd, j_t) = $f::jvp(x, t);
        assert_eq!(values, $f::eval(x), "{what}: vjp's values");
        assert_eq!(values_fwd, $f::eval(x), "{what}: jvp's values");
        for j in 0..N {
            let expected: f64 = (0..M).map(|i| c[i] * numeric[i][j]).sum();
            assert_close(&format!("{what}, cᵀJ"), [[ct_j[j]]], [[expected]], $tol);
        }
        for i in 0..M {
            let expected: f64 = (0..N).map(|j| numeric[i][j] * t[j]).sum();
            assert_close(&format!("{what}, J·t"), [[j_t[i]]], [[expected]], $tol);
        }
    }};
}

// ---------------------------------------------------------------------------
// The lecture
// ---------------------------------------------------------------------------

#[test]
fn lecture_gradient_matches_the_slides() {
    let (y, g) = lecture::grad([5.0f64, -2.0, -5.0]);
    // PyTorch's numbers from the lecture, to 4 decimals.
    assert_abs_diff_eq!(g[0], -0.5518, epsilon = 5e-5);
    assert_abs_diff_eq!(g[1], 1.2130, epsilon = 5e-5);
    assert_eq!(g[2], 0.0);
    // By hand: y = 2·log10(a)·m with a = x1 + sin x1, m = max(x2, x3) = x2.
    let (x1, m) = (5.0f64, -2.0f64);
    let a = x1 + x1.sin();
    assert_abs_diff_eq!(y, 2.0 * a.log10() * m, epsilon = 1e-15);
    let dy_dx1 = 2.0 * m * (1.0 + x1.cos()) / (a * std::f64::consts::LN_10);
    assert_abs_diff_eq!(g[0], dy_dx1, epsilon = 1e-14);
    assert_abs_diff_eq!(g[1], 2.0 * a.log10(), epsilon = 1e-14);
}

#[test]
fn lecture_gradient_matches_finite_differences_to_1e_10() {
    let x = [5.0f64, -2.0, -5.0];
    let numeric = finite_jacobian(lecture::eval::<f64>, x, 1e-3);
    let (_, g) = lecture::grad(x);
    for j in 0..3 {
        assert!(
            (g[j] - numeric[0][j]).abs() < 1e-10,
            "∂y/∂x{}: {} vs {}",
            j + 1,
            g[j],
            numeric[0][j]
        );
    }
    check_fd!(lecture, x, 1e-10);
    check_fd!(lecture, [0.3, 1.0, 2.0], 1e-9);
}

#[test]
fn lecture_all_entry_points_agree() {
    let x = [5.0f64, -2.0, -5.0];
    let (y, g) = lecture::grad(x);
    assert_eq!(lecture(5.0, -2.0, -5.0), y);
    assert_eq!(lecture::eval(x), [y]);
    assert_eq!(lecture::jacobian(x), [g]);
    assert_eq!(lecture::JACOBIAN_MODE, Mode::Reverse);
    // Forward mode: one sweep per input gives the same gradient.
    for (j, expected) in g.iter().enumerate() {
        let mut tangent = [0.0; 3];
        tangent[j] = 1.0;
        let (_, [dy]) = lecture::jvp(x, tangent);
        assert_abs_diff_eq!(dy, *expected, epsilon = 1e-15);
    }
}

#[test]
fn lecture_in_f32() {
    let (y, g) = lecture::grad([5.0f32, -2.0, -5.0]);
    let (y64, g64) = lecture::grad([5.0f64, -2.0, -5.0]);
    assert_abs_diff_eq!(f64::from(y), y64, epsilon = 1e-5);
    for j in 0..3 {
        assert_abs_diff_eq!(f64::from(g[j]), g64[j], epsilon = 1e-5);
    }
    let _: f32 = lecture(5.0f32, -2.0, -5.0);
}

#[test]
fn x1_is_one_node_used_twice() {
    let graph = &lecture::GRAPH;
    let x1 = graph.inputs[0];
    assert_eq!(graph.nodes[x1].label, "x1");
    assert_eq!(graph.nodes[x1].kind, NodeKind::Input);
    let readers: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.args.contains(&x1))
        .map(|n| n.label)
        .collect();
    assert_eq!(readers, ["sin", "+"]);
    // Its adjoint is the sum of both contributions: through sin and directly.
    let dot = lecture::dot([5.0f64, -2.0, -5.0], [1.0]);
    let a = graph
        .nodes
        .iter()
        .position(|n| n.name == Some("a"))
        .unwrap();
    let sin = graph.nodes.iter().position(|n| n.label == "sin").unwrap();
    let g_a = dot.adjoints[a];
    assert_abs_diff_eq!(dot.adjoints[sin], g_a, epsilon = 1e-15);
    assert_abs_diff_eq!(dot.adjoints[x1], g_a + g_a * 5.0f64.cos(), epsilon = 1e-15);
}

#[test]
fn lecture_dot_has_every_node_value_and_gradient() {
    let dot = lecture::dot([5.0f64, -2.0, -5.0], [1.0]);
    let (y, g) = lecture::grad([5.0f64, -2.0, -5.0]);
    assert_eq!(dot.values[..3], [5.0, -2.0, -5.0]);
    assert_eq!(dot.adjoints[..3], g);
    let out = lecture::GRAPH.outputs[0];
    assert_eq!((dot.values[out], dot.adjoints[out]), (y, 1.0));
    let text = dot.to_string();
    assert!(text.starts_with("digraph \"lecture\" {\n"), "{text}");
    assert!(text.trim_end().ends_with('}'), "{text}");
    assert!(
        text.contains("n0 [label=\"x1\\nvalue 5.0000\\ngrad -0.5518\", shape=box];"),
        "{text}"
    );
    assert!(
        text.contains(
            "[label=\"y = *\\nvalue -2.4260\\ngrad 1.0000\", shape=ellipse, peripheries=2];"
        ),
        "{text}"
    );
    // The constant 2 is shown as itself, without a gradient.
    assert!(text.contains("[label=\"2\", shape=plaintext];"), "{text}");
    let edges = text.lines().filter(|l| l.contains("->")).count();
    let args: usize = lecture::GRAPH.nodes.iter().map(|n| n.args.len()).sum();
    assert_eq!(edges, args);
    assert_eq!(edges, 10);
    // The precision can be chosen.
    assert!(format!("{dot:.2}").contains("grad -0.55\""));
}

#[test]
fn jacobian_example_matches_the_slides() {
    for x1 in [-3.0f64, 0.0, 0.5, 4.0] {
        let j = jac::jacobian([x1, 7.0]);
        assert_eq!(j, [[-5.0, 1.0], [2.0 * x1, 0.0]]);
        assert_eq!(jac::eval([x1, 7.0]), [-5.0 * x1 + 7.0, x1 * x1]);
        assert_eq!(jac(x1, 7.0), (-5.0 * x1 + 7.0, x1 * x1));
    }
    // Two inputs, two outputs: reverse mode (a tie goes to reverse).
    assert_eq!(jac::JACOBIAN_MODE, Mode::Reverse);
    assert_eq!(jac::INPUTS, ["x1", "x2"]);
    assert_eq!(jac::OUTPUTS, ["y1", "y2"]);
    check_fd!(jac, [1.5, -2.0], 1e-10);
}

#[test]
fn fewer_inputs_than_outputs_uses_forward_mode() {
    assert_eq!(wide::JACOBIAN_MODE, Mode::Forward);
    let x = 0.7f64;
    let j = wide::jacobian([x]);
    let d3 = -(-x).exp() / (1.0 + x * x) - (-x).exp() * 2.0 * x / (1.0 + x * x).powi(2);
    assert_abs_diff_eq!(j[0][0], x.cos(), epsilon = 1e-15);
    assert_abs_diff_eq!(j[1][0], 3.0 * x * x, epsilon = 1e-15);
    assert_abs_diff_eq!(j[2][0], d3, epsilon = 1e-15);
    // Reverse mode, row by row, agrees.
    let rows = nn::graph::jacobian_reverse::<f64, 1, 3>(|c| wide::vjp([x], c).1);
    for i in 0..3 {
        assert_abs_diff_eq!(rows[i][0], j[i][0], epsilon = 1e-15);
    }
    check_fd!(wide, [x], 1e-10);
    check_fd!(wide, [-1.3], 1e-10);
}

#[test]
fn contributions_of_a_shared_value_add_up() {
    for x in [-1.5f64, 0.25, 2.0] {
        let (y, [g]) = shared::grad([x]);
        assert_abs_diff_eq!(y, x.powi(4) + x * x, epsilon = 1e-12);
        assert_abs_diff_eq!(g, 4.0 * x.powi(3) + 2.0 * x, epsilon = 1e-12);
        check_fd!(shared, [x], 1e-10);
    }
}

#[test]
fn outputs_can_feed_later_outputs() {
    let (x1, x2) = (0.4f64, 1.7f64);
    let j = chain::jacobian([x1, x2]);
    let y1 = x1 * x2;
    // y2 = sin(x1·x2) + x1
    assert_eq!(j[0], [x2, x1]);
    assert_abs_diff_eq!(j[1][0], y1.cos() * x2 + 1.0, epsilon = 1e-15);
    assert_abs_diff_eq!(j[1][1], y1.cos() * x1, epsilon = 1e-15);
    check_fd!(chain, [x1, x2], 1e-10);
    check_fd!(chain, [-2.0, 0.3], 1e-10);
}

#[test]
fn constants_and_aliases() {
    let x = 1.25f64;
    let [y, same, three] = consts::eval([x]);
    assert_abs_diff_eq!(y, x * 2f64.sqrt() + 8.0 + x / 4.0, epsilon = 1e-15);
    assert_eq!((same, three), (x, 3.0));
    assert_eq!(consts(x), (y, same, three));
    let j = consts::jacobian([x]);
    assert_abs_diff_eq!(j[0][0], 2f64.sqrt() + 0.25, epsilon = 1e-15);
    assert_eq!([j[1][0], j[2][0]], [1.0, 0.0]);
    assert_eq!(consts::JACOBIAN_MODE, Mode::Forward);
    check_fd!(consts, [x], 1e-10);
    // `sqrt(2.0)` and `pow(2.0, 3)` depend on no input: no gradient.
    let inactive: Vec<&str> = consts::GRAPH
        .nodes
        .iter()
        .filter(|n| !n.active)
        .map(|n| n.label)
        .collect();
    assert_eq!(inactive, ["2", "sqrt", "2", "pow 3", "4", "3"]);
}

#[test]
fn an_unused_input_gets_a_zero_gradient() {
    let (y, g) = ignores::grad([0.5f64, 123.0]);
    assert_eq!(y, 0.5f64.exp());
    assert_eq!(g, [0.5f64.exp(), 0.0]);
    assert_eq!(ignores::INPUTS, ["x", "_unused"]);
}

// ---------------------------------------------------------------------------
// Every operation against finite differences, and against its formula
// ---------------------------------------------------------------------------

#[test]
fn arithmetic() {
    for (a, b) in [(1.5f64, -0.25f64), (-3.0, 2.0), (0.1, 7.0)] {
        check_fd!(op_add, [a, b], 1e-10);
        check_fd!(op_sub, [a, b], 1e-10);
        check_fd!(op_mul, [a, b], 1e-10);
        check_fd!(op_div, [a, b], 1e-9);
        check_fd!(op_neg, [a], 1e-10);
        check_fd!(op_const, [a], 1e-10);
        assert_eq!(op_add::grad([a, b]), (a + b, [1.0, 1.0]));
        assert_eq!(op_sub::grad([a, b]), (a - b, [1.0, -1.0]));
        assert_eq!(op_mul::grad([a, b]), (a * b, [b, a]));
        let (y, [da, db]) = op_div::grad([a, b]);
        assert_eq!(y, a / b);
        assert_abs_diff_eq!(da, 1.0 / b, epsilon = 1e-15);
        assert_abs_diff_eq!(db, -a / (b * b), epsilon = 1e-12);
        assert_eq!(op_neg::grad([a]), (-a, [-1.0]));
        assert_eq!(op_const::grad([a]), (2.5 * a + 7.0, [2.5]));
    }
}

#[test]
fn powers() {
    for a in [-1.7f64, -0.4, 0.6, 2.3] {
        check_fd!(op_powi, [a], 1e-10);
        check_fd!(op_powi_neg, [a], 1e-8);
        check_fd!(op_powi_zero, [a], 1e-10);
        let (y, [d]) = op_powi::grad([a]);
        assert_abs_diff_eq!(y, a * a * a, epsilon = 1e-14);
        assert_abs_diff_eq!(d, 3.0 * a * a, epsilon = 1e-14);
        let (y, [d]) = op_powi_neg::grad([a]);
        assert_abs_diff_eq!(y, 1.0 / (a * a), epsilon = 1e-12);
        assert_abs_diff_eq!(d, -2.0 / (a * a * a), epsilon = 1e-12);
        assert_eq!(op_powi_zero::grad([a]), (1.0, [0.0]));
    }
    assert_eq!(op_powi_zero::grad([0.0]), (1.0, [0.0]));
    for a in [0.3f64, 1.0, 2.5] {
        check_fd!(op_powf_const, [a], 1e-10);
        let (y, [d]) = op_powf_const::grad([a]);
        assert_abs_diff_eq!(y, a * a.sqrt(), epsilon = 1e-14);
        assert_abs_diff_eq!(d, 1.5 * a.sqrt(), epsilon = 1e-14);
        for b in [-1.5f64, 0.5, 3.0] {
            check_fd!(op_pow, [a, b], 1e-9);
            let (y, [da, db]) = op_pow::grad([a, b]);
            assert_abs_diff_eq!(y, a.powf(b), epsilon = 1e-14);
            assert_abs_diff_eq!(da, b * a.powf(b - 1.0), epsilon = 1e-13);
            assert_abs_diff_eq!(db, a.powf(b) * a.ln(), epsilon = 1e-13);
        }
    }
    // The graph tells integer from real powers.
    assert_eq!(op_powi::GRAPH.nodes[1].label, "pow 3");
    assert_eq!(op_powf_const::GRAPH.nodes[2].label, "pow");
}

#[test]
fn elementary_functions() {
    for a in [-2.1f64, -0.3, 0.45, 1.2] {
        check_fd!(op_sin, [a], 1e-10);
        check_fd!(op_cos, [a], 1e-10);
        check_fd!(op_tan, [a], 1e-9);
        check_fd!(op_exp, [a], 1e-10);
        check_fd!(op_tanh, [a], 1e-10);
        check_fd!(op_sigmoid, [a], 1e-10);
        check_fd!(op_abs, [a], 1e-10);
        check_fd!(op_relu, [a], 1e-10);
        assert_abs_diff_eq!(op_sin::grad([a]).1[0], a.cos(), epsilon = 1e-15);
        assert_abs_diff_eq!(op_cos::grad([a]).1[0], -a.sin(), epsilon = 1e-15);
        let sec2 = 1.0 / (a.cos() * a.cos());
        assert_abs_diff_eq!(op_tan::grad([a]).1[0], sec2, epsilon = 1e-12);
        assert_abs_diff_eq!(op_exp::grad([a]).1[0], a.exp(), epsilon = 1e-15);
        let sech2 = 1.0 / (a.cosh() * a.cosh());
        assert_abs_diff_eq!(op_tanh::grad([a]).1[0], sech2, epsilon = 1e-15);
        let s = 1.0 / (1.0 + (-a).exp());
        assert_abs_diff_eq!(op_sigmoid::grad([a]).0, s, epsilon = 1e-15);
        assert_abs_diff_eq!(op_sigmoid::grad([a]).1[0], s * (1.0 - s), epsilon = 1e-15);
        assert_eq!(op_abs::grad([a]).1[0], a.signum());
        assert_eq!(op_relu::grad([a]).1[0], if a > 0.0 { 1.0 } else { 0.0 });
    }
    for a in [0.2f64, 1.0, 3.7, 50.0] {
        check_fd!(op_ln, [a], 1e-9);
        check_fd!(op_log10, [a], 1e-9);
        check_fd!(op_log2, [a], 1e-9);
        check_fd!(op_sqrt, [a], 1e-9);
        assert_abs_diff_eq!(op_ln::grad([a]).1[0], 1.0 / a, epsilon = 1e-15);
        let ln10 = std::f64::consts::LN_10;
        assert_abs_diff_eq!(op_log10::grad([a]).1[0], 1.0 / (a * ln10), epsilon = 1e-15);
        let ln2 = std::f64::consts::LN_2;
        assert_abs_diff_eq!(op_log2::grad([a]).1[0], 1.0 / (a * ln2), epsilon = 1e-15);
        assert_abs_diff_eq!(op_sqrt::grad([a]).1[0], 0.5 / a.sqrt(), epsilon = 1e-15);
    }
    // sigmoid stays finite far out.
    assert_eq!(op_sigmoid::grad([-800.0f64]), (0.0, [0.0]));
    assert_eq!(op_sigmoid::grad([800.0f64]), (1.0, [0.0]));
}

#[test]
fn max_and_min_route_the_gradient_to_the_selected_argument() {
    for (a, b) in [(0.5f64, -1.0f64), (-2.0, 3.0)] {
        check_fd!(op_max, [a, b], 1e-10);
        check_fd!(op_min, [a, b], 1e-10);
        let (y, g) = op_max::grad([a, b]);
        assert_eq!(y, a.max(b));
        assert_eq!(g, if a > b { [1.0, 0.0] } else { [0.0, 1.0] });
        let (y, g) = op_min::grad([a, b]);
        assert_eq!(y, a.min(b));
        assert_eq!(g, if a < b { [1.0, 0.0] } else { [0.0, 1.0] });
    }
}

// ---------------------------------------------------------------------------
// Kinks: the documented subgradients
// ---------------------------------------------------------------------------

#[test]
fn relu_passes_nan_on_in_value_and_gradient() {
    // As `nn::activation::Relu` and PyTorch: a NaN never turns into a 0.
    let (y, [dy]) = op_relu::grad([f64::NAN]);
    assert!(y.is_nan() && dy.is_nan(), "{y} {dy}");
    assert!(op_relu::grad([f32::NAN]).0.is_nan());
    assert_eq!(op_relu::grad([-0.0f64]), (0.0, [0.0]));
}

#[test]
fn relu_and_abs_at_zero_have_gradient_zero() {
    assert_eq!(op_relu::grad([0.0f64]), (0.0, [0.0]));
    assert_eq!(op_abs::grad([0.0f64]), (0.0, [0.0]));
    assert_eq!(op_relu::jvp([0.0f64], [1.0]), ([0.0], [0.0]));
    assert_eq!(op_abs::jvp([0.0f64], [1.0]), ([0.0], [0.0]));
    assert_eq!(op_relu::grad([0.0f32]), (0.0, [0.0]));
    assert_eq!(op_abs::grad([-0.0f64]).1, [0.0]);
}

#[test]
fn max_and_min_ties_split_the_gradient() {
    for v in [-1.0f64, 0.0, 2.5] {
        assert_eq!(op_max::grad([v, v]), (v, [0.5, 0.5]));
        assert_eq!(op_min::grad([v, v]), (v, [0.5, 0.5]));
        // Forward mode agrees: the tangent is the mean of the two tangents.
        assert_eq!(op_max::jvp([v, v], [1.0, 3.0]).1, [2.0]);
        assert_eq!(op_min::jvp([v, v], [1.0, 3.0]).1, [2.0]);
    }
    // In the lecture's example, a tie between x2 and x3 halves both.
    let (_, tie) = lecture::grad([5.0f64, -2.0, -2.0]);
    let (_, no_tie) = lecture::grad([5.0f64, -2.0, -5.0]);
    assert_abs_diff_eq!(tie[1], no_tie[1] / 2.0, epsilon = 1e-15);
    assert_abs_diff_eq!(tie[2], no_tie[1] / 2.0, epsilon = 1e-15);
}

#[test]
fn plain_function_and_sweeps_agree_bit_for_bit() {
    for a in [-0.7f64, 0.3, 1.9] {
        assert_eq!(op_sin(a), op_sin::grad([a]).0);
        assert_eq!(op_sigmoid(a), op_sigmoid::jvp([a], [1.0]).0[0]);
        assert_eq!(op_pow(a.abs(), a), op_pow::eval([a.abs(), a])[0]);
        assert_eq!(op_powi_neg(a), op_powi_neg::vjp([a], [1.0]).0[0]);
        assert_eq!(chain(a, 2.0), {
            let [y1, y2] = chain::eval([a, 2.0]);
            (y1, y2)
        });
    }
}

// ---------------------------------------------------------------------------
// Names and scopes
// ---------------------------------------------------------------------------

nn::graph! {
    /// Inputs and outputs named like the generated locals, parameters and
    /// functions do not clash with them.
    fn tricky(x, tangent, sin, v0) -> (g0, cotangent) {
        let d3 = sin(sin) * tangent;
        g0 = d3 + max(x, v0);
        cotangent = pow(g0, 2);
    }

    /// Eight inputs: more than clippy's `too_many_arguments` allows.
    pub(crate) fn eight(a, b, c, d, e, f, g, h) -> y {
        y = a * b + c * d - e / f + g * h;
    }
}

#[test]
fn names_do_not_clash_with_generated_code() {
    let x = [0.3f64, 1.1, -0.4, 2.0];
    let (g0, cotangent) = tricky(0.3, 1.1, -0.4, 2.0);
    let expected_g0 = (-0.4f64).sin() * 1.1 + 2.0;
    assert_abs_diff_eq!(g0, expected_g0, epsilon = 1e-15);
    assert_abs_diff_eq!(cotangent, expected_g0 * expected_g0, epsilon = 1e-14);
    assert_eq!(tricky::OUTPUTS, ["g0", "cotangent"]);
    check_fd!(tricky, x, 1e-10);
}

#[test]
fn many_inputs() {
    let x = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let (y, g) = eight::grad(x);
    assert_eq!(y, eight(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0));
    assert_abs_diff_eq!(y, 2.0 + 12.0 - 5.0 / 6.0 + 56.0, epsilon = 1e-14);
    let expected = [2.0, 1.0, 4.0, 3.0, -1.0 / 6.0, 5.0 / 36.0, 8.0, 7.0];
    for (g, e) in g.iter().zip(expected) {
        assert_abs_diff_eq!(*g, e, epsilon = 1e-15);
    }
    check_fd!(eight, x, 1e-10);
}

#[test]
fn graph_inside_a_function_body() {
    nn::graph! {
        fn local(x) -> y {
            y = x * exp(x);
        }
    }
    let (y, [g]) = local::grad([1.0f64]);
    assert_abs_diff_eq!(y, std::f64::consts::E, epsilon = 1e-15);
    assert_abs_diff_eq!(g, 2.0 * std::f64::consts::E, epsilon = 1e-15);
}

nn::graph! {
    /// Raw identifiers name the same values as plain ones.
    fn raw(r#x, r#type) -> r#y {
        r#y = x * r#type;
    }
}

#[test]
fn raw_identifiers() {
    assert_eq!(raw::INPUTS, ["x", "type"]);
    assert_eq!(raw::OUTPUTS, ["y"]);
    assert_eq!(raw::grad([2.0f64, 3.0]), (6.0, [3.0, 2.0]));
    assert!(
        raw::dot([2.0f64, 3.0], [1.0])
            .to_string()
            .starts_with("digraph \"raw\" {")
    );
}
