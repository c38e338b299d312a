//! `demo`: both charms as real processes in the built-in simulated Juju model.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Args;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tls_certificates_crypto::KeyAlgorithm;
use tls_certificates_demo::{Backend, DemoOptions, Mode};

use crate::backend::BackendChoice;
use crate::io::GlobalArgs;

/// Options of `demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Requirer units.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    units: u32,
    /// The requirer's mode: unit, app or app-and-unit.
    #[arg(long, default_value = "unit", value_parser = parse_mode)]
    mode: Mode,
    /// The requirer's private key algorithm: rsa2048, rsa3072, rsa4096, p256, p384 or ed25519.
    #[arg(long, default_value = "rsa2048", value_parser = parse_algorithm)]
    key_algorithm: KeyAlgorithm,
    /// Start the simulated clock at this time (RFC 3339, e.g. 2026-01-01T00:00:00Z) for a
    /// reproducible timeline. Default: 82 days before now, so that the demo ends now and the
    /// certificates it writes are valid today.
    #[arg(long, value_name = "RFC3339", value_parser = parse_start)]
    start: Option<OffsetDateTime>,
}

/// Where the certificates go when `--out` is not given.
const DEFAULT_OUT: &str = "tls-certificates-demo";

fn parse_mode(text: &str) -> Result<Mode, String> {
    text.parse().map_err(|e| format!("{e}"))
}

fn parse_algorithm(text: &str) -> Result<KeyAlgorithm, String> {
    text.parse().map_err(|e| format!("{e}"))
}

fn parse_start(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-01-01T00:00:00Z: {e}"))
}

/// Runs the demo, streaming its timeline to stdout.
pub(crate) fn run(args: &DemoArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = match global.backend {
        BackendChoice::Openssl => Backend::Openssl,
        BackendChoice::Ring => Backend::Ring,
    };
    let options = DemoOptions {
        units: args.units,
        mode: args.mode,
        backend,
        key_algorithm: args.key_algorithm,
        start: args.start,
        // `--out` names the output directory here.
        out: global
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT)),
        ..DemoOptions::default()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let report = tls_certificates_demo::run(&options, &mut out).context("the demo failed")?;
    if global.json {
        let files: Vec<String> = report
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        let summary = serde_json::json!({
            "hooks": report.hooks,
            "renewed": report.renewed,
            "reissued": report.reissued,
            "verified": report.verified,
            "valid_now": report.valid_now,
            "files": files,
        });
        writeln!(out, "{summary}")?;
    }
    Ok(ExitCode::SUCCESS)
}
