//! On the host: the baked network classifies the committed test digits
//! correctly, and one SGD step on a digit lowers its loss.

use nn_embedded::{DIGITS, Homework, NET, classify, classify_pixels, sgd_step};

#[test]
fn classifies_the_committed_digits() {
    for (label, pixels) in DIGITS {
        assert_eq!(classify_pixels(&pixels), label);
        assert_eq!(classify(&pixels.map(|p| f32::from(p) / 255.0)), label);
    }
    // One of each digit, in order: a classifier that always says 7 fails here.
    assert!(DIGITS.iter().map(|d| d.0).eq(0..10));
}

#[test]
fn baked_weights_are_the_trained_ones() {
    // Not zeros and not a fresh initialisation.
    assert_ne!(NET, Homework::<f32>::zeros());
    assert_ne!(NET, Homework::<f32>::init(1));
    assert!(NET.output.bias.iter().any(|&b| b != 0.0));
}

#[test]
fn sgd_step_runs_without_std() {
    let mut net = NET.clone();
    let image = DIGITS[2].1.map(|p| f32::from(p) / 255.0);
    let before = sgd_step(&mut net, &image, 3, 0.01).unwrap();
    let after = sgd_step(&mut net, &image, 3, 0.0).unwrap();
    assert!(after < before, "{after} >= {before}");
    assert_eq!(sgd_step(&mut net, &image, 10, 0.01), None);
}
