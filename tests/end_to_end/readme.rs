//! The README's printed blocks are what the examples print today: each test
//! runs an example (the binary `cargo test` builds beside this one) from the
//! checkout's root, as the README's command does, and compares its output
//! with the README's block line by line. Wall times ("0.4 s") vary from run to
//! run and are compared as "_ s"; every other character must match, so a
//! changed loss, accuracy, summary line or path fails here.
//!
//! The examples run with the test profile's optimization, not `--release`:
//! Rust does not reassociate floating-point arithmetic at any level, so the
//! numbers are the same. The MNIST test is the README's headline figure (the
//! homework network's 95.83% with the example's defaults).
//!
//! `cargo test` builds the example binaries before it runs any test; alone,
//! run `cargo build --examples && cargo test --test end_to_end readme`, or
//! the binaries tested are the ones last built.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example binary `name`, built by `cargo test` into
/// `<target>/<profile>/examples/`, beside this test's `deps/` folder.
fn example_binary(name: &str) -> PathBuf {
    let me = std::env::current_exe().unwrap();
    let profile_dir = me.parent().and_then(Path::parent).unwrap();
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --examples` first (`cargo test` builds them)",
        path.display()
    );
    path
}

/// What `cargo run --release --example <name> -- <args>` prints, from the
/// checkout's root.
fn run_example(name: &str, args: &[&str]) -> String {
    let out = Command::new(example_binary(name))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "example {name} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The README's ```text block whose first line starts with `first`.
fn readme_block(first: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut blocks = readme.split("```text\n").skip(1);
    let block = blocks
        .find(|b| b.starts_with(first))
        .unwrap_or_else(|| panic!("README.md has no text block starting with {first:?}"));
    block[..block.find("```").unwrap()].to_string()
}

/// `line` with every wall time ("0.37 s", "in 12 s") written as "_ s".
fn without_times(line: &str) -> String {
    let mut out = String::new();
    let mut number = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || (c == '.' && !number.is_empty()) {
            number.push(c);
            continue;
        }
        let rest: String = chars.clone().take(2).collect();
        let is_time = c == ' '
            && !number.is_empty()
            && rest.starts_with('s')
            && !rest[1..].starts_with(|r: char| r.is_alphanumeric());
        out.push_str(if is_time { "_" } else { &number });
        number.clear();
        out.push(c);
    }
    out.push_str(&number);
    out
}

fn assert_same(readme: &str, printed: &str) {
    let readme: Vec<String> = readme.lines().map(without_times).collect();
    let printed: Vec<String> = printed.lines().map(without_times).collect();
    for (i, (r, p)) in readme.iter().zip(&printed).enumerate() {
        assert_eq!(r, p, "line {} differs (README, then the program)", i + 1);
    }
    assert_eq!(
        readme.len(),
        printed.len(),
        "the README shows {} lines, the program printed {}:\n{}",
        readme.len(),
        printed.len(),
        printed.join("\n")
    );
}

#[test]
fn times_are_masked_and_nothing_else() {
    assert_eq!(
        without_times("epoch 1: lr 0.00300, 0.2 s"),
        "epoch 1: lr 0.00300, _ s"
    );
    assert_eq!(
        without_times("from data/mnist in 0.37 s"),
        "from data/mnist in _ s"
    );
    assert_eq!(
        without_times("trained 4 networks in 4.0 s"),
        "trained 4 networks in _ s"
    );
    assert_eq!(
        without_times("of 32 samples, 2 sets"),
        "of 32 samples, 2 sets"
    );
}

#[test]
fn xor_block() {
    assert_same(&readme_block("Xor<f64>"), &run_example("xor", &[]));
}

#[test]
fn spirals_block() {
    assert_same(&readme_block("Spirals<f64>"), &run_example("spirals", &[]));
}

#[test]
fn regression_block() {
    assert_same(
        &readme_block("target: sin(x)"),
        &run_example("regression", &[]),
    );
}

#[test]
fn graph_block() {
    let printed = run_example("graph", &[]);
    // The PNG needs Graphviz's `dot`, which a fresh machine lacks; the README
    // shows the run that has it.
    let printed = printed.replace(
        "`dot` (Graphviz) is not installed; skipping the PNG",
        "wrote target/graph/lecture.png",
    );
    assert_same(&readme_block("y = 2·log10"), &printed);
}

/// The main example with its defaults: 20 epochs of the homework network on
/// the vendored MNIST (the README's headline figure, 95.83%).
#[test]
fn mnist_block() {
    assert_same(&readme_block("loaded 60000"), &run_example("mnist", &[]));
}
