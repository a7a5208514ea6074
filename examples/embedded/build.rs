//! For the `classify` firmware only: picks the board's memory map from the
//! target (cortex-m-rt's `link.x` includes `memory.x`) and links with it.
//! Host builds and the `firmware` bin are left alone.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=memory");
    let target = env::var("TARGET").unwrap_or_default();
    if env::var_os("CARGO_FEATURE_QEMU").is_none() || !target.starts_with("thumb") {
        return;
    }
    // Cortex-M4F on QEMU's mps2-an386, Cortex-M3 on its lm3s6965evb.
    let board = if target.starts_with("thumbv7em") {
        "mps2-an386"
    } else {
        "lm3s6965"
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(format!("memory/{board}.x"), out.join("memory.x")).expect("memory/*.x is committed");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bin=classify=-Tlink.x");
}
