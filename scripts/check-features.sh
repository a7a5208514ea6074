#!/usr/bin/env bash
# Each Cargo feature builds alone (they are additive: `std`, the default, is
# all of them). Checks nn-core and the facade with no feature and with each
# one, the no_std ones for thumbv7em-none-eabihf too, then a throwaway
# `#![no_std]` crate under target/check-features that expands a `network!`
# with a loss under each feature set, as `#![deny(warnings)]` code: the
# generated methods that need the heap or mini-batches must appear and vanish
# with the features, never fail to build.
#
# Usage: scripts/check-features.sh   (the first run builds the throwaway crate's
# dependencies, about two minutes on two cores, into ~400 MB under
# target/check-features; delete it when disk is short)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
features=("" alloc batch data io train std)
target=thumbv7em-none-eabihf

for crate in nn-core nn; do
    for f in "${features[@]}"; do
        echo "== cargo check -p $crate --no-default-features --features '$f'"
        cargo check -q -p "$crate" --no-default-features --features "$f"
    done
    for f in "" alloc; do
        echo "== cargo check -p $crate --no-default-features --features '$f' --target $target"
        cargo check -q -p "$crate" --no-default-features --features "$f" --target "$target"
    done
done

dir="$root/target/check-features/user"
mkdir -p "$dir/src"
cp "$root/rust-toolchain.toml" "$root/Cargo.lock" "$dir/"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "check-features"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[features]
alloc = ["nn/alloc"]
batch = ["nn/batch"]
data = ["nn/data"]
io = ["nn/io"]
train = ["nn/train"]
std = ["nn/std"]

[dependencies]
nn = { path = "$root", default-features = false }
TOML
cat > "$dir/src/lib.rs" <<'RUST'
//! A network under one feature set.
#![no_std]
#![deny(warnings)]
nn::network! {
    /// A network with a loss, so every generated method is there.
    pub struct Net { input: 3, hidden: dense(4, relu), out: dense(2), loss: softmax_cross_entropy }
}
/// The first output for a constant input.
pub fn run(net: &Net) -> f32 {
    net.forward(&nn::nalgebra::SVector::<f32, 3>::repeat(0.5))[0]
}
RUST
for f in "${features[@]}"; do
    echo "== network! with --features '$f'"
    (cd "$dir" && cargo check -q --features "$f")
done
echo "every feature builds alone"
