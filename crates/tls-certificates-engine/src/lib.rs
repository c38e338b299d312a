//! Sans-IO certificate lifecycle for the Juju `tls-certificates` interface.
//!
//! This crate is the brain of the Rust `TLSCertificatesRequiresV4` / `TLSCertificatesProvidesV4`:
//! it decides, from what a hook can observe, what must change. It does no I/O, reads no clock and
//! no environment; time (`now`) and the crypto backend are passed in, so the same inputs always
//! give the same plan (up to the randomness the backend draws for keys and unique ids).
//!
//! * [`requirer`]: private key (generated into a Juju secret, or supplied by the charm), CSRs
//!   in the unit and/or app databag, certificates stored in secrets with an expiry that makes
//!   Juju fire `secret-expired` at renewal time, revocation, key rotation, migration of the
//!   Python library's legacy secret labels.
//! * [`provider`]: verified requests, outstanding requests, publishing certificates and errors,
//!   revocation, capabilities; O(N) per hook.
//!
//! Adapters (the `tls-certificates` crate) observe through Juju hook tools, call the engine, and
//! apply the plan. Secret labels and the relation-data wire format are those of the Python
//! library (charmlibs 1.12), so a charm can switch between the two in place.
//!
//! # Example
//!
//! ```
//! use tls_certificates_engine::provider::{Provider, ProviderObservation};
//!
//! // A provider leader with no relation yet: nothing is outstanding, nothing to write.
//! # #[cfg(any())] {
//! let backend = tls_certificates_crypto::ring::backend();
//! # }
//! # let backend = NoBackend::new();
//! let observation = ProviderObservation { is_leader: true, relations: Vec::new() };
//! let mut provider = Provider::observe(&observation, None, backend);
//! provider.reconcile();
//! assert!(provider.outstanding_certificate_requests(None).is_empty());
//! assert!(provider.plan().databag_writes.is_empty());
//! # struct NoBackend;
//! # impl NoBackend { fn new() -> &'static dyn tls_certificates_crypto::CryptoBackend { &NoBackend } }
//! # impl core::fmt::Debug for NoBackend { fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result { f.write_str("none") } }
//! # impl tls_certificates_crypto::CryptoBackend for NoBackend {
//! #   fn name(&self) -> &'static str { "none" }
//! #   fn generate_key(&self, a: tls_certificates_crypto::KeyAlgorithm) -> Result<tls_certificates_crypto::PrivateKey, tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::UnsupportedAlgorithm { algorithm: a.to_string() }) }
//! #   fn load_pkcs8(&self, _: zeroize::Zeroizing<Vec<u8>>) -> Result<tls_certificates_crypto::PrivateKey, tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::SignatureInvalid) }
//! #   fn signer(&self, _: &tls_certificates_crypto::PrivateKey) -> Result<Box<dyn tls_certificates_crypto::Signer>, tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::SignatureInvalid) }
//! #   fn verify(&self, _: &tls_certificates_crypto::PublicKey, _: tls_certificates_crypto::SignatureAlgorithm, _: &[u8], _: &[u8]) -> Result<(), tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::SignatureInvalid) }
//! #   fn fill_random(&self, _: &mut [u8]) -> Result<(), tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::SignatureInvalid) }
//! #   fn digest(&self, _: tls_certificates_crypto::DigestAlgorithm, _: &[u8]) -> Result<Vec<u8>, tls_certificates_crypto::Error> { Err(tls_certificates_crypto::Error::SignatureInvalid) }
//! # }
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod common;
mod error;
mod labels;
pub mod provider;
pub mod requirer;
mod wire;

pub use common::{
    Databag, DatabagScope, DatabagWrite, LogLevel, LogLine, ObservedSecret, RelationId,
    SecretAction, SecretContent, SecretOwner, UnitName,
};
pub use error::Error;
pub use labels::{
    CERTIFICATE_CONTENT_KEY, CSR_CONTENT_KEY, LIBID, PRIVATE_KEY_CONTENT_KEY, is_certificate_label,
};
pub use wire::{CertificateError, ProviderCapabilities};
