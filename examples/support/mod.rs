//! Shared by the examples (not an example itself: cargo only builds
//! `examples/*.rs` and `examples/*/main.rs`).

use std::path::{Path, PathBuf};

/// `path` as the user would type it: relative to the current folder when it
/// lies below it (the examples default to absolute paths under the checkout,
/// so that they work from any folder), unchanged otherwise.
pub fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
