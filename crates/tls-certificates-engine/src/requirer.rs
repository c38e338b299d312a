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
//! 2. **Handles** one input with [`Requirer::handle`]`(observation, trigger, now, backend)`:
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

use std::collections::{BTreeSet, HashMap, HashSet};

use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, CryptoBackend, Csr, KeyAlgorithm, KeyType,
    PrivateKey,
};
use tls_certificates_schema::PemCsr;
use tls_certificates_schema::v1::{self, CertificateSigningRequest};

use crate::Error;
use crate::common::{
    Databag, DatabagScope, DatabagWrite, LogLevel, LogLine, ObservedSecret, ProviderCertificate,
    RelationId, SecretAction, SecretContent, SecretOwner, UnitName, log, pem_join_key,
};
use crate::labels::{self, CERTIFICATE_CONTENT_KEY, CSR_CONTENT_KEY, PRIVATE_KEY_CONTENT_KEY};
use crate::wire::{self, ProviderCapabilities, ProviderError};

/// Which requests go where: the Python library's `Mode`, with the requests of each scope.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Requests {
    /// `Mode.UNIT`: every unit has its own key and CSRs in its unit databag.
    Unit(Vec<CertificateRequestAttributes>),
    /// `Mode.APP`: the leader manages one app-owned key and the CSRs in the app databag.
    App(Vec<CertificateRequestAttributes>),
    /// `Mode.APP_AND_UNIT`: both, with disjoint request sets.
    AppAndUnit {
        /// Requests in the application databag (leader).
        app: Vec<CertificateRequestAttributes>,
        /// Requests in each unit's databag.
        unit: Vec<CertificateRequestAttributes>,
    },
}

/// A scope of requests: the unit's own or the application's.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Scope {
    /// The unit's key, CSRs (unit databag) and certificates.
    Unit,
    /// The application's key, CSRs (app databag, leader only) and certificates.
    App,
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::App => "app",
            Self::Unit => "unit",
        })
    }
}

impl Scope {
    fn databag(self) -> DatabagScope {
        match self {
            Self::Unit => DatabagScope::Unit,
            Self::App => DatabagScope::App,
        }
    }
}

/// The fraction of the remaining validity after which a certificate is renewed, in `(0.5, 1.0]`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct RenewalRelativeTime(f64);

impl RenewalRelativeTime {
    /// The Python library's default, 0.9.
    pub const DEFAULT: Self = Self(0.9);

    /// Validates `value` in `(0.5, 1.0]` (0.5 itself is rejected, as in the Python library).
    ///
    /// # Errors
    /// [`Error::InvalidRenewalRelativeTime`] outside that range (or NaN).
    pub fn new(value: f64) -> Result<Self, Error> {
        if value > 0.5 && value <= 1.0 {
            Ok(Self(value))
        } else {
            Err(Error::InvalidRenewalRelativeTime { value })
        }
    }

    /// The fraction.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The safety-net fraction of the whole validity: `min(0.99, r + 0.05)`.
    pub fn safety_net(self) -> f64 {
        (self.0 + 0.05).min(0.99)
    }
}

impl Default for RenewalRelativeTime {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where the private key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The library generates the key and keeps it in a Juju secret.
    Generate(KeyAlgorithm),
    /// The charm supplies the key (used for every scope); no key secret is kept.
    Supplied(PrivateKey),
}

/// Validated requirer configuration.
#[derive(Clone, Debug)]
pub struct RequirerConfig {
    endpoint: String,
    requests: Requests,
    unit_requests: BTreeSet<CertificateRequestAttributes>,
    app_requests: BTreeSet<CertificateRequestAttributes>,
    renewal: RenewalRelativeTime,
    key: KeySource,
}

impl RequirerConfig {
    /// A configuration for `endpoint` with `requests`, RSA-2048 generated keys and the default
    /// renewal relative time.
    ///
    /// # Errors
    /// [`Error::EmptyEndpoint`], or [`Error::RequestInBothScopes`] when an `AppAndUnit`
    /// request appears in both scopes.
    pub fn new(endpoint: &str, requests: Requests) -> Result<Self, Error> {
        if endpoint.is_empty() {
            return Err(Error::EmptyEndpoint);
        }
        let (unit, app): (BTreeSet<_>, BTreeSet<_>) = match &requests {
            Requests::Unit(r) => (r.iter().cloned().collect(), BTreeSet::new()),
            Requests::App(r) => (BTreeSet::new(), r.iter().cloned().collect()),
            Requests::AppAndUnit { app, unit } => (
                unit.iter().cloned().collect(),
                app.iter().cloned().collect(),
            ),
        };
        if unit.intersection(&app).next().is_some() {
            return Err(Error::RequestInBothScopes);
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            requests,
            unit_requests: unit,
            app_requests: app,
            renewal: RenewalRelativeTime::DEFAULT,
            key: KeySource::Generate(KeyAlgorithm::default()),
        })
    }

    /// Sets the renewal relative time (default 0.9).
    ///
    /// # Errors
    /// [`Error::InvalidRenewalRelativeTime`] outside `(0.5, 1.0]`.
    pub fn with_renewal_relative_time(mut self, value: f64) -> Result<Self, Error> {
        self.renewal = RenewalRelativeTime::new(value)?;
        Ok(self)
    }

    /// Generates keys with `algorithm` (default RSA-2048).
    #[must_use]
    pub fn with_key_algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.key = KeySource::Generate(algorithm);
        self
    }

    /// Uses a key supplied by the charm instead of a generated one.
    ///
    /// # Errors
    /// [`Error::WeakPrivateKey`] for an RSA key shorter than 2048 bits.
    pub fn with_private_key(mut self, key: PrivateKey) -> Result<Self, Error> {
        check_key_strength(&key)?;
        self.key = KeySource::Supplied(key);
        Ok(self)
    }

    /// The endpoint (relation name).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The configured requests.
    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    /// The renewal relative time.
    pub fn renewal_relative_time(&self) -> RenewalRelativeTime {
        self.renewal
    }

    /// The key source.
    pub fn key_source(&self) -> &KeySource {
        &self.key
    }

    fn scope_requests(&self, scope: Scope) -> &BTreeSet<CertificateRequestAttributes> {
        match scope {
            Scope::Unit => &self.unit_requests,
            Scope::App => &self.app_requests,
        }
    }

    fn scopes(&self) -> &'static [Scope] {
        match self.requests {
            Requests::Unit(_) => &[Scope::Unit],
            Requests::App(_) => &[Scope::App],
            Requests::AppAndUnit { .. } => &[Scope::Unit, Scope::App],
        }
    }
}

/// One relation on the requirer's endpoint, as observed.
#[derive(Clone, Debug, Default)]
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
        id: String,
        /// Secret label (from the hook context), if known.
        label: Option<String>,
    },
    /// secret-remove: prune the revision no longer tracked by anyone.
    SecretRemoved {
        /// Secret id.
        id: String,
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
}

/// Secrets indexed by label and id, plus the actions planned on them in this hook.
struct Secrets<'o> {
    by_label: HashMap<&'o str, &'o ObservedSecret>,
    by_id: HashMap<&'o str, &'o ObservedSecret>,
    actions: Vec<SecretAction>,
    touched: HashSet<String>,
}

impl<'o> Secrets<'o> {
    fn new(secrets: &'o [ObservedSecret]) -> Self {
        Self {
            by_label: secrets.iter().map(|s| (s.label.as_str(), s)).collect(),
            by_id: secrets.iter().map(|s| (s.id.as_str(), s)).collect(),
            actions: Vec::new(),
            touched: HashSet::new(),
        }
    }

    fn get(&self, label: &str) -> Option<&'o ObservedSecret> {
        self.by_label.get(label).copied()
    }

    /// Plans an action unless one is already planned for the same secret.
    fn push(&mut self, action: SecretAction) {
        let key = match &action {
            SecretAction::Add { label, .. } => format!("label:{label}"),
            SecretAction::Set { id, .. } | SecretAction::Remove { id, .. } => format!("id:{id}"),
        };
        if self.touched.insert(key) {
            self.actions.push(action);
        }
    }
}

fn key_content(backend: &dyn CryptoBackend, key: &PrivateKey) -> Result<SecretContent, Error> {
    let pem = backend
        .export_private_key(key)
        .map_err(Error::crypto("exporting the private key"))?;
    Ok(SecretContent::new().with(PRIVATE_KEY_CONTENT_KEY, pem.expose_secret()))
}

fn load_key(backend: &dyn CryptoBackend, secret: &ObservedSecret) -> Option<PrivateKey> {
    secret
        .content
        .value(PRIVATE_KEY_CONTENT_KEY)
        .and_then(|pem| backend.load_private_key(pem).ok())
}

/// Refuses RSA keys shorter than 2048 bits (the Python library's `PrivateKey.is_valid`).
fn check_key_strength(key: &PrivateKey) -> Result<(), Error> {
    match key.key_type() {
        KeyType::Rsa { bits } if bits < 2048 => Err(Error::WeakPrivateKey { bits }),
        _ => Ok(()),
    }
}

/// `now + (not_after - now) * r`, without overflow or panics.
fn renewal_time(
    now: OffsetDateTime,
    not_after: OffsetDateTime,
    r: RenewalRelativeTime,
) -> OffsetDateTime {
    let remaining = (not_after - now).whole_seconds();
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "seconds of a certificate lifetime fit f64 exactly enough; the cast back saturates"
    )]
    let scaled = (remaining as f64 * r.value()) as i64;
    now.checked_add(Duration::seconds(scaled))
        .unwrap_or(not_after)
}

/// `not_before + (not_after - not_before) * min(0.99, r + 0.05)`.
fn safety_net_time(certificate: &Certificate, r: RenewalRelativeTime) -> OffsetDateTime {
    let lifetime = (certificate.not_after() - certificate.not_before()).whole_seconds();
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "seconds of a certificate lifetime fit f64 exactly enough; the cast back saturates"
    )]
    let scaled = (lifetime as f64 * r.safety_net()) as i64;
    certificate
        .not_before()
        .checked_add(Duration::seconds(scaled))
        .unwrap_or_else(|| certificate.not_after())
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
        Self { config }
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

    fn key_labels(&self, scope: Scope, unit: &UnitName) -> (String, Vec<String>) {
        let endpoint = &self.config.endpoint;
        match scope {
            Scope::Unit => (
                labels::unit_private_key(unit.number(), endpoint),
                labels::legacy_unit_private_keys(unit.number()),
            ),
            Scope::App => (
                labels::app_private_key(endpoint),
                labels::legacy_app_private_keys(endpoint),
            ),
        }
    }

    fn owner(scope: Scope) -> SecretOwner {
        match scope {
            Scope::Unit => SecretOwner::Unit,
            Scope::App => SecretOwner::App,
        }
    }

    /// Step 1: the private key of `scope`, creating, migrating, regenerating or importing it.
    fn ensure_key(
        &self,
        scope: Scope,
        obs: &RequirerObservation,
        trigger: &RequirerTrigger,
        secrets: &mut Secrets<'_>,
        logs: &mut Vec<LogLine>,
        backend: &dyn CryptoBackend,
    ) -> Result<PrivateKey, Error> {
        let (label, legacy) = self.key_labels(scope, &obs.unit);
        let existing = secrets.get(&label);
        if let KeySource::Supplied(key) = &self.config.key {
            if let Some(secret) = existing {
                log(
                    logs,
                    LogLevel::Info,
                    format!(
                        "the charm supplies the private key: removing the library's key secret {label}"
                    ),
                );
                secrets.push(SecretAction::Remove {
                    id: secret.id.clone(),
                    revision: None,
                });
            }
            return match trigger {
                RequirerTrigger::RegenerateKey { .. } | RequirerTrigger::ImportKey { .. } => {
                    Err(Error::KeySuppliedByCharm)
                }
                _ => Ok(key.clone()),
            };
        }
        let KeySource::Generate(algorithm) = &self.config.key else {
            return Err(Error::KeySuppliedByCharm);
        };
        let new_key: Option<PrivateKey> = match trigger {
            RequirerTrigger::RegenerateKey { scope: s } if s.is_none_or(|s| s == scope) => {
                if existing.is_none() {
                    log(
                        logs,
                        LogLevel::Warning,
                        "no private key generated yet: nothing to regenerate",
                    );
                    None
                } else {
                    log(
                        logs,
                        LogLevel::Info,
                        format!("regenerating the {scope} private key"),
                    );
                    Some(
                        backend
                            .generate_key(*algorithm)
                            .map_err(Error::crypto("generating a private key"))?,
                    )
                }
            }
            RequirerTrigger::ImportKey { scope: s, key } if *s == scope => {
                check_key_strength(key)?;
                log(
                    logs,
                    LogLevel::Info,
                    format!("importing the {scope} private key"),
                );
                Some(key.clone())
            }
            _ => None,
        };
        if let Some(key) = new_key {
            let content = key_content(backend, &key)?;
            match existing {
                Some(secret) => secrets.push(SecretAction::Set {
                    id: secret.id.clone(),
                    label,
                    content,
                    expire: None,
                }),
                None => secrets.push(SecretAction::Add {
                    label,
                    owner: Self::owner(scope),
                    content,
                    expire: None,
                }),
            }
            return Ok(key);
        }
        if let Some(secret) = existing {
            if let Some(key) = load_key(backend, secret) {
                return Ok(key);
            }
            log(
                logs,
                LogLevel::Warning,
                format!("the private key secret {label} holds no usable key: generating a new one"),
            );
            let key = backend
                .generate_key(*algorithm)
                .map_err(Error::crypto("generating a private key"))?;
            secrets.push(SecretAction::Set {
                id: secret.id.clone(),
                label,
                content: key_content(backend, &key)?,
                expire: None,
            });
            return Ok(key);
        }
        for old in &legacy {
            if let Some(secret) = secrets.get(old)
                && let Some(key) = load_key(backend, secret)
            {
                {
                    log(
                        logs,
                        LogLevel::Info,
                        format!("migrating the private key from legacy label {old} to {label}"),
                    );
                    secrets.push(SecretAction::Add {
                        label: label.clone(),
                        owner: Self::owner(scope),
                        content: key_content(backend, &key)?,
                        expire: None,
                    });
                    secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                    return Ok(key);
                }
            }
        }
        log(
            logs,
            LogLevel::Info,
            format!("generating the {scope} private key ({algorithm})"),
        );
        let key = backend
            .generate_key(*algorithm)
            .map_err(Error::crypto("generating a private key"))?;
        secrets.push(SecretAction::Add {
            label,
            owner: Self::owner(scope),
            content: key_content(backend, &key)?,
            expire: None,
        });
        Ok(key)
    }

    /// The CSR join keys a trigger asks to renew.
    fn renewal_requests(trigger: &RequirerTrigger, secrets: &Secrets<'_>) -> HashSet<String> {
        let mut out = HashSet::new();
        match trigger {
            RequirerTrigger::SecretExpired { id, label } => {
                let secret = secrets
                    .by_id
                    .get(id.as_str())
                    .copied()
                    .or_else(|| label.as_deref().and_then(|l| secrets.get(l)));
                if let Some(csr) = secret
                    .filter(|s| labels::is_certificate_label(&s.label))
                    .and_then(|s| s.content.value(CSR_CONTENT_KEY))
                {
                    out.insert(pem_join_key(csr));
                }
            }
            RequirerTrigger::Renew { csr } => {
                out.insert(pem_join_key(csr));
            }
            _ => {}
        }
        out
    }

    /// Handles one hook. See the [module docs](self) for the call order.
    ///
    /// # Errors
    /// Only configuration errors ([`Error::KeySuppliedByCharm`]) and crypto backend failures.
    /// Malformed relation data and bad certificates become log lines and events.
    pub fn handle(
        &self,
        obs: &RequirerObservation,
        trigger: &RequirerTrigger,
        now: OffsetDateTime,
        backend: &dyn CryptoBackend,
    ) -> Result<RequirerPlan, Error> {
        let mut plan = RequirerPlan::default();
        let mut secrets = Secrets::new(&obs.secrets);
        match trigger {
            RequirerTrigger::SecretRemoved { id, revision } => {
                secrets.push(SecretAction::Remove {
                    id: id.clone(),
                    revision: Some(*revision),
                });
                plan.secret_actions = secrets.actions;
                return Ok(plan);
            }
            RequirerTrigger::RelationBroken { relation_id } => {
                self.relation_broken(*relation_id, obs, &mut secrets, &mut plan.logs);
                plan.secret_actions = secrets.actions;
                return Ok(plan);
            }
            _ => {}
        }
        if obs.relations.is_empty() {
            log(
                &mut plan.logs,
                LogLevel::Debug,
                format!("no relation on {}: nothing to do", self.config.endpoint),
            );
            return Ok(plan);
        }
        let renew = Self::renewal_requests(trigger, &secrets);
        let r = self.config.renewal;
        for scope in self.active_scopes(obs.is_leader) {
            let key =
                self.ensure_key(scope, obs, trigger, &mut secrets, &mut plan.logs, backend)?;
            let requests = self.config.scope_requests(scope);
            let unit_number = Self::unit_number(scope, &obs.unit);
            // CSR join key -> its entry, over every relation (labels do not carry the relation).
            let mut kept_all: HashSet<String> = HashSet::new();
            for relation in &obs.relations {
                let databag = match scope {
                    Scope::Unit => &relation.local_unit,
                    Scope::App => &relation.local_app,
                };
                let raw = databag.get(v1::RequirerData::KEY);
                let own = raw.map(|raw| wire::decode_csrs(raw));
                // Only the provider's entries for our CSRs are kept (the others are checked
                // and dropped).
                let wanted: HashSet<String> = own
                    .iter()
                    .flat_map(|(entries, _)| entries)
                    .map(|e| pem_join_key(e.certificate_signing_request.as_str()))
                    .collect();
                let provider = ProviderData::decode(relation, &wanted, &mut plan.logs);
                // Step 2: keep our CSRs that still match a request and the key.
                let mut kept: Vec<OwnCsr> = Vec::new();
                let mut requested: HashSet<CertificateRequestAttributes> = HashSet::new();
                if let Some((entries, bad)) = own {
                    for problem in bad {
                        log(
                            &mut plan.logs,
                            LogLevel::Warning,
                            format!(
                                "dropping a malformed entry of our own databag on relation {}: {problem}",
                                relation.id
                            ),
                        );
                    }
                    for entry in entries {
                        let Ok(csr) = backend.parse_csr(entry.certificate_signing_request.as_str())
                        else {
                            log(
                                &mut plan.logs,
                                LogLevel::Warning,
                                format!(
                                    "dropping an unparseable CSR from our databag on relation {}",
                                    relation.id
                                ),
                            );
                            continue;
                        };
                        let attributes = csr.attributes().clone().with_is_ca(entry.is_ca());
                        let join = pem_join_key(entry.certificate_signing_request.as_str());
                        if !requests.contains(&attributes) {
                            log(
                                &mut plan.logs,
                                LogLevel::Info,
                                format!(
                                    "removing a CSR no longer requested (common name {})",
                                    subject_of(&attributes)
                                ),
                            );
                            continue;
                        }
                        if !csr.matches_key(&key) {
                            log(
                                &mut plan.logs,
                                LogLevel::Info,
                                format!(
                                    "removing a CSR made for another private key (common name {})",
                                    subject_of(&attributes)
                                ),
                            );
                            continue;
                        }
                        if requested.contains(&attributes) {
                            log(&mut plan.logs, LogLevel::Info, "removing a duplicate CSR");
                            continue;
                        }
                        if renew.contains(&join) {
                            log(
                                &mut plan.logs,
                                LogLevel::Info,
                                format!("renewing the certificate of {}", subject_of(&attributes)),
                            );
                            continue;
                        }
                        if let Some(certificate) = provider
                            .certificates
                            .get(&join)
                            .filter(|e| e.revoked != Some(true))
                            .and_then(|e| backend.parse_certificate(e.certificate.as_str()).ok())
                            .filter(|c| c.matches_key(&key))
                            && safety_net_time(&certificate, r) <= now
                        {
                            // Also when it has expired (one sent expired is never stored, so no
                            // secret-expired would ever renew it).
                            let state = if now < certificate.not_after() {
                                "is close to expiry"
                            } else {
                                "has expired"
                            };
                            log(
                                &mut plan.logs,
                                LogLevel::Info,
                                format!(
                                    "certificate for {} {state}: renewing (safety net)",
                                    subject_of(&attributes)
                                ),
                            );
                            continue;
                        }
                        requested.insert(attributes);
                        kept.push(OwnCsr { entry, csr, join });
                    }
                }
                // Step 3: send missing CSRs.
                let mut entries: Vec<CertificateSigningRequest> =
                    kept.iter().map(|k| k.entry.clone()).collect();
                for attributes in requests {
                    if requested.contains(attributes) {
                        continue;
                    }
                    let csr = backend
                        .create_csr(&key, attributes)
                        .map_err(Error::crypto("creating a CSR"))?;
                    log(
                        &mut plan.logs,
                        LogLevel::Info,
                        format!(
                            "requesting a certificate for {} on relation {}",
                            subject_of(attributes),
                            relation.id
                        ),
                    );
                    entries.push(CertificateSigningRequest::new(
                        wire::csr_pem(csr.pem().as_str())?,
                        attributes.is_ca(),
                    ));
                }
                let encoded = v1::RequirerData::encode_requests(&entries);
                if encoded.as_deref() != raw.map(String::as_str) {
                    plan.databag_writes.push(DatabagWrite {
                        relation_id: relation.id,
                        scope: scope.databag(),
                        key: v1::RequirerData::KEY.to_owned(),
                        value: encoded,
                    });
                }
                kept_all.extend(
                    entries
                        .iter()
                        .map(|e| pem_join_key(e.certificate_signing_request.as_str())),
                );
                // Step 4: certificates for the CSRs already on the wire.
                for own in &kept {
                    let Some(entry) = provider.certificates.get(&own.join) else {
                        continue;
                    };
                    let sha = backend
                        .sha256_hex(own.entry.certificate_signing_request.as_str().as_bytes())
                        .map_err(Error::crypto("hashing a CSR"))?;
                    let label = labels::certificate(unit_number, &self.config.endpoint, &sha);
                    let existing = secrets
                        .get(&label)
                        .or_else(|| secrets.get(&labels::legacy_certificate(unit_number, &sha)));
                    if entry.revoked == Some(true) {
                        if let Some(secret) = existing {
                            log(
                                &mut plan.logs,
                                LogLevel::Info,
                                format!(
                                    "certificate for {} was revoked: removing it",
                                    subject_of(own.csr.attributes())
                                ),
                            );
                            secrets.push(SecretAction::Remove {
                                id: secret.id.clone(),
                                revision: None,
                            });
                        }
                        continue;
                    }
                    let Checked { assigned, ca_first } =
                        match verify(relation.id, scope, own, entry, &key, backend) {
                            Ok(checked) => checked,
                            Err(reason) => {
                                log(
                                    &mut plan.logs,
                                    LogLevel::Warning,
                                    format!(
                                        "rejecting the certificate for {} on relation {}: {reason}",
                                        subject_of(own.csr.attributes()),
                                        relation.id
                                    ),
                                );
                                plan.events.push(RequirerEvent::CertificateRejected {
                                    relation_id: relation.id,
                                    scope,
                                    csr: own.entry.certificate_signing_request.as_str().to_owned(),
                                    reason,
                                });
                                continue;
                            }
                        };
                    // (An expired one never gets here: step 2 asked for a new one.)
                    if let Timeliness::NotYetValid(from) = timeliness(&assigned.certificate, now) {
                        log(
                            &mut plan.logs,
                            LogLevel::Warning,
                            format!(
                                "the certificate for {} on relation {} is not valid before {from}: keeping the one we have",
                                subject_of(own.csr.attributes()),
                                relation.id
                            ),
                        );
                        plan.next_deadline = Some(plan.next_deadline.map_or(from, |d| d.min(from)));
                        continue;
                    }
                    let safety = safety_net_time(&assigned.certificate, r);
                    if safety > now {
                        plan.next_deadline =
                            Some(plan.next_deadline.map_or(safety, |d| d.min(safety)));
                    }
                    if existing.and_then(|s| s.content.value(CERTIFICATE_CONTENT_KEY))
                        == Some(entry.certificate.as_str())
                    {
                        continue;
                    }
                    let content = SecretContent::new()
                        .with(CERTIFICATE_CONTENT_KEY, entry.certificate.as_str())
                        .with(
                            CSR_CONTENT_KEY,
                            own.entry.certificate_signing_request.as_str(),
                        );
                    let expire = Some(renewal_time(now, assigned.certificate.not_after(), r));
                    match existing {
                        Some(secret) => secrets.push(SecretAction::Set {
                            id: secret.id.clone(),
                            label: secret.label.clone(),
                            content,
                            expire,
                        }),
                        None => secrets.push(SecretAction::Add {
                            label,
                            owner: Self::owner(scope),
                            content,
                            expire,
                        }),
                    }
                    log(
                        &mut plan.logs,
                        LogLevel::Info,
                        format!(
                            "certificate available for {} on relation {}",
                            subject_of(own.csr.attributes()),
                            relation.id
                        ),
                    );
                    if ca_first {
                        log(
                            &mut plan.logs,
                            LogLevel::Info,
                            format!(
                                "the provider on relation {} sent the chain CA first (as v3-era providers do): it is handed out leaf first",
                                relation.id
                            ),
                        );
                    }
                    plan.events
                        .push(RequirerEvent::CertificateAvailable(Box::new(assigned)));
                }
                // Step 5: denials, one per CSR of ours however many the provider wrote.
                let ours: HashSet<String> = entries
                    .iter()
                    .map(|e| pem_join_key(e.certificate_signing_request.as_str()))
                    .collect();
                for (_, error) in provider.errors_for(&ours) {
                    plan.events.push(RequirerEvent::CertificateDenied {
                        relation_id: relation.id,
                        scope,
                        csr: error.csr.as_str().to_owned(),
                        error: error.error.clone(),
                    });
                }
            }
            // Step 6: certificate secrets of this scope whose CSR we no longer send.
            for secret in &obs.secrets {
                if self.certificate_secret_scope(&secret.label, &obs.unit) != Some(scope) {
                    continue;
                }
                let current = secret.content.value(CSR_CONTENT_KEY).map(pem_join_key);
                if current.is_none_or(|c| !kept_all.contains(&c)) {
                    secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
            }
        }
        plan.secret_actions = secrets.actions;
        Ok(plan)
    }

    /// Which scope a certificate secret label belongs to (current or legacy labels), if ours.
    fn certificate_secret_scope(&self, label: &str, unit: &UnitName) -> Option<Scope> {
        let prefix = format!("{}-certificate-", labels::LIBID);
        let rest = label.strip_prefix(&prefix)?;
        let is_sha = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let endpoint = &self.config.endpoint;
        let unit_prefix = format!("{}-", unit.number());
        if let Some(tail) = rest.strip_prefix(&unit_prefix)
            && (is_sha(tail)
                || tail
                    .strip_prefix(endpoint.as_str())
                    .and_then(|t| t.strip_prefix('-'))
                    .is_some_and(is_sha))
        {
            {
                return Some(Scope::Unit);
            }
        }
        if is_sha(rest)
            || rest
                .strip_prefix(endpoint.as_str())
                .and_then(|t| t.strip_prefix('-'))
                .is_some_and(is_sha)
        {
            return Some(Scope::App);
        }
        None
    }

    fn relation_broken(
        &self,
        broken: RelationId,
        obs: &RequirerObservation,
        secrets: &mut Secrets<'_>,
        logs: &mut Vec<LogLine>,
    ) {
        if obs.relations.iter().any(|r| r.id != broken) {
            log(
                logs,
                LogLevel::Debug,
                "another relation remains on the endpoint: keeping secrets",
            );
            return;
        }
        for scope in self.active_scopes(obs.is_leader) {
            let (label, legacy) = self.key_labels(scope, &obs.unit);
            for l in std::iter::once(&label).chain(legacy.iter()) {
                if let Some(secret) = secrets.get(l) {
                    secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
            }
            for secret in &obs.secrets {
                if self.certificate_secret_scope(&secret.label, &obs.unit) == Some(scope) {
                    secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
            }
            log(
                logs,
                LogLevel::Info,
                format!(
                    "relation {broken} broken: removed the {scope} key and certificate secrets"
                ),
            );
        }
    }

    /// A read-only view for queries at `now` (certificates outside their validity are not
    /// handed out).
    pub fn view<'a>(
        &'a self,
        obs: &'a RequirerObservation,
        now: OffsetDateTime,
        backend: &'a dyn CryptoBackend,
    ) -> RequirerView<'a> {
        RequirerView {
            requirer: self,
            obs,
            now,
            backend,
        }
    }
}

/// What a provider's app databag says about the library it runs; it matters to requests in
/// the requirer's **app** databag, which providers on the v3 library never read (they read unit
/// databags only), so such a request waits forever.
///
/// A heuristic, from the wire alone (Juju tells nothing about a peer's library):
///
/// * [`ProviderHint::V3Library`]: a `certificates` entry carries
///   `recommended_expiry_notification_time`, which only the v3 library writes (even as
///   `null`). Conclusive, but only once the provider answered *something*: a unit-scope request
///   (app-and-unit mode) or one left from unit mode. A hostile provider can fake it; it only
///   changes what the status says.
/// * [`ProviderHint::NothingPublished`]: the provider wrote none of the interface's keys. A v3
///   provider asked only through the app databag stays here forever, but so does a v4 provider
///   that has not run a hook yet: the two cannot be told apart.
/// * [`ProviderHint::Answering`]: the provider publishes entries without v3 fields (v4,
///   charmlibs 1.x, or ours).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum ProviderHint {
    /// The provider runs the v3 library: it never answers app-databag requests.
    V3Library,
    /// The provider has published nothing yet.
    NothingPublished,
    /// The provider publishes, with no sign of the v3 library.
    Answering,
}

/// The [`ProviderHint`] of one relation.
pub fn provider_hint(relation: &RequirerRelation) -> ProviderHint {
    let bag = &relation.remote_app;
    let certificates = bag.get(v1::ProviderData::CERTIFICATES_KEY);
    // A JSON member name: PEM text cannot contain the quotes, so a match is a member (or a
    // string made to look like one, which a provider can write anyway).
    if certificates.is_some_and(|raw| raw.contains("\"recommended_expiry_notification_time\"")) {
        ProviderHint::V3Library
    } else if v1::ProviderData::KEYS
        .iter()
        .any(|key| bag.contains_key(*key))
    {
        ProviderHint::Answering
    } else {
        ProviderHint::NothingPublished
    }
}

/// The capabilities a provider advertises in its app databag on this relation, if any.
pub fn capabilities_of(relation: &RequirerRelation) -> Option<ProviderCapabilities> {
    relation
        .remote_app
        .get(v1::ProviderData::CAPABILITIES_KEY)
        .and_then(|raw| wire::decode_capabilities(raw).ok())
}

/// How far in the future a certificate's `not_before` may be and still count as valid: the
/// provider's clock and ours differ, and Python providers do not back-date `not_before`.
pub const NOT_BEFORE_SKEW: Duration = Duration::minutes(5);

/// A provider's certificate that passed [`verify`].
struct Checked {
    assigned: AssignedCertificate,
    /// The chain arrived CA first (v3-era providers); `assigned.chain` is leaf first.
    ca_first: bool,
}

/// Whether a certificate can be used now.
enum Timeliness {
    Valid,
    /// Not before this instant (beyond [`NOT_BEFORE_SKEW`]).
    NotYetValid(OffsetDateTime),
    Expired,
}

fn timeliness(certificate: &Certificate, now: OffsetDateTime) -> Timeliness {
    if certificate.not_after() < now {
        Timeliness::Expired
    } else if certificate.not_before() > now + NOT_BEFORE_SKEW {
        Timeliness::NotYetValid(certificate.not_before() - NOT_BEFORE_SKEW)
    } else {
        Timeliness::Valid
    }
}

/// At most this many characters of a peer's text in a log line or reason.
const SHOWN_CHARS: usize = 64;

/// `text` for a log line: quoted and escaped, cut after [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    let mut cut: String = text.chars().take(SHOWN_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// Verifies a provider entry against our CSR and key: the certificate is for our key, with the
/// CA flag we asked for, names exactly what we asked for ([`check_names`]); the `ca` is a CA;
/// the chain (either order) starts at the certificate, links, and leads to `ca`. Validity is
/// left to the caller ([`timeliness`]).
fn verify(
    relation_id: RelationId,
    scope: Scope,
    own: &OwnCsr,
    entry: &v1::ProviderCertificate,
    key: &PrivateKey,
    backend: &dyn CryptoBackend,
) -> Result<Checked, String> {
    let certificate = backend
        .parse_certificate(entry.certificate.as_str())
        .map_err(|e| format!("certificate: {e}"))?;
    if !certificate.matches_key(key) {
        return Err("the certificate does not match our private key".to_owned());
    }
    if certificate.is_ca() != own.entry.is_ca() {
        return Err(format!(
            "the certificate's CA flag is {} but {} was requested",
            certificate.is_ca(),
            own.entry.is_ca()
        ));
    }
    check_names(&certificate, &own.csr)?;
    let ca = backend
        .parse_certificate(entry.ca.as_str())
        .map_err(|e| format!("CA certificate: {e}"))?;
    if !ca.is_certificate_authority() {
        return Err(
            "the CA certificate is not a certificate authority (basicConstraints CA:true and keyCertSign)"
                .to_owned(),
        );
    }
    let (chain, ca_first) = match &entry.chain {
        Some(chain) if !chain.is_empty() => {
            let parsed = chain
                .iter()
                .map(|pem| backend.parse_certificate(pem.as_str()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("chain: {e}"))?;
            let (chain, ca_first) = leaf_first(parsed, &certificate)?;
            check_chain(&chain, &ca, backend)?;
            (chain, ca_first)
        }
        // No chain: the CA must have issued the certificate itself.
        _ => {
            backend
                .verify_issued_by(&certificate, &ca)
                .map_err(|e| format!("the certificate is not issued by the given CA: {e}"))?;
            (Vec::new(), false)
        }
    };
    Ok(Checked {
        assigned: AssignedCertificate {
            relation_id,
            scope,
            certificate,
            csr: own.csr.clone(),
            is_ca: own.entry.is_ca(),
            ca,
            chain,
        },
        ca_first,
    })
}

/// The chain leaf first: as sent when it starts with `certificate`, reversed (and `true`) when
/// it ends with it, as v3-era providers wrote `[ca, ..., leaf]`.
fn leaf_first(
    mut chain: Vec<Certificate>,
    certificate: &Certificate,
) -> Result<(Vec<Certificate>, bool), String> {
    let is_leaf = |c: Option<&Certificate>| c.is_some_and(|c| c.der() == certificate.der());
    if is_leaf(chain.first()) {
        Ok((chain, false))
    } else if is_leaf(chain.last()) {
        chain.reverse();
        Ok((chain, true))
    } else {
        Err("chain: the certificate is neither its first nor its last element".to_owned())
    }
}

/// Checks a leaf-first chain: each certificate is issued by the next, which must be a CA, and
/// the chain leads to `ca` (it contains `ca` or a cross-signed copy of it after the leaf, or its
/// last certificate is issued by `ca`).
fn check_chain(
    chain: &[Certificate],
    ca: &Certificate,
    backend: &dyn CryptoBackend,
) -> Result<(), String> {
    backend
        .check_chain_order(chain)
        .map_err(|e| format!("chain: {e}"))?;
    if let Some(index) = chain
        .iter()
        .skip(1)
        .position(|c| !c.is_certificate_authority())
    {
        return Err(format!(
            "chain: certificate {} signs another but is not a certificate authority",
            index + 1
        ));
    }
    // `ca` itself, or a copy of it signed by another CA (a cross-signed CA: same subject, same
    // key), as chains that lead to an older root carry.
    let contains_ca = chain.iter().skip(1).any(|c| {
        c.der() == ca.der() || (c.subject() == ca.subject() && c.public_key() == ca.public_key())
    });
    let issued_by_ca = chain
        .last()
        .is_some_and(|last| backend.verify_issued_by(last, ca).is_ok());
    if contains_ca || issued_by_ca {
        Ok(())
    } else {
        Err("chain: it does not lead to the given CA".to_owned())
    }
}

/// Checks that a certificate names what our CSR asked for.
///
/// * Subject: every attribute of the certificate's subject is one we asked for, with the value
///   we asked for. One we asked for may be missing: providers such as Vault or ACME CAs keep
///   only some (TLS clients check the SANs).
/// * SANs: every DNS name, IP address and registered ID we asked for is there, and nothing else
///   but our subject email (as an rfc822 name) and our common name as a DNS name, which many
///   CAs add.
fn check_names(certificate: &Certificate, csr: &Csr) -> Result<(), String> {
    for attribute in certificate.subject().attributes() {
        match csr.subject().value(&attribute.oid) {
            Some(requested) if requested == attribute.value => {}
            Some(requested) => {
                return Err(format!(
                    "the certificate's subject has {} {} where we asked for {}",
                    attribute.oid,
                    shown(&attribute.value),
                    shown(requested)
                ));
            }
            None => {
                return Err(format!(
                    "the certificate's subject has {} {}, which we did not ask for",
                    attribute.oid,
                    shown(&attribute.value)
                ));
            }
        }
    }
    let asked = csr.attributes();
    let common_name = asked.common_name().map(str::to_ascii_lowercase);
    if let Some(dns) = certificate
        .sans_dns()
        .iter()
        .find(|d| !asked.sans_dns().contains(*d) && common_name.as_ref() != Some(*d))
    {
        return Err(format!(
            "the certificate names DNS {}, which we did not ask for",
            shown(dns)
        ));
    }
    if let Some(ip) = certificate
        .sans_ip()
        .iter()
        .find(|ip| !asked.sans_ip().contains(*ip))
    {
        return Err(format!(
            "the certificate names IP {ip}, which we did not ask for"
        ));
    }
    if let Some(oid) = certificate
        .sans_oid()
        .iter()
        .find(|o| !asked.sans_oid().contains(*o))
    {
        return Err(format!(
            "the certificate names registered ID {oid}, which we did not ask for"
        ));
    }
    if let Some(email) = certificate
        .sans_email()
        .iter()
        .find(|e| asked.email_address() != Some(e.as_str()))
    {
        return Err(format!(
            "the certificate names email {}, which we did not ask for",
            shown(email)
        ));
    }
    if let Some(kind) = certificate.sans_other().first() {
        return Err(format!(
            "the certificate names a {kind} SAN, which we did not ask for"
        ));
    }
    let missing = asked
        .sans_dns()
        .iter()
        .find(|d| !certificate.sans_dns().contains(*d))
        .map(|d| format!("DNS {}", shown(d)))
        .or_else(|| {
            asked
                .sans_ip()
                .iter()
                .find(|ip| !certificate.sans_ip().contains(*ip))
                .map(|ip| format!("IP {ip}"))
        })
        .or_else(|| {
            asked
                .sans_oid()
                .iter()
                .find(|o| !certificate.sans_oid().contains(*o))
                .map(|o| format!("registered ID {o}"))
        });
    match missing {
        Some(name) => Err(format!(
            "the certificate does not name {name}, which we asked for"
        )),
        None => Ok(()),
    }
}

/// The provider's app databag, decoded once per relation.
struct ProviderData {
    /// The certificate entries for the CSRs we asked about, by join key (the last of several).
    certificates: HashMap<String, v1::ProviderCertificate>,
    errors: Vec<v1::RequestError>,
}

/// Logs one line for the malformed entries of a provider's `what` on `relation`.
fn log_malformed(logs: &mut Vec<LogLine>, what: &str, relation: RelationId, bad: &[String]) {
    if let Some(first) = bad.first() {
        log(
            logs,
            LogLevel::Warning,
            format!(
                "ignoring {} malformed {what} from the provider on relation {relation} (first: {first})",
                bad.len()
            ),
        );
    }
}

impl ProviderData {
    /// Decodes the provider's databag on `relation`, keeping the certificate entries whose
    /// CSR's join key is in `wanted` (every entry is still decoded, and the malformed ones
    /// counted in one log line).
    fn decode(
        relation: &RequirerRelation,
        wanted: &HashSet<String>,
        logs: &mut Vec<LogLine>,
    ) -> Self {
        let mut certificates = HashMap::new();
        if let Some(raw) = relation.remote_app.get(v1::ProviderData::CERTIFICATES_KEY) {
            let (entries, bad) = wire::decode_certificates(raw);
            log_malformed(logs, "certificate entries", relation.id, &bad);
            if !wanted.is_empty() {
                for entry in entries {
                    let join = pem_join_key(entry.certificate_signing_request.as_str());
                    if wanted.contains(&join) {
                        certificates.insert(join, entry);
                    }
                }
            }
        }
        let mut errors = Vec::new();
        if let Some(raw) = relation
            .remote_app
            .get(v1::ProviderData::REQUEST_ERRORS_KEY)
        {
            let (entries, bad) = wire::decode_request_errors(raw);
            log_malformed(logs, "request errors", relation.id, &bad);
            errors = entries;
        }
        Self {
            certificates,
            errors,
        }
    }

    /// The provider's error for each of `ours` that it refused (the last of several), in the
    /// order the provider wrote them.
    fn errors_for(&self, ours: &HashSet<String>) -> Vec<(String, &v1::RequestError)> {
        let mut last: HashMap<String, usize> = HashMap::new();
        for (i, error) in self.errors.iter().enumerate() {
            let join = pem_join_key(error.csr.as_str());
            if ours.contains(&join) {
                last.insert(join, i);
            }
        }
        let mut picked: Vec<(usize, String)> = last.into_iter().map(|(j, i)| (i, j)).collect();
        picked.sort_unstable();
        picked
            .into_iter()
            .filter_map(|(i, join)| self.errors.get(i).map(|e| (join, e)))
            .collect()
    }
}

/// A provider's refusal of one of our requests.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RequestError {
    /// The relation.
    pub relation_id: RelationId,
    /// The CSR (PEM as sent).
    pub csr: String,
    /// The error.
    pub error: ProviderError,
}

/// One of our requests as it is on the wire.
#[derive(Clone, Debug)]
pub struct OwnRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// The scope.
    pub scope: Scope,
    /// The CSR.
    pub csr: Csr,
    /// Whether it asks for a CA.
    pub is_ca: bool,
}

/// Read-only queries over one observation. Nothing here writes or logs.
#[derive(Debug)]
pub struct RequirerView<'a> {
    requirer: &'a Requirer,
    obs: &'a RequirerObservation,
    now: OffsetDateTime,
    backend: &'a dyn CryptoBackend,
}

impl RequirerView<'_> {
    /// The private key of `scope` (`None` if not generated yet, or the App scope on a non-leader).
    pub fn private_key(&self, scope: Scope) -> Option<PrivateKey> {
        if scope == Scope::App && !self.obs.is_leader {
            return None;
        }
        if let KeySource::Supplied(key) = &self.requirer.config.key {
            return Some(key.clone());
        }
        let (label, legacy) = self.requirer.key_labels(scope, &self.obs.unit);
        std::iter::once(&label)
            .chain(legacy.iter())
            .filter_map(|l| self.obs.secrets.iter().find(|s| &s.label == l))
            .find_map(|s| load_key(self.backend, s))
    }

    /// The Juju secret id of the library's key for `scope`.
    pub fn private_key_secret_id(&self, scope: Scope) -> Option<&str> {
        if matches!(self.requirer.config.key, KeySource::Supplied(_)) {
            return None;
        }
        let (label, _) = self.requirer.key_labels(scope, &self.obs.unit);
        self.obs
            .secrets
            .iter()
            .find(|s| s.label == label)
            .map(|s| s.id.as_str())
    }

    /// Our CSRs on the wire, for every active scope.
    pub fn own_requests(&self) -> Vec<OwnRequest> {
        let mut out = Vec::new();
        for scope in self.requirer.active_scopes(self.obs.is_leader) {
            for relation in &self.obs.relations {
                let databag = match scope {
                    Scope::Unit => &relation.local_unit,
                    Scope::App => &relation.local_app,
                };
                let Some(raw) = databag.get(v1::RequirerData::KEY) else {
                    continue;
                };
                for entry in wire::decode_csrs(raw).0 {
                    if let Ok(csr) = self
                        .backend
                        .parse_csr(entry.certificate_signing_request.as_str())
                    {
                        out.push(OwnRequest {
                            relation_id: relation.id,
                            scope,
                            csr,
                            is_ca: entry.is_ca(),
                        });
                    }
                }
            }
        }
        out
    }

    /// Certificates assigned to our current CSRs in `scope` that pass every check the
    /// requirer makes before storing one: not revoked, for our key, naming what we asked for,
    /// linked to a CA (chain handed out leaf first), and valid now.
    pub fn assigned_certificates(&self, scope: Scope) -> Vec<AssignedCertificate> {
        let Some(key) = self.private_key(scope) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for own in self.own_requests().into_iter().filter(|o| o.scope == scope) {
            let Some(relation) = self.obs.relations.iter().find(|r| r.id == own.relation_id) else {
                continue;
            };
            // A CSR PEM from the crypto crate always has the shape the schema checks.
            let Ok(pem) = PemCsr::new(own.csr.pem().as_str()) else {
                continue;
            };
            let own_csr = OwnCsr {
                join: pem_join_key(pem.as_str()),
                entry: CertificateSigningRequest::new(pem, own.is_ca),
                csr: own.csr,
            };
            let mut ignored = Vec::new();
            let wanted = HashSet::from([own_csr.join.clone()]);
            let provider = ProviderData::decode(relation, &wanted, &mut ignored);
            if let Some(entry) = provider
                .certificates
                .get(&own_csr.join)
                .filter(|e| e.revoked != Some(true))
                && let Ok(checked) = verify(relation.id, scope, &own_csr, entry, &key, self.backend)
                && matches!(
                    timeliness(&checked.assigned.certificate, self.now),
                    Timeliness::Valid
                )
            {
                out.push(checked.assigned);
            }
        }
        out
    }

    /// The assigned certificate for these attributes, in any active scope.
    pub fn assigned_certificate(
        &self,
        attributes: &CertificateRequestAttributes,
    ) -> Option<AssignedCertificate> {
        self.requirer
            .active_scopes(self.obs.is_leader)
            .into_iter()
            .flat_map(|s| self.assigned_certificates(s))
            .find(|a| &a.attributes() == attributes)
    }

    /// Every certificate entry the provider published, including revoked ones and other
    /// requirers' (malformed entries skipped).
    pub fn provider_certificates(&self) -> Vec<ProviderCertificate> {
        let mut out = Vec::new();
        for relation in &self.obs.relations {
            let Some(raw) = relation.remote_app.get(v1::ProviderData::CERTIFICATES_KEY) else {
                continue;
            };
            for e in wire::decode_certificates(raw).0 {
                out.push(ProviderCertificate {
                    relation_id: relation.id,
                    certificate: e.certificate.into_string(),
                    csr: e.certificate_signing_request.into_string(),
                    ca: e.ca.into_string(),
                    chain: e
                        .chain
                        .into_iter()
                        .flatten()
                        .map(tls_certificates_schema::PemCertificate::into_string)
                        .collect(),
                    revoked: e.revoked == Some(true),
                });
            }
        }
        out
    }

    /// The provider's errors for our CSRs: one per CSR (the last, if the provider wrote
    /// several).
    pub fn request_errors(&self) -> Vec<RequestError> {
        let ours: HashSet<String> = self
            .own_requests()
            .iter()
            .map(|o| pem_join_key(o.csr.pem().as_str()))
            .collect();
        let mut out = Vec::new();
        for relation in &self.obs.relations {
            let mut ignored = Vec::new();
            let provider = ProviderData::decode(relation, &HashSet::new(), &mut ignored);
            for (_, e) in provider.errors_for(&ours) {
                out.push(RequestError {
                    relation_id: relation.id,
                    csr: e.csr.as_str().to_owned(),
                    error: e.error.clone(),
                });
            }
        }
        out
    }

    /// What each relation's provider databag says about the library the provider runs (see
    /// [`ProviderHint`]).
    pub fn provider_hints(&self) -> Vec<(RelationId, ProviderHint)> {
        self.obs
            .relations
            .iter()
            .map(|r| (r.id, provider_hint(r)))
            .collect()
    }

    /// What the provider advertises; `None` when it has not published capabilities (yet).
    pub fn provider_capabilities(&self) -> Option<ProviderCapabilities> {
        self.obs
            .relations
            .iter()
            .find_map(|r| r.remote_app.get(v1::ProviderData::CAPABILITIES_KEY))
            .and_then(|raw| wire::decode_capabilities(raw).ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden databags written by the real v3 library (see the README there).
    const V3: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-v3"
    );
    const PYTHON: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference"
    );

    fn databag(path: &str) -> Databag {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn relation(path: &str) -> RequirerRelation {
        RequirerRelation {
            remote_app: databag(path),
            ..RequirerRelation::default()
        }
    }

    #[test]
    fn v3_chains_written_ca_first_are_put_leaf_first_and_pass_every_check_but_the_key() {
        let backend = tls_certificates_crypto::ring::backend();
        for libpatch in ["17", "27"] {
            for (file, expect_ca_first) in [
                (format!("provider-app-ca-first.v3.{libpatch}.json"), true),
                (format!("provider-app.v3.{libpatch}.json"), false),
            ] {
                let bag = databag(&format!("{V3}/{file}"));
                let (entries, bad) = wire::decode_certificates(&bag["certificates"]);
                assert!(bad.is_empty(), "{file}: {bad:?}");
                assert_eq!(entries.len(), 2, "{file}");
                for entry in entries {
                    let parse = |pem: &str| backend.parse_certificate(pem).unwrap();
                    let certificate = parse(entry.certificate.as_str());
                    let ca = parse(entry.ca.as_str());
                    assert!(ca.is_certificate_authority(), "{file}");
                    let chain: Vec<Certificate> = entry
                        .chain
                        .iter()
                        .flatten()
                        .map(|pem| parse(pem.as_str()))
                        .collect();
                    let (chain, ca_first) = leaf_first(chain, &certificate).unwrap();
                    assert_eq!(ca_first, expect_ca_first, "{file}");
                    assert_eq!(chain[0].der(), certificate.der(), "{file}");
                    check_chain(&chain, &ca, backend).unwrap();
                    let csr = backend
                        .parse_csr(entry.certificate_signing_request.as_str())
                        .unwrap();
                    check_names(&certificate, &csr).unwrap();
                }
                assert_eq!(
                    provider_hint(&relation(&format!("{V3}/{file}"))),
                    ProviderHint::V3Library,
                    "{file}"
                );
            }
        }
    }

    #[test]
    fn only_v3_providers_are_told_apart_and_silence_is_not_taken_for_v3() {
        for file in [
            "provider_databag.json",
            "provider_databag_error.json",
            "provider_databag_capabilities_only.json",
        ] {
            assert_eq!(
                provider_hint(&relation(&format!("{PYTHON}/{file}"))),
                ProviderHint::Answering,
                "{file}"
            );
        }
        assert_eq!(
            provider_hint(&RequirerRelation::default()),
            ProviderHint::NothingPublished
        );
        // Revoked v3 entries still carry the v3 field.
        assert_eq!(
            provider_hint(&relation(&format!("{V3}/provider-app-revoked.v3.17.json"))),
            ProviderHint::V3Library
        );
    }

    #[test]
    fn peer_text_in_reasons_is_quoted_and_cut() {
        assert_eq!(shown("a\nb"), "\"a\\nb\"");
        let long = shown(&"x".repeat(10_000));
        assert!(long.chars().count() <= SHOWN_CHARS + 3, "{long}");
        assert!(long.ends_with("…\""));
    }
}
