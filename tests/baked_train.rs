//! Makes `examples/embedded/homework.safetensors`, the trained homework net
//! that `examples/embedded` bakes in at compile time, the test digits it
//! classifies, and `examples/embedded/cnn.safetensors`, the small CNN baked
//! beside it. Not part of the normal test run (each trains for half a minute
//! to a minute in release):
//!
//! ```sh
//! cargo test --release --test baked_train -- --ignored homework
//! cargo test --release --test baked_train -- --ignored cnn
//! ```

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::Path;

use nn::batch::BatchSupervised;
use nn::data::{IdxImages, load_idx_images, load_idx_labels, load_mnist};
use nn::nalgebra::SVector;
use nn::optim::{Adam, Schedule};
use nn::train::{TrainOptions, evaluate, fit_classifier};
use nn::{ClassLabel, Network, Params};

nn::network! {
    /// The lecture's homework network, as `examples/embedded` declares it.
    pub struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// The small CNN of `examples/embedded`, as it declares it.
    pub struct Cnn {
        input: [1, 28, 28],
        conv: conv2d(4, 5, stride = 2, relu),
        pool: max_pool(2),
        flat: flatten,
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

#[test]
#[ignore = "trains for about a minute; run by hand to regenerate the embedded example's weights"]
fn train_and_save_homework_weights() {
    let mut net = Homework::<f32>::init(1);
    train_on_mnist(&mut net, 10);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/embedded");
    nn::io::save_safetensors(&net, out.join("homework.safetensors")).unwrap();

    std::fs::write(out.join("src/digits.rs"), digits_source(&net).unwrap()).unwrap();
}

#[test]
#[ignore = "trains for half a minute; run by hand to regenerate the embedded example's CNN weights"]
fn train_and_save_cnn_weights() {
    let mut net = Cnn::<f32>::init(1);
    train_on_mnist(&mut net, 10);
    // The firmware classifies the committed digits (chosen by the homework
    // net) with the CNN too and fails on a wrong one: check them here,
    // before the file is written.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let homework: Box<Homework<f32>> =
        nn::io::load_safetensors(root.join("examples/embedded/homework.safetensors")).unwrap();
    let (images, labels) = test_set().unwrap();
    let wrong: Vec<usize> = first_right(&homework, &images, &labels)
        .into_iter()
        .enumerate()
        .filter(|&(class, i)| net.classify(&input(&images, i)) != class)
        .map(|(class, _)| class)
        .collect();
    assert!(
        wrong.is_empty(),
        "the CNN misclassifies the committed digits {wrong:?}"
    );
    let out = root.join("examples/embedded/cnn.safetensors");
    nn::io::save_safetensors(&net, out).unwrap();
}

/// Trains `net` on the vendored MNIST with Adam (0.003, halved every 4
/// epochs), mini-batches of 32, printing the test accuracy after each epoch
/// and at the end.
fn train_on_mnist<N>(net: &mut N, epochs: usize)
where
    N: BatchSupervised<f32, 784, 10, ClassLabel<10>> + Params<f32>,
{
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (train, test) = load_mnist(root.join("data/mnist")).unwrap();
    let options = TrainOptions {
        epochs,
        batch_size: 32,
        seed: 1,
        schedule: Schedule::step_decay(4, 0.5).unwrap(),
        progress: false,
    };
    fit_classifier(
        net,
        &mut Adam::new(0.003).unwrap(),
        &train,
        &test,
        &options,
        |s, _| {
            println!(
                "epoch {}: test accuracy {:.2}%",
                s.epoch,
                100.0 * s.test_accuracy.unwrap_or(0.0)
            );
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    let eval = evaluate(net, &test, 1000).unwrap();
    println!("test accuracy {:.2}%", 100.0 * eval.accuracy.unwrap());
}

/// `examples/embedded/src/digits.rs`: for each digit, 0 to 9, the first MNIST
/// test image that `net` classifies right (the firmware checks that it runs
/// the network as the host does, not the network's accuracy), as raw bytes,
/// one image row per source line. The layout is kept by `#[rustfmt::skip]`,
/// so `cargo fmt --check` passes on the written file and the digits stay
/// visible in the source.
fn digits_source(net: &Homework<f32>) -> Result<String, nn::data::DataError> {
    let (images, labels) = test_set()?;
    let pixels = images.rows * images.cols;
    let mut src = String::from(
        "//! For each digit, 0 to 9, the first MNIST test image that the baked network\n\
         //! classifies right, 28 x 28 pixels, row by row, 0 = background, 255 = ink;\n\
         //! written by `tests/baked_train.rs`.\n\
         \n\
         /// `(label, pixels)` for the digits 0 to 9, in that order.\n\
         #[rustfmt::skip]\n",
    );
    writeln!(src, "pub const DIGITS: [(usize, [u8; {pixels}]); 10] = [").unwrap();
    for (class, i) in first_right(net, &images, &labels).into_iter().enumerate() {
        let skipped = (0..i).filter(|&j| usize::from(labels[j]) == class).count();
        let note = match skipped {
            0 => String::new(),
            n => format!(" ({n} earlier misclassified)"),
        };
        writeln!(src, "    // Test image {i}, a {class}{note}.").unwrap();
        writeln!(src, "    ({class}, [").unwrap();
        for row in images.pixels[i * pixels..(i + 1) * pixels].chunks(images.cols) {
            let px: Vec<String> = row.iter().map(|p| format!("{p:>3}")).collect();
            writeln!(src, "        {},", px.join(",")).unwrap();
        }
        writeln!(src, "    ]),").unwrap();
    }
    writeln!(src, "];").unwrap();
    Ok(src)
}

/// The MNIST test images and their labels.
fn test_set() -> Result<(IdxImages, Vec<u8>), nn::data::DataError> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let images = load_idx_images(root.join("t10k-images-idx3-ubyte.gz"))?;
    let labels = load_idx_labels(root.join("t10k-labels-idx1-ubyte.gz"), 10)?;
    Ok((images, labels))
}

/// Test image `i` as a network's input: pixels scaled to `[0, 1]`.
fn input(images: &IdxImages, i: usize) -> SVector<f32, 784> {
    let pixels = &images.pixels[i * 784..(i + 1) * 784];
    SVector::from_iterator(pixels.iter().map(|&p| f32::from(p) / 255.0))
}

/// For each digit, 0 to 9, the index of the first test image of it that
/// `net` classifies right.
fn first_right(net: &Homework<f32>, images: &IdxImages, labels: &[u8]) -> Vec<usize> {
    (0..10)
        .map(|class| {
            let right = |i: &usize| {
                usize::from(labels[*i]) == class && net.classify(&input(images, *i)) == class
            };
            let Some(i) = (0..labels.len()).find(right) else {
                panic!("no MNIST test image of a {class} is classified right");
            };
            i
        })
        .collect()
}

/// The committed digits are exactly what the generator writes (and, since CI
/// runs `cargo fmt --check`, what rustfmt accepts).
#[test]
fn committed_digits_are_what_the_generator_writes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/embedded/src/digits.rs");
    let committed = std::fs::read_to_string(&path).unwrap();
    let net: Box<Homework<f32>> = nn::io::load_safetensors(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/embedded/homework.safetensors"),
    )
    .unwrap();
    assert!(
        committed == digits_source(&net).unwrap(),
        "{} differs from what tests/baked_train.rs writes",
        path.display()
    );
}
