//! The hook's transaction: the writes a hook makes, pending until the charm succeeds, and
//! their commit with Juju's commit-time checks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use time::OffsetDateTime;

use crate::state::{Databag, Read, Secret, SecretOwnerRef, State, app_of, rotation_period};

/// A hook's pending writes. The tools read them back (a hook sees its own writes); the
/// resolver applies them with [`Transaction::commit`] when the charm succeeds and drops them
/// otherwise.
#[derive(Debug, Default)]
pub(crate) struct Transaction {
    /// The unit running the hook.
    unit: String,
    /// Pending merges into own databags: (relation, owner) -> delta ("" deletes).
    pub(super) rel_writes: BTreeMap<(u32, String), Databag>,
    /// Secrets created in this hook, by xid.
    pub(super) new_secrets: BTreeMap<String, Secret>,
    /// Pending `secret-set`s, by xid.
    pub(super) updates: BTreeMap<String, PendingUpdate>,
    /// Pending `secret-remove`s: xid and revision (`None`: the whole secret).
    pub(super) removes: Vec<(String, Option<u32>)>,
    /// Secrets read with `--refresh` after a `secret-set` in this hook: the unit tracks the new
    /// revision once it is committed (Juju's `pendingTrackLatest`).
    pub(super) track_latest: BTreeSet<String>,
    /// Pending grants (`true`) and revokes (`false`): xid, relation, application or unit.
    pub(super) grants: Vec<(String, u32, String, bool)>,
    /// Pending charm state changes (`None` deletes).
    pub(super) state_delta: BTreeMap<String, Option<String>>,
    /// The running action, if the hook is one.
    pub(super) action: Option<ActionCtx>,
}

/// A pending `secret-set` (merged per hook on Juju >= 3.6).
#[derive(Debug, Clone, Default)]
pub(super) struct PendingUpdate {
    pub(super) content: Option<Databag>,
    pub(super) label: Option<String>,
    pub(super) description: Option<String>,
    pub(super) expire: Option<OffsetDateTime>,
    pub(super) rotate: Option<String>,
}

/// The running action: its parameters and what the charm reported so far.
#[derive(Debug, Clone, Default)]
pub(super) struct ActionCtx {
    pub(super) id: u32,
    pub(super) params: Value,
    pub(super) results: BTreeMap<String, String>,
    pub(super) failure: Option<String>,
    pub(super) logs: Vec<String>,
}

impl Transaction {
    /// An empty transaction of a hook run by `unit` (an action's if `action` is given).
    pub(super) fn new(unit: &str, action: Option<ActionCtx>) -> Self {
        Self {
            unit: unit.to_owned(),
            action,
            ..Self::default()
        }
    }

    /// The owner label of a secret, counting this hook's pending relabel.
    pub(super) fn owner_label(&self, s: &Secret) -> Option<String> {
        self.updates
            .get(&s.xid)
            .and_then(|u| u.label.clone())
            .or_else(|| s.label.clone())
    }

    /// The unit's charm state as this hook sees it: committed state with the pending changes.
    pub(super) fn charm_state(&self, state: &State) -> Databag {
        let mut charm_state = state
            .unit(&self.unit)
            .map(|u| u.state.clone())
            .unwrap_or_default();
        for (k, v) in &self.state_delta {
            match v {
                Some(v) => charm_state.insert(k.clone(), v.clone()),
                None => charm_state.remove(k),
            };
        }
        charm_state
    }

    /// Records what the action of a failed hook reported (action results stay either way).
    pub(super) fn keep_action_results(&mut self, state: &mut State) {
        if let Some(a) = self.action.take() {
            let failure = a
                .failure
                .or_else(|| Some("the action's hook failed".into()));
            state
                .action_outcomes
                .insert(a.id, (a.results, failure, a.logs));
        }
    }

    /// Commits the transaction, or refuses it (nothing applied) with the reason.
    pub(crate) fn commit(mut self, state: &mut State) -> Result<(), String> {
        self.check_labels(state)?;
        let unit = self.unit.clone();
        let app = app_of(&unit).to_owned();
        // Relation data.
        let writes = std::mem::take(&mut self.rel_writes);
        for ((id, owner), delta) in writes {
            let Some(rel) = state.relations.get_mut(&id) else {
                continue;
            };
            let is_peer = rel.is_peer();
            let bag = if owner.contains('/') {
                rel.unit_bags.entry(owner.clone()).or_default()
            } else {
                rel.app_bags.entry(owner.clone()).or_default()
            };
            let before = bag.data.clone();
            for (k, v) in delta {
                if v.is_empty() {
                    bag.data.remove(&k);
                } else {
                    bag.data.insert(k, v);
                }
            }
            if bag.data != before {
                bag.version += 1;
                let version = bag.version;
                // A unit never gets -changed for its own (app) writes.
                if is_peer
                    && owner == app
                    && let Some(u) = state.unit_mut(&unit)
                    && let Some(view) = u.views.get_mut(&id)
                {
                    view.app_seen = version;
                }
            }
        }
        // Secrets.
        for (xid, s) in std::mem::take(&mut self.new_secrets) {
            state.secrets.insert(xid, s);
        }
        for (xid, up) in std::mem::take(&mut self.updates) {
            let Some(s) = state.secrets.get_mut(&xid) else {
                continue;
            };
            if let Some(content) = up.content {
                let same = s.revisions.get(&s.latest).map(|r| &r.content) == Some(&content);
                if !same || !state.options.coalesce_secret_set {
                    // A new revision completes a rotation: the next one is a period away.
                    s.rotates = s
                        .rotate
                        .as_deref()
                        .and_then(rotation_period)
                        .and_then(|p| state.now.checked_add(p));
                    s.add_revision(content);
                }
            }
            if let Some(e) = up.expire
                && let Some(rev) = s.revisions.get_mut(&s.latest)
            {
                rev.expire = Some(e);
            }
            apply_metadata(s, up.label, up.description, up.rotate, state.now);
        }
        for xid in std::mem::take(&mut self.track_latest) {
            if let Some(s) = state.secrets.get_mut(&xid) {
                s.consume(&unit, Read::Refresh, None);
            }
        }
        for (xid, rel, target, grant) in std::mem::take(&mut self.grants) {
            if let Some(s) = state.secrets.get_mut(&xid) {
                if grant {
                    s.grants.entry(rel).or_default().insert(target);
                } else if let Some(g) = s.grants.get_mut(&rel) {
                    g.remove(&target);
                }
            }
        }
        for (xid, revision) in std::mem::take(&mut self.removes) {
            match revision {
                Some(rev) => {
                    let mut now_empty = false;
                    if let Some(s) = state.secrets.get_mut(&xid)
                        && s.revisions.remove(&rev).is_some()
                    {
                        state.removed_revisions.push((xid.clone(), rev));
                        now_empty = s.revisions.is_empty();
                    }
                    if now_empty {
                        state.secrets.remove(&xid);
                    }
                }
                None => {
                    if let Some(s) = state.secrets.remove(&xid) {
                        for rev in s.revisions.keys() {
                            state.removed_revisions.push((xid.clone(), *rev));
                        }
                    }
                }
            }
        }
        // Charm state.
        let charm_state = self.charm_state(state);
        if let Some(u) = state.unit_mut(&unit) {
            u.state = charm_state;
        }
        self.state_delta.clear();
        self.keep_action_results_committed(state);
        Ok(())
    }

    fn keep_action_results_committed(&mut self, state: &mut State) {
        if let Some(a) = self.action.take() {
            state
                .action_outcomes
                .insert(a.id, (a.results, a.failure, a.logs));
        }
    }

    /// Juju refuses at commit a label that another secret of the same owner already has.
    fn check_labels(&mut self, state: &mut State) -> Result<(), String> {
        let mut seen: BTreeSet<(SecretOwnerRef, String)> = BTreeSet::new();
        let removed: BTreeSet<&str> = self
            .removes
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(x, _)| x.as_str())
            .collect();
        let all = state
            .secrets
            .values()
            .filter(|s| !removed.contains(s.xid.as_str()))
            .chain(self.new_secrets.values());
        for s in all {
            if let Some(l) = self.owner_label(s)
                && !seen.insert((s.owner.clone(), l.clone()))
            {
                self.keep_action_results(state);
                return Err(format!("secret with label {l:?} already exists"));
            }
        }
        Ok(())
    }
}

/// Applies a `secret-set`'s metadata to `secret`: given fields replace the current ones, and a
/// new rotation policy schedules the next rotation one period from `now`.
pub(super) fn apply_metadata(
    secret: &mut Secret,
    label: Option<String>,
    description: Option<String>,
    rotate: Option<String>,
    now: OffsetDateTime,
) {
    if label.is_some() {
        secret.label = label;
    }
    if description.is_some() {
        secret.description = description;
    }
    if let Some(policy) = rotate {
        secret.rotates = rotation_period(&policy).and_then(|p| now.checked_add(p));
        secret.rotate = Some(policy);
    }
}
