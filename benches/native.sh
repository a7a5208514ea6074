#!/usr/bin/env bash
# The generated code built with `-C target-cpu=native` against the default
# build, workload by workload, in alternating runs: ROUNDS times default then
# native (criterion, 1 s per run), the ratio of each pair, the median ratio.
# Two builds cannot share one process, so this is how the two are compared
# under the same conditions on a machine whose speed drifts (BENCHMARKS.md).
#
# Usage: benches/native.sh            (builds both benches first)
#        ROUNDS=9 ONLY='homework-f32-(forward1|train1)' benches/native.sh
# Prints a Markdown table; criterion's own files go to a scratch folder.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
ONLY=${ONLY:-.}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# bench_exe TARGET_DIR [RUSTFLAGS]: builds the speed bench, prints its path.
bench_exe() {
    (cd "$ROOT" && RUSTFLAGS=${2:-} CARGO_TARGET_DIR=$1 cargo bench -p nn-benches --bench speed --no-run 2>&1) |
        sed -n 's/.*Executable .*(\(.*\))/\1/p' | tail -1
}
DEFAULT=$(bench_exe "$ROOT/target")
NATIVE=$(bench_exe "$ROOT/target/native" "-C target-cpu=native")
DEFAULT=$ROOT/${DEFAULT#"$ROOT/"}
NATIVE=$ROOT/${NATIVE#"$ROOT/"}

# median_ns EXE FILTER: criterion's median of one bench, in ns.
median_ns() {
    CRITERION_HOME=$SCRATCH NN_BENCH_PAIRED=0 "$1" --bench "$2" --warm-up-time 0.5 --measurement-time 1 --noplot 2>/dev/null |
        awk '/time:/ && !done {
            for (i = 1; $i != "time:"; i++) {}
            v = $(i + 3); u = $(i + 4)
            f = (u == "ns") ? 1 : (u == "µs" || u == "us") ? 1e3 : (u == "ms") ? 1e6 : 1e9
            printf "%.1f\n", v * f; done = 1
        }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M) UTC"
echo
echo "| net | type | workload | default (median of runs) | native | native ÷ default (median of $ROUNDS pairs) | lowest–highest pair |"
echo "|---|---|---|---:|---:|---:|---:|"
for net in homework wide; do
    for ty in f32 f64; do
        for wl in forward1 train1 train64 infer64; do
            fn=generated
            [[ $wl == train64 || $wl == infer64 ]] && fn=generated-1-thread
            filter="^$net-$ty-$wl/$fn\$"
            [[ $net-$ty-$wl =~ $ONLY ]] || continue
            ratios=() ds=() ns=()
            for ((r = 0; r < ROUNDS; r++)); do
                d=$(median_ns "$DEFAULT" "$filter")
                n=$(median_ns "$NATIVE" "$filter")
                ds+=("$d") ns+=("$n")
                ratios+=("$(awk "BEGIN { printf \"%.4f\", $n / $d }")")
            done
            med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
            range=$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }')
            echo "| $net | $ty | $wl ($fn) | $(med "${ds[@]}") ns | $(med "${ns[@]}") ns | $(awk "BEGIN { printf \"%.2f\", $(med "${ratios[@]}") }") | $range |"
        done
    done
done
