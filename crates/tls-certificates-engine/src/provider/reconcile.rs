//! Reconciling (leader, every hook): stale entries go, refused requests get an error entry,
//! the capabilities are published, and each relation gets at most one summary line.

use tls_certificates_schema::PemCsr;

use tls_certificates_schema::v1::RequestError;

use super::config::{
    CA_REQUEST_REFUSED, INVALID_CSR, MAX_ERROR_BYTES_PER_RELATION, MAX_REQUEST_PEM_LEN,
    REFUSALS_LOGGED_PER_HOOK,
};
use super::state::{RelationState, Unread};
use super::{Provider, RequestSource};
use crate::common::{JoinKey, log};
use crate::wire::{ErrorCode, ProviderCapabilities, ProviderError};
use juju_types::{LogLevel, LogLine, RelationId};

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
#[derive(Default)]
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
fn summary(id: &RelationId, counts: &Counts, unread: &Unread, budget: usize) -> Option<String> {
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

/// Publishes an error entry for each refusal of a relation that has none yet (within the error
/// budget), logging the first few, and removes ours from refusals past the budget. Returns the
/// counts of the relation's summary line (`over_limit` left at 0 for the caller).
fn answer_refusals(
    state: &mut RelationState,
    logs: &mut Vec<LogLine>,
    id: &RelationId,
    refusals: Vec<Refusal>,
    budget: usize,
) -> Counts {
    let mut counts = Counts::default();
    let mut bytes = 0usize;
    for (n, refusal) in refusals.into_iter().enumerate() {
        let published = state.error(&refusal.join).map(|e| &e.error);
        let size = refusal.csr.as_str().len() + refusal.message.len();
        bytes = bytes.saturating_add(size);
        if n >= budget || bytes > MAX_ERROR_BYTES_PER_RELATION {
            if published.is_some_and(is_ours) {
                state.remove_error(&refusal.join);
            }
            counts.unanswered += 1;
            continue;
        }
        let error = ProviderError::new(ErrorCode::Other, refusal.message);
        if published.is_some_and(|p| p.code == error.code && p.message == error.message) {
            counts.standing += 1;
            continue;
        }
        if counts.new < REFUSALS_LOGGED_PER_HOOK {
            log(
                logs,
                LogLevel::Warning,
                format!(
                    "refusing a request from {} on relation {id}: {}",
                    refusal.source, error.message
                ),
            );
        }
        counts.new += 1;
        state.remove_error(&refusal.join);
        state.push_error(
            refusal.join,
            RequestError {
                csr: refusal.csr,
                error,
            },
        );
    }
    counts
}

impl Provider<'_> {
    /// Every-hook housekeeping (leader only; a no-op elsewhere): removes unsolicited
    /// certificates and stale errors, answers invalid CSRs and refused CA requests with an
    /// error entry (code 999, at most
    /// [`ProviderConfig::entries_read_per_databag`](super::ProviderConfig::entries_read_per_databag)
    /// per relation), removes our error entries that no longer apply, publishes the
    /// capabilities, and logs each new refusal once plus one summary line per relation (see the
    /// [module docs](super)).
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
            .map(|(id, state)| (id.clone(), self.verdicts(state)))
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
            let mut counts = answer_refusals(state, &mut self.logs, &id, verdicts.refusals, budget);
            counts.over_limit = verdicts.over_limit;
            for join in verdicts.accepted {
                if state.error(&join).is_some_and(|e| is_ours(&e.error)) {
                    state.remove_error(&join);
                }
            }
            if let Some(line) = summary(&id, &counts, &state.unread, budget) {
                log(&mut self.logs, LogLevel::Info, line);
            }
            if capabilities.is_some() {
                state.capabilities.clone_from(&capabilities);
            }
        }
    }

    /// Answers the refusals that revoking certificates uncovered, in the same hook: a request
    /// whose certificate was revoked is outstanding again, and if the policy now refuses it (a
    /// CA request once CA requests are refused) it gets its error entry at once rather than
    /// from the next hook's [`Self::reconcile`]. Only `relations` (those where something was
    /// revoked) are looked at, and no summary line is logged (reconcile logged one).
    pub(super) fn answer_uncovered_refusals(&mut self, relations: &[RelationId]) {
        let budget = self.config.entries_read_per_databag();
        for id in relations {
            let Some(state) = self.relations.get(id) else {
                continue;
            };
            let refusals = self.verdicts(state).refusals;
            if let Some(state) = self.relations.get_mut(id) {
                answer_refusals(state, &mut self.logs, id, refusals, budget);
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
}
