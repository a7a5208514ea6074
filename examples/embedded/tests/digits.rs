//! On the host: the baked networks (f32, int8 and the CNN) classify the
//! committed test digits correctly, and one SGD step on a digit lowers its loss.

use nn_embedded::{
    CNN, Cnn, DIGITS, Homework, HomeworkInt8, NET, PIXEL_TO_INT8, classify, classify_pixels,
    classify_pixels_cnn, classify_pixels_int8, sgd_step,
};

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
fn the_int8_network_classifies_the_committed_digits() {
    for (label, pixels) in DIGITS {
        assert_eq!(classify_pixels_int8(&pixels), label);
    }
}

#[test]
fn the_cnn_classifies_the_committed_digits() {
    for (label, pixels) in DIGITS {
        assert_eq!(classify_pixels_cnn(&pixels), label);
    }
    // The trained weights, not zeros (which would say 0 for every digit).
    assert_ne!(CNN, Cnn::<f32>::zeros());
}

#[test]
fn the_pixel_table_is_quantize_input() {
    // The compile-time table and the run-time float path agree on every
    // pixel value, so the firmware without an FPU computes what a host does.
    let pixels: [u8; 784] = core::array::from_fn(|i| (i % 256) as u8);
    let by_float = HomeworkInt8::quantize_input(&pixels.map(|p| f32::from(p) / 255.0));
    let by_table = pixels.map(|p| PIXEL_TO_INT8[usize::from(p)]);
    assert_eq!(by_table, by_float);
    assert_eq!(PIXEL_TO_INT8[0], 0);
    assert!(PIXEL_TO_INT8[255] > 100, "{:?}", PIXEL_TO_INT8[255]);
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
