//! One module per subcommand. Each exposes an `Args` struct (clap derive) and a `run` function
//! taking those arguments and the [`GlobalArgs`]; new subcommands slot in as a module, a variant
//! of [`Command`] and one arm of [`run`].

mod ca;
mod cert;
mod csr;
mod databag;
mod demo;
mod inspect;
mod key;
mod subject;
mod verify_chain;

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::io::GlobalArgs;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Certificate authorities.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Certificates.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Certificate signing requests.
    #[command(subcommand)]
    Csr(csr::CsrCommand),
    /// Relation data of the tls-certificates interface (encode / decode, as the Python library).
    #[command(subcommand)]
    Databag(databag::DatabagCommand),
    /// Run both charms as real processes in the built-in simulated Juju model: issue, renew,
    /// rotate the CA, and write the certificates to `--out DIR` (default `tls-certificates-demo`).
    Demo(demo::DemoArgs),
    /// Describe a CSR, certificate (or bundle) or private key as JSON (never the secret).
    Inspect(inspect::InspectArgs),
    /// Private keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Check that certificates are in chain order, leaf first (each issued by the next).
    VerifyChain(verify_chain::VerifyChainArgs),
}

/// Runs `command`; the exit code is `Ok` unless the command reports a negative verdict itself.
pub(crate) fn run(command: Command, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        Command::Ca(command) => ca::run(command, global),
        Command::Cert(command) => cert::run(command, global),
        Command::Csr(command) => csr::run(command, global),
        Command::Databag(command) => databag::run(command, global),
        Command::Demo(args) => demo::run(&args, global),
        Command::Inspect(args) => inspect::run(&args, global),
        Command::Key(command) => key::run(command, global),
        Command::VerifyChain(args) => verify_chain::run(&args, global),
    }
}

/// Loads a PEM private key from `path`, naming the file in any error.
fn load_key(
    backend: &dyn tls_certificates_crypto::CryptoBackend,
    path: &std::path::Path,
) -> Result<tls_certificates_crypto::PrivateKey> {
    use anyhow::Context as _;
    let name = crate::io::display_name(path);
    backend
        .load_private_key(&crate::io::read_text(path)?)
        .with_context(|| format!("{name}: not a usable private key"))
}

/// The longest validity accepted on the command line: 100 years.
const MAX_VALIDITY_DAYS: u32 = 36_525;

/// Parses `--validity-days`: a whole number of days from 1 to [`MAX_VALIDITY_DAYS`].
fn validity_days(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(days) if (1..=MAX_VALIDITY_DAYS).contains(&days) => Ok(days),
        _ => Err(format!(
            "expected a whole number of days from 1 to {MAX_VALIDITY_DAYS}"
        )),
    }
}
