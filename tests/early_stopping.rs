//! Runs `examples/early_stopping.rs`, so the example stays working and does
//! what it says: it stops on its own and keeps the best epoch's weights.

#[allow(
    dead_code,
    reason = "the example's `main` only prints what `run` returns"
)]
#[path = "../examples/early_stopping.rs"]
mod example;

#[test]
fn early_stopping_stops_and_keeps_the_best_weights() {
    let outcome = example::run().unwrap();
    assert!(outcome.epochs < example::MAX_EPOCHS, "{outcome:?}");
    assert_eq!(outcome.best_epoch + example::PATIENCE, outcome.epochs);
    assert!(outcome.best_loss < outcome.last_loss, "{outcome:?}");
    // Trained on 1200 digits, the kept weights score about 89% on the last 297.
    assert!(outcome.test_accuracy > 0.85, "{outcome:?}");
}
