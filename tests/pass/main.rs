//! Specs that must compile and compute the right values: one module per
//! case, each a file beside this one with its own `#[test]`.
//!
//! They run as one ordinary test binary, not as trybuild pass cases: a
//! trybuild run with a pass case builds every dependency with code
//! generation and each case with a cargo invocation of its own, while one
//! with compile-fail cases only checks them all in one go (tests/end_to_end/compile_errors.rs).

#[path = "activations.rs"]
mod activations;
#[path = "generated-names.rs"]
mod generated_names;
/// Generated code under `#![deny(warnings, missing_docs)]`, public, so that
/// `missing_docs` applies to it.
#[path = "lint-clean.rs"]
pub mod lint_clean;
#[path = "losses.rs"]
mod losses;
#[path = "named-constants.rs"]
mod named_constants;
#[path = "new-activations.rs"]
mod new_activations;
