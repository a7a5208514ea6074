//! The training loop on real data (scikit-learn's digits, vendored): it
//! learns, it is reproducible from its seed, and it reports as errors a loss,
//! parameters or a test loss that stop being finite, a schedule whose rate
//! vanishes, and data that does not fit the network.

use std::ops::ControlFlow;
use std::path::Path;

use nn::Params;
use nn::data::{Batches, Dataset, DatasetError, RegressionDataset, load_digits_csv};
use nn::optim::{Adam, OptimError, Optimizer, Schedule, Sgd};
use nn::train::{EpochStats, TrainError, TrainOptions, Trainer, evaluate, fit, fit_classifier};

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
        let history = fit_classifier(&mut net, &mut opt, &train, &test, &options(8), |s, _| {
            seen.push(s.epoch);
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(seen, (1..=8).collect::<Vec<_>>());
        (net, history)
    };
    let (net, history) = run();
    let last = history.last().unwrap();
    assert!(last.test_accuracy.unwrap() > 0.9, "{history:?}");
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
    let eval = evaluate(&net, &test, 64).unwrap();
    assert_eq!(eval.confusion.unwrap().total(), 297);
    assert!((eval.accuracy.unwrap() - last.test_accuracy.unwrap()).abs() < 1e-12);
}

#[test]
fn a_diverging_loss_names_the_epoch_and_batch() {
    let (train, test) = digits();
    let mut net = Digits::<f32>::init(1);
    let mut opt = Sgd::new(1e30).unwrap();
    let err = fit_classifier(&mut net, &mut opt, &train, &test, &options(3), |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
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
        |_, _| ControlFlow::Continue(()),
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
        |_, _| ControlFlow::Continue(()),
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
        |_, _| ControlFlow::Continue(()),
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
    let err = fit_classifier(&mut net, &mut sgd, &train, &test, &once, |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
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
    let err = fit_classifier(&mut net, &mut poison, &train, &test, &two, |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
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
    let err = fit_classifier(&mut net, &mut sgd, &huge, &test, &options(1), |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
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
    let err = fit_classifier(&mut net, &mut sgd, &train, &test, &vanishing, |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::Schedule {
                epoch: 2,
                problem: OptimError::LearningRate { found: 0.0 }
            }
        ),
        "{err:?}"
    );
    // The optimizer's words are in the message, once: not a source() too.
    assert!(std::error::Error::source(&err).is_none());
    assert!(
        err.to_string()
            .ends_with(&OptimError::LearningRate { found: 0.0 }.to_string())
    );
}

#[test]
fn the_reported_learning_rate_is_the_one_written() {
    // 0.01f32 is 0.009999999776482582 exactly; the schedule starts from the
    // rate as written, in f64, and halves it exactly.
    let (train, test) = digits();
    let mut halving = options(2);
    halving.schedule = Schedule::step_decay(1, 0.5).unwrap();
    let mut net = Digits::<f32>::init(1);
    let mut adam = Adam::new(0.01f32).unwrap();
    let history = fit_classifier(&mut net, &mut adam, &train, &test, &halving, |_, _| {
        ControlFlow::Continue(())
    })
    .unwrap();
    let rates: Vec<f64> = history.iter().map(|s| s.learning_rate).collect();
    assert_eq!(rates, [0.01, 0.005]);
    assert_eq!(
        Optimizer::<f32, Digits<f32>>::learning_rate(&adam),
        0.005f32
    );
}

#[test]
fn the_callback_sees_the_network_and_can_stop() {
    let (train, test) = digits();
    let mut net = Digits::<f32>::init(1);
    let mut seen = Vec::new();
    let history = fit_classifier(
        &mut net,
        &mut Adam::new(0.01).unwrap(),
        &train,
        &test,
        &options(10),
        |s, net| {
            seen.push(net.clone());
            if s.epoch == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(seen.len(), 3);
    assert_ne!(
        seen[0], seen[2],
        "each call sees the network after its epoch"
    );
    assert_eq!(
        seen[2], net,
        "the run stops right after the epoch that broke"
    );
}

/// Runs `parts` calls of `epochs` epochs, returning the network and every
/// epoch's figures but the timings. With `checkpoint`, each call after the
/// first gets a new trainer made from what a checkpoint would hold (the
/// epochs done and the base rate), as a new process would.
fn run_in_parts(parts: usize, epochs: usize, checkpoint: bool) -> (Digits<f32>, Vec<EpochStats>) {
    let (train, test) = digits();
    let mut options = options(epochs);
    // Decays every epoch, so a schedule that restarted would show.
    options.schedule = Schedule::step_decay(1, 0.7).unwrap();
    let mut net = Digits::<f32>::init(1);
    let mut adam = Adam::new(0.01).unwrap();
    let mut trainer = Trainer::new(options.clone());
    let mut history = Vec::new();
    for _ in 0..parts {
        let part = trainer
            .fit(&mut net, &mut adam, &train, &test, |_, _| {
                ControlFlow::Continue(())
            })
            .unwrap();
        history.extend(part.into_iter().map(|s| EpochStats { seconds: 0.0, ..s }));
        if checkpoint {
            let rate = trainer.learning_rate().unwrap();
            trainer = Trainer::resume(options.clone(), trainer.epoch(), rate);
        }
    }
    assert_eq!(trainer.epoch(), parts * epochs);
    (net, history)
}

#[test]
fn two_epochs_and_two_more_train_as_four_bit_for_bit() {
    let (whole, whole_history) = run_in_parts(1, 4, false);
    for checkpoint in [false, true] {
        let (resumed, resumed_history) = run_in_parts(2, 2, checkpoint);
        assert_eq!(
            resumed_history.iter().map(|s| s.epoch).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert_eq!(resumed_history, whole_history, "checkpoint: {checkpoint}");
        assert_eq!(resumed, whole, "checkpoint: {checkpoint}");
    }
}

#[test]
fn resuming_from_a_checkpoint_continues_the_schedule() {
    // A new process: a fresh optimizer and a trainer made from the fields
    // saved after epoch 2.
    let (train, test) = digits();
    let mut options = options(1);
    options.schedule = Schedule::step_decay(1, 0.5).unwrap();
    let mut trainer = Trainer::resume(options, 2, 0.01);
    let mut net = Digits::<f32>::init(1);
    let history = trainer
        .fit(
            &mut net,
            &mut Adam::new(0.01).unwrap(),
            &train,
            &test,
            |_, _| ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!((history[0].epoch, history[0].learning_rate), (3, 0.0025));
}

nn::network! {
    struct Curve {
        input: 1,
        hidden: dense(16, tanh),
        output: dense(1),
        loss: mean_squared_error,
    }
}

/// `y = x²` on 64 points of `[-1, 1]`.
fn parabola() -> RegressionDataset {
    let xs: Vec<f32> = (0..64).map(|i| -1.0 + i as f32 / 31.5).collect();
    let ys = xs.iter().map(|x| x * x).collect();
    RegressionDataset::new(1, 1, xs, ys).unwrap()
}

#[test]
fn fit_lowers_a_regression_loss() {
    let data = parabola();
    let mut net = Curve::<f64>::init(3);
    let before = evaluate(&net, &data, 16).unwrap();
    assert_eq!((before.accuracy, before.confusion), (None, None));
    let options = TrainOptions {
        epochs: 100,
        batch_size: 8,
        seed: 1,
        schedule: Schedule::constant(),
        progress: false,
    };
    let history = fit(
        &mut net,
        &mut Adam::new(0.01).unwrap(),
        &data,
        &data,
        &options,
        |_, _| ControlFlow::Continue(()),
    )
    .unwrap();
    let after = evaluate(&net, &data, 16).unwrap().loss;
    assert!(after < before.loss / 10.0, "{} -> {after}", before.loss);
    // The same loss, summed in other batches.
    assert!((history.last().unwrap().test_loss - after).abs() < 1e-12);
    assert_eq!(history.last().unwrap().test_accuracy, None);
}

#[test]
fn regression_data_that_does_not_fit_is_an_error() {
    nn::network! {
        struct TwoOut { input: 1, out: dense(2), loss: mean_squared_error }
    }
    let data = parabola();
    let err = fit(
        &mut TwoOut::<f64>::init(0),
        &mut Sgd::new(0.1).unwrap(),
        &data,
        &data,
        &options(1),
        |_, _| ControlFlow::Continue(()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the training set does not fit the network: its samples have 1 targets, the network gives 2 outputs"
    );
    assert!(matches!(
        RegressionDataset::new(1, 1, vec![0.0, 1.0], vec![0.0, f32::INFINITY]),
        Err(DatasetError::NonFiniteTarget {
            sample: 1,
            output: 0,
            ..
        })
    ));
    assert_eq!(
        RegressionDataset::new(2, 1, vec![0.0; 3], vec![0.0, 1.0]).unwrap_err(),
        DatasetError::InputLength {
            features: 2,
            inputs: 3,
            labels: 2
        }
    );
}

#[test]
fn batches_visit_every_sample_once_per_epoch_in_a_new_order() {
    let data = parabola();
    let epoch = |seed, epoch| data.batches(10, seed, epoch).unwrap();
    for e in 1..=5 {
        let batches = epoch(7, e);
        let sizes: Vec<usize> = batches.iter().map(<[usize]>::len).collect();
        assert_eq!(sizes, [10, 10, 10, 10, 10, 10, 4]);
        let mut visited: Vec<usize> = (&batches).into_iter().flatten().copied().collect();
        visited.sort_unstable();
        assert_eq!(visited, (0..64).collect::<Vec<_>>());
    }
    let orders: Vec<Batches> = (1..=5).map(|e| epoch(7, e)).collect();
    for (i, a) in orders.iter().enumerate() {
        for b in &orders[i + 1..] {
            assert_ne!(a.order(), b.order(), "two epochs in the same order");
        }
    }
    assert_eq!(
        epoch(7, 3),
        epoch(7, 3),
        "the same seed and epoch, the same order"
    );
    assert_ne!(epoch(7, 3).order(), epoch(8, 3).order());
    assert_eq!(data.batches(0, 7, 1), Err(DatasetError::ZeroBatchSize));
}
