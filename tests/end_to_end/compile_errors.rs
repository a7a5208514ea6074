//! Compile errors of `network!` and `graph!`: one UI case per mistake under
//! `tests/ui/<macro>/`, each with its `.stderr` (regenerate with
//! `TRYBUILD=overwrite`).
//!
//! One trybuild run for all of them: each run is a cargo build of its own,
//! so a second driver would check the dependencies a second time. The glob
//! reaches any depth, so a new case or category folder needs no edit here.
//! Specs that must compile and run are an ordinary test (`tests/pass`): with
//! a pass case here, trybuild would build every dependency with code
//! generation and then each case with a cargo invocation of its own, where
//! compile-fail cases alone are checked together in one `cargo check`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
}
