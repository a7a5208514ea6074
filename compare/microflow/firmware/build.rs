//! Puts `memory.x` where the linker finds it and turns `sine-test-set.csv`
//! into a const array, so the firmware needs no file system.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("..");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    fs::copy(root.join("memory.x"), out.join("memory.x")).expect("memory.x is readable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=../memory.x");

    let csv =
        fs::read_to_string(root.join("sine-test-set.csv")).expect("sine-test-set.csv is readable");
    let mut rows = String::new();
    let mut count = 0;
    for (n, line) in csv.lines().enumerate().skip(1) {
        let (x, y) = line.split_once(',').unwrap_or_else(|| {
            panic!(
                "sine-test-set.csv line {}: expected `x,y`, found `{line}`",
                n + 1
            )
        });
        for value in [x, y] {
            value.trim().parse::<f32>().unwrap_or_else(|_| {
                panic!(
                    "sine-test-set.csv line {}: expected a number, found `{value}`",
                    n + 1
                )
            });
        }
        writeln!(rows, "    ({}_f32, {}_f32),", x.trim(), y.trim()).expect("writing to a String");
        count += 1;
    }
    let code = format!(
        "/// MicroFlow's sine test set, `(x, y)`.\npub const TEST_SET: [(f32, f32); {count}] = [\n{rows}];\n"
    );
    fs::write(out.join("test_set.rs"), code).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=../sine-test-set.csv");
}
