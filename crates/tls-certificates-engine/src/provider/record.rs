//! Recording the charm's answers: certificates, errors, revocations (leader only; in memory
//! until [`Provider::plan`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tls_certificates_crypto::{Certificate, CryptoBackend};

use tls_certificates_schema::PemCertificate;
use tls_certificates_schema::v1::{self, RequestError};

use super::state::Issued;
use super::{NewCertificate, Provider};
use crate::Error;
use crate::common::{JoinKey, log};
use crate::wire::{self, ProviderError};
use juju_types::{LogLevel, RelationId};

impl Provider<'_> {
    fn require_leader(&self, operation: &'static str) -> Result<(), Error> {
        if self.is_leader {
            Ok(())
        } else {
            Err(Error::NotLeader { operation })
        }
    }

    /// Publishes a certificate for a CSR, replacing any entry (and removing any error) for the
    /// same CSR. Warns when the chain does not start with the certificate or is out of order.
    ///
    /// # Errors
    /// [`Error::NotLeader`], [`Error::UnknownRelation`], [`Error::EmptyChain`],
    /// [`Error::MalformedPem`].
    pub fn set_relation_certificate(&mut self, new: NewCertificate) -> Result<(), Error> {
        self.require_leader("set a relation certificate")?;
        if new.chain.is_empty() {
            return Err(Error::EmptyChain);
        }
        let Some(state) = self.relations.get_mut(&new.relation_id) else {
            return Err(Error::UnknownRelation {
                relation_id: new.relation_id.clone(),
            });
        };
        if new.chain.first().map(|c| c.der()) != Some(new.certificate.der()) {
            log(
                &mut self.logs,
                LogLevel::Warning,
                "the first certificate of the chain is not the certificate being published",
            );
        }
        if let Err(e) = self.backend.check_chain_order(&new.chain) {
            log(
                &mut self.logs,
                LogLevel::Warning,
                format!("the certificate chain is not in order: {e}"),
            );
        }
        let csr_pem = wire::csr_pem(&new.csr_pem)?;
        let pem = |text: &str| {
            PemCertificate::new(text).map_err(|e| Error::MalformedPem {
                reason: e.to_string(),
            })
        };
        let entry = v1::ProviderCertificate {
            ca: pem(new.ca.pem().as_str())?,
            certificate: pem(new.certificate.pem().as_str())?,
            chain: Some(
                new.chain
                    .iter()
                    .map(|c| pem(c.pem().as_str()))
                    .collect::<Result<_, _>>()?,
            ),
            certificate_signing_request: csr_pem,
            revoked: None,
        };
        let join = state.shared_join(JoinKey::new(
            entry.certificate_signing_request.as_str(),
            &self.hasher,
        ));
        state.remove_certificate(&join);
        state.remove_error(&join);
        state.push_certificate(Issued {
            entry,
            join,
            spki: Some(new.certificate.public_key().spki_der().to_vec()),
            public_key: OnceLock::from(Some(new.certificate.public_key().clone())),
        });
        Ok(())
    }

    /// Publishes an error for a CSR, replacing any previous error and removing its certificate.
    ///
    /// # Errors
    /// [`Error::NotLeader`], [`Error::UnknownRelation`], [`Error::MalformedPem`].
    pub fn set_relation_error(
        &mut self,
        relation_id: RelationId,
        csr_pem: &str,
        error: ProviderError,
    ) -> Result<(), Error> {
        self.require_leader("set a relation error")?;
        // Checked before anything changes.
        let Some(state) = self.relations.get_mut(&relation_id) else {
            return Err(Error::UnknownRelation {
                relation_id: relation_id.clone(),
            });
        };
        let csr = wire::csr_pem(csr_pem)?;
        let join = state.shared_join(JoinKey::new(csr.as_str(), &self.hasher));
        state.remove_certificate(&join);
        state.remove_error(&join);
        state.push_error(join, RequestError { csr, error });
        Ok(())
    }

    /// Marks every published certificate of every relation revoked (e.g. after a CA change).
    ///
    /// # Errors
    /// [`Error::NotLeader`].
    pub fn revoke_all_certificates(&mut self) -> Result<(), Error> {
        self.require_leader("revoke certificates")?;
        self.revoke_where(|_| true);
        Ok(())
    }

    /// Marks revoked the published, not yet revoked certificates that `condemned` picks, makes
    /// the requests of their relations outstanding again and answers those the policy now
    /// refuses; returns how many were revoked.
    fn revoke_where(
        &mut self,
        mut condemned: impl FnMut(&v1::ProviderCertificate) -> bool,
    ) -> usize {
        let live = |issued: &Issued| issued.entry.revoked != Some(true);
        let mut revoked = 0;
        let mut touched = Vec::new();
        for (id, state) in &mut self.relations {
            let any = state
                .certificates
                .iter()
                .flatten()
                .any(|issued| live(issued) && condemned(&issued.entry));
            if !any {
                continue;
            }
            state.certificates_will_change();
            for issued in state.certificates.iter_mut().flatten() {
                if live(issued) && condemned(&issued.entry) {
                    issued.entry.revoked = Some(true);
                    revoked += 1;
                }
            }
            for request in &mut state.requests {
                request.answered = OnceLock::new();
            }
            touched.push(id.clone());
        }
        self.answer_uncovered_refusals(&touched);
        revoked
    }

    /// How many published, non-revoked certificates name a CA that is none of `cas` (compared
    /// by DER; a CA text that does not parse counts as another CA). Reads only what is
    /// published: nothing changes.
    pub fn certificates_not_issued_by(&self, cas: &[&Certificate]) -> usize {
        let mut known = CaMatcher::new(self.backend, cas);
        self.relations
            .values()
            .flat_map(|state| state.certificates.iter().flatten())
            .filter(|issued| issued.entry.revoked != Some(true))
            .filter(|issued| !known.is_one_of(issued.entry.ca.as_str()))
            .count()
    }

    /// Marks revoked every published certificate that names a CA which is none of `cas`, so
    /// that its request is outstanding again: a CA that was lost (an operator removed its
    /// secret) or replaced in a hook that could not see this relation leaves certificates no
    /// CA the charm holds will ever renew. Returns how many were revoked.
    ///
    /// # Errors
    /// [`Error::NotLeader`].
    pub fn revoke_certificates_not_issued_by(
        &mut self,
        cas: &[&Certificate],
    ) -> Result<usize, Error> {
        self.require_leader("revoke certificates")?;
        let mut known = CaMatcher::new(self.backend, cas);
        let revoked = self.revoke_where(|entry| !known.is_one_of(entry.ca.as_str()));
        if revoked > 0 {
            log(
                &mut self.logs,
                LogLevel::Info,
                format!("revoked {revoked} certificate(s) of a CA the charm no longer holds"),
            );
        }
        Ok(revoked)
    }
}

/// Decides whether a published CA text is one of the given CAs, parsing each distinct text
/// once (every entry of a relation usually names the same CA).
struct CaMatcher<'a> {
    backend: &'a dyn CryptoBackend,
    cas: &'a [&'a Certificate],
    seen: BTreeMap<String, bool>,
}

impl<'a> CaMatcher<'a> {
    fn new(backend: &'a dyn CryptoBackend, cas: &'a [&'a Certificate]) -> Self {
        Self {
            backend,
            cas,
            seen: BTreeMap::new(),
        }
    }

    fn is_one_of(&mut self, text: &str) -> bool {
        let text = text.trim();
        if self.cas.iter().any(|ca| ca.pem().as_str().trim() == text) {
            return true;
        }
        if let Some(known) = self.seen.get(text) {
            return *known;
        }
        let known = self
            .backend
            .parse_certificate(text)
            .is_ok_and(|parsed| self.cas.iter().any(|ca| ca.der() == parsed.der()));
        self.seen.insert(text.to_owned(), known);
        known
    }
}
