//! Trains nn's version of TensorFlow Lite Micro's "hello world" sine
//! predictor, the network MicroFlow benchmarks, and saves it to
//! `../sine.safetensors` for the firmware to bake in with `#[weights]`, and
//! its training inputs to `../sine-calibration.safetensors`, the calibration
//! of the int8 firmware.
//!
//! The data and the recipe follow the hello-world notebook: 1,000 values of
//! x uniform in [0, 2π], y = sin(x) + 0.1·N(0, 1), split 60/20/20 into
//! training, validation and test sets; a 1 → 16 → 16 → 1 network (ReLU,
//! ReLU, identity), mean squared error, Adam on mini-batches of 16 for 600
//! epochs. The notebook uses Keras' default rate 0.001 throughout; here the
//! rate starts at 0.01 and is cut to 0.3× every 200 epochs, which halves the
//! error against sin(x) (0.059 at 0.001). Everything is seeded, so a rerun
//! writes the same file.
//!
//! ```sh
//! cargo run -p sine-train    # from compare/microflow
//! ```

use std::error::Error;
use std::f64::consts::PI;
use std::ops::ControlFlow;
use std::path::Path;

use nn::data::RegressionDataset;
use nn::init::SplitMix64;
use nn::io::{save_calibration, save_safetensors};
use nn::nalgebra::Vector1;
use nn::optim::{Adam, Schedule};
use nn::train::{TrainOptions, fit};

nn::network! {
    /// The hello-world sine predictor.
    pub struct Sine {
        input: 1,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(1),
        loss: mean_squared_error,
    }
}

const SAMPLES: usize = 1000;
const NOISE: f64 = 0.1;
const EPOCHS: usize = 600;
const BATCH: usize = 16;
const LR: f32 = 0.01;
const SEED: u64 = 1337;

/// A standard normal sample (Box–Muller; `1 - u` keeps the logarithm finite).
fn normal(rng: &mut SplitMix64) -> f64 {
    let (u, v) = (1.0 - rng.next_f64(), rng.next_f64());
    (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
}

fn dataset(points: &[(f64, f64)]) -> Result<RegressionDataset, Box<dyn Error>> {
    Ok(RegressionDataset::new(
        1,
        1,
        points.iter().map(|&(x, _)| x as f32).collect(),
        points.iter().map(|&(_, y)| y as f32).collect(),
    )?)
}

/// Mean absolute error of `net` against sin(x) and against the noisy y.
fn mae(net: &Sine<f32>, points: &[(f64, f64)]) -> (f64, f64) {
    let (mut vs_sin, mut vs_y) = (0.0, 0.0);
    for &(x, y) in points {
        let p = f64::from(net.forward(&Vector1::new(x as f32))[0]);
        vs_sin += (p - x.sin()).abs();
        vs_y += (p - y).abs();
    }
    let n = points.len() as f64;
    (vs_sin / n, vs_y / n)
}

/// MicroFlow's test points (`../sine-test-set.csv`, a header and `x,y` rows).
fn microflow_test_set(path: &Path) -> Result<Vec<(f64, f64)>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let parsed = line
            .split_once(',')
            .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
        match parsed {
            Some(point) => points.push(point),
            None => return Err(format!("line {}: expected `x,y`, found `{line}`", n + 1).into()),
        }
    }
    Ok(points)
}

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the training program's folder has no parent")?;
    let mut rng = SplitMix64::new(SEED);
    let points: Vec<(f64, f64)> = (0..SAMPLES)
        .map(|_| {
            let x = 2.0 * PI * rng.next_f64();
            (x, x.sin() + NOISE * normal(&mut rng))
        })
        .collect();
    let (train, rest) = points.split_at(SAMPLES * 6 / 10);
    let (validation, test) = rest.split_at(SAMPLES * 2 / 10);

    let mut net = Sine::<f32>::init(SEED);
    let options = TrainOptions {
        epochs: EPOCHS,
        batch_size: BATCH,
        seed: SEED,
        schedule: Schedule::step_decay(200, 0.3)?,
        progress: false,
    };
    let history = fit(
        &mut net,
        &mut Adam::new(LR)?,
        &dataset(train)?,
        &dataset(validation)?,
        &options,
        |_, _| ControlFlow::Continue(()),
    )?;
    if let Some(last) = history.last() {
        println!(
            "epoch {}: training loss {:.5}, validation loss {:.5}",
            last.epoch, last.train_loss, last.test_loss
        );
    }
    let (sin, y) = mae(&net, test);
    println!(
        "own test set ({} points): MAE vs sin(x) {sin:.4}, vs y {y:.4}",
        test.len()
    );
    let microflow = microflow_test_set(&root.join("sine-test-set.csv"))?;
    let (sin, y) = mae(&net, &microflow);
    println!(
        "MicroFlow's test set ({} points): MAE vs sin(x) {sin:.4}, vs y {y:.4}",
        microflow.len()
    );
    println!("predict(0.5) = {}", net.forward(&Vector1::new(0.5))[0]);

    let out = root.join("sine.safetensors");
    save_safetensors(&net, &out)?;
    println!("wrote {}", out.display());
    // The int8 firmware's calibration: the training inputs, whose range sets
    // each layer's activation scale (`quantize = int8`).
    let calibration = root.join("sine-calibration.safetensors");
    let inputs: Vec<f32> = train.iter().map(|&(x, _)| x as f32).collect();
    save_calibration(&inputs, 1, &calibration)?;
    println!("wrote {}", calibration.display());
    Ok(())
}
