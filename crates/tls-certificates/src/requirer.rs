//! The requirer adapter: the Rust `TLSCertificatesRequiresV4`.

use std::cell::RefCell;
use std::collections::BTreeMap;

use juju_hook_tools::{
    Context, Event, HookTools, LogLevel, LogLine, Member, NewSecret, ReadMode, SecretLookup,
    SecretOwner, SecretRef, SecretUpdate,
};
use time::OffsetDateTime;
use tls_certificates_crypto::{
    CertificateRequestAttributes, CryptoBackend, PrivateKey, PrivateKeyPem,
};
use tls_certificates_engine::requirer::{
    self as engine, RequirerObservation, RequirerPlan, RequirerRelation, RequirerTrigger,
};
pub use tls_certificates_engine::requirer::{
    AssignedCertificate, KeySource, OwnRequest, ProviderHint, RenewalRelativeTime, Requests,
    RequirerConfig, RequirerEvent, Scope,
};
pub use tls_certificates_engine::{
    ErrorCode, ProviderCapabilities, ProviderError, PublishedCertificate, PublishedRequestError,
    RelationId,
};
use tls_certificates_engine::{LIBID, ObservedSecret, SecretAction, SecretId};

use crate::apply;
use crate::{Error, Hook};

/// What a requirer hook produced for the charm.
#[derive(Debug, Default)]
#[must_use = "the events tell the charm that certificates are available or denied"]
pub struct RequirerOutcome {
    /// Events to react to (write the certificate to disk, set status, ...).
    pub events: Vec<RequirerEvent>,
    /// When a reconcile would next change something by itself (the renewal safety net).
    pub next_deadline: Option<OffsetDateTime>,
}

/// The requirer side of the `tls-certificates` interface for one endpoint, for one hook.
///
/// Build it at the start of a hook from its config and the [`Hook`], then call
/// [`handle_event`](Self::handle_event) (or [`sync`](Self::sync)) and react to the returned
/// events. Queries
/// ([`assigned_certificate`](Self::assigned_certificate), ...) read the current relation data
/// and secrets through the hook tools each time.
///
/// ```
/// use tls_certificates::crypto::CertificateRequestAttributes;
/// use tls_certificates::requirer::{Requests, Requirer, RequirerConfig};
/// use tls_certificates::{Error, Hook};
///
/// fn run(hook: &Hook<'_>) -> Result<(), Error> {
///     let attributes = CertificateRequestAttributes::builder().common_name("db.example.com").build()?;
///     let config = RequirerConfig::new("certificates", Requests::Unit(vec![attributes.clone()]))?;
///     let requirer = Requirer::new(config, hook);
///     let outcome = requirer.handle_event()?;
///     for event in outcome.events {
///         println!("{event:?}");
///     }
///     if let Some(assigned) = requirer.assigned_certificate(&attributes)? {
///         println!("serving {}", assigned.certificate.pem().as_str());
///     }
///     Ok(())
/// }
/// ```
pub struct Requirer<'a> {
    engine: engine::Requirer,
    ctx: &'a Context,
    tools: &'a dyn HookTools,
    backend: &'a dyn CryptoBackend,
    now: OffsetDateTime,
    /// What queries read: kept from a reconcile that changed nothing, dropped whenever a plan
    /// writes.
    cache: RefCell<Option<RequirerObservation>>,
}

impl core::fmt::Debug for Requirer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Requirer")
            .field("endpoint", &self.engine.config().endpoint())
            .field("unit", &self.ctx.unit().as_str())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> Requirer<'a> {
    /// The requirer of `config`'s endpoint for this hook.
    pub fn new(config: RequirerConfig, hook: &Hook<'a>) -> Self {
        Self {
            engine: engine::Requirer::new(config),
            ctx: hook.context(),
            tools: hook.tools(),
            backend: hook.backend(),
            now: hook.now(),
            cache: RefCell::new(None),
        }
    }

    fn endpoint(&self) -> &str {
        self.engine.config().endpoint()
    }

    /// Handles the hook's event: relation-created/-changed of this endpoint, refresh events
    /// (config-changed, upgrade-charm, leader-elected, update-status) reconcile; secret-expired
    /// renews; secret-remove prunes the revision; relation-broken cleans up. Other events do
    /// nothing.
    ///
    /// # Errors
    /// A failing hook tool ([`Error::HookTool`]): exit non-zero so Juju retries the hook.
    pub fn handle_event(&self) -> Result<RequirerOutcome, Error> {
        let ours = |rel: &RelationId| rel.endpoint() == self.endpoint();
        let trigger = match self.ctx.event() {
            Event::RelationCreated(r) | Event::RelationChanged(r) if ours(&r.relation) => {
                RequirerTrigger::Reconcile
            }
            Event::RelationBroken(r) if ours(&r.relation) => RequirerTrigger::RelationBroken {
                relation_id: r.relation.clone(),
            },
            Event::SecretExpired(s) => {
                if !s.label.as_deref().is_none_or(|l| l.starts_with(LIBID)) {
                    return Ok(RequirerOutcome::default());
                }
                RequirerTrigger::SecretExpired {
                    id: s.id.clone(),
                    label: s.label.clone(),
                }
            }
            Event::SecretRemove(s) => RequirerTrigger::SecretRemoved {
                id: s.id.clone(),
                revision: s.revision,
            },
            Event::ConfigChanged
            | Event::UpgradeCharm
            | Event::LeaderElected
            | Event::UpdateStatus => RequirerTrigger::Reconcile,
            _ => return Ok(RequirerOutcome::default()),
        };
        self.run(&trigger)
    }

    /// Reconciles now (the Python library's `sync()`).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn sync(&self) -> Result<RequirerOutcome, Error> {
        self.run(&RequirerTrigger::Reconcile)
    }

    /// Renews the certificate issued for `csr_pem` (new CSR with the same key).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn renew_certificate(&self, csr_pem: &str) -> Result<RequirerOutcome, Error> {
        self.run(&RequirerTrigger::Renew {
            csr: csr_pem.to_owned(),
        })
    }

    /// Replaces the library-generated key of `scope` (every scope when `None`) and re-requests.
    ///
    /// # Errors
    /// [`tls_certificates_engine::Error::KeySuppliedByCharm`] when the charm supplies the key;
    /// a failing hook tool.
    pub fn regenerate_private_key(&self, scope: Option<Scope>) -> Result<RequirerOutcome, Error> {
        self.run(&RequirerTrigger::RegenerateKey { scope })
    }

    /// Stores `key` as the library key of `scope` and re-requests.
    ///
    /// # Errors
    /// As [`regenerate_private_key`](Self::regenerate_private_key).
    pub fn import_private_key(
        &self,
        scope: Scope,
        key: PrivateKey,
    ) -> Result<RequirerOutcome, Error> {
        self.run(&RequirerTrigger::ImportKey { scope, key })
    }

    fn run(&self, trigger: &RequirerTrigger) -> Result<RequirerOutcome, Error> {
        self.cache.replace(None);
        let observation = self.observe()?;
        let plan: RequirerPlan = self
            .engine
            .plan(&observation, trigger, self.now, self.backend)?;
        apply::databag_writes(self.tools, &plan.databag_writes)?;
        for action in &plan.secret_actions {
            self.apply_secret(action)?;
        }
        apply::logs(self.tools, &plan.logs);
        if plan.is_quiescent() {
            // Nothing changed: queries can answer from what was just read.
            self.cache.replace(Some(observation));
        }
        Ok(RequirerOutcome {
            events: plan.events,
            next_deadline: plan.next_deadline,
        })
    }

    fn apply_secret(&self, action: &SecretAction) -> Result<(), Error> {
        match action {
            SecretAction::Add {
                label,
                owner,
                content,
                expire,
            } => {
                let secret = NewSecret {
                    content: content.clone(),
                    label: Some(label.clone()),
                    expire: *expire,
                    owner: *owner,
                    ..NewSecret::default()
                };
                self.tools
                    .secret_add(&secret)
                    .map_err(Error::tool("adding a secret"))?;
            }
            SecretAction::Set {
                id,
                content,
                expire,
                ..
            } => {
                let update = SecretUpdate {
                    content: Some(content.clone()),
                    expire: *expire,
                    ..SecretUpdate::default()
                };
                self.tools
                    .secret_set(id, &update)
                    .map_err(Error::tool("updating a secret"))?;
            }
            SecretAction::Remove { id, revision } => {
                match self.tools.secret_remove(id, *revision) {
                    Ok(()) => {}
                    // secret-remove may be dispatched twice (juju/juju#19036): already gone is fine.
                    Err(e) if e.is_not_found() => {
                        apply::logs(
                            self.tools,
                            &[LogLine::new(
                                LogLevel::Warning,
                                format!("secret {id} (revision {revision:?}) is already gone"),
                            )],
                        );
                    }
                    Err(e) => return Err(Error::tool("removing a secret")(e)),
                }
            }
        }
        Ok(())
    }

    /// Reads what the engine needs (a broken relation is not listed by `relation-ids`).
    fn observe(&self) -> Result<RequirerObservation, Error> {
        let unit = self.ctx.unit().clone();
        let secrets = self.observe_secrets()?;
        // Leadership only matters to the app scope: in steady state a unit-mode requirer
        // does not ask (every tool call is a process) and observes as a non-leader. It asks
        // where an app scope a switch from `app` mode left can first be seen (the mode changes
        // in `config-changed`; a new leader runs `leader-elected`; a new charm version
        // `upgrade-charm`) and whenever an app-owned secret of ours is listed (only the leader
        // sees those): the engine then withdraws that scope's requests and certificates.
        let app_scope = !matches!(self.engine.config().requests(), Requests::Unit(_))
            || matches!(
                self.ctx.event(),
                Event::ConfigChanged | Event::LeaderElected | Event::UpgradeCharm
            )
            || secrets.iter().any(|s| s.owner == SecretOwner::Application);
        let is_leader = app_scope
            && self
                .tools
                .is_leader()
                .map_err(Error::tool("checking leadership"))?;
        let mut observed = Vec::new();
        let ids = self
            .tools
            .relation_ids(self.endpoint())
            .map_err(Error::tool("listing relations"))?;
        for id in ids {
            // A relation that is gone can be neither read nor written: leave it out.
            let Some(local_unit) =
                apply::unless_gone(self.tools.relation_get(&id, Member::Unit(self.ctx.unit())))
                    .map_err(Error::tool("reading our unit databag"))?
            else {
                continue;
            };
            // The engine reads our app databag only for app-scope requests (leader only).
            let local_app = if is_leader {
                let Some(bag) =
                    apply::unless_gone(self.tools.relation_get(&id, Member::App(self.ctx.app())))
                        .map_err(Error::tool("reading our app databag"))?
                else {
                    continue;
                };
                bag
            } else {
                BTreeMap::new()
            };
            let remote_app = match self
                .tools
                .relation_remote_app(&id)
                .map_err(Error::tool("finding the provider application"))?
            {
                Some(app) => apply::tolerant_get(self.tools, &id, Member::App(&app))?,
                None => BTreeMap::new(),
            };
            observed.push(RequirerRelation {
                id,
                local_unit,
                local_app,
                remote_app,
            });
        }
        Ok(RequirerObservation {
            unit,
            is_leader,
            relations: observed,
            secrets,
        })
    }

    fn observe_secrets(&self) -> Result<Vec<ObservedSecret>, Error> {
        let mut out = Vec::new();
        for id in self
            .tools
            .secret_ids()
            .map_err(Error::tool("listing our secrets"))?
        {
            let info = match self.tools.secret_info_get(SecretLookup::Id(&id)) {
                Ok(info) => info,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(Error::tool("reading secret metadata")(e)),
            };
            let Some(label) = info.label.filter(|l| l.starts_with(LIBID)) else {
                continue;
            };
            let content = match self.tools.secret_get(SecretRef::Id(&id), ReadMode::Refresh) {
                Ok(c) => c,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(Error::tool("reading a secret")(e)),
            };
            out.push(ObservedSecret {
                id,
                label,
                owner: info.owner,
                content,
                expires: info.expiry,
            });
        }
        Ok(out)
    }

    /// Runs a query on the observation, read once and cached until a plan is applied.
    fn with_view<T>(&self, f: impl FnOnce(&engine::RequirerView<'_>) -> T) -> Result<T, Error> {
        let mut cache = self.cache.borrow_mut();
        let observation = match cache.take() {
            Some(observation) => observation,
            None => self.observe()?,
        };
        let result = f(&self.engine.view(&observation, self.now, self.backend));
        *cache = Some(observation);
        Ok(result)
    }

    /// The private key of `scope` (`None` before it exists, or for App on a non-leader).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn private_key(&self, scope: Scope) -> Result<Option<PrivateKey>, Error> {
        self.with_view(|v| v.private_key(scope))
    }

    /// The private key of `scope` as PEM, to write where a server reads it (`None` as for
    /// [`private_key`](Self::private_key)). The PEM is zeroized when dropped.
    ///
    /// # Errors
    /// A failing hook tool; the backend cannot export the key.
    pub fn private_key_pem(&self, scope: Scope) -> Result<Option<PrivateKeyPem>, Error> {
        self.private_key(scope)?
            .map(|key| self.backend.export_private_key(&key))
            .transpose()
            .map_err(Error::crypto("exporting the private key"))
    }

    /// The Juju secret id of the library-generated key of `scope`.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn private_key_secret_id(&self, scope: Scope) -> Result<Option<SecretId>, Error> {
        self.with_view(|v| v.private_key_secret_id(scope).cloned())
    }

    /// The verified, non-revoked certificate for `attributes`, if the provider issued it.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn assigned_certificate(
        &self,
        attributes: &CertificateRequestAttributes,
    ) -> Result<Option<AssignedCertificate>, Error> {
        self.with_view(|v| v.assigned_certificate(attributes))
    }

    /// Every verified, non-revoked certificate of `scope`.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn assigned_certificates(&self, scope: Scope) -> Result<Vec<AssignedCertificate>, Error> {
        self.with_view(|v| v.assigned_certificates(scope))
    }

    /// Our CSRs as they are on the wire.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn own_requests(&self) -> Result<Vec<OwnRequest>, Error> {
        self.with_view(|v| v.own_requests())
    }

    /// Every certificate the provider published (revoked included).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn provider_certificates(&self) -> Result<Vec<PublishedCertificate>, Error> {
        self.with_view(|v| v.provider_certificates())
    }

    /// The provider's errors for our CSRs.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn request_errors(&self) -> Result<Vec<PublishedRequestError>, Error> {
        self.with_view(|v| v.request_errors())
    }

    /// What each relation's provider databag says about the library it runs (whether app-scope
    /// requests can ever be answered): see [`ProviderHint`].
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn provider_hints(&self) -> Result<Vec<(RelationId, ProviderHint)>, Error> {
        self.with_view(|v| v.provider_hints())
    }

    /// What the provider advertises, `None` when it publishes nothing.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn provider_capabilities(&self) -> Result<Option<ProviderCapabilities>, Error> {
        self.with_view(|v| v.provider_capabilities())
    }
}

/// What the provider on `endpoint` advertises, read before building a [`RequirerConfig`].
///
/// This is how a charm makes its requests depend on the provider (the Python library's
/// callable `certificate_requests`): read the capabilities, build the requests, then create
/// the [`Requirer`]. `None` when no provider advertises capabilities (yet).
///
/// # Errors
/// A failing hook tool.
pub fn provider_capabilities(
    endpoint: &str,
    tools: &dyn HookTools,
) -> Result<Option<ProviderCapabilities>, Error> {
    for id in tools
        .relation_ids(endpoint)
        .map_err(Error::tool("listing relations"))?
    {
        let Some(app) = tools
            .relation_remote_app(&id)
            .map_err(Error::tool("finding the provider application"))?
        else {
            continue;
        };
        let bag = apply::tolerant_get(tools, &id, Member::App(&app))?;
        let relation = RequirerRelation {
            remote_app: bag,
            ..RequirerRelation::new(id)
        };
        if let Some(capabilities) = engine::capabilities_of(&relation) {
            return Ok(Some(capabilities));
        }
    }
    Ok(None)
}
