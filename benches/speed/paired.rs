//! Paired ratios: the implementations of one workload run in alternating
//! blocks of about 1 ms, round after round, each block after one untimed
//! warming call (so that no block starts in caches the previous
//! implementation filled), and each round gives a ratio of block times. On a shared machine the load changes over seconds, while
//! criterion measures one implementation for seconds before the next; the
//! median of per-round ratios compares them under the same conditions.

use std::fmt::Write as _;
use std::time::Duration;

use crate::clock::Clock;

/// CPU time of one block of calls, aimed at.
const BLOCK: Duration = Duration::from_millis(1);
/// Stop after this much CPU time across all implementations …
const BUDGET: Duration = Duration::from_millis(2000);
/// … or this many rounds, but run at least `MIN_ROUNDS`.
const MAX_ROUNDS: usize = 400;
const MIN_ROUNDS: usize = 15;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs every `(name, f)` in alternating blocks; the first is the reference
/// of the ratios. Prints one line and appends it to `out` as
/// `group name median_ns ratio_to_first` rows.
/// Skipped when `NN_BENCH_PAIRED=0` (e.g. under a profiler with a filter).
pub fn compare(
    clock: &Clock,
    group: &str,
    impls: &mut [(&str, &mut dyn FnMut())],
    out: &mut String,
) {
    if std::env::var("NN_BENCH_PAIRED").is_ok_and(|v| v == "0") {
        return;
    }
    // Calls per block, from one timed call each.
    let iters: Vec<u32> = impls
        .iter_mut()
        .map(|(_, f)| {
            f();
            let start = clock.now();
            f();
            let one = (clock.now() - start).max(Duration::from_nanos(20));
            (BLOCK.as_nanos() / one.as_nanos()).clamp(1, 1_000_000) as u32
        })
        .collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); impls.len()];
    let mut spent = Duration::ZERO;
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || (rounds < MAX_ROUNDS && spent < BUDGET) {
        for (k, (_, f)) in impls.iter_mut().enumerate() {
            f();
            let start = clock.now();
            for _ in 0..iters[k] {
                f();
            }
            let block = clock.now() - start;
            spent += block;
            times[k].push(block.as_nanos() as f64 / f64::from(iters[k]));
        }
        rounds += 1;
    }
    let mut line = format!("paired {group} ({rounds} rounds):");
    for k in 0..impls.len() {
        let mut ratios: Vec<f64> = times[k].iter().zip(&times[0]).map(|(t, r)| t / r).collect();
        let ratio = median(&mut ratios);
        let ns = median(&mut times[k].clone());
        let name = impls[k].0;
        let _ = write!(line, " {name} {ns:.0} ns ({ratio:.3}×)");
        let _ = writeln!(out, "{group}\t{name}\t{ns:.1}\t{ratio:.4}\t{rounds}");
    }
    println!("{line}");
}
