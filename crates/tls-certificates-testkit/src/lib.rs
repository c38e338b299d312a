//! The test harness of this workspace's charms: the `tls-certificates-requirer` and
//! `self-signed-certificates` charms as **real processes** in a juju-sim model ([`sim`]), and
//! their metadata read from their `charmcraft.yaml` ([`meta`]).
//!
//! It depends on juju-sim and the `tls-certificates` facade only, never on the charms or the
//! demo, so that the charms' tests, the demo and the interop suites can all use it without
//! depending on each other. Charm processes find their hook tools in juju-sim's own
//! (`juju_sim::tool_binary`) unless a `juju-sim-tool` sits next to the test binary.
//!
//! # Crate features
//!
//! None.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod meta;
pub mod sim;

use std::path::Path;

/// Everything that can stop a harness operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// A binary the harness runs was not found.
    #[error(
        "cannot find the `{name}` binary (looked in: {searched}); build it with \
         `cargo build --release -p tls-certificates-requirer -p self-signed-certificates --bins` \
         (or `cargo build` for debug builds), or name it with its environment variable"
    )]
    BinaryMissing {
        /// The binary.
        name: String,
        /// Where it was looked for.
        searched: String,
    },
    /// A binary is older than one of its source files.
    #[error(
        "{binary} is older than {source_file}: rebuild with `cargo build -p tls-certificates-requirer \
         -p self-signed-certificates --bins` (or run `cargo test --workspace`)"
    )]
    BinaryStale {
        /// The binary.
        binary: String,
        /// A newer source file.
        source_file: String,
    },
    /// The simulator refused an operation or could not run a charm.
    #[error("the simulated model failed")]
    Sim(#[from] juju_sim::Error),
    /// A hook failed (the charm exited non-zero or its commit was refused).
    #[error("hook failed: {hook}\nlast log lines:\n{logs}")]
    HookFailed {
        /// The hook report.
        hook: String,
        /// The unit's last log lines.
        logs: String,
    },
    /// A charm's metadata could not be read.
    #[error("invalid charm metadata: {0}")]
    Metadata(String),
    /// A file could not be read or written.
    #[error("I/O error on {path}")]
    Io {
        /// The file or directory.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl KitError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
