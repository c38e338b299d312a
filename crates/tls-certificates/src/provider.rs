//! The provider adapter: the Rust `TLSCertificatesProvidesV4`.

use juju_hook_tools::{HookTools, Member};
use tls_certificates_engine::provider::{self as engine, ProviderObservation, ProviderRelation};
pub use tls_certificates_engine::provider::{
    CaRequests, CertificateLimit, CertificateRequest, InvalidRequest, NewCertificate,
    ProviderConfig, RequestSource,
};
pub use tls_certificates_engine::{
    ErrorCode, ProviderCapabilities, ProviderError, PublishedCertificate, PublishedRequestError,
    RelationId,
};

use crate::apply;
use crate::crypto::Certificate;
use crate::{Error, Hook};

/// The provider side of the `tls-certificates` interface for one endpoint, for one hook.
///
/// [`Provider::new`] reads every relation once (remote unit and app databags, our app databag
/// on the leader) and runs the every-hook housekeeping (unsolicited certificates, invalid CSRs,
/// capabilities). The charm then answers the outstanding requests
/// ([`answer_outstanding`](Self::answer_outstanding)) and queries; nothing is written until
/// [`commit`](Provider::commit), which sends one `relation-set` per changed databag.
///
/// ```
/// use tls_certificates::crypto::{CertificateAuthority, IssueProfile, Validity};
/// use tls_certificates::provider::{Provider, ProviderConfig};
/// use tls_certificates::{Error, Hook};
///
/// fn run(hook: &Hook<'_>, ca: &CertificateAuthority<'_>) -> Result<(), Error> {
///     let mut provider = Provider::new(ProviderConfig::new("certificates")?, hook)?;
///     let validity = Validity::starting_at(hook.now(), time::Duration::days(90));
///     provider.answer_outstanding(None, |request| {
///         let certificate = ca.issue(&request.csr, &IssueProfile::leaf(validity))?;
///         request.issue(certificate, ca.certificate());
///         Ok::<_, Error>(())
///     })?;
///     provider.commit()
/// }
/// ```
pub struct Provider<'a> {
    engine: engine::Provider<'a>,
    tools: &'a dyn HookTools,
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
    /// The provider of `config`'s endpoint for this hook: observes the endpoint and reconciles
    /// (leader only; a non-leader only reads), with the policy and capabilities of `config`
    /// (see the engine's `provider` module for what a requirer can cost a hook).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn new(config: ProviderConfig, hook: &Hook<'a>) -> Result<Self, Error> {
        let (ctx, tools, backend) = (hook.context(), hook.tools(), hook.backend());
        let endpoint = config.endpoint();
        let is_leader = tools
            .is_leader()
            .map_err(Error::tool("checking leadership"))?;
        let mut observed = Vec::new();
        for id in tools
            .relation_ids(endpoint)
            .map_err(Error::tool("listing relations"))?
        {
            let mut relation = ProviderRelation::new(id.clone());
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
        }
        let observation = ProviderObservation {
            is_leader,
            relations: observed,
        };
        let mut engine = engine::Provider::view(&observation, &config, backend);
        engine.reconcile();
        Ok(Self {
            engine,
            tools,
            committed: false,
        })
    }

    /// Every verified request, optionally of one relation.
    pub fn certificate_requests(&self, relation: Option<&RelationId>) -> Vec<&CertificateRequest> {
        self.engine.certificate_requests(relation)
    }

    /// Requests without a non-revoked certificate for their public key.
    pub fn outstanding_certificate_requests(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<&CertificateRequest> {
        self.engine.outstanding_certificate_requests(relation)
    }

    /// CSRs refused because they do not parse, break the subject policy or their signature
    /// does not verify.
    pub fn invalid_requests(&self, relation: Option<&RelationId>) -> Vec<InvalidRequest> {
        self.engine.invalid_requests(relation)
    }

    /// Requests waiting because their relation reached the certificate limit.
    pub fn requests_over_limit(&self, relation: Option<&RelationId>) -> usize {
        self.engine.requests_over_limit(relation)
    }

    /// Non-revoked published certificates.
    pub fn issued_certificates(&self, relation: Option<&RelationId>) -> Vec<PublishedCertificate> {
        self.engine.issued_certificates(relation)
    }

    /// Every published certificate.
    pub fn provider_certificates(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<PublishedCertificate> {
        self.engine.provider_certificates(relation)
    }

    /// Published certificates whose CSR is gone (empty after the housekeeping of [`Provider::new`]).
    pub fn unsolicited_certificates(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<PublishedCertificate> {
        self.engine.unsolicited_certificates(relation)
    }

    /// Published request errors.
    pub fn request_errors(&self, relation: Option<&RelationId>) -> Vec<PublishedRequestError> {
        self.engine.request_errors(relation)
    }

    /// Answers each outstanding request (of `relation`, or of every relation): `answer` is
    /// called once per request and answers through it ([`Outstanding::issue`],
    /// [`Outstanding::refuse`]) or leaves it for a later hook. The answers are published (the
    /// library builds each chain) once every request was seen. Returns how many were answered.
    ///
    /// # Errors
    /// The first error of `answer` (nothing is published then: the hook should fail); not the
    /// leader.
    pub fn answer_outstanding<E, F>(
        &mut self,
        relation: Option<&RelationId>,
        mut answer: F,
    ) -> Result<usize, E>
    where
        E: From<Error>,
        F: FnMut(&mut Outstanding<'_>) -> Result<(), E>,
    {
        let mut answers = Vec::new();
        for request in self.engine.outstanding_certificate_requests(relation) {
            let mut outstanding = Outstanding {
                request,
                answer: None,
            };
            answer(&mut outstanding)?;
            if let Some(a) = outstanding.answer {
                answers.push((request.relation_id.clone(), request.csr_pem.clone(), a));
            }
        }
        let answered = answers.len();
        for (relation_id, csr_pem, a) in answers {
            let published = match a {
                Answer::Certificate(issued) => {
                    let Issued {
                        certificate,
                        ca,
                        chain,
                    } = *issued;
                    self.engine.set_relation_certificate(NewCertificate {
                        relation_id,
                        csr_pem,
                        certificate,
                        ca,
                        chain,
                    })
                }
                Answer::Refused(error) => {
                    self.engine.set_relation_error(relation_id, &csr_pem, error)
                }
            };
            published.map_err(|e| E::from(Error::from(e)))?;
        }
        Ok(answered)
    }

    /// Publishes a certificate (see the engine's `set_relation_certificate`); prefer
    /// [`answer_outstanding`](Self::answer_outstanding).
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
        apply::databag_writes(self.tools, &plan.databag_writes)?;
        apply::logs(self.tools, &plan.logs);
        Ok(())
    }
}

/// An outstanding request, handed to the function of [`Provider::answer_outstanding`]: read
/// it (it dereferences to the [`CertificateRequest`]) and answer through it.
#[derive(Debug)]
pub struct Outstanding<'r> {
    request: &'r CertificateRequest,
    answer: Option<Answer>,
}

#[derive(Debug)]
enum Answer {
    /// Boxed: two certificates are much larger than an error.
    Certificate(Box<Issued>),
    Refused(ProviderError),
}

#[derive(Debug)]
struct Issued {
    certificate: Certificate,
    ca: Certificate,
    chain: Vec<Certificate>,
}

impl Outstanding<'_> {
    /// Answers with `certificate`, issued by `ca`; the chain is `[certificate, ca]`.
    pub fn issue(&mut self, certificate: Certificate, ca: &Certificate) {
        let chain = vec![certificate.clone(), ca.clone()];
        self.issue_with_chain(certificate, ca, chain);
    }

    /// Answers with `certificate`, issued by `ca`, with an explicit chain (leaf first, e.g.
    /// through an intermediate CA).
    pub fn issue_with_chain(
        &mut self,
        certificate: Certificate,
        ca: &Certificate,
        chain: Vec<Certificate>,
    ) {
        self.answer = Some(Answer::Certificate(Box::new(Issued {
            certificate,
            ca: ca.clone(),
            chain,
        })));
    }

    /// Answers with a request error.
    pub fn refuse(&mut self, error: ProviderError) {
        self.answer = Some(Answer::Refused(error));
    }
}

impl core::ops::Deref for Outstanding<'_> {
    type Target = CertificateRequest;

    fn deref(&self) -> &CertificateRequest {
        self.request
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
