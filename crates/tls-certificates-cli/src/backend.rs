//! Choosing a crypto backend on the command line.

use anyhow::Result;
use clap::ValueEnum;
use tls_certificates_crypto::CryptoBackend;

/// A crypto backend, as named by `--backend`.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, ValueEnum)]
pub(crate) enum BackendChoice {
    /// ring (with RustCrypto `rsa` for RSA key generation).
    #[default]
    Ring,
    /// OpenSSL (the system library this binary was linked against).
    Openssl,
}

impl BackendChoice {
    /// The backend, or an error when this build was compiled without it.
    pub(crate) fn backend(self) -> Result<&'static dyn CryptoBackend> {
        match self {
            Self::Ring => ring_backend(),
            Self::Openssl => openssl_backend(),
        }
    }
}

#[cfg(feature = "ring")]
fn ring_backend() -> Result<&'static dyn CryptoBackend> {
    Ok(tls_certificates_crypto::ring::backend())
}

#[cfg(not(feature = "ring"))]
fn ring_backend() -> Result<&'static dyn CryptoBackend> {
    anyhow::bail!(
        "this build of tls-certificates has no ring backend (cargo feature `ring` is off)"
    )
}

#[cfg(feature = "openssl")]
fn openssl_backend() -> Result<&'static dyn CryptoBackend> {
    Ok(tls_certificates_crypto::openssl::backend())
}

#[cfg(not(feature = "openssl"))]
fn openssl_backend() -> Result<&'static dyn CryptoBackend> {
    anyhow::bail!(
        "this build of tls-certificates has no openssl backend (cargo feature `openssl` is off)"
    )
}
