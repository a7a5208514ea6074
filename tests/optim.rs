//! Optimizer updates against values computed independently (a plain Python
//! transcription of PyTorch's update formulas, run once; the literals below
//! are its output). Two parameters, w = 1.0 and b = −0.5, three gradients.
//! Hyperparameters that cannot train are refused when an optimizer or a
//! schedule is made.

use nn::Params;
use nn::optim::{Adam, Momentum, OptimError, Optimizer, Schedule, Sgd};

nn::network! {
    struct One { input: 1, out: dense(1) }
}

const GRADS: [[f64; 2]; 3] = [[0.5, -0.2], [0.1, 0.3], [-0.4, 0.05]];

fn run(opt: &mut impl Optimizer<f64, One<f64>>) -> [f64; 2] {
    let mut net = One::<f64>::from_flat_column_major(&[1.0, -0.5]).unwrap();
    for g in GRADS {
        opt.step(&mut net, &One::from_flat_column_major(&g).unwrap());
    }
    [net.out.weight[0], net.out.bias[0]]
}

fn assert_close(found: [f64; 2], expected: [f64; 2]) {
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() < 1e-12,
            "found {found:?}, expected {expected:?}"
        );
    }
}

#[test]
fn sgd_with_and_without_weight_decay() {
    assert_close(run(&mut Sgd::new(0.1).unwrap()), [0.98, -0.515]);
    let mut decayed = Sgd::new(0.1).unwrap();
    decayed.weight_decay = 0.01;
    assert_close(run(&mut decayed), [0.977112949, -0.5135114795]);
}

#[test]
fn classic_and_nesterov_momentum() {
    assert_close(
        run(&mut Momentum::new(0.1, 0.9).unwrap()),
        [0.8855, -0.5078],
    );
    assert_close(
        run(&mut Momentum::nesterov(0.1, 0.9).unwrap()),
        [0.87695, -0.52202],
    );
    let mut decayed = Momentum::nesterov(0.1, 0.9).unwrap();
    decayed.weight_decay = 0.01;
    assert_close(run(&mut decayed), [0.869465558191, -0.5180999733905]);
}

#[test]
fn adam_with_and_without_weight_decay() {
    let mut adam = Adam::new(0.01).unwrap();
    assert_close(run(&mut adam), [0.9810325966358212, -0.4952516288853231]);
    // A step count is a count: u64, so a long run cannot overflow it.
    let steps: u64 = adam.steps();
    assert_eq!(steps, 3);
    let mut decayed = Adam::new(0.01).unwrap();
    decayed.weight_decay = 0.1;
    assert_close(
        run(&mut decayed),
        [0.9779818754082865, -0.49098560458936347],
    );
}

#[test]
fn schedules_set_the_rate_per_epoch() {
    let mut opt = Sgd::new(0.5f64).unwrap();
    let schedule = Schedule::step_decay(3, 0.1).unwrap();
    let rates: Vec<f64> = (0..7)
        .map(|epoch| {
            Optimizer::<f64, One<f64>>::set_learning_rate(&mut opt, schedule.rate(0.5, epoch))
                .unwrap();
            Optimizer::<f64, One<f64>>::learning_rate(&opt)
        })
        .collect();
    let expected = [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005];
    for (r, e) in rates.iter().zip(expected) {
        assert!((r - e).abs() < 1e-15, "{rates:?}");
    }
    assert!((Schedule::exponential(0.5).unwrap().rate(1.0, 3) - 0.125).abs() < 1e-15);
    // Any epoch, however late, costs a few multiplications.
    let late = Schedule::step_decay(1, 0.999)
        .unwrap()
        .rate(1.0, usize::MAX);
    assert_eq!(late, 0.0);
    let gamma = 1.0 + 1e-12;
    let growing = Schedule::exponential(gamma).unwrap().rate(1.0, 1 << 40);
    // Each squaring doubles the relative rounding error: 2^40 · 2^-53 ≈ 1e-4.
    assert!((growing / gamma.powf((1u64 << 40) as f64) - 1.0).abs() < 1e-3);
}

/// Rates that are 0, negative, NaN or infinite: a negative rate climbs the
/// loss (to 4e30 on the digits in two epochs), the others never train.
const BAD_RATES: [f64; 5] = [0.0, -0.1, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

#[test]
fn unusable_learning_rates_are_refused_when_the_optimizer_is_made() {
    type Net = One<f64>;
    for lr in BAD_RATES {
        let refused = |e: OptimError| matches!(e, OptimError::LearningRate { found } if found.to_bits() == lr.to_bits());
        assert!(refused(Sgd::<f64>::new(lr).unwrap_err()), "sgd {lr}");
        assert!(
            refused(Momentum::<f64, Net>::new(lr, 0.9).unwrap_err()),
            "momentum {lr}"
        );
        assert!(
            refused(Momentum::<f64, Net>::nesterov(lr, 0.9).unwrap_err()),
            "nesterov {lr}"
        );
        assert!(refused(Adam::<f64, Net>::new(lr).unwrap_err()), "adam {lr}");
        // Nor can a schedule set one later; the rate stays as it was.
        let mut sgd = Sgd::new(0.1).unwrap();
        let err = Optimizer::<f64, Net>::set_learning_rate(&mut sgd, lr).unwrap_err();
        assert!(refused(err), "set {lr}");
        assert_eq!(Optimizer::<f64, Net>::learning_rate(&sgd), 0.1);
        let mut adam = Adam::<f64, Net>::new(0.1).unwrap();
        assert!(adam.set_learning_rate(lr).is_err());
        assert_eq!(adam.learning_rate(), 0.1);
    }
    assert_eq!(
        Sgd::<f32>::new(-0.5).unwrap_err().to_string(),
        "learning rate -0.5: expected a finite number above 0"
    );
    // A rate that f32 rounds to 0 is refused too.
    assert!(Sgd::<f32>::new(1e-50f64 as f32).is_err());
    for momentum in [-0.9, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            Momentum::<f64, Net>::new(0.1, momentum),
            Err(OptimError::Momentum { .. })
        ));
    }
    assert!(Momentum::<f64, Net>::new(0.1, 0.0).is_ok());
}

#[test]
fn unusable_decay_factors_are_refused_when_the_schedule_is_made() {
    for gamma in BAD_RATES {
        for made in [Schedule::step_decay(5, gamma), Schedule::exponential(gamma)] {
            assert!(
                matches!(made, Err(OptimError::DecayFactor { found }) if found.to_bits() == gamma.to_bits()),
                "{gamma}: {made:?}"
            );
        }
    }
    assert_eq!(
        Schedule::exponential(-2.0).unwrap_err().to_string(),
        "decay factor -2: expected a finite number above 0"
    );
    // Growth is allowed (PyTorch allows it too).
    assert_eq!(Schedule::exponential(2.0).unwrap().rate(1.0, 3), 8.0);
}
