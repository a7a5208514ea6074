//! Optimizers: SGD, SGD with momentum (classic and Nesterov), Adam, with
//! optional L2 weight decay, and learning-rate schedules.
//!
//! Every optimizer works on any generated network through [`Params`]: it zips
//! the network's tensors with the gradient's (a value of the same type).
//! [`Sgd`] keeps no state and runs on `no_std`; [`Momentum`] and [`Adam`] keep
//! their state as boxed values of the network's type (allocated zeroed on the
//! heap, so layers of any size work) and need `std`.
//!
//! Weight decay is PyTorch's `weight_decay`: `g ← g + λθ` before the update.

use crate::{Params, Scalar};

/// An update rule: `θ ← update(θ, dL/dθ)`.
pub trait Optimizer<T: Scalar, N: Params<T>> {
    /// Applies one update to `net` from the gradient `grads`.
    fn step(&mut self, net: &mut N, grads: &N);
    /// The current learning rate.
    fn learning_rate(&self) -> T;
    /// Sets the learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: T);
}

/// Plain stochastic gradient descent: `θ ← θ − η (g + λθ)`.
///
/// ```
/// use nn::{Params, optim::{Optimizer, Sgd}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_params(&[2.0, 1.0]).unwrap(); // w, b
/// let grads = One::<f64>::from_params(&[0.5, -1.0]).unwrap();
/// Sgd::new(0.1).step(&mut net, &grads);
/// assert_eq!((net.out.weight[0], net.out.bias[0]), (1.95, 1.1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    /// The learning rate η.
    pub lr: T,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
}

impl<T: Scalar> Sgd<T> {
    /// SGD with learning rate `lr` and no weight decay.
    pub fn new(lr: T) -> Self {
        Self {
            lr,
            weight_decay: T::zero(),
        }
    }
}

impl<T: Scalar, N: Params<T>> Optimizer<T, N> for Sgd<T> {
    fn step(&mut self, net: &mut N, grads: &N) {
        for (p, g) in net.tensors_mut().zip(grads.tensors()) {
            for (p, &g) in p.iter_mut().zip(g) {
                *p -= self.lr * (g + self.weight_decay * *p);
            }
        }
    }
    fn learning_rate(&self) -> T {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }
}

/// SGD with momentum, as PyTorch writes it: `v ← μv + (g + λθ)`, then
/// `θ ← θ − ηv` (classic) or `θ ← θ − η(g + λθ + μv)` (Nesterov).
///
/// ```
/// use nn::{Params, optim::{Momentum, Optimizer}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_params(&[1.0, 0.0]).unwrap();
/// let grads = One::<f64>::from_params(&[1.0, 0.0]).unwrap();
/// let mut opt = Momentum::new(0.1, 0.9);
/// opt.step(&mut net, &grads); // v = 1,   w = 1 - 0.1 * 1    = 0.9
/// opt.step(&mut net, &grads); // v = 1.9, w = 0.9 - 0.1 * 1.9 = 0.71
/// assert!((net.out.weight[0] - 0.71).abs() < 1e-15);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq)]
pub struct Momentum<T: Scalar, N> {
    /// The learning rate η.
    pub lr: T,
    /// The momentum μ.
    pub momentum: T,
    /// Nesterov's variant.
    pub nesterov: bool,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
    velocity: Option<Box<N>>,
}

#[cfg(feature = "std")]
impl<T: Scalar, N> Momentum<T, N> {
    /// Classic momentum with learning rate `lr` and momentum `momentum`.
    pub fn new(lr: T, momentum: T) -> Self {
        Self {
            lr,
            momentum,
            nesterov: false,
            weight_decay: T::zero(),
            velocity: None,
        }
    }

    /// Nesterov momentum.
    pub fn nesterov(lr: T, momentum: T) -> Self {
        Self {
            nesterov: true,
            ..Self::new(lr, momentum)
        }
    }
}

#[cfg(feature = "std")]
impl<T: Scalar, N: Params<T>> Optimizer<T, N> for Momentum<T, N> {
    fn step(&mut self, net: &mut N, grads: &N) {
        let velocity = self.velocity.get_or_insert_with(N::zeros_boxed);
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        for ((p, g), v) in net
            .tensors_mut()
            .zip(grads.tensors())
            .zip(velocity.tensors_mut())
        {
            for ((p, &g), v) in p.iter_mut().zip(g).zip(v) {
                let g = g + wd * *p;
                *v = mu * *v + g;
                *p -= if self.nesterov {
                    lr * (g + mu * *v)
                } else {
                    lr * *v
                };
            }
        }
    }
    fn learning_rate(&self) -> T {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }
}

/// Adam (Kingma & Ba): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − η m̂ / (√v̂ + ε)` with the bias corrections `m̂ = m/(1−β₁ᵗ)`,
/// `v̂ = v/(1−β₂ᵗ)`; `g` includes the weight decay `λθ` (PyTorch's `Adam`).
///
/// ```
/// use nn::{Params, optim::{Adam, Optimizer}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_params(&[1.0, 0.0]).unwrap();
/// let grads = One::<f64>::from_params(&[0.5, 0.0]).unwrap();
/// let mut opt = Adam::new(0.01);
/// opt.step(&mut net, &grads);
/// // The first step moves each parameter by about η·sign(g).
/// assert!((net.out.weight[0] - 0.99).abs() < 1e-9);
/// assert_eq!(net.out.bias[0], 0.0);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<T: Scalar, N> {
    /// The learning rate η.
    pub lr: T,
    /// β₁, the first-moment decay (0.9).
    pub beta1: T,
    /// β₂, the second-moment decay (0.999).
    pub beta2: T,
    /// ε, added to √v̂ (1e-8).
    pub eps: T,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
    state: Option<(Box<N>, Box<N>)>,
    t: i32,
}

#[cfg(feature = "std")]
impl<T: Scalar, N> Adam<T, N> {
    /// Adam with learning rate `lr` and the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: T) -> Self {
        Self {
            lr,
            beta1: T::cast_f64(0.9),
            beta2: T::cast_f64(0.999),
            eps: T::cast_f64(1e-8),
            weight_decay: T::zero(),
            state: None,
            t: 0,
        }
    }

    /// The number of steps taken.
    pub fn steps(&self) -> i32 {
        self.t
    }
}

#[cfg(feature = "std")]
impl<T: Scalar, N: Params<T>> Optimizer<T, N> for Adam<T, N> {
    fn step(&mut self, net: &mut N, grads: &N) {
        let (m, v) = self
            .state
            .get_or_insert_with(|| (N::zeros_boxed(), N::zeros_boxed()));
        self.t = self.t.saturating_add(1);
        let (b1, b2, one) = (self.beta1, self.beta2, T::one());
        let c1 = one - b1.powi(self.t);
        let c2 = one - b2.powi(self.t);
        let tensors = net
            .tensors_mut()
            .zip(grads.tensors())
            .zip(m.tensors_mut())
            .zip(v.tensors_mut());
        for (((p, g), m), v) in tensors {
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
                let g = g + self.weight_decay * *p;
                *m = b1 * *m + (one - b1) * g;
                *v = b2 * *v + (one - b2) * g * g;
                let m_hat = *m / c1;
                let v_hat = *v / c2;
                *p -= self.lr * m_hat / (v_hat.sqrt() + self.eps);
            }
        }
    }
    fn learning_rate(&self) -> T {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: T) {
        self.lr = lr;
    }
}

/// How the learning rate changes from epoch to epoch.
///
/// ```
/// use nn::optim::Schedule;
/// let s = Schedule::StepDecay { every: 2, gamma: 0.5 };
/// assert_eq!([0, 1, 2, 3, 4].map(|e| s.rate(0.1, e)), [0.1, 0.1, 0.05, 0.05, 0.025]);
/// assert_eq!(Schedule::Constant.rate(0.1, 7), 0.1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// Multiply by `gamma` every `every` epochs (PyTorch's `StepLR`).
    StepDecay {
        /// Epochs between decays (0 means never).
        every: usize,
        /// The factor applied at each decay.
        gamma: f64,
    },
    /// Multiply by `gamma` every epoch (PyTorch's `ExponentialLR`).
    Exponential {
        /// The factor applied each epoch.
        gamma: f64,
    },
}

impl Schedule {
    /// The learning rate for epoch `epoch` (counted from 0) given the base rate.
    pub fn rate(&self, base: f64, epoch: usize) -> f64 {
        let powi = |g: f64, n: usize| (0..n).fold(1.0, |acc, _| acc * g);
        match *self {
            Schedule::Constant => base,
            Schedule::StepDecay { every: 0, .. } => base,
            Schedule::StepDecay { every, gamma } => base * powi(gamma, epoch / every),
            Schedule::Exponential { gamma } => base * powi(gamma, epoch),
        }
    }
}
