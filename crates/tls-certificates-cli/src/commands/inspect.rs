//! `inspect FILE`: describe a CSR, a certificate (or a bundle of them) or a private key as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

use crate::io::{self, GlobalArgs};
use crate::report::{CertificateReport, CsrReport, KeyReport};

/// `inspect` options.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// A PEM file (`-` for stdin). The first PEM block decides what it is: a CSR, a certificate
    /// (every certificate of a bundle is described, as a JSON array) or a private key (only its
    /// type and public key are shown).
    file: PathBuf,
}

/// What a PEM input holds, judged by its first block's label.
#[derive(Debug, Eq, PartialEq)]
enum Kind {
    Certificate,
    Csr,
    PrivateKey,
}

/// The JSON printed: one object, or an array for a bundle of certificates.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Inspected {
    Certificate(Box<CertificateReport>),
    Certificates(Vec<CertificateReport>),
    Csr(Box<CsrReport>),
    Key(KeyReport),
}

pub(crate) fn run(args: &InspectArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let name = io::display_name(&args.file);
    let text = io::read_text(&args.file)?;
    let inspected = match kind(&text).with_context(|| format!("{name}: cannot inspect"))? {
        Kind::Csr => {
            let csr = backend
                .parse_csr(&text)
                .with_context(|| format!("{name}: not a valid CSR"))?;
            Inspected::Csr(Box::new(CsrReport::new(backend, &csr)?))
        }
        Kind::Certificate => {
            let certificates = backend
                .parse_certificates(&text)
                .with_context(|| format!("{name}: not a valid certificate"))?;
            let mut reports = certificates
                .iter()
                .map(|c| CertificateReport::new(backend, c))
                .collect::<Result<Vec<_>>>()?;
            match reports.len() {
                0 => bail!("{name}: no certificate found"),
                1 => Inspected::Certificate(Box::new(reports.remove(0))),
                _ => Inspected::Certificates(reports),
            }
        }
        Kind::PrivateKey => {
            let key = backend
                .load_private_key(&text)
                .with_context(|| format!("{name}: not a usable private key"))?;
            Inspected::Key(KeyReport::new(backend, &key)?)
        }
    };
    io::emit_json(global.out.as_deref(), &inspected)?;
    Ok(ExitCode::SUCCESS)
}

/// Classifies PEM text by the label of its first `-----BEGIN ...-----` line.
fn kind(text: &str) -> Result<Kind> {
    let Some(label) = text.lines().find_map(|line| {
        line.trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
    }) else {
        bail!("no PEM block found (expected a CSR, a certificate or a private key)");
    };
    Ok(match label {
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Kind::Csr,
        "CERTIFICATE" => Kind::Certificate,
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "PRIVATE KEY" => Kind::PrivateKey,
        "ENCRYPTED PRIVATE KEY" => bail!("encrypted private keys are not supported"),
        other => bail!("unsupported PEM block {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_leading_text_when_classified_then_first_pem_label_decides() {
        let text = "Bag Attributes\n-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
        assert_eq!(kind(text).unwrap(), Kind::Csr);
        assert_eq!(
            kind("-----BEGIN EC PRIVATE KEY-----\r\nAA\r\n").unwrap(),
            Kind::PrivateKey
        );
        assert_eq!(
            kind("-----BEGIN CERTIFICATE-----\n").unwrap(),
            Kind::Certificate
        );
    }

    #[test]
    fn given_no_or_unknown_block_when_classified_then_error_names_the_problem() {
        let none = kind("hello").unwrap_err().to_string();
        assert!(none.contains("no PEM block"), "{none}");
        let other = kind("-----BEGIN PUBLIC KEY-----\n")
            .unwrap_err()
            .to_string();
        assert!(other.contains("PUBLIC KEY"), "{other}");
    }
}
