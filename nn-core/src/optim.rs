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
//!
//! Learning rates and the other hyperparameters are checked when an optimizer
//! or a [`Schedule`] is made, and whenever the rate changes: each constructor
//! returns a `Result` with an [`OptimError`] (there is no panicking twin),
//! since these numbers often come from a command line or a configuration
//! file. A learning rate of 0, below 0, NaN or infinite never trains anything
//! useful: a negative rate climbs the loss instead of descending it.
//!
//! ```
//! use nn::optim::{OptimError, Schedule, Sgd};
//! let sgd = Sgd::<f32>::new(0.1)?;
//! assert_eq!(Sgd::<f32>::new(-0.1), Err(OptimError::LearningRate { found: -0.1f32 as f64 }));
//! assert!(Schedule::step_decay(5, f64::NAN).is_err());
//! # Ok::<(), OptimError>(())
//! ```

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

use crate::{Params, Scalar};

/// Why an optimizer or a schedule refused a hyperparameter.
///
/// ```
/// use nn::optim::{Momentum, OptimError};
/// let err = Momentum::<f64, ()>::new(0.1, -0.9).unwrap_err();
/// assert_eq!(err, OptimError::Momentum { found: -0.9 });
/// assert_eq!(err.to_string(), "momentum -0.9: expected a finite number, 0 or more");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A learning rate is not a finite number above 0.
    #[error("learning rate {found}: expected a finite number above 0")]
    LearningRate {
        /// The rate given.
        found: f64,
    },
    /// A momentum is not a finite number, 0 or more.
    #[error("momentum {found}: expected a finite number, 0 or more")]
    Momentum {
        /// The momentum given.
        found: f64,
    },
    /// A schedule's decay factor is not a finite number above 0.
    #[error("decay factor {found}: expected a finite number above 0")]
    DecayFactor {
        /// The factor given.
        found: f64,
    },
}

/// `lr` if it is a usable learning rate: finite and above 0.
fn checked_rate<T: Scalar>(lr: T) -> Result<T, OptimError> {
    let found = lr.into_f64();
    if found.is_finite() && found > 0.0 {
        Ok(lr)
    } else {
        Err(OptimError::LearningRate { found })
    }
}

/// An update rule: `θ ← update(θ, dL/dθ)`.
///
/// The learning rate of an optimizer is always finite and above 0: its
/// constructor and [`set_learning_rate`](Optimizer::set_learning_rate) refuse
/// anything else.
pub trait Optimizer<T: Scalar, N: Params<T>> {
    /// Applies one update to `net` from the gradient `grads`.
    fn step(&mut self, net: &mut N, grads: &N);
    /// The current learning rate.
    fn learning_rate(&self) -> T;
    /// Sets the learning rate (for schedules), or leaves it unchanged and
    /// returns [`OptimError::LearningRate`] if `lr` is not finite and above 0.
    ///
    /// ```
    /// use nn::optim::{Optimizer, Sgd};
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// let mut sgd = Sgd::new(0.1)?;
    /// Optimizer::<f64, One<f64>>::set_learning_rate(&mut sgd, 0.05)?;
    /// assert!(Optimizer::<f64, One<f64>>::set_learning_rate(&mut sgd, 0.0).is_err());
    /// assert_eq!(Optimizer::<f64, One<f64>>::learning_rate(&sgd), 0.05);
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    fn set_learning_rate(&mut self, lr: T) -> Result<(), OptimError>;
}

/// Plain stochastic gradient descent: `θ ← θ − η (g + λθ)`.
///
/// ```
/// use nn::{Params, optim::{Optimizer, Sgd}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_flat_column_major(&[2.0, 1.0]).unwrap(); // w, b
/// let grads = One::<f64>::from_flat_column_major(&[0.5, -1.0]).unwrap();
/// Sgd::new(0.1)?.step(&mut net, &grads);
/// assert_eq!((net.out.weight[0], net.out.bias[0]), (1.95, 1.1));
/// # Ok::<(), nn::optim::OptimError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    /// The learning rate η, finite and above 0.
    lr: T,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
}

impl<T: Scalar> Sgd<T> {
    /// SGD with learning rate `lr` and no weight decay, or
    /// [`OptimError::LearningRate`] if `lr` is not finite and above 0.
    ///
    /// ```
    /// use nn::optim::Sgd;
    /// assert!(Sgd::new(0.1f32).is_ok());
    /// assert!(Sgd::new(-0.1f32).is_err() && Sgd::new(f32::NAN).is_err());
    /// ```
    pub fn new(lr: T) -> Result<Self, OptimError> {
        Ok(Self {
            lr: checked_rate(lr)?,
            weight_decay: T::zero(),
        })
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
    fn set_learning_rate(&mut self, lr: T) -> Result<(), OptimError> {
        self.lr = checked_rate(lr)?;
        Ok(())
    }
}

/// SGD with momentum, as PyTorch writes it: `v ← μv + (g + λθ)`, then
/// `θ ← θ − ηv` (classic) or `θ ← θ − η(g + λθ + μv)` (Nesterov).
///
/// ```
/// use nn::{Params, optim::{Momentum, Optimizer}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_flat_column_major(&[1.0, 0.0]).unwrap();
/// let grads = One::<f64>::from_flat_column_major(&[1.0, 0.0]).unwrap();
/// let mut opt = Momentum::new(0.1, 0.9)?;
/// opt.step(&mut net, &grads); // v = 1,   w = 1 - 0.1 * 1    = 0.9
/// opt.step(&mut net, &grads); // v = 1.9, w = 0.9 - 0.1 * 1.9 = 0.71
/// assert!((net.out.weight[0] - 0.71).abs() < 1e-15);
/// # Ok::<(), nn::optim::OptimError>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq)]
pub struct Momentum<T: Scalar, N> {
    /// The learning rate η, finite and above 0.
    lr: T,
    /// The momentum μ, finite and 0 or more.
    momentum: T,
    /// Nesterov's variant.
    pub nesterov: bool,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
    velocity: Option<Box<N>>,
}

#[cfg(feature = "alloc")]
impl<T: Scalar, N> Momentum<T, N> {
    /// Classic momentum with learning rate `lr` and momentum `momentum`, or
    /// an [`OptimError`] if `lr` is not finite and above 0 or `momentum` is
    /// not finite and 0 or more (PyTorch's rules).
    ///
    /// ```
    /// use nn::optim::Momentum;
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// assert_eq!(Momentum::<f64, One<f64>>::new(0.1, 0.9)?.momentum(), 0.9);
    /// assert!(Momentum::<f64, One<f64>>::new(0.1, f64::INFINITY).is_err());
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn new(lr: T, momentum: T) -> Result<Self, OptimError> {
        let found = momentum.into_f64();
        if !(found.is_finite() && found >= 0.0) {
            return Err(OptimError::Momentum { found });
        }
        Ok(Self {
            lr: checked_rate(lr)?,
            momentum,
            nesterov: false,
            weight_decay: T::zero(),
            velocity: None,
        })
    }

    /// Nesterov momentum, checked as [`new`](Momentum::new) checks.
    ///
    /// ```
    /// use nn::optim::Momentum;
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// assert!(Momentum::<f64, One<f64>>::nesterov(0.1, 0.9)?.nesterov);
    /// assert!(Momentum::<f64, One<f64>>::nesterov(-0.1, 0.9).is_err());
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn nesterov(lr: T, momentum: T) -> Result<Self, OptimError> {
        Ok(Self {
            nesterov: true,
            ..Self::new(lr, momentum)?
        })
    }

    /// The momentum μ.
    ///
    /// ```
    /// use nn::optim::Momentum;
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// assert_eq!(Momentum::<f32, One<f32>>::new(0.1, 0.5)?.momentum(), 0.5);
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn momentum(&self) -> T {
        self.momentum
    }
}

#[cfg(feature = "alloc")]
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
    fn set_learning_rate(&mut self, lr: T) -> Result<(), OptimError> {
        self.lr = checked_rate(lr)?;
        Ok(())
    }
}

/// Adam (Kingma & Ba): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − η m̂ / (√v̂ + ε)` with the bias corrections `m̂ = m/(1−β₁ᵗ)`,
/// `v̂ = v/(1−β₂ᵗ)`; `g` includes the weight decay `λθ` (PyTorch's `Adam`).
///
/// ```
/// use nn::{Params, optim::{Adam, Optimizer}};
/// nn::network! { struct One { input: 1, out: dense(1) } }
/// let mut net = One::<f64>::from_flat_column_major(&[1.0, 0.0]).unwrap();
/// let grads = One::<f64>::from_flat_column_major(&[0.5, 0.0]).unwrap();
/// let mut opt = Adam::new(0.01)?;
/// opt.step(&mut net, &grads);
/// // The first step moves each parameter by about η·sign(g).
/// assert!((net.out.weight[0] - 0.99).abs() < 1e-9);
/// assert_eq!(net.out.bias[0], 0.0);
/// # Ok::<(), nn::optim::OptimError>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<T: Scalar, N> {
    /// The learning rate η, finite and above 0.
    lr: T,
    /// β₁, the first-moment decay (0.9).
    pub beta1: T,
    /// β₂, the second-moment decay (0.999).
    pub beta2: T,
    /// ε, added to √v̂ (1e-8).
    pub eps: T,
    /// The L2 weight decay λ (0 for none).
    pub weight_decay: T,
    state: Option<(Box<N>, Box<N>)>,
    t: u64,
}

#[cfg(feature = "alloc")]
impl<T: Scalar, N> Adam<T, N> {
    /// Adam with learning rate `lr` and the usual β₁ = 0.9, β₂ = 0.999,
    /// ε = 1e-8, or [`OptimError::LearningRate`] if `lr` is not finite and
    /// above 0.
    ///
    /// ```
    /// use nn::optim::Adam;
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// assert!(Adam::<f32, One<f32>>::new(1e-3).is_ok());
    /// assert!(Adam::<f32, One<f32>>::new(0.0).is_err());
    /// ```
    pub fn new(lr: T) -> Result<Self, OptimError> {
        Ok(Self {
            lr: checked_rate(lr)?,
            beta1: T::cast_f64(0.9),
            beta2: T::cast_f64(0.999),
            eps: T::cast_f64(1e-8),
            weight_decay: T::zero(),
            state: None,
            t: 0,
        })
    }

    /// The number of steps taken.
    ///
    /// ```
    /// use nn::optim::Adam;
    /// nn::network! { struct One { input: 1, out: dense(1) } }
    /// let steps: u64 = Adam::<f32, One<f32>>::new(1e-3)?.steps();
    /// assert_eq!(steps, 0);
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn steps(&self) -> u64 {
        self.t
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, N: Params<T>> Optimizer<T, N> for Adam<T, N> {
    fn step(&mut self, net: &mut N, grads: &N) {
        let (m, v) = self
            .state
            .get_or_insert_with(|| (N::zeros_boxed(), N::zeros_boxed()));
        self.t = self.t.saturating_add(1);
        let (b1, b2, one) = (self.beta1, self.beta2, T::one());
        // `powi` takes an i32; past 2^31 steps β^t has long been 0 in any float.
        let t = i32::try_from(self.t).unwrap_or(i32::MAX);
        let c1 = one - b1.powi(t);
        let c2 = one - b2.powi(t);
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
    fn set_learning_rate(&mut self, lr: T) -> Result<(), OptimError> {
        self.lr = checked_rate(lr)?;
        Ok(())
    }
}

/// How the learning rate changes from epoch to epoch: constant, step decay
/// (PyTorch's `StepLR`) or exponential decay (`ExponentialLR`). The decay
/// factor is checked when the schedule is made.
///
/// ```
/// use nn::optim::Schedule;
/// let s = Schedule::step_decay(2, 0.5)?;
/// assert_eq!([0, 1, 2, 3, 4].map(|e| s.rate(0.1, e)), [0.1, 0.1, 0.05, 0.05, 0.025]);
/// assert_eq!(Schedule::constant().rate(0.1, 7), 0.1);
/// # Ok::<(), nn::optim::OptimError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Schedule(Decay);

/// The kinds of [`Schedule`], kept private so that every schedule is made
/// through a constructor that checks it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Decay {
    #[default]
    Constant,
    Step {
        every: usize,
        gamma: f64,
    },
    Exponential {
        gamma: f64,
    },
}

/// `gamma` if it is a usable decay factor: finite and above 0.
fn checked_gamma(gamma: f64) -> Result<f64, OptimError> {
    if gamma.is_finite() && gamma > 0.0 {
        Ok(gamma)
    } else {
        Err(OptimError::DecayFactor { found: gamma })
    }
}

impl Schedule {
    /// The base rate throughout (the default).
    ///
    /// ```
    /// use nn::optim::Schedule;
    /// assert_eq!(Schedule::constant(), Schedule::default());
    /// assert_eq!(Schedule::constant().rate(0.5, 1000), 0.5);
    /// ```
    pub const fn constant() -> Self {
        Self(Decay::Constant)
    }

    /// Multiplies the rate by `gamma` every `every` epochs (never if `every`
    /// is 0), or [`OptimError::DecayFactor`] if `gamma` is not finite and
    /// above 0.
    ///
    /// ```
    /// use nn::optim::Schedule;
    /// let s = Schedule::step_decay(3, 0.1)?;
    /// assert_eq!(s.rate(1.0, 2), 1.0);
    /// assert!((s.rate(1.0, 3) - 0.1).abs() < 1e-15);
    /// assert!(Schedule::step_decay(3, -0.1).is_err());
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn step_decay(every: usize, gamma: f64) -> Result<Self, OptimError> {
        Ok(Self(Decay::Step {
            every,
            gamma: checked_gamma(gamma)?,
        }))
    }

    /// Multiplies the rate by `gamma` every epoch, or
    /// [`OptimError::DecayFactor`] if `gamma` is not finite and above 0.
    ///
    /// ```
    /// use nn::optim::Schedule;
    /// assert_eq!(Schedule::exponential(0.5)?.rate(1.0, 3), 0.125);
    /// assert!(Schedule::exponential(f64::INFINITY).is_err());
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn exponential(gamma: f64) -> Result<Self, OptimError> {
        Ok(Self(Decay::Exponential {
            gamma: checked_gamma(gamma)?,
        }))
    }

    /// The learning rate for epoch `epoch` (counted from 0) given the base
    /// rate. After enough epochs a decaying rate reaches 0, and a growing one
    /// (`gamma > 1`) infinity; optimizers refuse both.
    ///
    /// ```
    /// use nn::optim::Schedule;
    /// assert_eq!(Schedule::step_decay(0, 0.5)?.rate(0.1, 100), 0.1);
    /// # Ok::<(), nn::optim::OptimError>(())
    /// ```
    pub fn rate(&self, base: f64, epoch: usize) -> f64 {
        // `g^n` by squaring: a rate for epoch 2^40 costs 40 steps, not 2^40.
        let powi = |mut g: f64, mut n: usize| {
            let mut acc = 1.0;
            while n > 0 {
                if n & 1 == 1 {
                    acc *= g;
                }
                g *= g;
                n >>= 1;
            }
            acc
        };
        match self.0 {
            Decay::Constant => base,
            Decay::Step { every: 0, .. } => base,
            Decay::Step { every, gamma } => base * powi(gamma, epoch / every),
            Decay::Exponential { gamma } => base * powi(gamma, epoch),
        }
    }
}
