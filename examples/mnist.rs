//! The lecture's homework: MNIST, 784 → 16 → 16 → 10, ReLU, cross-entropy,
//! trained with mini-batches on the 60,000 training images and tested on the
//! 10,000 test images. Offline: the data is vendored in `data/mnist`.
//!
//! ```sh
//! cargo run --release --example mnist                      # the homework net
//! cargo run --release --example mnist -- --net wide        # 784-256-128-10
//! cargo run --release --example mnist -- --net cnn         # conv 16, pool, conv 32, pool, dense 64, 10
//! cargo run --release --example mnist -- --help            # every option
//! ```

mod support;
use support::{Canvas, save_png, shown};

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use nn::batch::BatchSupervised;
use nn::data::{Dataset, load_mnist};
use nn::optim::{Adam, Momentum, Optimizer, Schedule, Sgd};
use nn::train::{EpochStats, TrainOptions, evaluate, fit_classifier};
use nn::{ClassLabel, Network};
use plotters::prelude::*;

nn::network! {
    /// The lecture's homework network.
    pub struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16 -> 16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// A wider network for higher accuracy.
    pub struct Wide {
        input: 784,
        hidden1: dense(256, relu),
        hidden2: dense(128, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// A small convolutional network: two 3×3 convolutions, each followed by
    /// a 2×2 max pool, then two dense layers.
    pub struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(16, 3, padding = 1, relu),
        pool1: max_pool(2),
        conv2: conv2d(32, 3, padding = 1, relu),
        pool2: max_pool(2),
        flat: flatten,
        hidden: dense(64, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Net {
    /// 784-16-16-10, the lecture's homework network.
    Homework,
    /// 784-256-128-10.
    Wide,
    /// [1, 28, 28] -> conv 16 -> pool -> conv 32 -> pool -> dense 64 -> dense 10.
    Cnn,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Opt {
    /// Plain SGD.
    Sgd,
    /// SGD with Nesterov momentum 0.9.
    Nesterov,
    /// Adam.
    Adam,
}

/// Train a network on MNIST and report its test accuracy.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Which network to train.
    #[arg(long, value_enum, default_value = "homework")]
    net: Net,
    /// Passes over the training set (default: 20 for homework, 10 for wide, 4 for cnn).
    #[arg(long)]
    epochs: Option<usize>,
    /// Samples per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Learning rate at the first epoch (default: 0.003 for homework, 0.001 for wide,
    /// 0.002 for cnn).
    #[arg(long)]
    lr: Option<f64>,
    /// The optimizer.
    #[arg(long, value_enum, default_value = "adam")]
    optimizer: Opt,
    /// Halve the learning rate every this many epochs, 0 for never
    /// (default: 5 for homework, 4 for wide, 2 for cnn).
    #[arg(long)]
    decay_every: Option<usize>,
    /// Seed of the initial weights and the shuffling.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A folder of IDX files in MNIST's layout (train-images-idx3-ubyte[.gz], ...).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"))]
    data: PathBuf,
    /// Where to write the loss/accuracy curve (PNG) and the confusion matrix (text).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/mnist"))]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let (train, test) = load_mnist(&args.data)?;
    println!(
        "loaded {} training and {} test images from {} in {:.2} s",
        train.len(),
        test.len(),
        shown(&args.data).display(),
        start.elapsed().as_secs_f64()
    );
    match args.net {
        Net::Homework => {
            let defaults = Defaults {
                epochs: 20,
                lr: 0.003,
                decay_every: 5,
            };
            train_net(
                Homework::<f32>::init(args.seed),
                args,
                defaults,
                &train,
                &test,
                start,
            )
        }
        Net::Wide => {
            let defaults = Defaults {
                epochs: 10,
                lr: 0.001,
                decay_every: 4,
            };
            train_net(
                Wide::<f32>::init(args.seed),
                args,
                defaults,
                &train,
                &test,
                start,
            )
        }
        Net::Cnn => {
            let defaults = Defaults {
                epochs: 4,
                lr: 0.002,
                decay_every: 2,
            };
            train_net(
                *Cnn::<f32>::init_boxed(args.seed),
                args,
                defaults,
                &train,
                &test,
                start,
            )
        }
    }
}

/// Per-network defaults of the options left out on the command line.
struct Defaults {
    epochs: usize,
    lr: f64,
    decay_every: usize,
}

fn train_net<N>(
    mut net: N,
    args: &Args,
    defaults: Defaults,
    train: &Dataset,
    test: &Dataset,
    start: Instant,
) -> Result<(), Box<dyn std::error::Error>>
where
    N: BatchSupervised<f32, 784, 10, ClassLabel<10>> + Network<f32, 784, 10>,
{
    println!("{}", net.summary());
    let lr = args.lr.unwrap_or(defaults.lr) as f32;
    let options = TrainOptions {
        epochs: args.epochs.unwrap_or(defaults.epochs),
        batch_size: args.batch_size,
        seed: args.seed,
        schedule: Schedule::step_decay(args.decay_every.unwrap_or(defaults.decay_every), 0.5)?,
        progress: true,
    };
    println!(
        "training: {:?}, lr {lr}, batch {}, {} epochs, seed {}",
        args.optimizer, options.batch_size, options.epochs, options.seed
    );
    let report = |s: &EpochStats, _: &N| {
        println!(
            "epoch {:>2}: train loss {:.4}, test loss {:.4}, test accuracy {:.2}%, lr {:.5}, {:.1} s",
            s.epoch,
            s.train_loss,
            s.test_loss,
            100.0 * accuracy(s),
            s.learning_rate,
            s.seconds
        );
        ControlFlow::Continue(())
    };
    let history = match args.optimizer {
        Opt::Sgd => fit(&mut net, &mut Sgd::new(lr)?, train, test, &options, report)?,
        Opt::Nesterov => fit(
            &mut net,
            &mut Momentum::nesterov(lr, 0.9)?,
            train,
            test,
            &options,
            report,
        )?,
        Opt::Adam => fit(&mut net, &mut Adam::new(lr)?, train, test, &options, report)?,
    };
    let eval = evaluate(&net, test, 1000)?;
    let confusion = eval
        .confusion
        .ok_or("the test set of a classifier gives a confusion matrix")?;
    println!(
        "\nconfusion matrix on the test set (rows: true digit, columns: predicted):\n{}",
        confusion
    );
    std::fs::create_dir_all(&args.out)?;
    let matrix_path = args.out.join("confusion.txt");
    std::fs::write(&matrix_path, format!("{confusion}\n"))?;
    println!("wrote {}", shown(&matrix_path).display());
    let curve_path = args.out.join("curve.png");
    save_png(&curve_path, (1100, 420), |root| plot(root, &history))?;
    println!("wrote {}", shown(&curve_path).display());
    println!(
        "\ntest accuracy {:.2}% ({} of {}), total time {:.1} s",
        100.0 * confusion.accuracy(),
        (0..10).map(|c| confusion.count(c, c)).sum::<usize>(),
        confusion.total(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn fit<N, O>(
    net: &mut N,
    opt: &mut O,
    train: &Dataset,
    test: &Dataset,
    options: &TrainOptions,
    report: impl FnMut(&EpochStats, &N) -> ControlFlow<()>,
) -> Result<Vec<EpochStats>, nn::train::TrainError>
where
    N: BatchSupervised<f32, 784, 10, ClassLabel<10>>,
    O: Optimizer<f32, N>,
{
    fit_classifier(net, opt, train, test, options, report)
}

/// The test accuracy of an epoch: a classifier's figures always hold one.
fn accuracy(s: &EpochStats) -> f64 {
    s.test_accuracy.unwrap_or(0.0)
}

/// Draws the per-epoch losses (left) and the test accuracy (right).
fn plot(root: &Canvas<'_>, history: &[EpochStats]) -> Result<(), Box<dyn std::error::Error>> {
    let (left, right) = root.split_horizontally(550);
    let epochs = history.len().max(1) as f64;
    let max_loss = history
        .iter()
        .flat_map(|s| [s.train_loss, s.test_loss])
        .fold(0.0f64, f64::max)
        .max(1e-3);
    let mut chart = ChartBuilder::on(&left)
        .caption("loss per epoch", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0.5..epochs + 0.5, 0.0..max_loss * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .label_style(("sans-serif", 13))
        .draw()?;
    for (name, color, pick) in [
        (
            "train",
            BLUE,
            (|s: &EpochStats| s.train_loss) as fn(&EpochStats) -> f64,
        ),
        ("test", RED, |s: &EpochStats| s.test_loss),
    ] {
        chart
            .draw_series(LineSeries::new(
                history.iter().map(|s| (s.epoch as f64, pick(s))),
                color.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;

    let lo = history.iter().map(accuracy).fold(1.0f64, f64::min);
    let mut chart = ChartBuilder::on(&right)
        .caption("test accuracy (%)", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0.5..epochs + 0.5, (100.0 * lo - 0.5).max(0.0)..100.0)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .label_style(("sans-serif", 13))
        .draw()?;
    chart.draw_series(LineSeries::new(
        history
            .iter()
            .map(|s| (s.epoch as f64, 100.0 * accuracy(s))),
        GREEN.stroke_width(2),
    ))?;
    chart.draw_series(
        history
            .iter()
            .map(|s| Circle::new((s.epoch as f64, 100.0 * accuracy(s)), 3, GREEN.filled())),
    )?;
    Ok(())
}
