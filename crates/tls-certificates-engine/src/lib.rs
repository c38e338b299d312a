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
//!   Python library's legacy secret labels; a certificate is stored only after it is checked
//!   (our key and names, a CA, a chain linked in either order, valid now).
//! * [`provider`]: verified requests, outstanding requests, publishing certificates and errors,
//!   revocation, capabilities; O(N) per hook, and bounded whatever a requirer writes (the
//!   [`ProviderConfig`](provider::ProviderConfig) policy: certificate limit, CA requests).
//!
//! Adapters (the `tls-certificates` crate) observe through Juju hook tools, call the engine, and
//! apply the plan. Secret labels and the relation-data wire format are those of the Python
//! library (charmlibs 1.12), so a charm can switch between the two in place.
//!
//! Where we deliberately differ from the Python library (certificates verified before they are
//! stored, `CertificateAvailable` only when new or changed, revoked certificates never
//! returned, CSR signatures checked by the provider, ...) is listed in `CONFORMANCE.md`, next to
//! the mapping of the Python test suite to our scenarios.
//!
//! # Why a plan value, not `poll_*`
//!
//! quinn-proto's sans-IO connection is driven by polling (`poll_transmit`, `poll_timeout`,
//! `poll`): it is a long-lived state machine that runs for the life of a socket, and the driver
//! drains what it produces in a loop as packets and timers arrive. A Juju hook is the opposite
//! shape: a short process that sees the whole model state once (what the hook tools read), must
//! decide everything, write it, and exit; nothing carries over to the next hook but what was
//! written to Juju. So the engine is a function of one observation, with the same two verbs on
//! both sides: `view` answers queries about it, and `plan` (the requirer's
//! `plan(observation, trigger, now, backend)`, the provider's `plan()` after its answers)
//! returns a complete [`RequirerPlan`](requirer::RequirerPlan) or
//! [`ProviderPlan`](provider::ProviderPlan) that the adapter applies in one go. A value makes the contract checkable: a test asserts on the whole plan (every databag
//! write, secret action, event and the next deadline), a plan that changes nothing
//! ([`RequirerPlan::is_quiescent`](requirer::RequirerPlan::is_quiescent)) is visible as such,
//! and there is no "did the driver poll until empty" bug to have. What `poll_timeout` gives
//! quinn, the plan's `next_deadline` gives here: Juju, not the engine, schedules the next run
//! (secret expiry, `update-status`).
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use tls_certificates_crypto::{CertificateRequestAttributes, KeyAlgorithm};
//! use tls_certificates_engine::provider::{
//!     Provider, ProviderConfig, ProviderObservation, ProviderRelation,
//! };
//! use tls_certificates_engine::requirer::{
//!     Requests, Requirer, RequirerConfig, RequirerObservation, RequirerRelation, RequirerTrigger,
//! };
//! use tls_certificates_engine::{RelationId, UnitName};
//!
//! let backend = tls_certificates_crypto::ring::backend();
//! let now = time::OffsetDateTime::UNIX_EPOCH;
//! let attributes = CertificateRequestAttributes::builder().common_name("db-0.example.com").build()?;
//! let config = RequirerConfig::new("certificates", Requests::Unit(vec![attributes]))?
//!     .with_key_algorithm(KeyAlgorithm::EcdsaP256);
//! let requirer = Requirer::new(config);
//!
//! // relation-created: the requirer generates its key and sends a CSR.
//! let observation = RequirerObservation {
//!     unit: UnitName::parse("db/0")?,
//!     is_leader: true,
//!     relations: vec![RequirerRelation::new(RelationId::parse("certificates:1")?)],
//!     secrets: Vec::new(),
//! };
//! let plan = requirer.plan(&observation, &RequirerTrigger::Reconcile, now, backend)?;
//! assert_eq!(plan.secret_actions.len(), 1); // secret-add of the private key
//! let write = &plan.databag_writes[0]; // certificate_signing_requests in the unit databag
//!
//! // The provider sees the request as outstanding.
//! let provider_view = ProviderObservation {
//!     is_leader: true,
//!     relations: vec![ProviderRelation {
//!         remote_units: BTreeMap::from([(
//!             "db/0".to_owned(),
//!             BTreeMap::from([(write.key.clone(), write.value.clone().unwrap_or_default())]),
//!         )]),
//!         ..ProviderRelation::new(RelationId::parse("certificates:1")?)
//!     }],
//! };
//! let provider = Provider::view(&provider_view, &ProviderConfig::new("certificates")?, backend);
//! assert_eq!(provider.outstanding_certificate_requests(None).len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod common;
mod error;
mod labels;
mod parallel;
pub mod provider;
pub mod requirer;
mod wire;

pub use common::{
    DatabagWrite, ObservedSecret, PublishedCertificate, PublishedRequestError, SecretAction,
};
pub use error::Error;
pub use juju_types::{
    Databag, LogLevel, LogLine, RelationId, SecretContent, SecretId, SecretOwner, Target, UnitName,
};
pub use labels::{
    CERTIFICATE_CONTENT_KEY, CSR_CONTENT_KEY, LIBID, PRIVATE_KEY_CONTENT_KEY, is_certificate_label,
};
pub use wire::{ErrorCode, ProviderCapabilities, ProviderError};
