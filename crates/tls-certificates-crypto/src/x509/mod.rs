//! X.509 on top of the backend primitives: CSRs, certificates, CAs, chains.
//!
//! DER is written by [`crate::der`] (names, extensions, TBS structures) and parsed by
//! `x509-parser`; every signature is made and checked by the selected backend, so the
//! certificate profile is the same whichever backend runs.
//!
//! * `types`: the values ([`Csr`], [`Certificate`], [`DistinguishedName`], [`Validity`],
//!   [`IssueProfile`]);
//! * `operations`: **what callers use**, the inherent methods of `dyn CryptoBackend`
//!   ([`load_private_key`](crate::CryptoBackend#method.load_private_key),
//!   [`create_csr`](crate::CryptoBackend#method.create_csr),
//!   [`parse_csr`](crate::CryptoBackend#method.parse_csr),
//!   [`parse_certificate`](crate::CryptoBackend#method.parse_certificate),
//!   [`verify_issued_by`](crate::CryptoBackend#method.verify_issued_by),
//!   [`check_chain_order`](crate::CryptoBackend#method.check_chain_order),
//!   [`load_authority`](crate::CryptoBackend#method.load_authority),
//!   [`create_self_signed_ca`](crate::CryptoBackend#method.create_self_signed_ca), ...) and
//!   [`CertificateAuthority::issue`];
//! * `build`: DER writing (names, extensions, `tbsCertificate`, the signed envelope);
//! * `parse`: reading CSRs and certificates with `x509-parser`;
//! * `oids`: object identifiers and signature `AlgorithmIdentifier`s, shared by both;
//! * `spki`: [`spki_of_pem`], the unverified fast path to a public key.

mod build;
pub(crate) mod oids;
mod operations;
mod parse;
mod spki;
mod types;

pub use self::operations::CertificateAuthority;
pub use self::spki::spki_of_pem;
pub use self::types::{Certificate, Csr, DistinguishedName, IssueProfile, NameAttribute, Validity};
