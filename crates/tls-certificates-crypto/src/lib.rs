//! Backend-neutral cryptography for the Juju `tls-certificates` interface.
//!
//! This crate owns every cryptographic operation the interface needs: private keys, certificate
//! signing requests (CSRs) built from [`CertificateRequestAttributes`], parsing and verifying
//! CSRs and certificates, issuing certificates from a CA, and checking chains.
//!
//! # Design overview
//!
//! * A [`CryptoBackend`] is a small, object-safe trait of *primitives*: key generation, PKCS#8
//!   key loading, signing, signature verification, randomness and digests. Backends live in
//!   [`ring`] (feature `ring`, default) and [`openssl`] (feature `openssl`).
//! * Everything X.509 is written once on top of those primitives, as inherent methods of
//!   `dyn CryptoBackend` (see [`CryptoBackend`]): DER is built with `rcgen`, parsed with
//!   `x509-parser`; every signature is made and checked by the selected backend. The
//!   certificate profile therefore cannot drift between backends.
//! * The caller picks the backend **explicitly** and passes it as a value. Features only make
//!   backends available; enabling one never changes what another caller gets.
//!   [`default_backend`] has a documented fixed order.
//! * Values crossing the API are backend-neutral: PEM newtypes ([`CsrPem`], [`CertificatePem`],
//!   [`PrivateKeyPem`]) and parsed structs ([`Csr`], [`Certificate`]). Private key material is
//!   zeroized on drop and never printed by `Debug`.
//!
//! # Getting started
//!
//! ```
//! # #[cfg(feature = "ring")] {
//! use tls_certificates_crypto::{CertificateRequestAttributes, KeyAlgorithm};
//!
//! let backend = tls_certificates_crypto::ring::backend();
//! let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
//! let attributes = CertificateRequestAttributes::builder()
//!     .common_name("unit-0.example.com")
//!     .san_dns("unit-0.example.com")
//!     .build()?;
//! let csr = backend.create_csr(&key, &attributes)?;
//! let parsed = backend.parse_csr(csr.pem().as_str())?;
//! assert_eq!(parsed.attributes(), &attributes);
//! assert!(parsed.matches_key(&key));
//! # }
//! # Ok::<(), tls_certificates_crypto::Error>(())
//! ```
//!
//! # Crate features
//!
//! * `ring` (default): the [`ring`] backend (ring for signatures and EC/Ed25519 keys, RustCrypto
//!   `rsa` 0.10 for RSA key generation only).
//! * `openssl`: the [`openssl`] backend against the system OpenSSL.
//! * `vendored`: build OpenSSL from source instead (implies `openssl`).
//! * `fips`: OpenSSL restricted to its FIPS provider (implies `openssl`).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod attributes;
mod backend;
mod der;
mod error;
mod key;
mod pem;
mod x509;

#[cfg(feature = "openssl")]
pub mod openssl;
#[cfg(feature = "ring")]
pub mod ring;

pub use attributes::{
    CertificateRequestAttributes, CertificateRequestAttributesBuilder, CriticalExtension,
};
pub use backend::{CryptoBackend, DigestAlgorithm, FipsStatus, SignatureAlgorithm, Signer};
pub use error::Error;
pub use key::{KeyAlgorithm, KeyType, PrivateKey, PublicKey};
pub use pem::{CertificatePem, CsrPem, PrivateKeyPem};
pub use x509::{
    Certificate, CertificateAuthority, Csr, DistinguishedName, IssueProfile, NameAttribute,
    Validity,
};

/// The default backend, in a fixed documented order: `ring` if compiled in, else `openssl`.
///
/// Enabling `openssl` next to `ring` never changes the answer. Returns `None` when no backend
/// feature is enabled.
pub fn default_backend() -> Option<&'static dyn CryptoBackend> {
    #[cfg(feature = "ring")]
    {
        Some(ring::backend())
    }
    #[cfg(all(not(feature = "ring"), feature = "openssl"))]
    {
        Some(openssl::backend())
    }
    #[cfg(not(any(feature = "ring", feature = "openssl")))]
    {
        None
    }
}
