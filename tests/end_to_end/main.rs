//! Tests that drive cargo or the built examples as a user would: the compile
//! errors of the macros (trybuild), the README's printed blocks, and a crate
//! that trains and then bakes its own network.
//!
//! One test binary, so that its tests run at the same time: each spends most
//! of its time waiting on a cargo build or an example's run, and run one
//! after another (cargo runs test binaries in turn) they took 2.5 minutes of
//! a cold `cargo test --workspace`.

mod compile_errors;
mod readme;
mod train_then_bake;
