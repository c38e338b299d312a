//! The plan: the minimal databag writes, and the log lines.

use super::state::OwnCertificates;
use super::{Provider, ProviderPlan};
use tls_certificates_schema::v1::ProviderData;

use crate::common::{DatabagWrite, log};
use juju_types::{LogLevel, Target};

impl Provider<'_> {
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
                        relation_id: id.clone(),
                        target: Target::App,
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
