//! `juju-sim-test-charm`: a tiny Rust charm used by juju-sim's process-mode tests.
fn main() {}
