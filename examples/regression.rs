//! Universal approximation: small tanh networks fitting
//! `f(x) = sin(x) + 0.3·sin(3x)` on `[−π, π]` from 200 seeded samples.
//!
//! The theorem says one hidden layer of enough sigmoid-like units can come as
//! close as we like to any continuous function on an interval. Here one hidden
//! layer of 2, 8 and 32 tanh units, and the two-layer 1-32-32-1, are trained
//! the same way (mini-batches of 32, mean squared error, Adam with a step
//! decay; the one-hidden-layer networks use a larger learning rate), so the
//! difference is capacity: the 2-unit network can only make a smooth bend,
//! the wider ones follow the wiggles.
//!
//! Training is `nn::train::fit` on a `RegressionDataset` (one input, one
//! target per sample): it shuffles, cuts mini-batches, steps Adam on the
//! network's own loss and follows the schedule; the callback records each
//! epoch's mean training loss. `fit` is generic over the network, so one
//! function trains all four.
//!
//! Run with `cargo run --release --example regression [OUT.png]`; the plot
//! goes to `target/regression.png` unless a path is given.

mod support;
use support::{Canvas, save_png, shown};

use std::error::Error;
use std::f64::consts::PI;
use std::ops::ControlFlow;
use std::path::PathBuf;

use nn::Params;
use nn::batch::{Batch, BatchSupervised};
use nn::data::RegressionDataset;
use nn::init::SplitMix64;
use nn::nalgebra::Vector1;
use nn::optim::{Adam, Schedule};
use nn::train::{TrainOptions, evaluate, fit};
use plotters::prelude::*;

nn::network! {
    /// One hidden layer of 2 tanh units.
    pub struct Tanh2 {
        input: 1,
        hidden: dense(2, tanh),
        output: dense(1),
        loss: mean_squared_error,
    }
}

nn::network! {
    /// One hidden layer of 8 tanh units.
    pub struct Tanh8 {
        input: 1,
        hidden: dense(8, tanh),
        output: dense(1),
        loss: mean_squared_error,
    }
}

nn::network! {
    /// One hidden layer of 32 tanh units.
    pub struct Tanh32 {
        input: 1,
        hidden: dense(32, tanh),
        output: dense(1),
        loss: mean_squared_error,
    }
}

nn::network! {
    /// Two hidden layers of 32 tanh units.
    pub struct Tanh32x32 {
        input: 1,
        hidden1: dense(32, tanh),
        hidden2: dense(32, tanh),
        output: dense(1),
        loss: mean_squared_error,
    }
}

/// The function to learn.
fn target(x: f64) -> f64 {
    x.sin() + 0.3 * (3.0 * x).sin()
}

const SAMPLES: usize = 200;
const EPOCHS: usize = 3000;
const BATCH: usize = 32;
const LR_SHALLOW: f64 = 0.03;
const LR_DEEP: f64 = 0.01;
/// The learning rate is divided by 10 every this many epochs (at 1000 and 2000).
const DECAY_EVERY: usize = 1000;
const SEED: u64 = 7;
/// Points of the dense evaluation grid on `[−π, π]`.
const GRID: usize = 2001;
/// Epochs at which the loss is reported.
const REPORT: [usize; 6] = [0, 100, 300, 1000, 2000, EPOCHS];

/// One trained network's record.
struct Fit {
    name: &'static str,
    params: usize,
    /// Index 0: the loss on all samples before training; index `e`: the
    /// mean loss over epoch `e`'s mini-batches.
    losses: Vec<f64>,
    /// Predictions on the grid.
    predictions: Vec<f64>,
}

/// Trains `net` with Adam on mini-batches of `samples` and returns the loss
/// history and the predictions on `grid`.
fn train<N>(
    name: &'static str,
    mut net: N,
    lr: f64,
    samples: &RegressionDataset,
    grid: &[f64],
) -> Result<Fit, Box<dyn Error>>
where
    N: BatchSupervised<f64, 1, 1, Vector1<f64>>,
{
    let options = TrainOptions {
        epochs: EPOCHS,
        batch_size: BATCH,
        seed: SEED,
        schedule: Schedule::step_decay(DECAY_EVERY, 0.1)?,
        progress: false,
    };
    let mut losses = vec![evaluate(&net, samples, SAMPLES)?.loss];
    // No held-out set: the curve is the point, so `fit` evaluates on the
    // training samples and the history keeps the mean loss over each epoch.
    let history = fit(
        &mut net,
        &mut Adam::new(lr)?,
        samples,
        samples,
        &options,
        |_, _| ControlFlow::Continue(()),
    )?;
    losses.extend(history.iter().map(|s| s.train_loss));

    let mut trace = N::Trace::default();
    let predictions = net
        .forward_batch_trace(&Batch::<f64, 1>::from_column_slice(grid), &mut trace)
        .as_slice()
        .to_vec();
    Ok(Fit {
        name,
        params: N::PARAM_COUNT,
        losses,
        predictions,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/regression.png"
            ))
        },
        PathBuf::from,
    );

    let mut rng = SplitMix64::new(SEED);
    let xs: Vec<f64> = (0..SAMPLES)
        .map(|_| -PI + 2.0 * PI * rng.next_f64())
        .collect();
    let ys: Vec<f64> = xs.iter().map(|&x| target(x)).collect();
    // Data sets hold f32, as the loaders do; the networks compute in f64.
    let samples = RegressionDataset::new(
        1,
        1,
        xs.iter().map(|&x| x as f32).collect(),
        ys.iter().map(|&y| y as f32).collect(),
    )?;
    let grid: Vec<f64> = (0..GRID)
        .map(|i| -PI + 2.0 * PI * i as f64 / (GRID - 1) as f64)
        .collect();
    println!("target: sin(x) + 0.3 sin(3x) on [-pi, pi]; {SAMPLES} training samples (seed {SEED})");
    println!(
        "Adam, lr {LR_SHALLOW} (one hidden layer) or {LR_DEEP} (two), /10 at epochs 1000 and 2000; {EPOCHS} epochs of mini-batches of {BATCH}; mean squared error"
    );

    let start = std::time::Instant::now();
    let fits = [
        train(
            "1-2-1",
            Tanh2::<f64>::init(SEED),
            LR_SHALLOW,
            &samples,
            &grid,
        )?,
        train(
            "1-8-1",
            Tanh8::<f64>::init(SEED),
            LR_SHALLOW,
            &samples,
            &grid,
        )?,
        train(
            "1-32-1",
            Tanh32::<f64>::init(SEED),
            LR_SHALLOW,
            &samples,
            &grid,
        )?,
        train(
            "1-32-32-1",
            Tanh32x32::<f64>::init(SEED),
            LR_DEEP,
            &samples,
            &grid,
        )?,
    ];
    let seconds = start.elapsed().as_secs_f64();

    println!("\ntraining loss (mean squared error over the epoch)");
    print!("{:>7}", "epoch");
    for fit in &fits {
        print!(" {:>12}", fit.name);
    }
    println!();
    for epoch in REPORT {
        print!("{epoch:>7}");
        for fit in &fits {
            print!(" {:>12.2e}", fit.losses[epoch]);
        }
        println!();
    }

    println!("\nerror on a grid of {GRID} points in [-pi, pi]");
    println!(
        "{:>10} {:>7} {:>10} {:>10}",
        "network", "params", "max |err|", "mean |err|"
    );
    for fit in &fits {
        let errors = grid
            .iter()
            .zip(&fit.predictions)
            .map(|(&x, &p)| (p - target(x)).abs());
        let (max, sum) = errors.fold((0.0f64, 0.0), |(m, s), e| (m.max(e), s + e));
        println!(
            "{:>10} {:>7} {:>10.4} {:>10.4}",
            fit.name,
            fit.params,
            max,
            sum / GRID as f64
        );
    }
    println!("trained 4 networks in {seconds:.1} s");

    save_png(&out, (1200, 480), |root| plot(root, &xs, &ys, &grid, &fits))?;
    println!("wrote {}", shown(&out).display());
    Ok(())
}

const COLOURS: [RGBColor; 4] = [
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(204, 51, 17),
];

/// Left: the target, the samples and each network's fit; right: the loss curves.
fn plot(
    root: &Canvas<'_>,
    xs: &[f64],
    ys: &[f64],
    grid: &[f64],
    fits: &[Fit],
) -> Result<(), Box<dyn Error>> {
    let (left, right) = root.split_horizontally(660);

    let mut chart = ChartBuilder::on(&left)
        .caption("fit vs target: sin(x) + 0.3 sin(3x)", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(-PI..PI, -1.6f64..1.6)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_desc("x")
        .label_style(("sans-serif", 14))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            grid.iter().map(|&x| (x, target(x))),
            BLACK.mix(0.25).stroke_width(6),
        ))?
        .label("target")
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.25).stroke_width(5))
        });
    chart
        .draw_series(
            xs.iter()
                .zip(ys)
                .map(|(&x, &y)| Circle::new((x, y), 2, BLACK.filled())),
        )?
        .label("training samples")
        .legend(|(x, y)| Circle::new((x + 10, y), 2, BLACK.filled()));
    for (fit, colour) in fits.iter().zip(COLOURS) {
        chart
            .draw_series(LineSeries::new(
                grid.iter().copied().zip(fit.predictions.iter().copied()),
                colour.stroke_width(2),
            ))?
            .label(format!("{} ({} params)", fit.name, fit.params))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;

    let low = fits
        .iter()
        .flat_map(|f| f.losses.iter().copied())
        .fold(f64::INFINITY, f64::min);
    let high = fits
        .iter()
        .flat_map(|f| f.losses.iter().copied())
        .fold(0.0f64, f64::max);
    let mut chart = ChartBuilder::on(&right)
        .caption("training loss", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0..EPOCHS, (low * 0.5..high * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_desc("epoch")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style(("sans-serif", 14))
        .draw()?;
    for (fit, colour) in fits.iter().zip(COLOURS) {
        chart
            .draw_series(LineSeries::new(
                fit.losses.iter().copied().enumerate(),
                colour.stroke_width(1),
            ))?
            .label(fit.name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}
