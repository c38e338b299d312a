//! The provider side: requests in, certificates and errors out.
//!
//! # Call order
//!
//! 1. **View**: [`Provider::view`]`(observation, config, backend)` reads every requirer
//!    databag (remote units *and* remote app) of every relation once, up to the entry cap of the
//!    [`ProviderConfig`], and the provider's own app databag once. Everything is indexed by a
//!    canonical CSR key, so every later query and change is O(1) per request: a hook costs O(N)
//!    in the number of requests, not O(N²).
//! 2. **Reconcile** (leader, every hook): [`Provider::reconcile`] removes certificates and
//!    errors whose CSR no longer exists, answers invalid CSRs and refused CA requests with an
//!    error entry and publishes the capabilities.
//! 3. **Query and act**: the charm reads
//!    [`outstanding_certificate_requests`](Provider::outstanding_certificate_requests), issues
//!    certificates, and records them with
//!    [`set_relation_certificate`](Provider::set_relation_certificate) /
//!    [`set_relation_error`](Provider::set_relation_error) /
//!    [`revoke_all_certificates`](Provider::revoke_all_certificates). These change the
//!    in-memory state only. A revocation makes its requests outstanding again and answers at
//!    once those the policy now refuses (a CA request after CA requests were refused).
//! 4. **Plan**: [`Provider::plan`] returns the minimal databag writes (only keys whose encoded
//!    value changed) and the log lines. The driver applies them; nothing is written before.
//!
//! The provider has no deadline of its own: issuance is driven by the charm's hooks.
//!
//! The requirer has the same two verbs: [`Requirer::view`](crate::requirer::Requirer::view)
//! for queries and [`Requirer::plan`](crate::requirer::Requirer::plan) for what to change.
//!
//! # Bounded work: what a requirer can cost us
//!
//! A requirer writes its databags as it likes; the work one hook spends on a relation is
//! bounded whatever it writes:
//!
//! * **Entries read.** At most [`ProviderConfig::entries_read_per_databag`] entries of a
//!   databag's `certificate_signing_requests` are read: twice the certificate limit, at least
//!   16 ([`MAX_ENTRIES_UNLIMITED`] without a limit). What follows is not even scanned (its size
//!   is reported). A CSR text over [`MAX_REQUEST_PEM_LEN`] bytes is not read either.
//!   An honest requirer sends one entry per certificate it wants, so an over-long list only
//!   ever loses requests that the limit would refuse anyway.
//! * **Signatures verified.** Requests that already have a certificate are recognised by their
//!   public key without a signature check. The others are verified in databag order only until
//!   the relation's [`CertificateLimit`] is reached; the rest wait, unverified, as "over the
//!   limit". Refused CA requests are refused without verification.
//! * **Errors published.** An invalid CSR or a refused CA request gets a `request_errors` entry
//!   (code 999 `OTHER`, as the Python library names codes outside its 1XX/2XX ones), at most
//!   as many per relation as entries are read per databag and at most
//!   [`MAX_ERROR_BYTES_PER_RELATION`] bytes of them, so our own databag stays bounded however
//!   many units the remote application has.
//! * **Logs.** A refusal is logged once, when its error entry is first published (the entry
//!   is the memory: the hook after sees the same error already published and does not log
//!   again), and at most [`REFUSALS_LOGGED_PER_HOOK`] one by one per relation and hook;
//!   everything else about a relation (further new refusals, refusals still standing,
//!   requests over the limit, what was not read, malformed entries) is counted in one summary
//!   line per relation and hook. Refused requests are checked again every hook (at most the
//!   entries read), so an error entry goes as soon as it no longer applies (a policy change,
//!   an upgrade of this library).
//!
//! With the default [`ProviderConfig::new`] (no limit, CA requests offered to the charm) the
//! provider behaves like the Python library, bounded only by [`MAX_ENTRIES_UNLIMITED`].
//!
//! # Source layout
//!
//! * `config`: [`ProviderConfig`] and the limits above;
//! * this module: what a hook observes and gets back, and the [`Provider`];
//! * `request`: a request as the queries hand it out ([`CertificateRequest`], ...);
//! * `state`: what the provider knows of one relation in a hook;
//! * `observe`: [`Provider::view`], which parses the observation; `reconcile`:
//!   [`Provider::reconcile`];
//! * `view`: the queries ([`Provider::outstanding_certificate_requests`], ...);
//! * `record`: [`Provider::set_relation_certificate`] and the other answers;
//! * `plan`: [`Provider::plan`].

mod config;
mod observe;
mod plan;
mod reconcile;
mod record;
mod request;
mod state;
mod view;

use std::collections::BTreeMap;
use std::hash::RandomState;

use tls_certificates_crypto::{Certificate, CryptoBackend};

pub use self::config::{
    CA_REQUEST_REFUSED, CaRequests, CertificateLimit, ENTRIES_READ_PER_CERTIFICATE, INVALID_CSR,
    MAX_ENTRIES_UNLIMITED, MAX_ERROR_BYTES_PER_RELATION, MAX_REQUEST_PEM_LEN, MIN_ENTRIES_READ,
    ProviderConfig, REFUSALS_LOGGED_PER_HOOK,
};
pub use self::request::{CertificateRequest, InvalidRequest, RequestSource};
use self::state::RelationState;
use crate::common::DatabagWrite;

use juju_types::{Databag, LogLine, RelationId};

/// One relation on the provider's endpoint, as observed.
#[derive(Clone, Debug)]
pub struct ProviderRelation {
    /// The relation id.
    pub id: RelationId,
    /// The requirer application's databag.
    pub remote_app: Databag,
    /// The requirer units' databags, by unit name.
    pub remote_units: BTreeMap<String, Databag>,
    /// The provider application's own databag (readable by the leader only; empty otherwise).
    pub local_app: Databag,
}

impl ProviderRelation {
    /// Relation `id` with every databag empty and no remote unit (as on `relation-created`).
    pub fn new(id: RelationId) -> Self {
        Self {
            id,
            remote_app: Databag::new(),
            remote_units: BTreeMap::new(),
            local_app: Databag::new(),
        }
    }
}

/// Everything the provider needs to see in a hook.
#[derive(Clone, Debug, Default)]
pub struct ProviderObservation {
    /// Whether this unit is the leader (only the leader writes).
    pub is_leader: bool,
    /// The relations on the endpoint.
    pub relations: Vec<ProviderRelation>,
}

/// A certificate to publish with [`Provider::set_relation_certificate`].
#[derive(Clone, Debug)]
pub struct NewCertificate {
    /// The relation.
    pub relation_id: RelationId,
    /// The CSR PEM it answers, as the requirer sent it.
    pub csr_pem: String,
    /// The certificate.
    pub certificate: Certificate,
    /// The issuing CA.
    pub ca: Certificate,
    /// The chain, leaf first (`[certificate, ..., root]`); must not be empty.
    pub chain: Vec<Certificate>,
}

/// The databag writes and log lines of a provider hook.
#[derive(Debug, Default)]
#[must_use = "a plan does nothing until the driver applies it"]
pub struct ProviderPlan {
    /// Writes to the provider's app databags (only changed keys).
    pub databag_writes: Vec<DatabagWrite>,
    /// Log lines.
    pub logs: Vec<LogLine>,
}

/// The provider engine for one hook. See the [module docs](self) for the call order.
pub struct Provider<'b> {
    backend: &'b dyn CryptoBackend,
    is_leader: bool,
    config: ProviderConfig,
    relations: BTreeMap<RelationId, RelationState>,
    logs: Vec<LogLine>,
    /// Hashes the join keys of this hook.
    hasher: RandomState,
}

impl core::fmt::Debug for Provider<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Provider")
            .field("is_leader", &self.is_leader)
            .field("relations", &self.relations.len())
            .finish_non_exhaustive()
    }
}
