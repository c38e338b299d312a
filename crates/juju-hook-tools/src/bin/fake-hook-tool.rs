//! Test-only placeholder, replaced by the recording fake in the next commit.
fn main() {}
