//! `verify-chain FILE...`: check that certificates are in chain order, leaf first.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use tls_certificates_crypto::Error;

use crate::io::{self, GlobalArgs, Sensitivity};

/// `verify-chain` options.
#[derive(Debug, Args)]
pub(crate) struct VerifyChainArgs {
    /// PEM files, leaf first: one bundle, or one certificate per file (`-` for stdin). Every
    /// certificate of every file is taken, in order.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// The verdict, as printed by `--json`.
#[derive(Debug, Serialize)]
struct Verdict {
    in_order: bool,
    certificates: usize,
    /// Index (0 = leaf) of the first certificate not issued by the next one.
    index: Option<usize>,
    /// Index of the certificate that should have issued it.
    next: Option<usize>,
    message: String,
}

pub(crate) fn run(args: &VerifyChainArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let mut chain = Vec::new();
    // Where each certificate came from: (file, position in that file), for messages.
    let mut origins = Vec::new();
    for path in &args.files {
        let name = io::display_name(path);
        let certificates = backend
            .parse_certificates(&io::read_text(path)?)
            .with_context(|| format!("{name}: not a valid certificate"))?;
        if certificates.is_empty() {
            bail!("{name}: no certificate found");
        }
        origins.extend((0..certificates.len()).map(|i| (name.clone(), i)));
        chain.extend(certificates);
    }
    let origin = |i: usize| {
        origins
            .get(i)
            .map_or_else(String::new, |(file, n)| format!(" ({file} #{n})"))
    };
    let verdict = match backend.check_chain_order(&chain) {
        Ok(()) => Verdict {
            in_order: true,
            certificates: chain.len(),
            index: None,
            next: None,
            message: format!(
                "chain of {} certificate(s) is in order, leaf first",
                chain.len()
            ),
        },
        Err(Error::ChainOutOfOrder { index, next }) => Verdict {
            in_order: false,
            certificates: chain.len(),
            index: Some(index),
            next: Some(next),
            message: format!(
                "chain is out of order: certificate {index}{} is not issued by certificate {next}{}",
                origin(index),
                origin(next)
            ),
        },
        Err(other) => return Err(other).context("checking the chain"),
    };
    let out = global.out.as_deref();
    if global.json {
        io::emit_json(out, &verdict)?;
    } else if verdict.in_order {
        io::emit(out, &verdict.message, Sensitivity::Public)?;
    }
    if verdict.in_order {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: {}", verdict.message);
        Ok(ExitCode::FAILURE)
    }
}
