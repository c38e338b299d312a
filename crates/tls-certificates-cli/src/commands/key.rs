//! `key generate`.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use tls_certificates_crypto::KeyAlgorithm;

use crate::io::{self, GlobalArgs, Sensitivity};
use crate::report::KeyReport;

/// `key ...`
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Generate a private key: PKCS#1 PEM for RSA, SEC1 for ECDSA, PKCS#8 for Ed25519.
    ///
    /// With `--json`, the key goes to `--out FILE` (required) and its description (type and
    /// public key, never the secret) to stdout.
    Generate(GenerateArgs),
}

/// `key generate` options.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Key algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::Rsa2048)]
    algorithm: Algorithm,
}

/// Key algorithms, as named on the command line.
#[derive(Clone, Copy, Debug, Eq, PartialEq, ValueEnum)]
enum Algorithm {
    /// RSA 2048 bits (the Python library's choice).
    Rsa2048,
    /// RSA 3072 bits.
    Rsa3072,
    /// RSA 4096 bits.
    Rsa4096,
    /// ECDSA on P-256.
    P256,
    /// ECDSA on P-384.
    P384,
    /// Ed25519.
    Ed25519,
}

impl From<Algorithm> for KeyAlgorithm {
    fn from(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Rsa2048 => Self::Rsa2048,
            Algorithm::Rsa3072 => Self::Rsa3072,
            Algorithm::Rsa4096 => Self::Rsa4096,
            Algorithm::P256 => Self::EcdsaP256,
            Algorithm::P384 => Self::EcdsaP384,
            Algorithm::Ed25519 => Self::Ed25519,
        }
    }
}

pub(crate) fn run(command: KeyCommand, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        KeyCommand::Generate(args) => generate(&args, global),
    }
}

fn generate(args: &GenerateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let out = global.out.as_deref();
    if global.json && out.is_none() {
        bail!("--json never prints a private key: add --out FILE to write the key there");
    }
    let backend = global.backend()?;
    let algorithm = KeyAlgorithm::from(args.algorithm);
    let key = backend
        .generate_key(algorithm)
        .with_context(|| format!("generating a {algorithm} key with {}", backend.name()))?;
    let pem = backend
        .export_private_key(&key)
        .context("encoding the private key")?;
    io::emit(out, pem.expose_secret(), Sensitivity::Secret)?;
    if global.json {
        io::emit_json(None, &KeyReport::new(backend, &key)?)?;
    }
    Ok(ExitCode::SUCCESS)
}
