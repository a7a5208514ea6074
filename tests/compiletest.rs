//! Compile errors of `network!` and `graph!` (one UI case per mistake under
//! `tests/ui/<macro>/`, each with its `.stderr`; regenerate with
//! `TRYBUILD=overwrite`) and specs that must compile and run (`tests/pass`).
//!
//! One trybuild run for all of them: each run is a cargo build of its own,
//! so a second driver would check the dependencies a second time. The globs
//! reach any depth, so a new case or category folder needs no edit here.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
    t.pass("tests/pass/**/*.rs");
}
