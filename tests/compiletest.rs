//! Compile errors of `network!` (one UI case per mistake, with its `.stderr`)
//! and specs that must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/network/*/*.rs");
    t.pass("tests/pass/*.rs");
}
