//! The provider's application databag, as the requirer reads it.

use std::collections::{HashMap, HashSet};

use tls_certificates_schema::v1;

use super::RequirerRelation;
use crate::common::{log, pem_join_key};
use crate::wire;
use juju_types::{LogLevel, LogLine, RelationId};

/// The provider's app databag, decoded once per relation.
pub(super) struct ProviderData {
    /// The certificate entries for the CSRs we asked about, by join key (the last of several).
    pub(super) certificates: HashMap<String, v1::ProviderCertificate>,
    pub(super) errors: Vec<v1::RequestError>,
}

/// Logs one line for the malformed entries of a provider's `what` on `relation`.
fn log_malformed(logs: &mut Vec<LogLine>, what: &str, relation: &RelationId, bad: &[String]) {
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
    pub(super) fn decode(
        relation: &RequirerRelation,
        wanted: &HashSet<String>,
        logs: &mut Vec<LogLine>,
    ) -> Self {
        let mut certificates = HashMap::new();
        if let Some(raw) = relation.remote_app.get(v1::ProviderData::CERTIFICATES_KEY) {
            let (entries, bad) = wire::decode_certificates(raw);
            log_malformed(logs, "certificate entries", &relation.id, &bad);
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
            log_malformed(logs, "request errors", &relation.id, &bad);
            errors = entries;
        }
        Self {
            certificates,
            errors,
        }
    }

    /// The provider's error for each of `ours` that it refused (the last of several), in the
    /// order the provider wrote them.
    pub(super) fn errors_for(&self, ours: &HashSet<String>) -> Vec<(String, &v1::RequestError)> {
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
