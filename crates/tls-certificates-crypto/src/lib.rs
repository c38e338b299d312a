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
//!   [`ring`] (feature `ring`, default) and `openssl` (feature `openssl`).
//! * Everything X.509 is written once on top of those primitives, as inherent methods of
//!   `dyn CryptoBackend` (see [`CryptoBackend`]): DER is written by a small internal DER
//!   writer and parsed with `x509-parser`; every signature is made and checked by the selected
//!   backend. The certificate profile therefore cannot drift between backends.
//! * The caller picks the backend **explicitly** and passes it as a value. Features only make
//!   backends available; enabling one never changes what another caller gets.
//!   [`default_backend`] has a documented fixed order.
//! * Values crossing the API are backend-neutral: PEM newtypes ([`CsrPem`], [`CertificatePem`],
//!   [`PrivateKeyPem`]) and parsed structs ([`Csr`], [`Certificate`]). Private key material is
//!   zeroized on drop and never printed by `Debug`.
//!
//! ## Why not rcgen
//!
//! The design proposed `rcgen` for DER building. Measured on rcgen 0.14: it has no
//! registered-ID SAN type, rejects CSRs with OID SANs or extra extensions when parsing, derives
//! a serial from the key unless told otherwise, re-encodes subject names (losing the exact
//! string types of a peer's CSR) and computes a truncated SHA-256 key identifier. Every one of
//! these had to be overridden, which left rcgen encoding only the outer structure. The TBS
//! structures are small, so they are written directly (`der.rs`, ~300 lines with tests): the
//! issued certificate copies the CSR's subject and public key **byte for byte**, and issuance
//! costs one signature plus a few microseconds of encoding.
//!
//! # Wire compatibility with the Python library
//!
//! * CSR subject: one attribute per RDN, in the order CN, x500UniqueIdentifier (2.5.4.45, a
//!   random UUID4 as UTF8String, on by default), O, OU, emailAddress (IA5String), C
//!   (PrintableString), ST, L; other strings are UTF8String. The SAN (non-critical) holds DNS
//!   names, IP addresses and registered IDs, never the email address. Extra critical
//!   extensions follow. Parsing a CSR reconstructs the attributes as the Python
//!   `CertificateRequestAttributes.from_csr` does.
//! * PEM output is canonical, like `cryptography`: 64-column base64, `\n` line ends, no
//!   trailing newline, so `sha256` of a CSR's PEM equals the Python library's secret-label hash
//!   (checked against the golden fixtures). Input PEM may have leading text, CRLF, any line
//!   width and trailing newlines; inputs over 1 MiB are refused with
//!   [`Error::InputTooLarge`] before parsing.
//! * Private keys export as the Python library stores them: RSA as PKCS#1 (`BEGIN RSA PRIVATE
//!   KEY`), ECDSA as SEC1 with the curve and public key (`BEGIN EC PRIVATE KEY`), Ed25519 as
//!   PKCS#8 v1. PKCS#1, SEC1 and PKCS#8 (v1 and v2) all load.
//!
//! # Subject policy
//!
//! A CSR is a peer's input, and issuance copies its subject into the certificate byte for
//! byte (as the Python library does), so [`parse_csr`](CryptoBackend#method.parse_csr) checks
//! the subject first and refuses the whole CSR ([`Error::InvalidAttribute`]) unless:
//!
//! * every RDN holds exactly one attribute, of a type the Python library writes: CN,
//!   x500UniqueIdentifier, O, OU, emailAddress, C, ST or L; no type appears twice;
//! * each value is a UTF8String, PrintableString, IA5String, BMPString or UniversalString that
//!   decodes (x500UniqueIdentifier may also be the BIT STRING X.520 defines), is not empty, holds
//!   no control character (C0, DEL, C1: a NUL inside a BMPString is refused like a newline in a
//!   UTF8String), and is within its RFC 5280 Appendix A upper bound: `ub-common-name` 64,
//!   `ub-organization-name` 64, `ub-organizational-unit-name` 64, `ub-emailaddress-length` 255,
//!   country 2, `ub-state-name` 128, `ub-locality-name` 128 (characters); 64 for the unique
//!   identifier, which has no bound in X.520 (the Python library writes a 36-character UUID).
//!
//! The same bounds apply to [`CertificateRequestAttributes`], so we never build a CSR a provider
//! of ours would refuse. RSA keys in CSRs (and in certificates checked as issuers) must have
//! 2048 to 8192 bits on every backend, and the error says the size (`rsa-1024 (supported: 2048
//! to 8192 bits)`). These cheap checks run before the signature is verified.
//!
//! **Refuse, not re-encode.** Re-encoding the issued subject from the validated attributes would
//! silently drop what a requirer asked for (a repeated or unknown attribute would vanish from
//! its certificate) and change string types under it; refusing tells the requirer what is wrong
//! (a provider answers with a request error). Once the policy holds, the verbatim copy *is* the
//! validated attributes. Every subject the Python library builds passes (one attribute per RDN,
//! the types above, CN at most 64 characters as `cryptography` enforces), except O, OU, ST, L or
//! emailAddress values longer than the RFC 5280 bounds, which `cryptography` does not check and
//! which are refused here.
//!
//! # Certificate profile
//!
//! [`CertificateAuthority::issue`] fixes the Python library's defects while keeping its wire
//! behaviour: issuer = the CA's **subject** (raw DER; the Python library uses the CA's issuer,
//! which breaks intermediates), subject and key = the CSR's verbatim, random positive 159-bit
//! serial, `not_before` back-dated by [`Validity::BACKDATE`], AuthorityKeyIdentifier = the CA's
//! SKI (or SHA-1 of its key), SubjectKeyIdentifier = SHA-1 of the subject public key (RFC 5280
//! method 1), critical BasicConstraints, SAN in the order DNS, IP, registered ID, rfc822 (the
//! subject email), and KeyUsage / ExtendedKeyUsage by profile (leaf: digitalSignature, plus
//! keyEncipherment for RSA, and serverAuth + clientAuth; CA: keyCertSign + cRLSign and a
//! pathLenConstraint of 0, so an issued CA signs leaves only). CSR extensions are never copied,
//! and the subject is copied only after the [subject policy](#subject-policy) accepted it. Self-signed CAs get SKI, AKI, BasicConstraints CA:true and
//! KeyUsage digitalSignature + keyCertSign + cRLSign, all critical where RFC 5280 asks.
//!
//! # Getting started
//!
//! ```
//! # #[cfg(feature = "ring")] {
//! use time::{Duration, OffsetDateTime};
//! use tls_certificates_crypto::{
//!     CertificateRequestAttributes, IssueProfile, KeyAlgorithm, Validity,
//! };
//!
//! let backend = tls_certificates_crypto::ring::backend();
//!
//! // A requirer: key + CSR.
//! let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
//! let attributes = CertificateRequestAttributes::builder()
//!     .common_name("unit-0.example.com")
//!     .san_dns("unit-0.example.com")
//!     .build()?;
//! let csr = backend.create_csr(&key, &attributes)?;
//!
//! // A provider: parse the peer's CSR (its signature is verified) and issue.
//! let parsed = backend.parse_csr(csr.pem().as_str())?;
//! assert_eq!(parsed.attributes(), &attributes);
//! assert!(parsed.matches_key(&key));
//! let ca_key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
//! let now = OffsetDateTime::now_utc();
//! let ca_attributes = CertificateRequestAttributes::builder().common_name("Example CA").build()?;
//! let ca = backend.create_self_signed_ca(
//!     &ca_key,
//!     &ca_attributes,
//!     Validity::starting_at(now, Duration::days(3650)),
//! )?;
//! let authority = backend.load_authority(&ca_key, ca)?;
//! let certificate =
//!     authority.issue(&parsed, &IssueProfile::leaf(Validity::starting_at(now, Duration::days(90))))?;
//! backend.check_chain_order(&[certificate, authority.certificate().clone()])?;
//! # }
//! # Ok::<(), tls_certificates_crypto::Error>(())
//! ```
//!
//! # Crate features
//!
//! * `ring` (default): the [`ring`] backend (ring for signatures and EC/Ed25519 keys, RustCrypto
//!   `rsa` 0.10 for RSA key generation only).
//! * `openssl`: the `openssl` backend against the system OpenSSL.
//! * `vendored`: build OpenSSL from source instead (implies `openssl`).
//! * `fips`: OpenSSL restricted to its FIPS provider (implies `openssl`).
//!
//! Both backends may be compiled in together; they produce identical structures (the
//! cross-backend tests parse and verify everything one makes with the other).
//!
//! # Performance notes
//!
//! * RSA key generation in the `ring` backend uses RustCrypto `rsa` **0.10** (0.9 carries
//!   RUSTSEC-2023-0071, Marvin, and generates keys more slowly). `rsa` only generates; ring
//!   signs.
//! * OpenSSL 3.0 (e.g. Debian's system library) generates RSA keys markedly more slowly than
//!   OpenSSL 3.6 (e.g. with the `vendored` feature).
//! * Issuing a certificate costs one signature of the CA key plus DER encoding and one parse
//!   of the result.
//!
//! The measurements, and the commands that make them, are in `benches/README.md` in the source
//! repository.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod attributes;
mod backend;
mod der;
mod error;
mod key;
mod name;
mod pem;
mod x509;

#[cfg(feature = "openssl")]
#[cfg_attr(docsrs, doc(cfg(feature = "openssl")))]
pub mod openssl;
#[cfg(feature = "ring")]
#[cfg_attr(docsrs, doc(cfg(feature = "ring")))]
pub mod ring;

pub use attributes::{
    CertificateRequestAttributes, CertificateRequestAttributesBuilder, CriticalExtension,
};
pub use backend::{CryptoBackend, DigestAlgorithm, FipsStatus, SignatureAlgorithm, Signer};
pub use error::Error;
pub use key::{KeyAlgorithm, KeyType, PrivateKey, PublicKey};
pub use pem::{CertificatePem, CsrPem, PrivateKeyPem, pem_from_der};
pub use x509::{
    Certificate, CertificateAuthority, Csr, DistinguishedName, IssueProfile, NameAttribute,
    Validity, spki_of_pem,
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
