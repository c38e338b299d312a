//! Checks on the repository as a whole, run by `cargo test` (see `tests/`). No library code:
//! the package exists so that plain `cargo test` at the workspace root runs them.
