//! The requirer side: private key, CSRs, certificates stored in secrets, renewal.
//!
//! # Call order
//!
//! A [`Requirer`] holds only configuration; it has no state between hooks (Juju is the state).
//! In every hook the driver:
//!
//! 1. **Observes**: builds a [`RequirerObservation`] from what the hook can see: the unit name,
//!    leadership, for every relation on the endpoint the local unit and (leader only) local app
//!    databags and the remote application databag, and the unit's (and, on the leader, the
//!    application's) secrets with their labels, contents and expiry.
//! 2. **Plans** for one input with [`Requirer::plan`]`(observation, trigger, now, backend)`:
//!    a [`RequirerTrigger`] says why the hook runs (reconcile, secret-expired, secret-remove,
//!    relation-broken, or a charm request such as key regeneration). `now` is the only clock.
//! 3. **Applies** the returned [`RequirerPlan`] (`#[must_use]`): databag writes, then secret
//!    actions (at most one per secret), then emits events and log lines. The plan is minimal:
//!    an unchanged state produces an empty plan, so a relation-changed storm settles.
//! 4. **Schedules** nothing itself: [`RequirerPlan::next_deadline`] is the earliest instant at
//!    which a reconcile would change something by itself (the renewal safety net). Juju has no
//!    timers; the charm reconciles on update-status, and the certificate secrets' expiry makes
//!    Juju fire secret-expired at the renewal time.
//!
//! Queries ([`Requirer::view`]) read the same observation and never change anything.
//!
//! The provider has the same two verbs: [`Provider::view`](crate::provider::Provider::view)
//! and [`Provider::plan`](crate::provider::Provider::plan).
//!
//! # Example
//!
//! ```
//! use tls_certificates_engine::requirer::{Requests, RequirerConfig, Requirer};
//! use tls_certificates_crypto::CertificateRequestAttributes;
//!
//! let attributes = CertificateRequestAttributes::builder()
//!     .common_name("db-0.example.com")
//!     .build()?;
//! let config = RequirerConfig::new("certificates", Requests::Unit(vec![attributes]))?
//!     .with_renewal_relative_time(0.8)?;
//! let requirer = Requirer::new(config);
//! assert_eq!(requirer.config().endpoint(), "certificates");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Source layout
//!
//! * `config`: [`RequirerConfig`] and what it is made of;
//! * this module: what a hook observes and gets back ([`RequirerObservation`],
//!   [`RequirerTrigger`], [`RequirerPlan`], [`RequirerEvent`]) and the [`Requirer`];
//! * `plan`: [`Requirer::plan`], one hook as named steps over a per-hook `Pass`;
//! * `key`: step 1, the private key of a scope;
//! * `verify`: the checks a provider's certificate passes; `provider_data`: reading the
//!   provider's databag;
//! * `view`: [`Requirer::view`] and the read-only queries.

mod config;
mod key;
mod pass;
mod plan;
mod provider_data;
#[cfg(test)]
mod tests;
mod verify;
mod view;

use time::OffsetDateTime;
use tls_certificates_crypto::{Certificate, CertificateRequestAttributes, Csr, PrivateKey};
use tls_certificates_schema::v1::CertificateSigningRequest;

pub use self::config::{KeySource, RenewalRelativeTime, Requests, RequirerConfig, Scope};
pub use self::verify::NOT_BEFORE_SKEW;
pub use self::view::{OwnRequest, ProviderHint, RequirerView, capabilities_of, provider_hint};
use crate::common::{DatabagWrite, ObservedSecret, SecretAction};
use crate::wire::ProviderError;
use juju_types::{Databag, LogLine, RelationId, SecretId, SecretOwner, UnitName};

/// One relation on the requirer's endpoint, as observed.
#[derive(Clone, Debug)]
pub struct RequirerRelation {
    /// The relation id.
    pub id: RelationId,
    /// The local unit's databag.
    pub local_unit: Databag,
    /// The local application's databag (readable by the leader only; empty otherwise).
    pub local_app: Databag,
    /// The provider application's databag.
    pub remote_app: Databag,
}

impl RequirerRelation {
    /// Relation `id` with every databag empty (as on `relation-created`).
    pub fn new(id: RelationId) -> Self {
        Self {
            id,
            local_unit: Databag::new(),
            local_app: Databag::new(),
            remote_app: Databag::new(),
        }
    }
}

/// Everything the requirer needs to see in a hook.
#[derive(Clone, Debug)]
pub struct RequirerObservation {
    /// This unit.
    pub unit: UnitName,
    /// Whether this unit is the leader.
    pub is_leader: bool,
    /// The relations on the endpoint (usually one).
    pub relations: Vec<RequirerRelation>,
    /// The secrets this unit owns, and on the leader those its application owns.
    pub secrets: Vec<ObservedSecret>,
}

/// Why the hook runs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RequirerTrigger {
    /// relation-created / relation-changed / a refresh event / `sync()`.
    Reconcile,
    /// secret-expired for one of our secrets: renew the certificate it holds, then reconcile.
    SecretExpired {
        /// Secret id.
        id: SecretId,
        /// Secret label (from the hook context), if known.
        label: Option<String>,
    },
    /// secret-remove: prune the revision no longer tracked by anyone.
    SecretRemoved {
        /// Secret id.
        id: SecretId,
        /// The obsolete revision.
        revision: u32,
    },
    /// relation-broken: clean up our secrets when no relation remains on the endpoint.
    RelationBroken {
        /// The broken relation.
        relation_id: RelationId,
    },
    /// The charm asked to renew the certificate issued for this CSR (PEM).
    Renew {
        /// The CSR (PEM).
        csr: String,
    },
    /// The charm asked for a new private key (for one scope, or every scope when `None`).
    RegenerateKey {
        /// The scope.
        scope: Option<Scope>,
    },
    /// The charm imports its own key into the library's key secret.
    ImportKey {
        /// The scope.
        scope: Scope,
        /// The key.
        key: PrivateKey,
    },
}

/// An event for the charm.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RequirerEvent {
    /// A new or changed certificate was stored (emitted once per certificate, not every hook).
    CertificateAvailable(Box<AssignedCertificate>),
    /// The provider refused a request (emitted on every reconcile while the error stands).
    CertificateDenied {
        /// The relation.
        relation_id: RelationId,
        /// The scope of the CSR.
        scope: Scope,
        /// The CSR (PEM as on the wire).
        csr: String,
        /// The provider's error.
        error: ProviderError,
    },
    /// The provider sent a certificate we do not accept (wrong key, bad signature, bad chain).
    CertificateRejected {
        /// The relation.
        relation_id: RelationId,
        /// The scope of the CSR.
        scope: Scope,
        /// The CSR (PEM as on the wire).
        csr: String,
        /// Why.
        reason: String,
    },
}

/// A certificate assigned to us, verified against our key and its CA.
#[derive(Clone, Debug)]
pub struct AssignedCertificate {
    /// The relation.
    pub relation_id: RelationId,
    /// The scope.
    pub scope: Scope,
    /// The certificate.
    pub certificate: Certificate,
    /// Our CSR it answers.
    pub csr: Csr,
    /// Whether it was requested as a CA.
    pub is_ca: bool,
    /// The issuing CA.
    pub ca: Certificate,
    /// The chain, leaf first (may be empty when the provider sent none).
    pub chain: Vec<Certificate>,
}

impl AssignedCertificate {
    /// The attributes this certificate was requested with.
    pub fn attributes(&self) -> CertificateRequestAttributes {
        self.csr.attributes().clone().with_is_ca(self.is_ca)
    }
}

/// What to do in this hook. Apply in order: databag writes, secret actions, events, logs.
#[derive(Debug, Default)]
#[must_use = "a plan does nothing until the driver applies it"]
pub struct RequirerPlan {
    /// Databag key writes and deletions (only keys whose value changes).
    pub databag_writes: Vec<DatabagWrite>,
    /// Secret actions, at most one per secret.
    pub secret_actions: Vec<SecretAction>,
    /// Events for the charm.
    pub events: Vec<RequirerEvent>,
    /// Log lines.
    pub logs: Vec<LogLine>,
    /// When a reconcile would next change something by itself.
    pub next_deadline: Option<OffsetDateTime>,
}

impl RequirerPlan {
    /// Whether the plan changes nothing in Juju (no writes, no secret actions).
    pub fn is_quiescent(&self) -> bool {
        self.databag_writes.is_empty() && self.secret_actions.is_empty()
    }
}

/// The requirer engine. See the [module docs](self) for the call order.
#[derive(Clone, Debug)]
pub struct Requirer {
    config: RequirerConfig,
    /// Verdicts on the provider's entries in this hook, shared by the plan and the queries.
    verified: verify::Verified,
}

/// One of our CSR entries, parsed.
struct OwnCsr {
    entry: CertificateSigningRequest,
    csr: Csr,
    join: String,
}

impl Requirer {
    /// A requirer with `config`.
    pub fn new(config: RequirerConfig) -> Self {
        Self {
            config,
            verified: verify::Verified::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RequirerConfig {
        &self.config
    }

    fn active_scopes(&self, is_leader: bool) -> Vec<Scope> {
        self.config
            .scopes()
            .iter()
            .copied()
            .filter(|s| *s == Scope::Unit || is_leader)
            .collect()
    }

    fn unit_number(scope: Scope, unit: &UnitName) -> Option<u32> {
        match scope {
            Scope::Unit => Some(unit.number()),
            Scope::App => None,
        }
    }

    fn owner(scope: Scope) -> SecretOwner {
        match scope {
            Scope::Unit => SecretOwner::Unit,
            Scope::App => SecretOwner::Application,
        }
    }
}

/// How log lines name a request: its common name, else its first SAN.
fn subject_of(attributes: &CertificateRequestAttributes) -> String {
    if let Some(cn) = attributes.common_name() {
        return format!("{cn:?}");
    }
    let first_san = attributes
        .sans_dns()
        .iter()
        .next()
        .cloned()
        .or_else(|| attributes.sans_ip().iter().next().map(ToString::to_string))
        .or_else(|| attributes.sans_oid().iter().next().cloned());
    match first_san {
        Some(san) => format!("SAN {san:?}"),
        None => "a request without a name".to_owned(),
    }
}
