//! Two interleaved spirals: a 2-D classification problem whose decision
//! boundary no straight line (and no single neuron) can draw.
//!
//! A 2-32-32-2 tanh network with a softmax cross-entropy loss learns it from
//! 500 seeded, slightly noisy points, trained with mini-batches and Adam. Each
//! step is one call to the generated `loss_and_grad_batch` on an
//! `nn::batch::Batch<f64, 2>` (one column per point). The example prints the
//! loss and accuracy as it trains, the accuracy on 500 fresh points drawn from
//! the same spirals, and paints the decision boundary: every pixel coloured by
//! the predicted probability of each class, with the training points on top.
//!
//! Run with `cargo run --release --example spirals [OUT.png]`; the picture
//! goes to `target/spirals.png` unless a path is given.

mod support;
use support::{Canvas, save_png, shown};

use std::error::Error;
use std::f64::consts::PI;
use std::path::PathBuf;

use nn::batch::Batch;
use nn::init::SplitMix64;
use nn::metrics::argmax;
use nn::optim::{Adam, Optimizer, Schedule};
use nn::{ClassLabel, Params};
use plotters::prelude::*;

nn::network! {
    /// (x, y) → two class logits.
    pub struct Spirals {
        input: 2,
        hidden1: dense(32, tanh),
        hidden2: dense(32, tanh),
        output: dense(2),
        loss: softmax_cross_entropy,
    }
}

/// Points per spiral.
const PER_CLASS: usize = 250;
/// Turns of each spiral.
const TURNS: f64 = 1.75;
/// Standard deviation of the Gaussian noise added to each coordinate.
const NOISE: f64 = 0.02;
const EPOCHS: usize = 600;
const BATCH: usize = 32;
const LEARNING_RATE: f64 = 0.01;
/// The network sees the coordinates times 3. Inside the unit disc the tanh
/// units of a freshly initialised network are nearly linear and training sits
/// on a plateau (about 59% after 600 epochs, unscaled); spread over [−3, 3]
/// the first layer starts with enough curvature to find the spirals.
const SCALE: f64 = 3.0;
const SEED: u64 = 3;
/// The held-out points use another seed.
const TEST_SEED: u64 = 4;

/// `n` points of each class: point `i` of class `c` lies at radius
/// `s = (i + ½)/n` (so within the unit disc) and angle `2π·TURNS·s + c·π`,
/// plus Gaussian noise.
fn two_spirals(n: usize, seed: u64) -> (Vec<[f64; 2]>, Vec<ClassLabel<2>>) {
    let mut rng = SplitMix64::new(seed);
    let mut gauss = move || {
        // Box–Muller.
        let u = 1.0 - rng.next_f64();
        let v = rng.next_f64();
        (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
    };
    let mut points = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(2 * n);
    for class in 0..2 {
        for i in 0..n {
            let s = (i as f64 + 0.5) / n as f64;
            let t = 2.0 * PI * TURNS * s;
            let angle = t + class as f64 * PI;
            points.push([
                s * angle.cos() + NOISE * gauss(),
                s * angle.sin() + NOISE * gauss(),
            ]);
            labels.push(ClassLabel::new(class).expect("0 and 1 are classes of 2"));
        }
    }
    (points, labels)
}

/// The points, times [`SCALE`], as the columns of a batch.
fn batch(points: &[[f64; 2]]) -> Batch<f64, 2> {
    Batch::<f64, 2>::from_fn(points.len(), |i, j| SCALE * points[j][i])
}

/// The fraction of `points` classified as `labels`, and the mean loss.
fn evaluate(
    net: &Spirals<f64>,
    points: &[[f64; 2]],
    labels: &[ClassLabel<2>],
    trace: &mut SpiralsTraceBatch<f64>,
) -> (f64, f64) {
    let x = batch(points);
    // `loss_batch` runs the forward pass into `trace`: the output layer's `a`
    // holds the logits.
    let loss = net.loss_batch(&x, labels, trace);
    let correct = trace
        .output
        .a
        .as_slice()
        .chunks_exact(2)
        .zip(labels)
        .filter(|(out, y)| argmax(out) == y.index())
        .count();
    (correct as f64 / labels.len() as f64, loss)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/spirals.png")),
        PathBuf::from,
    );

    let (points, labels) = two_spirals(PER_CLASS, SEED);
    let (test_points, test_labels) = two_spirals(PER_CLASS, TEST_SEED);
    let mut net = Spirals::<f64>::init(SEED);
    println!("{}", net.summary());
    println!(
        "two spirals of {TURNS} turns, {PER_CLASS} points each (noise {NOISE}, seed {SEED}); \
         Adam, lr {LEARNING_RATE} halved every {} epochs, mini-batches of {BATCH}",
        EPOCHS / 4
    );

    let mut adam = Adam::new(LEARNING_RATE)?;
    // Halves the learning rate every `EPOCHS / 4` epochs.
    let schedule = Schedule::step_decay(EPOCHS / 4, 0.5)?;
    let mut rng = SplitMix64::new(SEED);
    let mut trace = SpiralsTraceBatch::new();
    let mut grads = Spirals::<f64>::zeros();
    let mut order: Vec<usize> = (0..points.len()).collect();
    let mut ys = Vec::with_capacity(BATCH);
    let mut chunk_points = Vec::with_capacity(BATCH);
    let start = std::time::Instant::now();
    let (accuracy, loss) = evaluate(&net, &points, &labels, &mut trace);
    println!(
        "epoch {:>4}: loss {loss:.4}, training accuracy {:.1}%",
        0,
        100.0 * accuracy
    );
    for epoch in 1..=EPOCHS {
        adam.set_learning_rate(schedule.rate(LEARNING_RATE, epoch - 1))?;
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for chunk in order.chunks(BATCH) {
            chunk_points.clear();
            chunk_points.extend(chunk.iter().map(|&i| points[i]));
            ys.clear();
            ys.extend(chunk.iter().map(|&i| labels[i]));
            net.loss_and_grad_batch(&batch(&chunk_points), &ys, &mut trace, &mut grads, None);
            adam.step(&mut net, &grads);
        }
        if epoch % 100 == 0 {
            let (accuracy, loss) = evaluate(&net, &points, &labels, &mut trace);
            println!(
                "epoch {epoch:>4}: loss {loss:.4}, training accuracy {:.1}%",
                100.0 * accuracy
            );
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let (train_accuracy, _) = evaluate(&net, &points, &labels, &mut trace);
    let (test_accuracy, test_loss) = evaluate(&net, &test_points, &test_labels, &mut trace);
    println!(
        "held-out points (seed {TEST_SEED}): loss {test_loss:.4}, accuracy {:.1}%",
        100.0 * test_accuracy
    );
    println!("trained in {seconds:.1} s");

    save_png(&out, (640, 640), |root| {
        plot(root, &net, &points, &labels, train_accuracy)
    })?;
    println!("wrote {}", shown(&out).display());
    Ok(())
}

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(230, 120, 20);
const PALE_BLUE: [f64; 3] = [198.0, 219.0, 239.0];
const PALE_ORANGE: [f64; 3] = [253.0, 208.0, 162.0];

/// Paints `P(class 1)` over the square `[−1.2, 1.2]²`, one network evaluation
/// per pixel (a batch per pixel row), and draws the training points on top.
fn plot(
    root: &Canvas<'_>,
    net: &Spirals<f64>,
    points: &[[f64; 2]],
    labels: &[ClassLabel<2>],
    accuracy: f64,
) -> Result<(), Box<dyn Error>> {
    const LIM: f64 = 1.2;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "two spirals: 2-32-32-2 tanh, training accuracy {:.1}%",
                100.0 * accuracy
            ),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(40)
        .build_cartesian_2d(-LIM..LIM, -LIM..LIM)?;

    // The decision surface, pixel by pixel: pixel (px, py) of the plotting
    // area shows the network's output at the data point under its centre.
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let (width, height) = ((xs.end - xs.start) as f64, (ys.end - ys.start) as f64);
    for py in ys.clone() {
        let y = LIM - 2.0 * LIM * ((py - ys.start) as f64 + 0.5) / height;
        let row: Vec<[f64; 2]> = xs
            .clone()
            .map(|px| [-LIM + 2.0 * LIM * ((px - xs.start) as f64 + 0.5) / width, y])
            .collect();
        let logits = net.forward_batch(&batch(&row));
        for (px, out) in xs.clone().zip(logits.as_slice().chunks_exact(2)) {
            // P(class 1) = softmax(out)[1] = σ(out[1] − out[0]).
            let p = 1.0 / (1.0 + (out[0] - out[1]).exp());
            // Sharpen towards the boundary so that the two regions read clearly.
            let w = ((p - 0.5) * 6.0).tanh() * 0.5 + 0.5;
            let [r, g, b] =
                std::array::from_fn(|k| ((1.0 - w) * PALE_BLUE[k] + w * PALE_ORANGE[k]) as u8);
            root.draw_pixel((px, py), &RGBColor(r, g, b))?;
        }
    }

    chart
        .configure_mesh()
        .disable_mesh()
        .label_style(("sans-serif", 14))
        .draw()?;
    for (class, colour) in [(0, BLUE), (1, ORANGE)] {
        chart
            .draw_series(
                points
                    .iter()
                    .zip(labels)
                    .filter(|(_, y)| y.index() == class)
                    .map(|(p, _)| {
                        EmptyElement::at((p[0], p[1]))
                            + Circle::new((0, 0), 4, colour.filled())
                            + Circle::new((0, 0), 4, WHITE.stroke_width(1))
                    }),
            )?
            .label(format!("spiral {}", ["A", "B"][class]))
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}
