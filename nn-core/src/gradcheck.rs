//! Checking a backward pass against central finite differences.
//!
//! For every parameter θᵢ (and every input xⱼ) the numeric derivative
//! `(L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε` is compared with the analytic one from
//! [`Supervised::loss_and_grad_into`]. Runs in `f64`, allocates nothing.

use nalgebra::SVector;

use crate::Supervised;

/// The result of [`check_gradients`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck {
    /// The largest [`relative_error`] over all parameters.
    pub max_param_error: f64,
    /// Where it was: `(tensor index in Network::TENSORS, element)`.
    pub worst_param: Option<(usize, usize)>,
    /// The largest [`relative_error`] over the input gradient `dL/dx`.
    pub max_input_error: f64,
    /// How many derivatives were compared.
    pub checked: usize,
}

impl GradCheck {
    /// The larger of the parameter and input errors.
    pub fn max_error(&self) -> f64 {
        self.max_param_error.max(self.max_input_error)
    }
}

/// `|a − n| / max(|a|, |n|, 1e-3)`: relative for derivatives of ordinary size,
/// absolute (scaled by 1000) for tiny ones, where finite differences carry
/// more rounding noise than signal.
///
/// ```
/// use nn::gradcheck::relative_error;
/// assert_eq!(relative_error(2.0, 2.0), 0.0);
/// assert!((relative_error(1.0, 1.001) - 0.001 / 1.001).abs() < 1e-12);
/// ```
pub fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-3)
}

/// Compares every parameter's and input's gradient of `net` at `(x, y)` with
/// central differences of step `eps`.
///
/// ```
/// use nn::Params; // for `Net::<f64>::init`
/// use nn::gradcheck::check_gradients;
/// use nn::nalgebra::SVector;
/// nn::network! {
///     struct Net { input: 3, h: dense(4, tanh), out: dense(2), loss: squared_error }
/// }
/// let net = Net::<f64>::init(3);
/// let x = SVector::<f64, 3>::new(0.1, -0.4, 0.8);
/// let y = SVector::<f64, 2>::new(1.0, -1.0);
/// let report = check_gradients(&net, &x, &y, 1e-5);
/// assert!(report.max_error() < 1e-6, "{report:?}");
/// assert_eq!(report.checked, 4 * 3 + 4 + 2 * 4 + 2 + 3);
/// ```
pub fn check_gradients<N, Y, const IN: usize, const OUT: usize>(
    net: &N,
    x: &SVector<f64, IN>,
    y: &Y,
    eps: f64,
) -> GradCheck
where
    N: Supervised<f64, IN, OUT, Y>,
{
    let mut grads = N::zeros();
    let mut dx = SVector::<f64, IN>::zeros();
    let mut trace = N::Trace::default();
    net.loss_and_grad_into(x, y, &mut trace, &mut grads, Some(&mut dx));

    let mut report = GradCheck {
        max_param_error: 0.0,
        worst_param: None,
        max_input_error: 0.0,
        checked: 0,
    };
    let mut probe = net.clone();
    for (t, analytic) in grads.tensors().enumerate() {
        for (i, &a) in analytic.iter().enumerate() {
            let numeric = central(
                |delta| {
                    let v = tensor_elem(&mut probe, t, i);
                    let old = *v;
                    *v = old + delta;
                    let l = probe.loss(x, y);
                    *tensor_elem(&mut probe, t, i) = old;
                    l
                },
                eps,
            );
            let err = relative_error(a, numeric);
            report.checked += 1;
            if report.worst_param.is_none() || err > report.max_param_error {
                report.max_param_error = err;
                report.worst_param = Some((t, i));
            }
        }
    }
    for j in 0..IN {
        let numeric = central(
            |delta| {
                let mut xp = *x;
                xp[j] += delta;
                net.loss(&xp, y)
            },
            eps,
        );
        report.max_input_error = report.max_input_error.max(relative_error(dx[j], numeric));
        report.checked += 1;
    }
    report
}

/// `(f(ε) − f(−ε)) / 2ε`.
fn central(mut f: impl FnMut(f64) -> f64, eps: f64) -> f64 {
    (f(eps) - f(-eps)) / (2.0 * eps)
}

fn tensor_elem<N>(net: &mut N, t: usize, i: usize) -> &mut f64
where
    N: crate::Params<f64>,
{
    match net.tensors_mut().nth(t).and_then(|s| s.get_mut(i)) {
        Some(v) => v,
        None => unreachable!("tensor {t} element {i} comes from the network's own gradient"),
    }
}
