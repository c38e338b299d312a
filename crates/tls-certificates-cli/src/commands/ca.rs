//! `ca create`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{CertificateRequestAttributes, Validity};

use super::subject::{self, NameArgs, SanArgs};
use crate::io::{self, GlobalArgs, Sensitivity};
use crate::report::CertificateReport;

/// `ca ...`
#[derive(Debug, Subcommand)]
pub(crate) enum CaCommand {
    /// Create a self-signed CA certificate for a key.
    Create(CreateArgs),
}

/// `ca create` options.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The CA's private key (PEM; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Common name (CN) of the CA.
    #[arg(long)]
    common_name: String,
    /// Validity in days (not_before is back-dated by a minute for clock skew).
    #[arg(long, value_name = "N", default_value_t = 3650, value_parser = super::validity_days)]
    validity_days: u32,
    #[command(flatten)]
    sans: SanArgs,
    #[command(flatten)]
    name: NameArgs,
}

pub(crate) fn run(command: CaCommand, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        CaCommand::Create(args) => create(&args, global),
    }
}

fn create(args: &CreateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let key = super::load_key(backend, &args.key)?;
    let builder = CertificateRequestAttributes::builder()
        .common_name(args.common_name.clone())
        .is_ca(true);
    let attributes = subject::build(args.name.apply(args.sans.apply(builder)))?;
    let validity = Validity::starting_at(
        OffsetDateTime::now_utc(),
        Duration::days(i64::from(args.validity_days)),
    );
    let certificate = backend
        .create_self_signed_ca(&key, &attributes, validity)
        .context("creating the CA certificate")?;
    if global.json {
        io::emit_json(
            global.out.as_deref(),
            &CertificateReport::new(backend, &certificate)?,
        )?;
    } else {
        io::emit(
            global.out.as_deref(),
            certificate.pem().as_str(),
            Sensitivity::Public,
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
