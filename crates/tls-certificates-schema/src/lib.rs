//! Wire types of the Juju `tls-certificates` interface, version 1, byte-exact with the Python
//! library (`charmlibs-interfaces-tls-certificates` 1.x, formerly the charm library v4).
//!
//! Juju relation databags map strings to strings. In this interface each value is a JSON
//! document serialized to a string. This crate reads those databags into typed values and
//! writes typed values back, producing **exactly the bytes the Python library writes** for the
//! same content, so Python peers see no spurious change.
//!
//! # Getting started
//!
//! ```
//! use tls_certificates_schema::v1::{CertificateSigningRequest, ProviderData, RequirerData};
//! use tls_certificates_schema::{Databag, PemCsr};
//!
//! // The requirer writes its requests ...
//! let csr = PemCsr::new("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n")?;
//! let requirer = RequirerData {
//!     certificate_signing_requests: vec![CertificateSigningRequest::new(csr, false)],
//! };
//! let update = requirer.encode();
//! let mut databag = Databag::new();
//! databag.insert("egress-subnets".into(), "10.0.0.0/24".into()); // someone else's key
//! update.apply_to(&mut databag);
//! assert_eq!(
//!     databag["certificate_signing_requests"],
//!     r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----", "ca": false}]"#
//! );
//! assert!(databag.contains_key("egress-subnets")); // untouched
//!
//! // ... and the provider reads them, tolerating malformed entries.
//! let decoded = RequirerData::decode(&databag);
//! assert!(decoded.is_clean());
//! assert_eq!(decoded.value, requirer);
//!
//! // A provider with nothing to say deletes its keys.
//! let update = ProviderData::default().encode();
//! assert_eq!(update.change("certificates"), Some(None));
//! # Ok::<(), tls_certificates_schema::Error>(())
//! ```
//!
//! # Design overview
//!
//! * **Decoding** ([`v1::RequirerData::decode`], [`v1::ProviderData::decode`]) never fails as a
//!   whole and never panics. It returns [`Decoded`]: the value plus a list of issues
//!   ([`Error`]), each with a [`Location`] such as `certificates[2].chain[0]`.
//!   * Tolerant like Python: unknown keys and fields are ignored; booleans are read the way
//!     pydantic's lax mode reads them (`"true"`, `"False"`, `"yes"`, `1`, ...); integers from
//!     numeric strings; v3's `recommended_expiry_notification_time` is ignored; `request_errors`
//!     entries may key their CSR `csr` or `certificate_signing_request`.
//!   * Better than Python: one malformed entry (wrong type, missing field, text that is not
//!     PEM) is reported with its index and skipped; the other entries still decode. Invalid JSON
//!     under one key is an error for that key only. Python drops the whole databag instead.
//!   * A requirer entry without `ca` is accepted as `ca: None` (not a CA request); Python
//!     (pydantic v2) would reject the whole databag.
//!   * Bounded work: a value longer than [`MAX_VALUE_LEN`] is not parsed; JSON nesting is
//!     limited to serde_json's 128 levels; duplicate JSON keys resolve like Python (last wins).
//! * **Encoding** ([`v1::RequirerData::encode`], [`v1::ProviderData::encode`]) returns a
//!   [`DatabagUpdate`]: new values for the keys this side owns, or deletions. Keys of other
//!   libraries are never touched (the Python library clears the whole databag; we do not).
//!   Values follow `json.dumps` defaults: `", "` and `": "` separators, non-ASCII as `\uXXXX`
//!   (surrogate pairs beyond the BMP), keys in the Python model's field order, `None`/default
//!   fields left out at every level, an empty list deletes its key, PEMs without the trailing
//!   newline. [`DatabagUpdate::minimized_against`] drops writes that would change nothing.
//! * **PEM** text is held in newtypes ([`PemCsr`], [`PemCertificate`]) checked only for shape
//!   (a `-----BEGIN ` line). This crate has no crypto dependency; whether the PEM is a valid,
//!   correctly signed object is checked one layer up.
//! * The types also implement `serde::Serialize`, which yields the *decoded form* of a databag
//!   (every value parsed, as in the `*.decoded.json` fixtures); `from_decoded` reads it back.
//!
//! # Crate features
//!
//! None.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod databag;
mod error;
mod fast;
mod json;
mod lax;
mod pem;
pub mod v1;

pub use databag::{Databag, DatabagSource, DatabagUpdate, Decoded};
pub use error::{Error, FieldProblem, Location};
pub use pem::{PemCertificate, PemCsr};

/// The longest databag value, in bytes, that decoding parses (16 MiB). Longer values are
/// reported as [`Error::ValueTooLarge`] and treated as absent.
///
/// A provider answering 1000 requests with a two-certificate chain writes about 7 MB.
pub const MAX_VALUE_LEN: usize = 16 * 1024 * 1024;
