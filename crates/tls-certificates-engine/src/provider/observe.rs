//! Observing a hook: every requirer databag and our own app databag read once, indexed by
//! join key (on several cores when there is much relation data).

use std::collections::BTreeMap;
use std::hash::RandomState;
use std::sync::OnceLock;

use tls_certificates_crypto::CryptoBackend;
use tls_certificates_schema::v1::{ProviderData, RequirerData};

use super::config::{MAX_REQUEST_PEM_LEN, ProviderConfig};
use super::state::{Issued, OwnCertificates, RelationState, Request};
use super::{Provider, ProviderObservation, ProviderRelation, RequestSource};
use crate::common::{JoinKey, log};
use crate::parallel;
use crate::wire;
use juju_types::{Databag, LogLevel, LogLine, RelationId};

/// Relation data (bytes of the values read) from which observing relations is spread over the
/// cores: below it, starting threads costs more than it saves.
const PARALLEL_OBSERVE_BYTES: usize = 256 * 1024;

/// Requests of one relation from which recognising the answered ones is spread over the cores
/// (when relations are not already read side by side).
const PARALLEL_ANSWERS: usize = 256;

/// Requirer databags of one relation from which decoding them is spread over the cores (when
/// relations are not already read side by side).
const PARALLEL_DATABAGS: usize = 64;

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
/// later in the hook find them ready. `inside_parallel`: the relation's own work may be spread
/// over the cores (relations are not being read side by side).
fn observe_relation(
    relation: &ProviderRelation,
    hasher: &RandomState,
    backend: &dyn CryptoBackend,
    cap: usize,
    inside_parallel: bool,
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
    let sources: Vec<(Option<&String>, &String)> = relation
        .remote_units
        .iter()
        .map(|(unit, bag)| (Some(unit), bag))
        .chain(std::iter::once((None, &relation.remote_app)))
        .filter_map(|(unit, bag)| Some((unit, bag.get(RequirerData::KEY)?)))
        .collect();
    // Decoding each databag and keying its requests is independent work: spread over the
    // cores for a big relation when relations are not already read side by side. The
    // requests are then indexed in databag order, as they would be one by one.
    let decoded = parallel::map(
        &sources,
        inside_parallel && sources.len() >= PARALLEL_DATABAGS,
        |(_, raw)| {
            let capped = wire::decode_csrs_capped(raw, cap);
            let keyed: Vec<_> = capped
                .entries
                .into_iter()
                .map(|entry| {
                    let csr = entry.certificate_signing_request.as_str();
                    let join =
                        (csr.len() <= MAX_REQUEST_PEM_LEN).then(|| JoinKey::new(csr, hasher));
                    (join, entry)
                })
                .collect();
            (capped.unread_bytes, capped.issues, keyed)
        },
    );
    for ((unit, _), (unread_bytes, issues, keyed)) in sources.iter().zip(decoded) {
        let source = || unit.map_or(RequestSource::App, |u| RequestSource::Unit(u.clone()));
        let unread = &mut state.unread;
        unread.over_cap_bytes += unread_bytes;
        unread.malformed += issues.len();
        if let Some(problem) = issues.first()
            && unread.first_malformed.is_none()
        {
            unread.first_malformed = Some(format!("{}: {problem}", source()));
        }
        for (join, entry) in keyed {
            let Some(join) = join else {
                state.unread.oversized += 1;
                continue;
            };
            if state.request_joins.contains_key(&join) {
                continue;
            }
            state
                .request_joins
                .insert(join.clone(), state.requests.len());
            state.requests.push(Request {
                join,
                relation_id: relation.id.clone(),
                source: source(),
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
                &relation.id,
                &mut state.unreadable,
                &mut logs,
            ),
        };
        // While the entries are being indexed `own_certificates` is still `Absent`, so
        // nothing is encoded.
        let mut repeated = false;
        for entry in entries {
            let join = state.shared_join(JoinKey::new(
                entry.certificate_signing_request.as_str(),
                hasher,
            ));
            repeated |= state.remove_certificate(&join);
            state.push_certificate(Issued {
                entry,
                join,
                spki: None,
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
            &relation.id,
            &mut state.unreadable,
            &mut logs,
        );
        for entry in entries {
            let join = state.shared_join(JoinKey::new(entry.csr.as_str(), hasher));
            state.remove_error(&join);
            state.push_error(join, entry);
        }
    }
    // Recognising answered requests (two base64 decodes each) is the largest part of reading
    // a big relation; when relations are not already read side by side, it is spread over the
    // cores.
    let requests: Vec<&Request> = state.requests.iter().collect();
    parallel::map(
        &requests,
        inside_parallel && requests.len() >= PARALLEL_ANSWERS,
        |request| {
            state.is_issued(request, backend);
        },
    );
    (state, logs)
}

impl<'b> Provider<'b> {
    /// Parses the observation once (see the [module docs](super)), reading at most
    /// [`ProviderConfig::entries_read_per_databag`] requests per databag. With much relation
    /// data, relations are read on several cores.
    pub fn view(
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
            observe_relation(relation, &hasher, backend, cap, !parallel)
        });
        let mut logs = Vec::new();
        let mut relations = BTreeMap::new();
        for (relation, (state, relation_logs)) in observation.relations.iter().zip(observed) {
            logs.extend(relation_logs);
            relations.insert(relation.id.clone(), state);
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
}

/// Takes the outcome of decoding one of our own databag values (`key`, described as `what` in
/// logs): every dropped entry is logged, and a value of which nothing could be read is marked
/// unreadable so that it is never overwritten.
fn decode_own<T>(
    (entries, bad): (Vec<T>, Vec<String>),
    key: &'static str,
    what: &str,
    relation: &RelationId,
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
