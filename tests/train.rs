//! The training loop on real data (scikit-learn's digits, vendored): it
//! learns, it is reproducible from its seed, and it reports a diverging loss
//! and data that does not fit the network as errors.

use std::path::Path;

use nn::data::{Dataset, load_digits_csv};
use nn::optim::{Adam, Schedule, Sgd};
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
        schedule: Schedule::StepDecay {
            every: 5,
            gamma: 0.5,
        },
        progress: false,
    }
}

#[test]
fn learns_digits_and_is_reproducible() {
    let (train, test) = digits();
    let run = || {
        let mut net = Digits::<f32>::init(1);
        let mut opt = Adam::new(0.01);
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
    let mut opt = Sgd::new(1e30);
    let err = fit_classifier(&mut net, &mut opt, &train, &test, &options(3), |_| {}).unwrap_err();
    match err {
        TrainError::NonFinite { epoch, batch, loss } => {
            assert_eq!(epoch, 1);
            assert!(
                batch >= 2,
                "the first batch's loss is finite: it is computed before any step"
            );
            assert!(!loss.is_finite());
        }
        other => panic!("expected NonFinite, got {other:?}"),
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
        &mut Sgd::new(0.1),
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
        &mut Sgd::new(0.1),
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
        &mut Sgd::new(0.1),
        &train,
        &test,
        &zero,
        |_| {},
    )
    .unwrap_err();
    assert_eq!(err, TrainError::ZeroBatchSize);
}
