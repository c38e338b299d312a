//! Juju's nouns, defined once for charms written in Rust: no I/O, no hook tools, no clock.
//!
//! * [`UnitName`], [`RelationId`] (endpoint and number), [`Member`], [`Target`], [`Databag`];
//! * [`SecretId`], [`SecretOwner`], [`SecretContent`] (values zeroized on drop, redacted in
//!   `Debug`);
//! * [`LogLevel`], [`LogLine`], [`StatusKind`], [`JujuVersion`].
//!
//! `tls-certificates-engine` (the sans-IO certificate lifecycle), `juju-hook-tools` (the hook
//! tools) and `juju-sim` (the simulated model) all speak these types, as `rustls-pki-types`
//! serves rustls, webpki and rcgen: a value one of them produces is a value the others take,
//! with no translation in between. Every type is parsed, never built unchecked: a
//! [`RelationId`] always has a valid endpoint, a [`SecretContent`] only valid keys.
//!
//! ```
//! use juju_types::{RelationId, SecretContent, UnitName};
//!
//! let unit = UnitName::parse("web/0")?;
//! let relation = RelationId::parse("certificates:7")?;
//! let content = SecretContent::from_pairs([("private-key", "...")])?;
//! assert_eq!((unit.app(), relation.endpoint(), content.len()), ("web", "certificates", 1));
//! assert!(juju_types::SecretContent::from_pairs([("ca", "too short a key")]).is_err());
//! # Ok::<(), juju_types::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod log;
mod relation;
mod secret;
mod status;
mod unit;
mod version;

pub use error::Error;
pub use log::{LogLevel, LogLine};
pub use relation::{Databag, Member, RelationId, Target};
pub use secret::{SecretContent, SecretId, SecretOwner, is_valid_secret_key};
pub use status::StatusKind;
pub use unit::UnitName;
pub use version::JujuVersion;
