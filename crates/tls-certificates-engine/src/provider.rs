//! The provider side: requests in, certificates and errors out.
//!
//! # Call order
//!
//! 1. **Observe**: [`Provider::observe`]`(observation, config, backend)` reads every requirer
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
//!    in-memory state only.
//! 4. **Plan**: [`Provider::plan`] returns the minimal databag writes (only keys whose encoded
//!    value changed) and the log lines. The driver applies them; nothing is written before.
//!
//! The provider has no deadline of its own: issuance is driven by the charm's hooks.
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

use std::collections::BTreeMap;
use std::hash::RandomState;
use std::sync::OnceLock;

use tls_certificates_crypto::{Certificate, CryptoBackend, Csr, PublicKey, spki_of_pem};
use tls_certificates_schema::v1::{self, ProviderData, RequestError, RequirerData};
use tls_certificates_schema::{PemCertificate, PemCsr};

use crate::Error;
use crate::common::{
    Databag, DatabagScope, DatabagWrite, JoinKey, JoinMap, LogLevel, LogLine, ProviderCertificate,
    RelationId, log,
};
use crate::parallel;
use crate::wire::{self, ErrorCode, ProviderCapabilities, ProviderError};

/// Entries read per databag, per certificate of the limit
/// ([`ProviderConfig::entries_read_per_databag`]).
pub const ENTRIES_READ_PER_CERTIFICATE: usize = 2;

/// The fewest entries read per databag, whatever the limit.
pub const MIN_ENTRIES_READ: usize = 16;

/// Entries read per databag when certificates are not limited.
pub const MAX_ENTRIES_UNLIMITED: usize = 10_000;

/// The longest CSR text (bytes) read as a request. A CSR for an RSA-4096 key with a few hundred
/// DNS names fits; anything longer is counted, not answered, so that echoing it in an error
/// entry cannot bloat our databag.
pub const MAX_REQUEST_PEM_LEN: usize = 16 * 1024;

/// Bytes (CSR text plus message) of the error entries published per relation: with many
/// remote units each sending large invalid CSRs, the entry count alone would let our own
/// databag grow with the number of units. Refusals past it are counted, not answered.
pub const MAX_ERROR_BYTES_PER_RELATION: usize = 1024 * 1024;

/// New refusals logged one by one per relation and hook; more are counted in the summary line.
pub const REFUSALS_LOGGED_PER_HOOK: usize = 8;

/// The message of the error entry for a refused CA request.
pub const CA_REQUEST_REFUSED: &str = "CA certificate requests are refused by this provider";

/// The start of the message of the error entry for an invalid CSR; the reason follows.
pub const INVALID_CSR: &str = "invalid certificate signing request";

/// How many certificates one relation may hold.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum CertificateLimit {
    /// No limit (what the Python library does).
    #[default]
    Unlimited,
    /// At most this many non-revoked certificates per relation.
    PerRelation(usize),
}

impl CertificateLimit {
    fn value(self) -> Option<usize> {
        match self {
            Self::Unlimited => None,
            Self::PerRelation(n) => Some(n),
        }
    }
}

/// What the provider does with requests for a CA certificate (`"ca": true`).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum CaRequests {
    /// Offer them to the charm like any request (what the Python library does).
    #[default]
    Offer,
    /// Refuse them with a request error entry ([`CA_REQUEST_REFUSED`]), unverified.
    Refuse,
}

/// What a provider allows and advertises: the policy applied to requests and the capabilities
/// published in every relation.
#[derive(Clone, Debug, Default)]
pub struct ProviderConfig {
    capabilities: Option<ProviderCapabilities>,
    certificate_limit: CertificateLimit,
    ca_requests: CaRequests,
}

impl ProviderConfig {
    /// No capabilities advertised, no certificate limit, CA requests offered to the charm: the
    /// Python library's behaviour.
    pub fn new() -> Self {
        Self::default()
    }

    /// Advertises `capabilities` in every relation.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: ProviderCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Limits the certificates per relation.
    #[must_use]
    pub fn with_certificate_limit(mut self, limit: CertificateLimit) -> Self {
        self.certificate_limit = limit;
        self
    }

    /// Sets what happens to CA requests.
    #[must_use]
    pub fn with_ca_requests(mut self, ca_requests: CaRequests) -> Self {
        self.ca_requests = ca_requests;
        self
    }

    /// The capabilities advertised.
    pub fn capabilities(&self) -> Option<&ProviderCapabilities> {
        self.capabilities.as_ref()
    }

    /// The certificate limit.
    pub fn certificate_limit(&self) -> CertificateLimit {
        self.certificate_limit
    }

    /// What happens to CA requests.
    pub fn ca_requests(&self) -> CaRequests {
        self.ca_requests
    }

    /// How many entries of one databag's requests are read:
    /// [`ENTRIES_READ_PER_CERTIFICATE`] × the limit, at least [`MIN_ENTRIES_READ`];
    /// [`MAX_ENTRIES_UNLIMITED`] without a limit. It also bounds the error entries published
    /// per relation.
    pub fn entries_read_per_databag(&self) -> usize {
        match self.certificate_limit {
            CertificateLimit::Unlimited => MAX_ENTRIES_UNLIMITED,
            CertificateLimit::PerRelation(n) => n
                .saturating_mul(ENTRIES_READ_PER_CERTIFICATE)
                .max(MIN_ENTRIES_READ),
        }
    }
}

/// Relation data (bytes of the values read) from which observing relations is spread over the
/// cores: below it, starting threads costs more than it saves.
const PARALLEL_OBSERVE_BYTES: usize = 256 * 1024;

/// Pending signature checks (~30 µs each for RSA-2048) from which they are spread over the
/// cores.
const PARALLEL_VERIFICATIONS: usize = 8;

/// One relation on the provider's endpoint, as observed.
#[derive(Clone, Debug, Default)]
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

/// Everything the provider needs to see in a hook.
#[derive(Clone, Debug, Default)]
pub struct ProviderObservation {
    /// Whether this unit is the leader (only the leader writes).
    pub is_leader: bool,
    /// The relations on the endpoint.
    pub relations: Vec<ProviderRelation>,
}

/// Where a request came from.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum RequestSource {
    /// A requirer unit's databag.
    Unit(String),
    /// The requirer application's databag.
    App,
}

impl core::fmt::Display for RequestSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unit(unit) => write!(f, "unit {unit}"),
            Self::App => f.write_str("the application databag"),
        }
    }
}

/// A verified certificate request.
#[derive(Clone, Debug)]
pub struct CertificateRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// Where it came from.
    pub source: RequestSource,
    /// The CSR (signature verified).
    pub csr: Csr,
    /// The PEM exactly as the requirer sent it (the join key on the wire).
    pub csr_pem: String,
    /// Whether a CA certificate is requested.
    pub is_ca: bool,
}

/// A CSR that failed parsing or signature verification.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InvalidRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// The PEM as sent.
    pub csr_pem: String,
    /// Why it was refused.
    pub reason: String,
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

/// A provider's refusal of one request, as published.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ProviderRequestError {
    /// The relation.
    pub relation_id: RelationId,
    /// The CSR PEM.
    pub csr: String,
    /// The error.
    pub error: ProviderError,
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

struct Issued {
    entry: v1::ProviderCertificate,
    join: JoinKey,
    /// The certificate's SPKI DER, found without a full parse (fast path); only looked for
    /// when a request has the same join key.
    spki: OnceLock<Option<Vec<u8>>>,
    /// The certificate's public key, parsed only when the fast path cannot decide.
    public_key: OnceLock<Option<PublicKey>>,
}

impl Issued {
    fn spki(&self) -> Option<&[u8]> {
        self.spki
            .get_or_init(|| spki_of_pem(self.entry.certificate.as_str()))
            .as_deref()
    }
}

/// A request as read from a databag; its CSR is parsed and verified only when needed.
struct Request {
    relation_id: RelationId,
    source: RequestSource,
    csr_pem: PemCsr,
    /// The canonical join key of `csr_pem`.
    join: JoinKey,
    is_ca: bool,
    /// The CSR's SPKI DER, found without a full parse (fast path); only looked for when a
    /// certificate has the same join key, so a new request's PEM is decoded once, by `verified`.
    spki: OnceLock<Option<Vec<u8>>>,
    verified: OnceLock<Result<CertificateRequest, String>>,
    /// Whether a certificate answers it ([`RelationState::is_issued`]); reset whenever a
    /// certificate for its join key is published, removed or revoked.
    answered: OnceLock<bool>,
}

impl Request {
    fn spki(&self) -> Option<&[u8]> {
        self.spki
            .get_or_init(|| spki_of_pem(self.csr_pem.as_str()))
            .as_deref()
    }

    fn verified(&self, backend: &dyn CryptoBackend) -> &Result<CertificateRequest, String> {
        self.verified.get_or_init(|| {
            backend
                .parse_csr(self.csr_pem.as_str())
                .map(|csr| CertificateRequest {
                    relation_id: self.relation_id,
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
enum OwnCertificates {
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
struct Unread {
    /// Bytes after the first entries of their databag, not read.
    over_cap_bytes: usize,
    /// CSR texts longer than [`MAX_REQUEST_PEM_LEN`].
    oversized: usize,
    /// Malformed entries.
    malformed: usize,
    /// Where the first malformed entry was, and what was wrong with it.
    first_malformed: Option<String>,
}

/// Where each unanswered request of a relation stands, in databag order (indices into
/// `RelationState::requests`).
#[derive(Default)]
struct Triage {
    /// Verified and within the limit.
    outstanding: Vec<usize>,
    /// Refused: the CSR does not verify or breaks the subject policy.
    invalid: Vec<usize>,
    /// Refused: a CA request while CA requests are refused.
    refused_ca: Vec<usize>,
    /// Not verified: the limit is reached.
    over_limit: usize,
}

/// A request to answer with an error entry.
struct Refusal {
    join: JoinKey,
    csr: PemCsr,
    source: RequestSource,
    message: String,
}

/// A relation's [`Triage`] as [`Provider::reconcile`] uses it.
struct Verdicts {
    /// Invalid CSRs and refused CA requests, in databag order.
    refusals: Vec<Refusal>,
    /// Outstanding requests: no error entry of ours applies to them any more.
    accepted: Vec<JoinKey>,
    over_limit: usize,
}

/// What reconciling a relation found, for its summary line.
struct Counts {
    /// Refusals published in this hook.
    new: usize,
    /// Refusals already published in an earlier hook.
    standing: usize,
    /// Refusals beyond the error budget, not published.
    unanswered: usize,
    /// Requests over the certificate limit, not verified.
    over_limit: usize,
}

/// The one summary line of a relation (`None` when there is nothing to say).
fn summary(id: RelationId, counts: &Counts, unread: &Unread, budget: usize) -> Option<String> {
    let mut parts = Vec::new();
    if counts.new > REFUSALS_LOGGED_PER_HOOK {
        parts.push(format!(
            "{} more request(s) refused now (not logged one by one)",
            counts.new - REFUSALS_LOGGED_PER_HOOK
        ));
    }
    if counts.standing > 0 {
        parts.push(format!(
            "{} refused request(s) already answered with an error",
            counts.standing
        ));
    }
    if counts.unanswered > 0 {
        parts.push(format!(
            "{} more refused request(s) without an error entry (at most {budget} or \
             {MAX_ERROR_BYTES_PER_RELATION} bytes of them per relation)",
            counts.unanswered
        ));
    }
    if counts.over_limit > 0 {
        parts.push(format!(
            "{} request(s) over the certificate limit, not checked",
            counts.over_limit
        ));
    }
    if unread.over_cap_bytes > 0 {
        parts.push(format!(
            "{} bytes after the first {budget} entries of a databag not read",
            unread.over_cap_bytes
        ));
    }
    if unread.oversized > 0 {
        parts.push(format!(
            "{} CSR(s) longer than {MAX_REQUEST_PEM_LEN} bytes not read",
            unread.oversized
        ));
    }
    if let Some(first) = &unread.first_malformed {
        parts.push(format!(
            "{} malformed entries ignored (first: {first})",
            unread.malformed
        ));
    }
    (!parts.is_empty()).then(|| format!("relation {id}: {}", parts.join("; ")))
}

/// Whether an error entry is one this engine writes (an invalid CSR or a refused CA request),
/// which it may therefore remove when it no longer applies.
fn is_ours(error: &ProviderError) -> bool {
    error.code == ErrorCode::Other
        && (error.message == CA_REQUEST_REFUSED || error.message.starts_with(INVALID_CSR))
}

#[derive(Default)]
struct RelationState {
    own_certificates: OwnCertificates,
    unread: Unread,
    raw_errors: Option<String>,
    raw_capabilities: Option<String>,
    /// Our own key held data but not one entry could be read (e.g. over the schema's size
    /// limit): it is never overwritten, so nothing we cannot read is lost.
    unreadable: Vec<&'static str>,
    requests: Vec<Request>,
    request_joins: JoinMap<usize>,
    /// Tombstoned on removal so indices stay valid; order is publication order.
    certificates: Vec<Option<Issued>>,
    certificate_index: JoinMap<usize>,
    errors: Vec<Option<RequestError>>,
    error_index: JoinMap<usize>,
    capabilities: Option<String>,
}

impl RelationState {
    /// Forgets whether the request with this join key (if any) is answered.
    fn forget_answer(&mut self, join: &JoinKey) {
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
    fn certificates_will_change(&mut self) {
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

    fn remove_certificate(&mut self, join: &JoinKey) -> bool {
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

    fn remove_error(&mut self, join: &JoinKey) -> bool {
        match self.error_index.remove(join) {
            Some(i) => self.errors.get_mut(i).and_then(Option::take).is_some(),
            None => false,
        }
    }

    fn push_certificate(&mut self, issued: Issued) {
        self.certificates_will_change();
        self.forget_answer(&issued.join);
        self.certificate_index
            .insert(issued.join.clone(), self.certificates.len());
        self.certificates.push(Some(issued));
    }

    fn error(&self, join: &JoinKey) -> Option<&RequestError> {
        self.error_index
            .get(join)
            .and_then(|i| self.errors.get(*i))
            .and_then(Option::as_ref)
    }

    fn push_error(&mut self, join: JoinKey, entry: RequestError) {
        self.error_index.insert(join, self.errors.len());
        self.errors.push(Some(entry));
    }

    /// Whether a non-revoked certificate for this CSR and its public key is published. Equal
    /// SPKI bytes decide at once; otherwise both sides are parsed and their keys compared.
    fn is_issued(&self, request: &Request, backend: &dyn CryptoBackend) -> bool {
        *request
            .answered
            .get_or_init(|| self.find_answer(request, backend))
    }

    /// [`Self::is_issued`], computed.
    fn find_answer(&self, request: &Request, backend: &dyn CryptoBackend) -> bool {
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
            && Some(spki) == request.spki()
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

/// The bytes of relation data observing `relation` reads.
fn observed_bytes(relation: &ProviderRelation) -> usize {
    let value_len = |bag: &Databag, key: &str| bag.get(key).map_or(0, String::len);
    relation
        .remote_units
        .values()
        .chain(std::iter::once(&relation.remote_app))
        .map(|bag| value_len(bag, RequirerData::KEY))
        .chain(
            ProviderData::KEYS
                .iter()
                .map(|key| value_len(&relation.local_app, key)),
        )
        .sum()
}

/// Reads one relation: its requests and our own published entries, indexed by join key. The
/// SPKIs of requests that already have a certificate are compared here, so that the queries
/// later in the hook find them ready.
fn observe_relation(
    relation: &ProviderRelation,
    hasher: &RandomState,
    backend: &dyn CryptoBackend,
    cap: usize,
) -> (RelationState, Vec<LogLine>) {
    let mut logs = Vec::new();
    let mut state = RelationState {
        raw_errors: relation
            .local_app
            .get(ProviderData::REQUEST_ERRORS_KEY)
            .cloned(),
        raw_capabilities: relation
            .local_app
            .get(ProviderData::CAPABILITIES_KEY)
            .cloned(),
        ..RelationState::default()
    };
    state.capabilities = state.raw_capabilities.clone();
    let sources = relation
        .remote_units
        .iter()
        .map(|(unit, bag)| (Some(unit), bag))
        .chain(std::iter::once((None, &relation.remote_app)));
    for (unit, bag) in sources {
        let Some(raw) = bag.get(RequirerData::KEY) else {
            continue;
        };
        let source = || unit.map_or(RequestSource::App, |u| RequestSource::Unit(u.clone()));
        let capped = wire::decode_csrs_capped(raw, cap);
        let unread = &mut state.unread;
        unread.over_cap_bytes += capped.unread_bytes;
        unread.malformed += capped.issues.len();
        if let Some(problem) = capped.issues.first()
            && unread.first_malformed.is_none()
        {
            unread.first_malformed = Some(format!("{}: {problem}", source()));
        }
        for entry in capped.entries {
            if entry.certificate_signing_request.as_str().len() > MAX_REQUEST_PEM_LEN {
                state.unread.oversized += 1;
                continue;
            }
            let join = JoinKey::new(entry.certificate_signing_request.as_str(), hasher);
            if state.request_joins.contains_key(&join) {
                continue;
            }
            state
                .request_joins
                .insert(join.clone(), state.requests.len());
            state.requests.push(Request {
                join,
                relation_id: relation.id,
                source: source(),
                spki: OnceLock::new(),
                is_ca: entry.is_ca(),
                csr_pem: entry.certificate_signing_request,
                verified: OnceLock::new(),
                answered: OnceLock::new(),
            });
        }
    }
    if let Some(raw) = relation.local_app.get(ProviderData::CERTIFICATES_KEY) {
        // Our own value is almost always exactly what we wrote: then it is read directly and
        // not kept, since encoding the unchanged entries gives it back.
        let canonical = ProviderData::decode_canonical_certificates(raw);
        let is_canonical = canonical.is_some();
        let entries = match canonical {
            Some(entries) => entries,
            None => decode_own(
                wire::decode_certificates(raw),
                ProviderData::CERTIFICATES_KEY,
                "certificates",
                relation.id,
                &mut state.unreadable,
                &mut logs,
            ),
        };
        // While the entries are being indexed `own_certificates` is still `Absent`, so
        // nothing is encoded.
        let mut repeated = false;
        for entry in entries {
            let join = JoinKey::new(entry.certificate_signing_request.as_str(), hasher);
            repeated |= state.remove_certificate(&join);
            state.push_certificate(Issued {
                entry,
                join,
                spki: OnceLock::new(),
                public_key: OnceLock::new(),
            });
        }
        // A repeated CSR (its earlier entry dropped) changed the entries: keep the text.
        state.own_certificates = if is_canonical && !repeated {
            OwnCertificates::Canonical
        } else {
            OwnCertificates::Text(raw.clone())
        };
    }
    if let Some(raw) = &state.raw_errors {
        let entries = decode_own(
            wire::decode_request_errors(raw),
            ProviderData::REQUEST_ERRORS_KEY,
            "request errors",
            relation.id,
            &mut state.unreadable,
            &mut logs,
        );
        for entry in entries {
            let join = JoinKey::new(entry.csr.as_str(), hasher);
            state.remove_error(&join);
            state.push_error(join, entry);
        }
    }
    for request in &state.requests {
        state.is_issued(request, backend);
    }
    (state, logs)
}

impl<'b> Provider<'b> {
    /// Parses the observation once (see the [module docs](self)), reading at most
    /// [`ProviderConfig::entries_read_per_databag`] requests per databag. With much relation
    /// data, relations are read on several cores.
    pub fn observe(
        observation: &ProviderObservation,
        config: &ProviderConfig,
        backend: &'b dyn CryptoBackend,
    ) -> Self {
        let hasher = RandomState::new();
        let cap = config.entries_read_per_databag();
        let parallel = observation.relations.len() > 1
            && observation
                .relations
                .iter()
                .map(observed_bytes)
                .sum::<usize>()
                >= PARALLEL_OBSERVE_BYTES;
        let observed = parallel::map(&observation.relations, parallel, |relation| {
            observe_relation(relation, &hasher, backend, cap)
        });
        let mut logs = Vec::new();
        let mut relations = BTreeMap::new();
        for (relation, (state, relation_logs)) in observation.relations.iter().zip(observed) {
            logs.extend(relation_logs);
            relations.insert(relation.id, state);
        }
        Self {
            backend,
            is_leader: observation.is_leader,
            config: config.clone(),
            relations,
            logs,
            hasher,
        }
    }

    /// The configuration this provider was observed with.
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// Where each unanswered request of `state` stands (see [`Triage`]). Signatures are checked
    /// in databag order, in batches as large as the room left under the limit (on several
    /// cores when a batch is large), and only until the limit is reached; results are kept, so
    /// asking again after a change costs no new verification.
    fn triage(&self, state: &RelationState) -> Triage {
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

    fn selected(
        &self,
        relation: Option<RelationId>,
    ) -> impl Iterator<Item = (&RelationId, &RelationState)> {
        self.relations
            .iter()
            .filter(move |(id, _)| relation.is_none_or(|r| r == **id))
    }

    /// Every request with a valid CSR (remote unit and app databags, up to the entry cap),
    /// optionally of one relation, the answered and those over the limit included. This parses
    /// and verifies every CSR read; prefer
    /// [`outstanding_certificate_requests`](Self::outstanding_certificate_requests), which
    /// verifies only what the limit leaves room for.
    pub fn certificate_requests(&self, relation: Option<RelationId>) -> Vec<&CertificateRequest> {
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
        relation: Option<RelationId>,
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
    pub fn requests_over_limit(&self, relation: Option<RelationId>) -> usize {
        self.selected(relation)
            .map(|(_, s)| self.triage(s).over_limit)
            .sum()
    }

    /// Unanswered CSRs refused because they do not parse, break the subject policy or their
    /// signature does not verify (among those the limit left room to check).
    pub fn invalid_requests(&self, relation: Option<RelationId>) -> Vec<InvalidRequest> {
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
                            relation_id: r.relation_id,
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
        relation: Option<RelationId>,
        filter: impl Fn(&RelationState, &Issued) -> bool,
    ) -> Vec<ProviderCertificate> {
        let mut out = Vec::new();
        for (id, state) in &self.relations {
            if relation.is_some_and(|r| r != *id) {
                continue;
            }
            for issued in state.certificates.iter().flatten() {
                if filter(state, issued) {
                    let e = &issued.entry;
                    out.push(ProviderCertificate {
                        relation_id: *id,
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
    pub fn provider_certificates(&self, relation: Option<RelationId>) -> Vec<ProviderCertificate> {
        self.entries(relation, |_, _| true)
    }

    /// Published, non-revoked certificates (empty on a non-leader, which cannot read them).
    pub fn issued_certificates(&self, relation: Option<RelationId>) -> Vec<ProviderCertificate> {
        self.entries(relation, |_, i| i.entry.revoked != Some(true))
    }

    /// Published certificates whose CSR no longer appears in the relation.
    pub fn unsolicited_certificates(
        &self,
        relation: Option<RelationId>,
    ) -> Vec<ProviderCertificate> {
        self.entries(relation, |s, i| !s.request_joins.contains_key(&i.join))
    }

    /// Published request errors.
    pub fn request_errors(&self, relation: Option<RelationId>) -> Vec<ProviderRequestError> {
        let mut out = Vec::new();
        for (id, state) in &self.relations {
            if relation.is_some_and(|r| r != *id) {
                continue;
            }
            for e in state.errors.iter().flatten() {
                out.push(ProviderRequestError {
                    relation_id: *id,
                    csr: e.csr.as_str().to_owned(),
                    error: e.error.clone(),
                });
            }
        }
        out
    }

    fn require_leader(&self, operation: &'static str) -> Result<(), Error> {
        if self.is_leader {
            Ok(())
        } else {
            Err(Error::NotLeader { operation })
        }
    }

    /// Every-hook housekeeping (leader only; a no-op elsewhere): removes unsolicited
    /// certificates and stale errors, answers invalid CSRs and refused CA requests with an
    /// error entry (code 999, at most [`ProviderConfig::entries_read_per_databag`] per
    /// relation), removes our error entries that no longer apply, publishes the capabilities,
    /// and logs each new refusal once plus one summary line per relation (see the
    /// [module docs](self)).
    pub fn reconcile(&mut self) {
        if !self.is_leader {
            return;
        }
        let capabilities = self
            .config
            .capabilities
            .as_ref()
            .map(ProviderCapabilities::encode);
        let budget = self.config.entries_read_per_databag();
        let verdicts: Vec<(RelationId, Verdicts)> = self
            .relations
            .iter()
            .map(|(id, state)| (*id, self.verdicts(state)))
            .collect();
        for (id, verdicts) in verdicts {
            let Some(state) = self.relations.get_mut(&id) else {
                continue;
            };
            let stale: Vec<JoinKey> = state
                .certificate_index
                .keys()
                .filter(|j| !state.request_joins.contains_key(*j))
                .cloned()
                .collect();
            for join in stale {
                log(
                    &mut self.logs,
                    LogLevel::Info,
                    format!("removing a certificate whose CSR is gone from relation {id}"),
                );
                state.remove_certificate(&join);
            }
            let stale_errors: Vec<JoinKey> = state
                .error_index
                .keys()
                .filter(|j| !state.request_joins.contains_key(*j))
                .cloned()
                .collect();
            for join in stale_errors {
                state.remove_error(&join);
            }
            let (mut standing, mut unanswered, mut new) = (0usize, 0usize, 0usize);
            let mut bytes = 0usize;
            for (n, refusal) in verdicts.refusals.into_iter().enumerate() {
                let published = state.error(&refusal.join).map(|e| &e.error);
                let size = refusal.csr.as_str().len() + refusal.message.len();
                bytes = bytes.saturating_add(size);
                if n >= budget || bytes > MAX_ERROR_BYTES_PER_RELATION {
                    if published.is_some_and(is_ours) {
                        state.remove_error(&refusal.join);
                    }
                    unanswered += 1;
                    continue;
                }
                let error = ProviderError::new(ErrorCode::Other, refusal.message);
                if published.is_some_and(|p| p.code == error.code && p.message == error.message) {
                    standing += 1;
                    continue;
                }
                if new < REFUSALS_LOGGED_PER_HOOK {
                    log(
                        &mut self.logs,
                        LogLevel::Warning,
                        format!(
                            "refusing a request from {} on relation {id}: {}",
                            refusal.source, error.message
                        ),
                    );
                }
                new += 1;
                state.remove_error(&refusal.join);
                state.push_error(
                    refusal.join,
                    RequestError {
                        csr: refusal.csr,
                        error,
                    },
                );
            }
            for join in verdicts.accepted {
                if state.error(&join).is_some_and(|e| is_ours(&e.error)) {
                    state.remove_error(&join);
                }
            }
            let counts = Counts {
                new,
                standing,
                unanswered,
                over_limit: verdicts.over_limit,
            };
            if let Some(line) = summary(id, &counts, &state.unread, budget) {
                log(&mut self.logs, LogLevel::Info, line);
            }
            if capabilities.is_some() {
                state.capabilities.clone_from(&capabilities);
            }
        }
    }

    /// What [`Self::reconcile`] needs of a relation's [`Triage`], detached from the state so
    /// that the state can change.
    fn verdicts(&self, state: &RelationState) -> Verdicts {
        let triage = self.triage(state);
        let mut refused: Vec<(usize, String)> = triage
            .invalid
            .iter()
            .filter_map(|i| {
                let reason = state
                    .requests
                    .get(*i)?
                    .verified(self.backend)
                    .as_ref()
                    .err()?;
                Some((*i, format!("{INVALID_CSR}: {reason}")))
            })
            .chain(
                triage
                    .refused_ca
                    .iter()
                    .map(|i| (*i, CA_REQUEST_REFUSED.to_owned())),
            )
            .collect();
        refused.sort_by_key(|(i, _)| *i);
        Verdicts {
            refusals: refused
                .into_iter()
                .filter_map(|(i, message)| {
                    let request = state.requests.get(i)?;
                    Some(Refusal {
                        join: request.join.clone(),
                        csr: request.csr_pem.clone(),
                        source: request.source.clone(),
                        message,
                    })
                })
                .collect(),
            accepted: triage
                .outstanding
                .iter()
                .filter_map(|i| state.requests.get(*i).map(|r| r.join.clone()))
                .collect(),
            over_limit: triage.over_limit,
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
                relation_id: new.relation_id.0,
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
        let join = JoinKey::new(entry.certificate_signing_request.as_str(), &self.hasher);
        state.remove_certificate(&join);
        state.remove_error(&join);
        state.push_certificate(Issued {
            entry,
            join,
            spki: OnceLock::from(Some(new.certificate.public_key().spki_der().to_vec())),
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
                relation_id: relation_id.0,
            });
        };
        let csr = wire::csr_pem(csr_pem)?;
        let join = JoinKey::new(csr.as_str(), &self.hasher);
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
        for state in self.relations.values_mut() {
            state.certificates_will_change();
            for issued in state.certificates.iter_mut().flatten() {
                issued.entry.revoked = Some(true);
            }
            for request in &mut state.requests {
                request.answered = OnceLock::new();
            }
        }
        Ok(())
    }

    /// The minimal writes that bring the databags to the current state (leader only).
    pub fn plan(&self) -> ProviderPlan {
        let mut logs = self.logs.clone();
        let mut plan = ProviderPlan {
            databag_writes: Vec::new(),
            logs: self.logs.clone(),
        };
        if !self.is_leader {
            return plan;
        }
        for (id, state) in &self.relations {
            let certificates = match &state.own_certificates {
                // Unchanged since observed: encoding the entries gives the value back.
                OwnCertificates::Canonical => None,
                OwnCertificates::Absent => Some((
                    ProviderData::CERTIFICATES_KEY,
                    None,
                    ProviderData::encode_certificates(
                        state.certificates.iter().flatten().map(|i| &i.entry),
                    ),
                )),
                OwnCertificates::Text(raw) => Some((
                    ProviderData::CERTIFICATES_KEY,
                    Some(raw.as_str()),
                    ProviderData::encode_certificates(
                        state.certificates.iter().flatten().map(|i| &i.entry),
                    ),
                )),
            };
            let others = [
                (
                    ProviderData::REQUEST_ERRORS_KEY,
                    state.raw_errors.as_deref(),
                    ProviderData::encode_request_errors(state.errors.iter().flatten()),
                ),
                (
                    ProviderData::CAPABILITIES_KEY,
                    state.raw_capabilities.as_deref(),
                    state.capabilities.clone(),
                ),
            ];
            for (key, raw, encoded) in certificates.into_iter().chain(others) {
                if state.unreadable.contains(&key) {
                    log(
                        &mut logs,
                        LogLevel::Error,
                        format!(
                            "not overwriting {key} on relation {id}: its current value could not be read"
                        ),
                    );
                    continue;
                }
                if encoded.as_deref() != raw {
                    plan.databag_writes.push(DatabagWrite {
                        relation_id: *id,
                        scope: DatabagScope::App,
                        key: key.to_owned(),
                        value: encoded,
                    });
                }
            }
        }
        plan.logs = logs;
        plan
    }
}

/// Takes the outcome of decoding one of our own databag values (`key`, described as `what` in
/// logs): every dropped entry is logged, and a value of which nothing could be read is marked
/// unreadable so that it is never overwritten.
fn decode_own<T>(
    (entries, bad): (Vec<T>, Vec<String>),
    key: &'static str,
    what: &str,
    relation: RelationId,
    unreadable: &mut Vec<&'static str>,
    logs: &mut Vec<LogLine>,
) -> Vec<T> {
    if entries.is_empty() && !bad.is_empty() {
        unreadable.push(key);
    }
    for problem in bad {
        log(
            logs,
            LogLevel::Warning,
            format!("dropping a malformed entry of our {what} on relation {relation}: {problem}"),
        );
    }
    entries
}
