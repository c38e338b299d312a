//! Requirer and provider of the Juju `tls-certificates` interface, for charms written in Rust.
//!
//! The Rust counterparts of the Python library's `TLSCertificatesRequiresV4` and
//! `TLSCertificatesProvidesV4`: thin drivers that read what a hook can see through
//! [`juju_hook_tools::HookTools`], run the sans-IO [`engine`], and apply its plan. They talk to
//! Python peers on the wire and use the Python library's secret labels, so a charm can switch
//! libraries in place without rotating its key or certificate.
//!
//! * [`requirer::Requirer`]: key in a Juju secret (or supplied by the charm), CSRs, verified
//!   certificates stored in secrets, renewal, revocation, key rotation.
//! * [`provider::Provider`]: verified requests, outstanding requests, publishing certificates
//!   and errors, revocation, capabilities.
//! * [`charm`]: the runtime of a charm binary: crypto backend selection (FIPS-only in `fips`
//!   builds, ring first otherwise), the simulator's clock, and `main`.
//!
//! # Example
//!
//! ```
//! use tls_certificates::crypto::CertificateRequestAttributes;
//! use tls_certificates::requirer::{Requests, RequirerConfig};
//!
//! let attributes = CertificateRequestAttributes::builder().common_name("web.example.com").build()?;
//! let config = RequirerConfig::new("certificates", Requests::Unit(vec![attributes]))?
//!     .with_renewal_relative_time(0.9)?;
//! assert_eq!(config.endpoint(), "certificates");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! Features only make crypto backends available; the backend is always passed explicitly.
//!
//! * `ring` (default): `crypto::ring`.
//! * `openssl`: `crypto::openssl` (links the system OpenSSL).
//! * `vendored`: `crypto::openssl` against OpenSSL built from source (implies `openssl`).
//! * `fips`: the OpenSSL backend restricted to its FIPS provider; [`charm::backend`] then accepts
//!   no other backend.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod apply;
pub mod charm;
mod error;
pub mod provider;
pub mod requirer;

pub use error::Error;
pub use tls_certificates_crypto as crypto;
pub use tls_certificates_engine as engine;

/// The Juju hook tools crate the adapters drive.
pub use juju_hook_tools;
