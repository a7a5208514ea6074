//! Every rustdoc example works when pasted into a user's crate.
//!
//! The doc tests of `nn-core` and `nn-macros` already compile each example,
//! but inside those crates, where `nn_core::` also resolves. A user's crate
//! depends on `nn` alone, so:
//!
//! - `no_example_names_an_inner_crate` (always run) checks that no example
//!   names `nn_core`, `nn_macros` or `crate::`;
//! - `every_example_compiles_in_a_new_crate` (ignored: it builds `nn` from
//!   scratch in its own target folder, a few minutes) writes every example
//!   into a new crate that depends on `nn` by path and runs its doc tests:
//!
//! ```sh
//! cargo test --test doc_examples -- --ignored
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One fenced code block of a doc comment.
struct Example {
    /// `file:line` of the opening fence.
    place: String,
    /// The fence's info string (`no_run`, `should_panic`...), empty for plain.
    info: String,
    lines: Vec<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The Rust examples in the doc comments (`///`, `//!`) of the crates a user
/// reaches through `nn`: the facade, `nn-core` and `nn-macros`.
fn examples() -> Vec<Example> {
    let mut files = Vec::new();
    for dir in ["src", "nn-core/src", "nn-macros/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut examples = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut open: Option<Example> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let Some(doc) = trimmed
                .strip_prefix("///")
                .or_else(|| trimmed.strip_prefix("//!"))
            else {
                continue;
            };
            let doc = doc.strip_prefix(' ').unwrap_or(doc);
            match (&mut open, doc.trim_start().strip_prefix("```")) {
                (None, Some(info)) => {
                    open = Some(Example {
                        place: format!(
                            "{}:{}",
                            file.strip_prefix(root()).unwrap().display(),
                            i + 1
                        ),
                        info: info.trim().to_string(),
                        lines: Vec::new(),
                    });
                }
                (Some(_), Some(_)) => examples.extend(open.take()),
                (Some(ex), None) => ex.lines.push(doc.to_string()),
                (None, None) => {}
            }
        }
    }
    examples.retain(|ex| {
        let info = ex.info.split(',').next().unwrap_or("");
        matches!(
            info,
            "" | "rust" | "no_run" | "should_panic" | "compile_fail"
        )
    });
    examples
}

#[test]
fn the_examples_are_found() {
    let examples = examples();
    assert!(examples.len() > 100, "found only {}", examples.len());
    assert!(
        examples
            .iter()
            .any(|ex| ex.lines.iter().any(|l| l.contains("nn::network!")))
    );
}

#[test]
fn no_example_names_an_inner_crate() {
    let bad: Vec<String> = examples()
        .iter()
        .flat_map(|ex| {
            ex.lines
                .iter()
                .filter(|l| {
                    ["nn_core", "nn_macros", "crate::"]
                        .iter()
                        .any(|p| l.contains(p))
                })
                .map(move |l| format!("{}: {}", ex.place, l.trim()))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "these examples fail in a crate that depends on `nn` (use `nn::` paths):\n{}",
        bad.join("\n")
    );
}

#[test]
#[ignore = "builds nn from scratch in a new crate (a few minutes); run by hand"]
fn every_example_compiles_in_a_new_crate() {
    let dir = root().join("target/doc-examples/user");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"user\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nnn = {{ path = {:?} }}\n\n[workspace]\n",
            root()
        ),
    )
    .unwrap();
    let mut lib = String::from("//! Every rustdoc example of `nn`, copied.\n");
    for (i, ex) in examples().iter().enumerate() {
        writeln!(lib, "\n/// From {}.\n///\n/// ```{}", ex.place, ex.info).unwrap();
        for line in &ex.lines {
            writeln!(lib, "/// {line}").unwrap();
        }
        writeln!(lib, "/// ```\npub struct Example{i};").unwrap();
    }
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    // The examples that read files name them `CARGO_MANIFEST_DIR/../data/..`
    // and `../tests/fixtures/..`, as seen from `nn-core`: give the new crate
    // the same neighbours.
    for folder in ["data", "tests"] {
        let link = dir.parent().unwrap().join(folder);
        if !link.exists() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(root().join(folder), &link).unwrap();
        }
    }
    let status = Command::new(env!("CARGO"))
        .args(["test", "--doc", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "an example fails in a new crate; see {}",
        dir.join("src/lib.rs").display()
    );
}
