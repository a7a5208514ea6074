#!/usr/bin/env bash
# Compile cost of `network!`: throwaway crates (depending on nn by path) with
# 10, 50 and 100 dense layers of distinct widths, an empty crate and the
# homework net; reports
#   - `cargo build` of the crate alone (dependencies already built), debug and release,
#   - the macro's own expansion time (`-Z time-passes`, nightly: `macro_expand_crate`),
#   - the size of the expanded code (`-Z unpretty=expanded`, lines).
# Wall seconds and CPU seconds (user+sys of cargo and rustc) are both given:
# on a shared machine the CPU seconds are the steadier figure.
#
# Usage: scripts/compile-cost.sh [WORK_DIR]   (default: target/compile-cost)
#        CRATES="cc_empty cc_homework" scripts/compile-cost.sh   (a subset)
# Needs the pinned toolchain and `cargo +nightly` for the expansion figures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/target/compile-cost}
REPEAT=${REPEAT:-2}
mkdir -p "$WORK"
export CARGO_TARGET_DIR="$WORK/target"
NIGHTLY_TARGET="$WORK/target-nightly"

# make_crate NAME BODY_FILE: a binary crate whose main.rs is BODY_FILE.
make_crate() {
    local name=$1 body=$2 dir="$WORK/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
nn = { path = "$ROOT" }

[workspace]
TOML
    cp "$body" "$dir/src/main.rs"
    cp "$ROOT/rust-toolchain.toml" "$dir/"   # the project's pinned toolchain
}

# deep_body N: a network of N dense layers, widths 16, 17, ... (every shape
# distinct, the worst case), used through every generated entry point.
deep_body() {
    local n=$1 i
    echo "nn::network! {"
    echo "    pub struct Deep {"
    echo "        input: 16,"
    for ((i = 1; i < n; i++)); do
        echo "        l$i: dense($((16 + i)), relu),"
    done
    echo "        out: dense(10),"
    echo "        loss: softmax_cross_entropy,"
    echo "    }"
    echo "}"
    cat <<'RS'
fn main() {
    use nn::optim::{Optimizer, Sgd};
    let mut net = Deep::<f32>::init_boxed(1);
    let x = nn::nalgebra::SVector::<f32, 16>::from_element(0.5);
    let y = nn::ClassLabel::<10>::new(3).unwrap();
    let loss = net.sgd_step(&x, &y, 0.01);
    let xb = nn::batch::Batch::<f32, 16>::from_element(8, 0.5);
    let mut trace = DeepBatchTrace::<f32>::new();
    let mut grads = Deep::<f32>::zeros_boxed();
    let batch_loss = net.loss_and_grad_batch(&xb, &[y; 8], &mut trace, &mut grads, None);
    Sgd::new(0.01).step(&mut *net, &*grads);
    println!("{loss} {batch_loss} {}", net.forward(&x)[0]);
}
RS
}

homework_body() {
    cat <<'RS'
nn::network! {
    pub struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}
fn main() {
    let mut net = Mnist::<f32>::init_boxed(1);
    let x = nn::nalgebra::SVector::<f32, 784>::from_element(0.5);
    let y = nn::ClassLabel::<10>::new(3).unwrap();
    let loss = net.sgd_step(&x, &y, 0.01);
    println!("{loss} {}", net.forward(&x)[0]);
}
RS
}

empty_body() {
    cat <<'RS'
use nn as _;
fn main() {}
RS
}

tmp=$(mktemp)
empty_body >"$tmp" && make_crate cc_empty "$tmp"
homework_body >"$tmp" && make_crate cc_homework "$tmp"
for n in 10 50 100; do
    deep_body "$n" >"$tmp" && make_crate "cc_deep$n" "$tmp"
done
rm -f "$tmp"

# timed CMD...: runs CMD, prints "wall cpu" seconds (cpu = user + sys of all children).
timed() {
    local out
    out=$(mktemp)
    /usr/bin/time -o "$out" -f "%e %U %S" "$@" >/dev/null 2>&1
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$out"
    rm -f "$out"
}

# build_time CRATE PROFILE_FLAG: the best of REPEAT rebuilds of the crate alone.
build_time() {
    local dir="$WORK/$1" flag=$2 best_w="" best_c="" w c i
    (cd "$dir" && cargo build -q $flag >/dev/null 2>&1)   # dependencies
    for ((i = 0; i < REPEAT; i++)); do
        touch "$dir/src/main.rs"
        read -r w c < <(cd "$dir" && timed cargo build -q $flag)
        if [[ -z $best_w ]] || awk "BEGIN{exit !($c < $best_c)}"; then best_w=$w; best_c=$c; fi
    done
    echo "$best_w $best_c"
}

# expand_time CRATE: seconds in `macro_expand_crate` and lines of expanded code (nightly).
expand_time() {
    local dir="$WORK/$1" t lines
    (cd "$dir" && CARGO_TARGET_DIR=$NIGHTLY_TARGET cargo +nightly check -q >/dev/null 2>&1)
    touch "$dir/src/main.rs"
    t=$(cd "$dir" && CARGO_TARGET_DIR=$NIGHTLY_TARGET cargo +nightly rustc -q --profile check -- -Z time-passes 2>&1 |
        awk '/macro_expand_crate/ {gsub(/;/, "", $2); print $2; exit}')
    lines=$(cd "$dir" && CARGO_TARGET_DIR=$NIGHTLY_TARGET cargo +nightly rustc -q --profile check -- -Z unpretty=expanded 2>/dev/null | wc -l)
    echo "${t:-?} $lines"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rustc: $(cd "$WORK/cc_empty" && rustc -V); nightly: $(rustc +nightly -V)"
echo "each build figure: the crate alone (dependencies built), best of $REPEAT by CPU time"
echo
echo "| crate | dense layers | debug wall s | debug CPU s | release wall s | release CPU s | macro expansion s | expanded lines |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for crate in ${CRATES:-cc_empty cc_homework cc_deep10 cc_deep50 cc_deep100}; do
    case $crate in
        cc_empty) layers=0 ;;
        cc_homework) layers=3 ;;
        *) layers=${crate#cc_deep} ;;
    esac
    read -r dw dc < <(build_time "$crate" "")
    read -r rw rc < <(build_time "$crate" "--release")
    read -r et el < <(expand_time "$crate")
    echo "| $crate | $layers | $dw | $dc | $rw | $rc | $et | $el |"
done
echo
echo "No crate sets #![recursion_limit]: each built with the default limit."
