//! The README's "train then bake in one crate": a crate declares its network
//! once with `#[weights("PATH", optional)]`, builds before the file exists,
//! trains and saves with a binary of its own, and the next build bakes the
//! file. Built as a user would, by cargo, in a crate outside the workspace
//! that depends on `nn` by path.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The user's crate, as the README shows it.
const MANIFEST: &str = r#"[package]
name = "train-then-bake"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
nn = { path = "NN" }

# Not a member of nn's workspace, which the folder is inside of.
[workspace]

# As nn's own workspace, so that what can be is reused from there.
[profile.dev]
opt-level = 1
debug = "line-tables-only"
"#;

const BUILD_RS: &str = r#"fn main() {
    // The weights file does not exist before training, so rustc cannot
    // track it: cargo reruns this script, and rebuilds the crate, until the
    // file appears and whenever it changes.
    println!("cargo::rerun-if-changed=xor.safetensors");
}
"#;

const LIB_RS: &str = r#"#![no_std]

nn::network! {
    /// XOR, declared once: trained by `src/bin/train.rs`, baked in afterwards.
    #[weights("../xor.safetensors", optional)]
    pub struct Xor {
        input: 2,
        hidden: dense(4, tanh),
        output: dense(1, sigmoid),
        loss: binary_cross_entropy,
    }
}

/// The baked network, in read-only memory; `None` before training.
pub static NET: Option<Xor<f32>> = Xor::BAKED;
"#;

const TRAIN_RS: &str = r#"use nn::nalgebra::{SVector, Vector1, Vector2};
use train_then_bake::Xor;

fn main() {
    let data = [(0.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0)];
    let mut net = Xor::<f32>::init(7);
    for _ in 0..2000 {
        for &(a, b, y) in &data {
            net.sgd_step(&Vector2::new(a, b), &Vector1::new(y), 0.5);
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/xor.safetensors");
    nn::io::save_safetensors(&net, path).unwrap();
    let out: SVector<f32, 1> = net.forward(&Vector2::new(1.0, 0.0));
    println!("trained: {}", out[0]);
}
"#;

const MAIN_RS: &str = r#"use nn::nalgebra::Vector2;

fn main() {
    match &train_then_bake::NET {
        Some(net) => println!("baked: {}", net.forward(&Vector2::new(1.0, 0.0))[0]),
        None => println!("not trained yet"),
    }
}
"#;

/// Runs cargo in the user's crate and returns what the program printed.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .args(["--quiet", "--offline"])
        .current_dir(dir)
        // nn's own target folder: the crate's dependencies are built there
        // already (cargo holds no lock on it while tests run).
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The folder cargo builds this test into (`CARGO_TARGET_DIR` or `target`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn one_crate_builds_untrained_trains_saves_and_bakes() {
    let workspace = env!("CARGO_MANIFEST_DIR");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("train-then-bake");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src/bin")).unwrap();
    fs::write(dir.join("Cargo.toml"), MANIFEST.replace("NN", workspace)).unwrap();
    // The same versions as nn's own build, so nothing is resolved afresh.
    fs::copy(
        Path::new(workspace).join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    // The pinned toolchain, also when the target folder is outside the checkout.
    fs::copy(
        Path::new(workspace).join("rust-toolchain.toml"),
        dir.join("rust-toolchain.toml"),
    )
    .unwrap();
    fs::write(dir.join("build.rs"), BUILD_RS).unwrap();
    fs::write(dir.join("src/lib.rs"), LIB_RS).unwrap();
    fs::write(dir.join("src/bin/train.rs"), TRAIN_RS).unwrap();
    fs::write(dir.join("src/main.rs"), MAIN_RS).unwrap();

    // (a) No file yet: the crate compiles, without `TRAINED`.
    let before = cargo(&dir, &["run", "--bin", "train-then-bake"]);
    assert_eq!(before, "not trained yet\n");

    // (b) Its trainer saves the file.
    let trained = cargo(&dir, &["run", "--bin", "train"]);
    assert!(dir.join("xor.safetensors").exists());
    let trained: f32 = trained
        .strip_prefix("trained: ")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(trained > 0.9, "XOR(1, 0) = {trained} after training");

    // (c) The next build bakes it: the same output, to the bit.
    let after = cargo(&dir, &["run", "--bin", "train-then-bake"]);
    assert_eq!(after, format!("baked: {trained}\n"));
}
