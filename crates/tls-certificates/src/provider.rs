//! The provider adapter: the Rust `TLSCertificatesProvidesV4`.

use juju_hook_tools::{Context, HookTools, Member};
use tls_certificates_crypto::{Certificate, CryptoBackend};
use tls_certificates_engine::provider::{
    self as engine, CertificateRequest, InvalidRequest, NewCertificate, ProviderObservation,
    ProviderRelation, ProviderRequestError,
};
pub use tls_certificates_engine::provider::{CaRequests, CertificateLimit, ProviderConfig};
use tls_certificates_engine::{ProviderCertificate, ProviderError, RelationId};

use crate::Error;
use crate::apply::{self, Relations};

/// The provider side of the `tls-certificates` interface for one endpoint, for one hook.
///
/// [`Provider::observe`] reads every relation once (remote unit and app databags, our app
/// databag on the leader) and runs the every-hook housekeeping (unsolicited certificates,
/// invalid CSRs, capabilities). The charm then queries and publishes; nothing is written until
/// [`commit`](Provider::commit), which sends one `relation-set` per changed databag.
///
/// ```no_run
/// use juju_hook_tools::{Context, ProcessHookTools};
/// use tls_certificates::provider::{Provider, ProviderConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tools = ProcessHookTools::new();
/// let ctx = Context::from_env()?;
/// let backend = tls_certificates::crypto::ring::backend();
/// let config = ProviderConfig::new();
/// let mut provider = Provider::observe("certificates", &config, &ctx, &tools, backend)?;
/// for request in provider.outstanding_certificate_requests(None) {
///     println!("to sign: {:?}", request.csr.attributes().common_name());
/// }
/// provider.commit()?;
/// # Ok(()) }
/// ```
pub struct Provider<'a> {
    engine: engine::Provider<'a>,
    tools: &'a dyn HookTools,
    relations: Relations,
    committed: bool,
}

impl core::fmt::Debug for Provider<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Provider")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl<'a> Provider<'a> {
    /// Observes the endpoint and reconciles (leader only; a non-leader only reads), with the
    /// policy and capabilities of `config` (see the engine's `provider` module for what a
    /// requirer can cost a hook).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn observe(
        endpoint: &str,
        config: &ProviderConfig,
        ctx: &'a Context,
        tools: &'a dyn HookTools,
        backend: &'a dyn CryptoBackend,
    ) -> Result<Self, Error> {
        let is_leader = tools
            .is_leader()
            .map_err(Error::tool("checking leadership"))?;
        let mut relations = Relations::default();
        let mut observed = Vec::new();
        for id in tools
            .relation_ids(endpoint)
            .map_err(Error::tool("listing relations"))?
        {
            let mut relation = ProviderRelation {
                id: RelationId(id.number()),
                ..ProviderRelation::default()
            };
            // A relation that is gone has nothing to serve: leave it out.
            let Some(units) = apply::unless_gone(tools.relation_list(&id))
                .map_err(Error::tool("listing requirer units"))?
            else {
                continue;
            };
            for unit in units {
                let bag = apply::tolerant_get(tools, &id, Member::Unit(&unit))?;
                relation.remote_units.insert(unit.as_str().to_owned(), bag);
            }
            if let Some(app) = tools
                .relation_remote_app(&id)
                .map_err(Error::tool("finding the requirer application"))?
            {
                relation.remote_app = apply::tolerant_get(tools, &id, Member::App(&app))?;
            }
            if is_leader {
                let Some(local_app) =
                    apply::unless_gone(tools.relation_get(&id, Member::App(ctx.app())))
                        .map_err(Error::tool("reading our app databag"))?
                else {
                    continue;
                };
                relation.local_app = local_app;
            }
            observed.push(relation);
            relations.insert(id);
        }
        let observation = ProviderObservation {
            is_leader,
            relations: observed,
        };
        let mut engine = engine::Provider::observe(&observation, config, backend);
        engine.reconcile();
        Ok(Self {
            engine,
            tools,
            relations,
            committed: false,
        })
    }

    /// Every verified request, optionally of one relation.
    pub fn certificate_requests(&self, relation: Option<RelationId>) -> Vec<&CertificateRequest> {
        self.engine.certificate_requests(relation)
    }

    /// Requests without a non-revoked certificate for their public key.
    pub fn outstanding_certificate_requests(
        &self,
        relation: Option<RelationId>,
    ) -> Vec<&CertificateRequest> {
        self.engine.outstanding_certificate_requests(relation)
    }

    /// CSRs refused because they do not parse, break the subject policy or their signature
    /// does not verify.
    pub fn invalid_requests(&self, relation: Option<RelationId>) -> Vec<InvalidRequest> {
        self.engine.invalid_requests(relation)
    }

    /// Requests waiting because their relation reached the certificate limit.
    pub fn requests_over_limit(&self, relation: Option<RelationId>) -> usize {
        self.engine.requests_over_limit(relation)
    }

    /// Non-revoked published certificates.
    pub fn issued_certificates(&self, relation: Option<RelationId>) -> Vec<ProviderCertificate> {
        self.engine.issued_certificates(relation)
    }

    /// Every published certificate.
    pub fn provider_certificates(&self, relation: Option<RelationId>) -> Vec<ProviderCertificate> {
        self.engine.provider_certificates(relation)
    }

    /// Published certificates whose CSR is gone (empty after the housekeeping of `observe`).
    pub fn unsolicited_certificates(
        &self,
        relation: Option<RelationId>,
    ) -> Vec<ProviderCertificate> {
        self.engine.unsolicited_certificates(relation)
    }

    /// Published request errors.
    pub fn request_errors(&self, relation: Option<RelationId>) -> Vec<ProviderRequestError> {
        self.engine.request_errors(relation)
    }

    /// Publishes a certificate (see the engine's `set_relation_certificate`).
    ///
    /// # Errors
    /// Not the leader, unknown relation, empty chain.
    pub fn set_relation_certificate(&mut self, certificate: NewCertificate) -> Result<(), Error> {
        Ok(self.engine.set_relation_certificate(certificate)?)
    }

    /// Publishes an error for a CSR.
    ///
    /// # Errors
    /// Not the leader, unknown relation.
    pub fn set_relation_error(
        &mut self,
        relation: RelationId,
        csr_pem: &str,
        error: ProviderError,
    ) -> Result<(), Error> {
        Ok(self.engine.set_relation_error(relation, csr_pem, error)?)
    }

    /// Marks every published certificate revoked.
    ///
    /// # Errors
    /// Not the leader.
    pub fn revoke_all_certificates(&mut self) -> Result<(), Error> {
        Ok(self.engine.revoke_all_certificates()?)
    }

    /// How many published, non-revoked certificates name a CA that is none of `cas`.
    pub fn certificates_not_issued_by(&self, cas: &[&Certificate]) -> usize {
        self.engine.certificates_not_issued_by(cas)
    }

    /// Marks revoked every published certificate naming a CA that is none of `cas` (a lost
    /// or replaced CA), so its request is outstanding again; returns how many.
    ///
    /// # Errors
    /// Not the leader.
    pub fn revoke_certificates_not_issued_by(
        &mut self,
        cas: &[&Certificate],
    ) -> Result<usize, Error> {
        Ok(self.engine.revoke_certificates_not_issued_by(cas)?)
    }

    /// Writes the changes (one `relation-set` per changed databag) and the log lines.
    ///
    /// # Errors
    /// A failing hook tool: exit non-zero so Juju discards the hook's writes and retries.
    pub fn commit(mut self) -> Result<(), Error> {
        self.committed = true;
        let plan = self.engine.plan();
        apply::databag_writes(self.tools, &self.relations, &plan.databag_writes)?;
        apply::logs(self.tools, &plan.logs);
        Ok(())
    }
}

impl Drop for Provider<'_> {
    fn drop(&mut self) {
        if !self.committed && !self.engine.plan().databag_writes.is_empty() {
            apply::logs(self.tools, &[tls_certificates_engine::LogLine {
                level: tls_certificates_engine::LogLevel::Error,
                message: "tls-certificates provider dropped without commit(): its changes were not written".to_owned(),
            }]);
        }
    }
}
