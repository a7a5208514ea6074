//! The training loop on real data (scikit-learn's digits, vendored): it
//! learns, it is reproducible from its seed, and it reports as errors a loss,
//! parameters or a test loss that stop being finite, a schedule whose rate
//! vanishes, and data that does not fit the network.

use std::path::Path;

use nn::data::{Dataset, load_digits_csv};
use nn::optim::{Adam, OptimError, Optimizer, Schedule, Sgd};
use nn::train::{TrainError, TrainOptions, evaluate, fit_classifier};

nn::network! {
    struct Digits {
        input: 64,
        hidden: dense(32, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

fn digits() -> (Dataset, Dataset) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sklearn-digits/digits.csv.gz");
    load_digits_csv(&path).unwrap().split(1500)
}

fn options(epochs: usize) -> TrainOptions {
    TrainOptions {
        epochs,
        batch_size: 32,
        seed: 7,
        schedule: Schedule::step_decay(5, 0.5).unwrap(),
        progress: false,
    }
}

#[test]
fn learns_digits_and_is_reproducible() {
    let (train, test) = digits();
    let run = || {
        let mut net = Digits::<f32>::init(1);
        let mut opt = Adam::new(0.01).unwrap();
        let mut seen = Vec::new();
        let history = fit_classifier(&mut net, &mut opt, &train, &test, &options(8), |s| {
            seen.push(s.epoch)
        })
        .unwrap();
        assert_eq!(seen, (1..=8).collect::<Vec<_>>());
        (net, history)
    };
    let (net, history) = run();
    let last = history.last().unwrap();
    assert!(last.test_accuracy > 0.9, "{history:?}");
    assert!(last.train_loss < history[0].train_loss);
    assert!(
        (history[5].learning_rate - 0.005).abs() < 1e-9,
        "step decay halves the rate after 5 epochs"
    );
    // Same seed, same weights and figures.
    let (net2, history2) = run();
    assert_eq!(net, net2);
    assert_eq!(
        history.iter().map(|s| s.test_loss).collect::<Vec<_>>(),
        history2.iter().map(|s| s.test_loss).collect::<Vec<_>>()
    );
    let eval = evaluate::<f32, _, 64, 10>(&net, &test, 64).unwrap();
    assert_eq!(eval.confusion.total(), 297);
    assert!((eval.accuracy - last.test_accuracy).abs() < 1e-12);
}

#[test]
fn a_diverging_loss_names_the_epoch_and_batch() {
    let (train, test) = digits();
    let mut net = Digits::<f32>::init(1);
    let mut opt = Sgd::new(1e30).unwrap();
    let err = fit_classifier(&mut net, &mut opt, &train, &test, &options(3), |_| {}).unwrap_err();
    match err {
        TrainError::NonFiniteLoss { epoch, batch, loss } => {
            assert_eq!(epoch, 1);
            assert!(
                batch >= 2,
                "the first batch's loss is finite: it is computed before any step"
            );
            assert!(!loss.is_finite());
        }
        other => panic!("expected NonFiniteLoss, got {other:?}"),
    }
}

#[test]
fn data_that_does_not_fit_is_an_error() {
    nn::network! {
        struct Wrong { input: 784, out: dense(10), loss: softmax_cross_entropy }
    }
    nn::network! {
        struct FewClasses { input: 64, out: dense(5), loss: softmax_cross_entropy }
    }
    let (train, test) = digits();
    let err = fit_classifier(
        &mut Wrong::<f32>::zeros(),
        &mut Sgd::new(0.1).unwrap(),
        &train,
        &test,
        &options(1),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the training set does not fit the network: its samples have 64 features, the network takes 784"
    );
    let err = fit_classifier(
        &mut FewClasses::<f32>::zeros(),
        &mut Sgd::new(0.1).unwrap(),
        &train,
        &test,
        &options(1),
        |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("out of range: expected a class in 0..5"),
        "{err}"
    );
    let mut zero = options(1);
    zero.batch_size = 0;
    let err = fit_classifier(
        &mut Digits::<f32>::zeros(),
        &mut Sgd::new(0.1).unwrap(),
        &train,
        &test,
        &zero,
        |_| {},
    )
    .unwrap_err();
    assert_eq!(err, TrainError::ZeroBatchSize);
}

#[test]
fn one_step_at_a_huge_learning_rate_is_an_error() {
    // One epoch of one batch: the only training loss is computed before the
    // step. The weights it leaves are huge but still finite, so the
    // damage shows in the test loss.
    let (train, test) = digits();
    let mut once = options(1);
    once.batch_size = train.len();
    let mut net = Digits::<f32>::init(1);
    let mut sgd = Sgd::new(1e30).unwrap();
    let err = fit_classifier(&mut net, &mut sgd, &train, &test, &once, |_| {}).unwrap_err();
    assert!(
        matches!(err, TrainError::NonFiniteTestLoss { epoch: 1, loss } if loss.is_nan()),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("; try a smaller learning rate"),
        "{err}"
    );
}

/// Sets the first parameter to NaN at its `at`-th step.
struct Poison {
    steps: usize,
    at: usize,
}

impl Optimizer<f32, Digits<f32>> for Poison {
    fn step(&mut self, net: &mut Digits<f32>, _grads: &Digits<f32>) {
        self.steps += 1;
        if self.steps == self.at {
            net.hidden.weight[0] = f32::NAN;
        }
    }
    fn learning_rate(&self) -> f32 {
        0.1
    }
    fn set_learning_rate(&mut self, _lr: f32) -> Result<(), OptimError> {
        Ok(())
    }
}

#[test]
fn parameters_that_become_nan_at_an_epochs_last_step_are_an_error() {
    // Two batches per epoch; the fourth step is the last of epoch 2, so no
    // training loss is computed after it.
    let (train, test) = digits();
    let mut two = options(3);
    two.batch_size = 1000;
    let mut net = Digits::<f32>::init(1);
    let mut poison = Poison { steps: 0, at: 4 };
    let err = fit_classifier(&mut net, &mut poison, &train, &test, &two, |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::Diverged { epoch: 2, tensor: "hidden.weight", index: 0, value } if value.is_nan()
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the parameters diverged in epoch 2: hidden.weight[0] is NaN; try a smaller learning rate"
    );
}

#[test]
fn a_loss_that_overflows_before_any_update_does_not_blame_the_learning_rate() {
    // Finite inputs so large that the first forward pass overflows.
    let (train, test) = digits();
    let huge = Dataset::new(
        64,
        10,
        vec![f32::MAX; train.len() * 64],
        train.labels().to_vec(),
    )
    .unwrap();
    let mut net = Digits::<f32>::init(1);
    let mut sgd = Sgd::new(0.01).unwrap();
    let err = fit_classifier(&mut net, &mut sgd, &huge, &test, &options(1), |_| {}).unwrap_err();
    assert!(matches!(err, TrainError::NonFiniteStart { .. }), "{err:?}");
    assert!(!err.to_string().contains("learning rate"), "{err}");
}

#[test]
fn a_schedule_that_decays_to_zero_is_an_error() {
    let (train, test) = digits();
    let mut vanishing = options(3);
    vanishing.schedule = Schedule::exponential(1e-300).unwrap();
    let mut net = Digits::<f32>::init(1);
    let mut sgd = Sgd::new(0.1).unwrap();
    let err = fit_classifier(&mut net, &mut sgd, &train, &test, &vanishing, |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::Schedule {
                epoch: 2,
                source: OptimError::LearningRate { found: 0.0 }
            }
        ),
        "{err:?}"
    );
}
