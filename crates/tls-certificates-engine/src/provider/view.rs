//! Queries: the requests to answer, and what is published.

use super::config::{CaRequests, ProviderConfig};
use super::state::{Issued, RelationState, Request, Triage};
use super::{CertificateRequest, InvalidRequest, Provider};
use crate::common::{PublishedCertificate, PublishedRequestError};
use crate::parallel;
use juju_types::RelationId;

/// Pending signature checks (~30 µs each for RSA-2048) from which they are spread over the
/// cores.
const PARALLEL_VERIFICATIONS: usize = 8;

impl Provider<'_> {
    /// The configuration this provider was observed with.
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// Where each unanswered request of `state` stands (see [`Triage`]). Signatures are checked
    /// in databag order, in batches as large as the room left under the limit (on several
    /// cores when a batch is large), and only until the limit is reached; results are kept, so
    /// asking again after a change costs no new verification.
    pub(super) fn triage(&self, state: &RelationState) -> Triage {
        let backend = self.backend;
        let mut triage = Triage::default();
        let mut answered = 0usize;
        let mut candidates = Vec::new();
        for (index, request) in state.requests.iter().enumerate() {
            if state.is_issued(request, backend) {
                answered += 1;
            } else if request.is_ca && self.config.ca_requests == CaRequests::Refuse {
                triage.refused_ca.push(index);
            } else {
                candidates.push(index);
            }
        }
        let mut room = self
            .config
            .certificate_limit
            .value()
            .map_or(usize::MAX, |limit| limit.saturating_sub(answered));
        let mut next = 0;
        while room > 0 && next < candidates.len() {
            let end = next.saturating_add(room).min(candidates.len());
            let batch: Vec<&Request> = candidates[next..end]
                .iter()
                .filter_map(|i| state.requests.get(*i))
                .collect();
            let pending: Vec<&&Request> = batch
                .iter()
                .filter(|r| r.verified.get().is_none())
                .collect();
            parallel::map(
                &pending,
                pending.len() >= PARALLEL_VERIFICATIONS,
                |request| {
                    request.verified(backend);
                },
            );
            for (index, request) in candidates[next..end].iter().zip(batch) {
                if request.verified(backend).is_ok() {
                    triage.outstanding.push(*index);
                    room -= 1;
                } else {
                    triage.invalid.push(*index);
                }
            }
            next = end;
        }
        triage.over_limit = candidates.len() - next;
        triage
    }

    fn selected<'s>(
        &'s self,
        relation: Option<&RelationId>,
    ) -> impl Iterator<Item = (&'s RelationId, &'s RelationState)> {
        let relation = relation.cloned();
        self.relations
            .iter()
            .filter(move |(id, _)| relation.as_ref().is_none_or(|r| r == *id))
    }

    /// Every request with a valid CSR (remote unit and app databags, up to the entry cap),
    /// optionally of one relation, the answered and those over the limit included. This parses
    /// and verifies every CSR read; prefer
    /// [`outstanding_certificate_requests`](Self::outstanding_certificate_requests), which
    /// verifies only what the limit leaves room for.
    pub fn certificate_requests(&self, relation: Option<&RelationId>) -> Vec<&CertificateRequest> {
        let backend = self.backend;
        let pending: Vec<&Request> = self
            .selected(relation)
            .flat_map(|(_, s)| s.requests.iter())
            .filter(|r| r.verified.get().is_none())
            .collect();
        parallel::map(
            &pending,
            pending.len() >= PARALLEL_VERIFICATIONS,
            |request| {
                request.verified(backend);
            },
        );
        self.selected(relation)
            .flat_map(|(_, s)| s.requests.iter())
            .filter_map(|r| r.verified(backend).as_ref().ok())
            .collect()
    }

    /// Requests without a non-revoked certificate whose public key matches the CSR's, with a
    /// valid CSR, within the relation's certificate limit (in databag order), and not refused
    /// by the CA policy.
    pub fn outstanding_certificate_requests(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<&CertificateRequest> {
        let backend = self.backend;
        self.selected(relation)
            .flat_map(|(_, s)| {
                let triage = self.triage(s);
                triage
                    .outstanding
                    .into_iter()
                    .filter_map(|i| s.requests.get(i))
                    .filter_map(|r| r.verified(backend).as_ref().ok())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Unanswered requests that wait because their relation reached the certificate limit
    /// (their CSRs are not verified).
    pub fn requests_over_limit(&self, relation: Option<&RelationId>) -> usize {
        self.selected(relation)
            .map(|(_, s)| self.triage(s).over_limit)
            .sum()
    }

    /// Unanswered CSRs refused because they do not parse, break the subject policy or their
    /// signature does not verify (among those the limit left room to check).
    pub fn invalid_requests(&self, relation: Option<&RelationId>) -> Vec<InvalidRequest> {
        let backend = self.backend;
        self.selected(relation)
            .flat_map(|(_, s)| {
                self.triage(s)
                    .invalid
                    .into_iter()
                    .filter_map(|i| s.requests.get(i))
                    .filter_map(|r| match r.verified(backend) {
                        Ok(_) => None,
                        Err(reason) => Some(InvalidRequest {
                            relation_id: r.relation_id.clone(),
                            csr_pem: r.csr_pem.as_str().to_owned(),
                            reason: reason.clone(),
                        }),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn entries(
        &self,
        relation: Option<&RelationId>,
        filter: impl Fn(&RelationState, &Issued) -> bool,
    ) -> Vec<PublishedCertificate> {
        let mut out = Vec::new();
        for (id, state) in &self.relations {
            if relation.is_some_and(|r| r != id) {
                continue;
            }
            for issued in state.certificates.iter().flatten() {
                if filter(state, issued) {
                    let e = &issued.entry;
                    out.push(PublishedCertificate {
                        relation_id: id.clone(),
                        certificate: e.certificate.as_str().to_owned(),
                        csr: e.certificate_signing_request.as_str().to_owned(),
                        ca: e.ca.as_str().to_owned(),
                        chain: e
                            .chain
                            .iter()
                            .flatten()
                            .map(|c| c.as_str().to_owned())
                            .collect(),
                        revoked: e.revoked == Some(true),
                    });
                }
            }
        }
        out
    }

    /// Every published certificate, revoked included.
    pub fn provider_certificates(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<PublishedCertificate> {
        self.entries(relation, |_, _| true)
    }

    /// Published, non-revoked certificates (empty on a non-leader, which cannot read them).
    pub fn issued_certificates(&self, relation: Option<&RelationId>) -> Vec<PublishedCertificate> {
        self.entries(relation, |_, i| i.entry.revoked != Some(true))
    }

    /// Published certificates whose CSR no longer appears in the relation.
    pub fn unsolicited_certificates(
        &self,
        relation: Option<&RelationId>,
    ) -> Vec<PublishedCertificate> {
        self.entries(relation, |s, i| !s.request_joins.contains_key(&i.join))
    }

    /// Published request errors.
    pub fn request_errors(&self, relation: Option<&RelationId>) -> Vec<PublishedRequestError> {
        let mut out = Vec::new();
        for (id, state) in &self.relations {
            if relation.is_some_and(|r| r != id) {
                continue;
            }
            for e in state.errors.iter().flatten() {
                out.push(PublishedRequestError {
                    relation_id: id.clone(),
                    csr: e.csr.as_str().to_owned(),
                    error: e.error.clone(),
                });
            }
        }
        out
    }
}
