//! What the provider knows of one relation in a hook: its requests, our published entries,
//! and where each request stands.

use std::borrow::Cow;
use std::sync::OnceLock;

use tls_certificates_crypto::{CryptoBackend, PublicKey, spki_of_pem};
use tls_certificates_schema::PemCsr;
use tls_certificates_schema::v1::{self, ProviderData, RequestError};

use super::request::{CertificateRequest, RequestSource};
use crate::common::{JoinKey, JoinMap};
use juju_types::RelationId;

pub(super) struct Issued {
    pub(super) entry: v1::ProviderCertificate,
    pub(super) join: JoinKey,
    /// The certificate's SPKI DER when it is at hand (a certificate set in this hook). An
    /// observed one's is found when needed, without a full parse, and not kept: it is needed
    /// once, and ten thousand of them kept showed in a hook's memory (and page faults).
    pub(super) spki: Option<Vec<u8>>,
    /// The certificate's public key, parsed only when the fast path cannot decide.
    pub(super) public_key: OnceLock<Option<PublicKey>>,
}

impl Issued {
    pub(super) fn spki(&self) -> Option<Cow<'_, [u8]>> {
        match &self.spki {
            Some(spki) => Some(Cow::Borrowed(spki)),
            None => spki_of_pem(self.entry.certificate.as_str()).map(Cow::Owned),
        }
    }
}

/// A request as read from a databag; its CSR is parsed and verified only when needed.
pub(super) struct Request {
    pub(super) relation_id: RelationId,
    pub(super) source: RequestSource,
    pub(super) csr_pem: PemCsr,
    /// The canonical join key of `csr_pem`.
    pub(super) join: JoinKey,
    pub(super) is_ca: bool,
    pub(super) verified: OnceLock<Result<CertificateRequest, String>>,
    /// Whether a certificate answers it ([`RelationState::is_issued`]); reset whenever a
    /// certificate for its join key is published, removed or revoked.
    pub(super) answered: OnceLock<bool>,
}

impl Request {
    /// The CSR's SPKI DER, found without a full parse (fast path); only looked for when a
    /// certificate has the same join key, and not kept (see [`Issued::spki`]).
    pub(super) fn spki(&self) -> Option<Vec<u8>> {
        spki_of_pem(self.csr_pem.as_str())
    }

    pub(super) fn verified(
        &self,
        backend: &dyn CryptoBackend,
    ) -> &Result<CertificateRequest, String> {
        self.verified.get_or_init(|| {
            backend
                .parse_csr(self.csr_pem.as_str())
                .map(|csr| CertificateRequest {
                    relation_id: self.relation_id.clone(),
                    source: self.source.clone(),
                    csr,
                    csr_pem: self.csr_pem.as_str().to_owned(),
                    is_ca: self.is_ca,
                })
                .map_err(|e| e.to_string())
        })
    }
}

/// Our own `certificates` value, as observed.
#[derive(Default)]
pub(super) enum OwnCertificates {
    /// The key was absent.
    #[default]
    Absent,
    /// Exactly what encoding the observed entries writes
    /// ([`ProviderData::decode_canonical_certificates`]): while the entries do not change there
    /// is nothing to encode or compare. Before their first change it becomes `Text` of that
    /// encoding (see [`RelationState::certificates_will_change`]).
    Canonical,
    /// Any other text, kept to compare the new encoding against.
    Text(String),
}

/// What a relation's requirer wrote that was not read as requests, counted for the summary.
#[derive(Default)]
pub(super) struct Unread {
    /// Bytes after the first entries of their databag, not read.
    pub(super) over_cap_bytes: usize,
    /// CSR texts longer than [`MAX_REQUEST_PEM_LEN`].
    pub(super) oversized: usize,
    /// Malformed entries.
    pub(super) malformed: usize,
    /// Where the first malformed entry was, and what was wrong with it.
    pub(super) first_malformed: Option<String>,
}

/// Where each unanswered request of a relation stands, in databag order (indices into
/// `RelationState::requests`).
#[derive(Default)]
pub(super) struct Triage {
    /// Verified and within the limit.
    pub(super) outstanding: Vec<usize>,
    /// Refused: the CSR does not verify or breaks the subject policy.
    pub(super) invalid: Vec<usize>,
    /// Refused: a CA request while CA requests are refused.
    pub(super) refused_ca: Vec<usize>,
    /// Not verified: the limit is reached.
    pub(super) over_limit: usize,
}

#[derive(Default)]
pub(super) struct RelationState {
    pub(super) own_certificates: OwnCertificates,
    pub(super) unread: Unread,
    pub(super) raw_errors: Option<String>,
    pub(super) raw_capabilities: Option<String>,
    /// Our own key held data but not one entry could be read (e.g. over the schema's size
    /// limit): it is never overwritten, so nothing we cannot read is lost.
    pub(super) unreadable: Vec<&'static str>,
    pub(super) requests: Vec<Request>,
    pub(super) request_joins: JoinMap<usize>,
    /// Tombstoned on removal so indices stay valid; order is publication order.
    pub(super) certificates: Vec<Option<Issued>>,
    pub(super) certificate_index: JoinMap<usize>,
    pub(super) errors: Vec<Option<RequestError>>,
    pub(super) error_index: JoinMap<usize>,
    pub(super) capabilities: Option<String>,
}

impl RelationState {
    /// `join`, or the equal key of a request, whose text it then shares: a certificate or an
    /// error entry answers a request, and a second copy of the same kilobyte for each showed
    /// in a hook's memory.
    pub(super) fn shared_join(&self, join: JoinKey) -> JoinKey {
        match self.request_joins.get_key_value(&join) {
            Some((request_join, _)) => request_join.clone(),
            None => join,
        }
    }

    /// Forgets whether the request with this join key (if any) is answered.
    pub(super) fn forget_answer(&mut self, join: &JoinKey) {
        if let Some(request) = self
            .request_joins
            .get(join)
            .and_then(|i| self.requests.get_mut(*i))
        {
            request.answered = OnceLock::new();
        }
    }

    /// Called before the entries change: a canonical value is kept as its text (the encoding of
    /// the entries as they still are), for `plan` to compare against.
    pub(super) fn certificates_will_change(&mut self) {
        if matches!(self.own_certificates, OwnCertificates::Canonical) {
            self.own_certificates = match ProviderData::encode_certificates(
                self.certificates.iter().flatten().map(|i| &i.entry),
            ) {
                Some(text) => OwnCertificates::Text(text),
                // A canonical value is never empty; were it, "absent" is what it encodes to.
                None => OwnCertificates::Absent,
            };
        }
    }

    pub(super) fn remove_certificate(&mut self, join: &JoinKey) -> bool {
        self.forget_answer(join);
        if self.certificate_index.contains_key(join) {
            self.certificates_will_change();
        }
        match self.certificate_index.remove(join) {
            Some(i) => self
                .certificates
                .get_mut(i)
                .and_then(Option::take)
                .is_some(),
            None => false,
        }
    }

    pub(super) fn remove_error(&mut self, join: &JoinKey) -> bool {
        match self.error_index.remove(join) {
            Some(i) => self.errors.get_mut(i).and_then(Option::take).is_some(),
            None => false,
        }
    }

    pub(super) fn push_certificate(&mut self, issued: Issued) {
        self.certificates_will_change();
        self.forget_answer(&issued.join);
        self.certificate_index
            .insert(issued.join.clone(), self.certificates.len());
        self.certificates.push(Some(issued));
    }

    pub(super) fn error(&self, join: &JoinKey) -> Option<&RequestError> {
        self.error_index
            .get(join)
            .and_then(|i| self.errors.get(*i))
            .and_then(Option::as_ref)
    }

    pub(super) fn push_error(&mut self, join: JoinKey, entry: RequestError) {
        self.error_index.insert(join, self.errors.len());
        self.errors.push(Some(entry));
    }

    /// Whether a non-revoked certificate for this CSR and its public key is published. Equal
    /// SPKI bytes decide at once; otherwise both sides are parsed and their keys compared.
    pub(super) fn is_issued(&self, request: &Request, backend: &dyn CryptoBackend) -> bool {
        *request
            .answered
            .get_or_init(|| self.find_answer(request, backend))
    }

    /// [`Self::is_issued`], computed.
    pub(super) fn find_answer(&self, request: &Request, backend: &dyn CryptoBackend) -> bool {
        let Some(issued) = self
            .certificate_index
            .get(&request.join)
            .and_then(|i| self.certificates.get(*i))
            .and_then(Option::as_ref)
            .filter(|c| c.entry.revoked != Some(true))
        else {
            return false;
        };
        if let Some(spki) = issued.spki()
            && request.spki().as_deref() == Some(&*spki)
        {
            return true;
        }
        let key = issued.public_key.get_or_init(|| {
            backend
                .parse_certificate(issued.entry.certificate.as_str())
                .ok()
                .map(|c| c.public_key().clone())
        });
        match (key, request.verified(backend)) {
            (Some(key), Ok(r)) => key == r.csr.public_key(),
            _ => false,
        }
    }
}
