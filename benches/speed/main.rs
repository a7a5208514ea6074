//! Speed of the generated code against hand-written nalgebra, a dynamic
//! `DMatrix` implementation and the machine's FMA peak, all in one run.
//!
//! `cargo bench -p nn-benches --bench speed`; `python3 benches/report.py` turns criterion's
//! medians into the tables of BENCHMARKS.md. Every workload is one criterion
//! group whose functions are `generated`, `hand` and `dynamic`:
//!
//! - `forward1`: per-sample forward (logits of one sample);
//! - `train1`: per-sample training step (forward, backward, SGD update);
//! - `train64`: batch-64 training step (generated `sgd_step_batch`, the
//!   update fused into the weight GEMMs; hand-written the same way);
//! - `infer64`: batch-64 inference (generated `forward_batch_trace` with a
//!   reused trace).
//!
//! The batch workloads run the generated code twice: on the default thread
//! count (`generated`, every core) and on one thread (`generated-1-thread`).
//!
//! The `peak` group measures one core's FMA throughput on the widest vectors
//! the CPU has (the roofline); the `stream` group, the time to read a
//! network's parameters once (`read-*`) and to read and write them back
//! (`update-*`), the weight-streaming bound of per-sample work.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput};
use nn::batch::Batch;
use nn::nalgebra::{DMatrix, DVector, SVector};
use nn::{ClassLabel, Params, Scalar};

mod clock;
mod dynamic;
mod hand;
mod paired;
mod peak;
mod stream;

nn::network! {
    /// The lecture's homework network.
    pub struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// A wider network of the same depth.
    pub struct Wide {
        input: 784,
        hidden1: dense(256, relu),
        hidden2: dense(256, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// Samples in a batch, and distinct samples the per-sample benches cycle through.
const BATCH: usize = 64;
/// The learning rate: small, so that millions of steps stay finite.
const LR: f64 = 1e-3;

/// Inputs in `[0, 1)` and labels from a fixed-seed generator, in every layout.
struct Data<T: Scalar, const I: usize> {
    xs: Vec<SVector<T, I>>,
    labels: Vec<usize>,
    classes: Vec<ClassLabel<10>>,
    batch: Batch<T, I>,
    dyn_xs: Vec<DVector<T>>,
    dyn_cols: Vec<DMatrix<T>>,
    dyn_batch: DMatrix<T>,
}

impl<T: Scalar, const I: usize> Data<T, I> {
    fn new(seed: u64) -> Self {
        let mut rng = nn::init::SplitMix64::new(seed);
        let xs: Vec<SVector<T, I>> = (0..BATCH)
            .map(|_| SVector::from_fn(|_, _| T::cast_f64(rng.next_f64())))
            .collect();
        let labels: Vec<usize> = (0..BATCH).map(|j| (j * 7 + 3) % 10).collect();
        Self {
            classes: labels
                .iter()
                .map(|&l| ClassLabel::new(l).expect("a label below 10"))
                .collect(),
            batch: Batch::<T, I>::from_fn(BATCH, |i, j| xs[j][i]),
            dyn_xs: xs
                .iter()
                .map(|x| DVector::from_column_slice(x.as_slice()))
                .collect(),
            dyn_cols: xs
                .iter()
                .map(|x| DMatrix::from_column_slice(I, 1, x.as_slice()))
                .collect(),
            dyn_batch: DMatrix::from_fn(I, BATCH, |i, j| xs[j][i]),
            xs,
            labels,
        }
    }
}

/// Criterion on [`clock::Clock`].
type Bench = Criterion<clock::Clock>;

fn group<'a>(c: &'a mut Bench, name: &str, samples: u64) -> BenchmarkGroup<'a, clock::Clock> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(samples));
    g
}

/// The streaming bound in the paired comparisons of `forward1` and `train1`.
const BOUND: &str = "streaming-bound";

/// The generated batch workloads again with `nn::batch::set_threads(1)`.
const ONE_THREAD: &str = "generated-1-thread";

/// Runs `f` with batch products on the calling thread only, then restores
/// the thread count.
fn one_thread<R>(f: impl FnOnce() -> R) -> R {
    let threads = nn::batch::threads();
    nn::batch::set_threads(1);
    let r = f();
    nn::batch::set_threads(threads);
    r
}

/// Benches every workload of one generated network type against its baselines.
macro_rules! bench_net {
    ($fn_name:ident, $net:ident, $batch_trace:ident, $label:literal, $h1:literal, $h2:literal) => {
        fn $fn_name<T: Scalar + stream::Stream + bytemuck::Pod>(
            c: &mut Bench,
            p: &mut Pairs,
            ty: &str,
        ) {
            let data = Data::<T, 784>::new(7);
            let lr = T::cast_f64(LR);
            let sizes = [784, $h1, $h2, 10];
            let mut gen_net = $net::<T>::init_boxed(1);
            let tensors: Vec<&[T]> = gen_net.tensors().collect();
            let mut hand_net = hand::Mlp::<T, 784, $h1, $h2, 10>::from_tensors(&tensors);
            let mut dyn_net = dynamic::Mlp::<T>::from_tensors(&tensors, sizes);
            drop(tensors);
            // The three implementations compute the same thing: equal logits,
            // equal losses on one training step, equal logits after it.
            let agree = |what: &str, a: &[T], b: &[T]| {
                for (&a, &b) in a.iter().zip(b) {
                    let (a, b) = (a.into_f64(), b.into_f64());
                    assert!(
                        (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0),
                        "{} {ty}: {what} differ: {a} vs {b}",
                        $label
                    );
                }
            };
            for _ in 0..2 {
                let (x, dx) = (&data.xs[0], &data.dyn_xs[0]);
                let out = gen_net.forward(x);
                agree(
                    "hand logits",
                    out.as_slice(),
                    hand_net.forward(x).as_slice(),
                );
                agree(
                    "dynamic logits",
                    out.as_slice(),
                    dyn_net.forward(dx).as_slice(),
                );
                let loss = gen_net.sgd_step(x, &data.classes[0], lr);
                agree(
                    "hand loss",
                    &[loss],
                    &[hand_net.sgd_step(x, data.labels[0], lr)],
                );
                let dyn_loss = dyn_net.sgd_step(&data.dyn_cols[0], &data.labels[..1], lr);
                agree("dynamic loss", &[loss], &[dyn_loss]);
            }

            let mut g = group(c, &format!("{}-{}-forward1", $label, ty), 1);
            let mut i = 0;
            g.bench_function("generated", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    gen_net.forward(black_box(&data.xs[i]))
                })
            });
            g.bench_function("hand", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    hand_net.forward(black_box(&data.xs[i]))
                })
            });
            g.bench_function("dynamic", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    dyn_net.forward(black_box(&data.dyn_xs[i]))
                })
            });
            g.finish();

            let mut g = group(c, &format!("{}-{}-train1", $label, ty), 1);
            g.bench_function("generated", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    gen_net.sgd_step(black_box(&data.xs[i]), &data.classes[i], lr)
                })
            });
            g.bench_function("hand", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    hand_net.sgd_step(black_box(&data.xs[i]), data.labels[i], lr)
                })
            });
            g.bench_function("dynamic", |b| {
                b.iter(|| {
                    i = (i + 1) % BATCH;
                    dyn_net.sgd_step(black_box(&data.dyn_cols[i]), &data.labels[i..=i], lr)
                })
            });
            g.finish();

            let mut g = group(c, &format!("{}-{}-train64", $label, ty), BATCH as u64);
            let mut trace = $batch_trace::<T>::new();
            g.bench_function("generated", |b| {
                b.iter(|| {
                    gen_net.sgd_step_batch(black_box(&data.batch), &data.classes, &mut trace, lr)
                })
            });
            g.bench_function(ONE_THREAD, |b| {
                one_thread(|| {
                    b.iter(|| {
                        gen_net.sgd_step_batch(
                            black_box(&data.batch),
                            &data.classes,
                            &mut trace,
                            lr,
                        )
                    })
                })
            });
            let mut scratch = hand::Scratch::<T, 784, $h1, $h2, 10>::new(BATCH);
            g.bench_function("hand", |b| {
                b.iter(|| {
                    hand_net.sgd_step_batch(black_box(&data.batch), &data.labels, lr, &mut scratch)
                })
            });
            g.bench_function("dynamic", |b| {
                b.iter(|| dyn_net.sgd_step(black_box(&data.dyn_batch), &data.labels, lr))
            });
            g.finish();

            let mut g = group(c, &format!("{}-{}-infer64", $label, ty), BATCH as u64);
            g.bench_function("generated", |b| {
                b.iter(|| {
                    gen_net.forward_batch_trace(black_box(&data.batch), &mut trace);
                    trace.output.a[(0, 0)]
                })
            });
            g.bench_function(ONE_THREAD, |b| {
                one_thread(|| {
                    b.iter(|| {
                        gen_net.forward_batch_trace(black_box(&data.batch), &mut trace);
                        trace.output.a[(0, 0)]
                    })
                })
            });
            g.bench_function("hand", |b| {
                b.iter(|| {
                    hand_net.forward_batch(black_box(&data.batch), &mut scratch);
                    scratch_logit(&scratch)
                })
            });
            g.bench_function("dynamic", |b| {
                b.iter(|| dyn_net.forward_batch(black_box(&data.dyn_batch)))
            });
            g.finish();

            // The same workloads again, in alternating blocks (see `paired`).
            let d = &data;
            // The one-thread runs need a network and a trace of their own.
            let mut one_net = gen_net.clone();
            let mut one_trace = $batch_trace::<T>::new();
            let (gn, hn, dn) = (&mut *gen_net, &mut hand_net, &mut dyn_net);
            let (gn1, trace1) = (&mut *one_net, &mut one_trace);
            let at = |k: &mut usize| {
                *k = (*k + 1) % BATCH;
                *k
            };
            let (mut i, mut j, mut k) = (0, 0, 0);
            // The streaming bound, paired with the per-sample workloads: a
            // buffer of the network's parameter count, read (forward1), or
            // read and then read and written back (train1).
            let mut bound = stream::Aligned::<T>::new(stream::params(&sizes), T::cast_f64(0.5));
            p.compare(
                &format!("{}-{}-forward1", $label, ty),
                &mut [
                    ("generated", &mut || {
                        black_box(gn.forward(black_box(&d.xs[at(&mut i)])));
                    }),
                    ("hand", &mut || {
                        black_box(hn.forward(black_box(&d.xs[at(&mut j)])));
                    }),
                    ("dynamic", &mut || {
                        black_box(dn.forward(black_box(&d.dyn_xs[at(&mut k)])));
                    }),
                    (BOUND, &mut || {
                        black_box(T::read(black_box(bound.as_slice())));
                    }),
                ],
            );
            p.compare(
                &format!("{}-{}-train1", $label, ty),
                &mut [
                    ("generated", &mut || {
                        let n = at(&mut i);
                        black_box(gn.sgd_step(black_box(&d.xs[n]), &d.classes[n], lr));
                    }),
                    ("hand", &mut || {
                        let n = at(&mut j);
                        black_box(hn.sgd_step(black_box(&d.xs[n]), d.labels[n], lr));
                    }),
                    ("dynamic", &mut || {
                        let n = at(&mut k);
                        black_box(dn.sgd_step(black_box(&d.dyn_cols[n]), &d.labels[n..=n], lr));
                    }),
                    (BOUND, &mut || {
                        black_box(T::read(black_box(bound.as_slice())));
                        T::update(black_box(bound.as_mut_slice()), T::one(), T::zero());
                    }),
                ],
            );
            p.compare(
                &format!("{}-{}-train64", $label, ty),
                &mut [
                    ("generated", &mut || {
                        black_box(gn.sgd_step_batch(
                            black_box(&d.batch),
                            &d.classes,
                            &mut trace,
                            lr,
                        ));
                    }),
                    (ONE_THREAD, &mut || {
                        one_thread(|| {
                            black_box(gn1.sgd_step_batch(
                                black_box(&d.batch),
                                &d.classes,
                                trace1,
                                lr,
                            ));
                        })
                    }),
                    ("hand", &mut || {
                        black_box(hn.sgd_step_batch(
                            black_box(&d.batch),
                            &d.labels,
                            lr,
                            &mut scratch,
                        ));
                    }),
                    ("dynamic", &mut || {
                        black_box(dn.sgd_step(black_box(&d.dyn_batch), &d.labels, lr));
                    }),
                ],
            );
            p.compare(
                &format!("{}-{}-infer64", $label, ty),
                &mut [
                    ("generated", &mut || {
                        gn.forward_batch_trace(black_box(&d.batch), &mut trace);
                        black_box(trace.output.a[(0, 0)]);
                    }),
                    (ONE_THREAD, &mut || {
                        one_thread(|| {
                            gn1.forward_batch_trace(black_box(&d.batch), trace1);
                            black_box(trace1.output.a[(0, 0)]);
                        })
                    }),
                    ("hand", &mut || {
                        hn.forward_batch(black_box(&d.batch), &mut scratch);
                        black_box(scratch_logit(&scratch));
                    }),
                    ("dynamic", &mut || {
                        black_box(dn.forward_batch(black_box(&d.dyn_batch)));
                    }),
                ],
            );
        }
    };
}

bench_net!(homework, Homework, HomeworkTraceBatch, "homework", 16, 16);
bench_net!(wide, Wide, WideTraceBatch, "wide", 256, 256);

fn scratch_logit<T: Scalar, const H1: usize, const H2: usize>(
    s: &hand::Scratch<T, 784, H1, H2, 10>,
) -> T {
    s.logit(0, 0)
}

/// Iterations of the peak kernels per call: 20 000 × 12 chains × one vector.
const PEAK_ITERS: usize = 20_000;

fn peak(c: &mut Bench) {
    let (isa, lanes) = peak::widest();
    eprintln!("peak kernel: {isa}");
    let mut g = group(c, "peak", 1);
    // The throughput is the FLOPs of one call: report.py reads it back.
    g.throughput(Throughput::Elements(peak::flops(PEAK_ITERS, lanes) as u64));
    g.bench_function("fma_f32", |b| {
        b.iter(|| peak::fma_f32(black_box(PEAK_ITERS)))
    });
    g.throughput(Throughput::Elements(
        peak::flops(PEAK_ITERS, lanes / 2) as u64
    ));
    g.bench_function("fma_f64", |b| {
        b.iter(|| peak::fma_f64(black_box(PEAK_ITERS)))
    });
    g.finish();
}

/// The weight-streaming bounds: read, and read-and-write, each network's
/// parameters once, in buffers of their size.
fn stream(c: &mut Bench) {
    let mut g = group(c, "stream", 1);
    for (net, sizes) in [
        ("homework", [784, 16, 16, 10]),
        ("wide", [784, 256, 256, 10]),
    ] {
        let n = stream::params(&sizes);
        // Aligned to a cache line, as the layers of a network are.
        let mut b32 = stream::Aligned::<f32>::new(n, 0.5);
        let mut b64 = stream::Aligned::<f64>::new(n, 0.5);
        g.throughput(Throughput::Bytes((n * 4) as u64));
        g.bench_function(format!("read-{net}-f32"), |b| {
            b.iter(|| stream::f32::read(black_box(b32.as_slice())))
        });
        g.bench_function(format!("update-{net}-f32"), |b| {
            b.iter(|| {
                stream::f32::update(
                    black_box(b32.as_mut_slice()),
                    black_box(1.0),
                    black_box(0.0),
                )
            })
        });
        g.throughput(Throughput::Bytes((n * 8) as u64));
        g.bench_function(format!("read-{net}-f64"), |b| {
            b.iter(|| stream::f64::read(black_box(b64.as_slice())))
        });
        g.bench_function(format!("update-{net}-f64"), |b| {
            b.iter(|| {
                stream::f64::update(
                    black_box(b64.as_mut_slice()),
                    black_box(1.0),
                    black_box(0.0),
                )
            })
        });
    }
    g.finish();
}

/// The paired comparisons of a run, written next to criterion's results.
struct Pairs {
    clock: clock::Clock,
    rows: String,
}

impl Pairs {
    fn compare(&mut self, group: &str, impls: &mut [(&str, &mut dyn FnMut())]) {
        paired::compare(&self.clock, group, impls, &mut self.rows);
    }
}

fn all(c: &mut Bench, p: &mut Pairs) {
    peak(c);
    stream(c);
    homework::<f32>(c, p, "f32");
    homework::<f64>(c, p, "f64");
    wide::<f32>(c, p, "f32");
    wide::<f64>(c, p, "f64");
}

fn main() {
    let clock = clock::Clock::from_env();
    eprintln!("clock: {}", clock.name());
    eprintln!("batch threads: {}", nn::batch::threads());
    let mut c = Criterion::default()
        .with_measurement(clock)
        .configure_from_args();
    let mut pairs = Pairs {
        clock: clock::Clock::from_env(),
        rows: String::new(),
    };
    all(&mut c, &mut pairs);
    c.final_summary();
    // Beside criterion's results: cargo runs a bench in its package's folder
    // (benches/), and the target folder is the workspace's.
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
    let dir = std::path::Path::new(&target).join("criterion");
    let path = dir.join("paired.tsv");
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &pairs.rows));
    match written {
        Ok(()) => eprintln!("paired ratios: {}", path.display()),
        Err(e) => eprintln!("paired ratios not written to {}: {e}", path.display()),
    }
}
