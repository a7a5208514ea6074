//! Compile errors of `graph!`: one case per mistake in `tests/ui/graph/`,
//! each with its expected `.stderr` (regenerate with `TRYBUILD=overwrite`).

#[test]
fn graph_ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/graph/*.rs");
}
