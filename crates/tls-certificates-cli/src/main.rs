//! The `tls-certificates` command-line tool.

fn main() {}
