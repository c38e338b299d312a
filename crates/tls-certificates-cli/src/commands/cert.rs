//! `cert sign`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{IssueProfile, Validity};

use crate::io::{self, GlobalArgs, Sensitivity};
use crate::report::CertificateReport;

/// `cert ...`
#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// Issue a certificate for a CSR, signed by a CA.
    Sign(SignArgs),
}

/// `cert sign` options.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The CSR (PEM; `-` for stdin). Its self-signature is verified first.
    #[arg(long, value_name = "FILE")]
    csr: PathBuf,
    /// The CA certificate (PEM). If the file holds a chain, the first certificate signs and the
    /// whole file is the rest of the chain.
    #[arg(long, value_name = "FILE")]
    ca_cert: PathBuf,
    /// The CA's private key (PEM).
    #[arg(long, value_name = "FILE")]
    ca_key: PathBuf,
    /// Validity in days (not_before is back-dated by a minute for clock skew).
    #[arg(long, value_name = "N", default_value_t = 365, value_parser = super::validity_days)]
    validity_days: u32,
    /// Issue a CA (intermediate) certificate instead of a leaf.
    #[arg(long)]
    ca: bool,
    /// Print the chain (the new certificate followed by the CA certificate file's certificates)
    /// instead of the certificate alone.
    #[arg(long)]
    chain: bool,
}

/// `cert sign --json`: the certificate's description, the CA and the chain (leaf first), the
/// fields the provider puts in relation data.
#[derive(Debug, Serialize)]
struct Signed {
    #[serde(flatten)]
    certificate: CertificateReport,
    ca: String,
    chain: Vec<String>,
}

pub(crate) fn run(command: CertCommand, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        CertCommand::Sign(args) => sign(&args, global),
    }
}

fn sign(args: &SignArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let csr_name = io::display_name(&args.csr);
    let csr = backend
        .parse_csr(&io::read_text(&args.csr)?)
        .with_context(|| format!("{csr_name}: not a valid CSR"))?;
    let ca_name = io::display_name(&args.ca_cert);
    let ca_chain = backend
        .parse_certificates(&io::read_text(&args.ca_cert)?)
        .with_context(|| format!("{ca_name}: not a valid certificate"))?;
    let Some(ca_certificate) = ca_chain.first() else {
        bail!("{ca_name}: no certificate found");
    };
    let ca_key = super::load_key(backend, &args.ca_key)?;
    let authority = backend
        .load_authority(&ca_key, ca_certificate.clone())
        .with_context(|| {
            format!(
                "{ca_name} with {}: cannot act as a CA",
                io::display_name(&args.ca_key)
            )
        })?;
    let validity = Validity::starting_at(
        OffsetDateTime::now_utc(),
        Duration::days(i64::from(args.validity_days)),
    );
    let profile = if args.ca {
        IssueProfile::ca(validity)
    } else {
        IssueProfile::leaf(validity)
    };
    let certificate = authority
        .issue(&csr, &profile)
        .context("issuing the certificate")?;
    let chain: Vec<String> = std::iter::once(&certificate)
        .chain(&ca_chain)
        .map(|c| c.pem().to_string())
        .collect();
    let out = global.out.as_deref();
    if global.json {
        let signed = Signed {
            certificate: CertificateReport::new(backend, &certificate)?,
            ca: ca_certificate.pem().to_string(),
            chain,
        };
        io::emit_json(out, &signed)?;
    } else if args.chain {
        io::emit(out, &chain.join("\n"), Sensitivity::Public)?;
    } else {
        io::emit(out, certificate.pem().as_str(), Sensitivity::Public)?;
    }
    Ok(ExitCode::SUCCESS)
}
