//! Read-only queries on the model.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Model;
use crate::hook::{HookReport, ToolCall};
use crate::state::{Databag, LogRecord, Secret, Status, app_of, effective_config};

impl Model {
    /// The names of all units, sorted.
    pub fn units(&self) -> Vec<String> {
        self.state.units()
    }

    /// The leader of an application.
    pub fn leader(&self, app: &str) -> Option<&str> {
        self.state.leader(app)
    }

    /// A unit's current workload status.
    pub fn unit_status(&self, unit: &str) -> Option<&Status> {
        self.state.unit(unit).map(|u| &u.status)
    }

    /// Every status a unit set, oldest first.
    pub fn unit_status_history(&self, unit: &str) -> Option<&[Status]> {
        self.state.unit(unit).map(|u| u.status_history.as_slice())
    }

    /// An application's status (set by its leader with `status-set --application`).
    pub fn app_status(&self, app: &str) -> Option<&Status> {
        self.state.apps.get(app).map(|a| &a.status)
    }

    /// A unit's address (what `network-get` answers; see [`Model::set_unit_address`]).
    pub fn unit_address(&self, unit: &str) -> Option<&str> {
        self.state.unit(unit).map(|u| u.address.as_str())
    }

    /// A unit's `application-version-set` value.
    pub fn workload_version(&self, unit: &str) -> Option<&str> {
        self.state.unit(unit).map(|u| u.workload_version.as_str())
    }

    /// A unit's `juju-log` lines (and process stdout/stderr lines), oldest first.
    pub fn logs(&self, unit: &str) -> &[LogRecord] {
        self.state.unit(unit).map_or(&[], |u| u.logs.as_slice())
    }

    /// A unit's charm state (`state-set`).
    pub fn unit_state(&self, unit: &str) -> Option<&Databag> {
        self.state.unit(unit).map(|u| &u.state)
    }

    /// The effective config of an application (set values over defaults).
    pub fn config(&self, app: &str) -> Option<BTreeMap<String, Value>> {
        self.state.apps.get(app).map(effective_config)
    }

    /// The ids of live (not dying) relations, optionally only those involving `app`.
    pub fn relation_ids(&self, app: Option<&str>) -> Vec<u32> {
        self.state
            .relations
            .values()
            .filter(|r| !r.dying && app.is_none_or(|a| r.endpoint_of(a).is_some()))
            .map(|r| r.id)
            .collect()
    }

    /// The committed databag of a unit in a relation (`None` if it has none).
    pub fn unit_data(&self, relation: u32, unit: &str) -> Option<&Databag> {
        self.state
            .relations
            .get(&relation)
            .and_then(|r| r.unit_bags.get(unit))
            .map(|v| &v.data)
    }

    /// The committed databag of an application in a relation.
    pub fn app_data(&self, relation: u32, app: &str) -> Option<&Databag> {
        self.state
            .relations
            .get(&relation)
            .and_then(|r| r.app_bags.get(app))
            .map(|v| &v.data)
    }

    /// All secrets in the model, by xid.
    pub fn secrets(&self) -> &BTreeMap<String, Secret> {
        &self.state.secrets
    }

    /// The secret a unit (or, if it leads, its app) owns under owner label `label`.
    pub fn owned_secret(&self, unit: &str, label: &str) -> Option<&Secret> {
        let leader = self.leader(app_of(unit)) == Some(unit);
        self.state
            .secrets
            .values()
            .find(|s| s.label.as_deref() == Some(label) && s.owned_by(unit, app_of(unit), leader))
    }

    /// Secret revisions removed so far, `(xid, revision)`, oldest first.
    pub fn removed_revisions(&self) -> &[(String, u32)] {
        &self.state.removed_revisions
    }
    /// Every hook-tool call made so far, oldest first.
    pub fn trace(&self) -> &[ToolCall] {
        &self.state.trace
    }

    /// Every hook run so far, oldest first.
    pub fn history(&self) -> &[HookReport] {
        &self.state.history
    }
}
