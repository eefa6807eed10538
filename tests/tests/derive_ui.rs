//! `#[derive(Fory)]` diagnostics: one compile-fail case per mistake in
//! `tests/ui/*.rs`, each with the exact message and span in its `.stderr`
//! (regenerate with `TRYBUILD=overwrite cargo test -p fory-tests --test derive_ui`,
//! then read every changed `.stderr`). `tests/ui/pass/*.rs` must compile and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
