//! Juju hook context and hook tools (relation-get, secret-add, ...) for charms written in Rust
