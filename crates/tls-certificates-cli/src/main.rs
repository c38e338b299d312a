//! The `tls-certificates` command-line tool: keys, CSRs, CAs, signing, inspection and chain
//! checks, with either crypto backend.
//!
//! Every subcommand takes `--backend ring|openssl` (default: ring), writes PEM to stdout or to
//! `--out FILE` (private keys are created with mode 0600) and prints machine-readable output with
//! `--json`. Bad input ends with a one-line `error: ...` message on stderr and a non-zero exit
//! status; the tool never panics on input.
//!
//! Subcommands: `key generate`, `csr create`, `ca create`, `cert sign`, `inspect` (JSON view of
//! a CSR, certificate, bundle or key; a key is shown by its public half only), `verify-chain`
//! (exit 1 naming the first out-of-order index) and `databag encode|decode` (relation data byte
//! for byte as the Python library writes it; decoding reports per-entry problems).
//!
//! The code is one module per subcommand under [`commands`]; shared plumbing (backend choice,
//! input and output) lives in [`io`] and [`backend`], the JSON views of parsed objects in
//! [`report`].

mod backend;
mod commands;
mod io;
mod report;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Command;

/// Keys, certificate signing requests and certificates for the Juju `tls-certificates` interface.
#[derive(Debug, Parser)]
#[command(name = "tls-certificates", version, about, long_about = None)]
struct Cli {
    /// Options every subcommand understands.
    #[command(flatten)]
    global: io::GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command, &cli.global) {
        Ok(status) => status,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line: "reading ca.pem: invalid PEM: ...".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
