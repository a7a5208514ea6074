#!/usr/bin/env bash
# How fast a user's debug build trains, by profile setting (README, "Using nn
# in your crate"). Builds a new crate that depends on nn by path and trains
# the homework network for one MNIST epoch in four builds: a plain debug
# build, dependencies optimized, dependencies optimized plus opt-level 1 for
# the crate itself (where network! puts its code), and release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/target/dev-profile/user"
mkdir -p "$dir/src"
cp "$root/rust-toolchain.toml" "$dir/"
cat > "$dir/src/main.rs" <<RUST
use std::ops::ControlFlow;

use nn::data::load_mnist;
use nn::optim::Adam;
use nn::train::{TrainOptions, fit_classifier};

nn::network! {
    struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

fn main() {
    let (train, test) = load_mnist("$root/data/mnist").unwrap();
    let mut net = Homework::init(1);
    let options = TrainOptions { epochs: 1, progress: false, ..TrainOptions::default() };
    let mut adam = Adam::new(0.003).unwrap();
    fit_classifier(&mut net, &mut adam, &train, &test, &options, |s, _| {
        println!("{:.2} s", s.seconds);
        ControlFlow::Continue(())
    })
    .unwrap();
}
RUST
manifest='[package]
name = "user"
version = "0.0.0"
edition = "2024"

[workspace]

[dependencies]
nn = { path = "'"$root"'" }
'
deps_opt='
[profile.dev.package."*"]
opt-level = 3
'
own_opt='
[profile.dev]
opt-level = 1
'
run() { # label, Cargo.toml extra, cargo flags
    printf '%s%s' "$manifest" "$2" > "$dir/Cargo.toml"
    (cd "$dir" && cargo build --quiet $3)
    local profile=debug
    [[ "$3" == *--release* ]] && profile=release
    printf '%-44s one epoch: %s\n' "$1" "$("$dir/target/$profile/user")"
}
run "debug build (cargo run)" "" ""
run "debug, dependencies at opt-level 3" "$deps_opt" ""
run "debug, dependencies at 3 and own crate at 1" "$deps_opt$own_opt" ""
run "release build (cargo run --release)" "" "--release"
