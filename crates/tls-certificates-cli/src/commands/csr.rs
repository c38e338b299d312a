//! `csr create`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use tls_certificates_crypto::CertificateRequestAttributes;

use super::subject::{self, NameArgs, SanArgs};
use crate::io::{self, GlobalArgs, Sensitivity};
use crate::report::CsrReport;

/// `csr ...`
#[derive(Debug, Subcommand)]
pub(crate) enum CsrCommand {
    /// Create and sign a CSR (subject as the Python library writes it).
    Create(CreateArgs),
}

/// `csr create` options.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The private key (PEM: PKCS#1, SEC1 or PKCS#8; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Common name (CN). A common name or at least one SAN is required.
    #[arg(long)]
    common_name: Option<String>,
    #[command(flatten)]
    sans: SanArgs,
    #[command(flatten)]
    name: NameArgs,
    /// Request a CA certificate. Like the Python library, this travels next to the CSR (the
    /// `ca` field of the relation data, shown by `--json`), not inside it.
    #[arg(long)]
    ca: bool,
}

/// `csr create --json`: the CSR's description plus the requested `ca` flag.
#[derive(Debug, Serialize)]
struct Created {
    #[serde(flatten)]
    csr: CsrReport,
    ca: bool,
}

pub(crate) fn run(command: CsrCommand, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        CsrCommand::Create(args) => create(&args, global),
    }
}

fn create(args: &CreateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let key = super::load_key(backend, &args.key)?;
    let mut builder = CertificateRequestAttributes::builder().is_ca(args.ca);
    if let Some(common_name) = &args.common_name {
        builder = builder.common_name(common_name.clone());
    }
    let attributes = subject::build(args.name.apply(args.sans.apply(builder)))?;
    let csr = backend
        .create_csr(&key, &attributes)
        .context("creating the CSR")?;
    if global.json {
        let created = Created {
            csr: CsrReport::new(backend, &csr)?,
            ca: args.ca,
        };
        io::emit_json(global.out.as_deref(), &created)?;
    } else {
        io::emit(
            global.out.as_deref(),
            csr.pem().as_str(),
            Sensitivity::Public,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
