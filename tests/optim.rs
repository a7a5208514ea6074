//! Optimizer updates against values computed independently (a plain Python
//! transcription of PyTorch's update formulas, run once; the literals below
//! are its output). Two parameters, w = 1.0 and b = −0.5, three gradients.

use nn::Params;
use nn::optim::{Adam, Momentum, Optimizer, Schedule, Sgd};

nn::network! {
    struct One { input: 1, out: dense(1) }
}

const GRADS: [[f64; 2]; 3] = [[0.5, -0.2], [0.1, 0.3], [-0.4, 0.05]];

fn run(opt: &mut impl Optimizer<f64, One<f64>>) -> [f64; 2] {
    let mut net = One::<f64>::from_params(&[1.0, -0.5]).unwrap();
    for g in GRADS {
        opt.step(&mut net, &One::from_params(&g).unwrap());
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
    assert_close(run(&mut Sgd::new(0.1)), [0.98, -0.515]);
    let mut decayed = Sgd::new(0.1);
    decayed.weight_decay = 0.01;
    assert_close(run(&mut decayed), [0.977112949, -0.5135114795]);
}

#[test]
fn classic_and_nesterov_momentum() {
    assert_close(run(&mut Momentum::new(0.1, 0.9)), [0.8855, -0.5078]);
    assert_close(run(&mut Momentum::nesterov(0.1, 0.9)), [0.87695, -0.52202]);
    let mut decayed = Momentum::nesterov(0.1, 0.9);
    decayed.weight_decay = 0.01;
    assert_close(run(&mut decayed), [0.869465558191, -0.5180999733905]);
}

#[test]
fn adam_with_and_without_weight_decay() {
    let mut adam = Adam::new(0.01);
    assert_close(run(&mut adam), [0.9810325966358212, -0.4952516288853231]);
    assert_eq!(adam.steps(), 3);
    let mut decayed = Adam::new(0.01);
    decayed.weight_decay = 0.1;
    assert_close(
        run(&mut decayed),
        [0.9779818754082865, -0.49098560458936347],
    );
}

#[test]
fn schedules_set_the_rate_per_epoch() {
    let mut opt = Sgd::new(0.5f64);
    let schedule = Schedule::StepDecay {
        every: 3,
        gamma: 0.1,
    };
    let rates: Vec<f64> = (0..7)
        .map(|epoch| {
            Optimizer::<f64, One<f64>>::set_learning_rate(&mut opt, schedule.rate(0.5, epoch));
            Optimizer::<f64, One<f64>>::learning_rate(&opt)
        })
        .collect();
    let expected = [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005];
    for (r, e) in rates.iter().zip(expected) {
        assert!((r - e).abs() < 1e-15, "{rates:?}");
    }
    assert!((Schedule::Exponential { gamma: 0.5 }.rate(1.0, 3) - 0.125).abs() < 1e-15);
}
