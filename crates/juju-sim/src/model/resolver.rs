//! The hook resolver: which hook a unit runs next (as Juju's uniter decides), running it, and
//! the bookkeeping after a committed hook.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::Model;
use crate::error::{Error, Result};
use crate::hook::{Hook, HookOutcome, HookReport};
use crate::session;
use crate::state::{ActionOutcome, RelView, Relation, SecretOwnerRef, app_of};

impl Model {
    /// Juju's resolver: the next hook `unit` would run, if any (`worker/uniter/resolver.go`).
    ///
    /// * `install` first; a dying unit then runs every relation's `-departed` and `-broken`
    ///   (none for peer relations), then `stop`, then `remove` (`case life.Dying`).
    /// * `-relation-created` for relations the unit does not know yet, then leadership:
    ///   `leader-elected` on becoming leader, `leader-settings-changed` only on a non-leader's
    ///   first start (leader settings are not simulated; a demotion runs no hook).
    /// * The secrets resolver (`worker/uniter/secrets/resolver.go`): `secret-expired`, then
    ///   `secret-rotate`, then `secret-changed`, then `secret-remove`.
    /// * Then `config-changed`, `start`, relation hooks (non-peer relations before peer ones,
    ///   `relation/resolver.go`), and queued hooks.
    fn next_hook(&self, unit_name: &str) -> Option<Hook> {
        let unit = self.state.unit(unit_name)?;
        let app = self.state.apps.get(app_of(unit_name))?;
        if !unit.installed {
            return Some(Hook::Install);
        }
        let mut my_rels: Vec<&Relation> = self
            .state
            .relations
            .values()
            .filter(|r| r.endpoint_of(&app.name).is_some())
            .collect();
        my_rels.sort_by_key(|r| (r.is_peer(), r.id));
        if unit.dying {
            for rel in &my_rels {
                if let Some(view) = unit.views.get(&rel.id) {
                    if let Some(u) = view.members.keys().next() {
                        return Some(Hook::RelationDeparted {
                            relation: rel.id,
                            unit: u.clone(),
                            departing: unit_name.to_owned(),
                        });
                    }
                    if !rel.is_peer() {
                        return Some(Hook::RelationBroken { relation: rel.id });
                    }
                }
            }
            if !unit.stopped {
                return Some(Hook::Stop);
            }
            return Some(Hook::Remove);
        }
        // relation-created for relations that exist (not dying) and are not yet known.
        for rel in &my_rels {
            if !rel.dying && !unit.views.contains_key(&rel.id) {
                return Some(Hook::RelationCreated { relation: rel.id });
            }
        }
        let leader = app.leader.as_deref() == Some(unit_name);
        if leader && unit.leader_seen != Some(true) {
            return Some(Hook::LeaderElected);
        }
        if !leader && unit.leader_seen.is_none() {
            return Some(Hook::LeaderSettingsChanged);
        }
        if let Some(h) = self.next_secret_hook(unit_name, leader) {
            return Some(h);
        }
        if unit.config_seen < app.config_version {
            return Some(Hook::ConfigChanged);
        }
        if !unit.started {
            return Some(Hook::Start);
        }
        for rel in &my_rels {
            if let Some(view) = unit.views.get(&rel.id)
                && let Some(h) = self.next_relation_hook(unit_name, leader, rel, view)
            {
                return Some(h);
            }
        }
        unit.queued.front().cloned()
    }

    /// Juju's `nextHookForRelation`.
    fn next_relation_hook(
        &self,
        unit: &str,
        leader: bool,
        rel: &Relation,
        view: &RelView,
    ) -> Option<Hook> {
        let id = rel.id;
        let remote = rel.remote_scope(unit);
        if let Some(u) = &view.changed_pending
            && remote.contains(u)
        {
            return Some(Hook::RelationChanged {
                relation: id,
                unit: Some(u.clone()),
            });
        }
        if let Some(u) = view.members.keys().find(|u| !remote.contains(*u)) {
            return Some(Hook::RelationDeparted {
                relation: id,
                unit: u.clone(),
                departing: u.clone(),
            });
        }
        if rel.dying {
            return Some(Hook::RelationBroken { relation: id });
        }
        let remote_app = rel.remote_app_of(app_of(unit)).unwrap_or_default();
        let app_version = rel.app_bags.get(remote_app).map_or(0, |b| b.version);
        if app_version > view.app_seen && !(rel.is_peer() && leader) {
            return Some(Hook::RelationChanged {
                relation: id,
                unit: None,
            });
        }
        if let Some(u) = remote.iter().find(|u| !view.members.contains_key(*u)) {
            return Some(Hook::RelationJoined {
                relation: id,
                unit: u.clone(),
            });
        }
        for (u, seen) in &view.members {
            let version = rel.unit_bags.get(u).map_or(0, |b| b.version);
            if version > *seen {
                return Some(Hook::RelationChanged {
                    relation: id,
                    unit: Some(u.clone()),
                });
            }
        }
        None
    }

    /// Juju's secrets resolver (`worker/uniter/secrets/resolver.go` `NextOp`), in its order:
    /// `secret-expired` and `secret-rotate` to the owner (the leader for app-owned secrets),
    /// `secret-changed` to every unit with a consumer record (owner side included) whose
    /// secret's latest revision is above 1 and differs from the revision it was last notified
    /// of (`state/secrets.go` consumed-secrets watcher), `secret-remove` to the owner once per
    /// obsolete revision.
    fn next_secret_hook(&self, unit_name: &str, leader: bool) -> Option<Hook> {
        let unit = self.state.unit(unit_name)?;
        let app = app_of(unit_name);
        let owned = || {
            self.state
                .secrets
                .values()
                .filter(move |s| s.owned_by(unit_name, app, leader))
        };
        for s in owned() {
            for (rev, r) in &s.revisions {
                if let Some(exp) = r.expire
                    && exp <= self.state.now
                    && !unit.expired_fired.contains(&(s.xid.clone(), *rev))
                {
                    return Some(Hook::SecretExpired {
                        xid: s.xid.clone(),
                        revision: *rev,
                    });
                }
            }
        }
        for s in owned() {
            if let Some(due) = s.rotates
                && due <= self.state.now
                && !unit.rotate_fired.contains(&s.xid)
            {
                return Some(Hook::SecretRotate { xid: s.xid.clone() });
            }
        }
        for s in self.state.secrets.values() {
            if s.trackers.contains_key(unit_name) {
                let seen = unit.secret_changed_seen.get(&s.xid).copied().unwrap_or(0);
                if s.latest > 1 && s.latest != seen {
                    return Some(Hook::SecretChanged { xid: s.xid.clone() });
                }
            }
        }
        for s in owned() {
            for (rev, r) in &s.revisions {
                if r.obsolete && !unit.remove_fired.contains(&(s.xid.clone(), *rev)) {
                    return Some(Hook::SecretRemove {
                        xid: s.xid.clone(),
                        revision: *rev,
                    });
                }
            }
        }
        None
    }

    /// Units that have a hook to run, in round-robin order after the last unit that ran.
    fn runnable(&self) -> Vec<(String, Hook)> {
        let mut all: Vec<(String, Hook)> = self
            .units()
            .into_iter()
            .filter_map(|u| self.next_hook(&u).map(|h| (u, h)))
            .collect();
        if let Some(last) = &self.last_unit {
            let pos = all.iter().position(|(u, _)| u > last).unwrap_or(0);
            all.rotate_left(pos);
        }
        all
    }

    /// Runs the next hook Juju would run (units take turns), if any.
    ///
    /// # Errors
    /// Errors of [`Model::run_hook`].
    pub fn step(&mut self) -> Result<Option<HookReport>> {
        let mut runnable = self.runnable();
        if runnable.is_empty() {
            return Ok(None);
        }
        let pick = match self.state.options.seed {
            Some(seed) => {
                // xorshift64*, seeded once per model.
                let mut x = if self.rng == 0 { seed | 1 } else { self.rng };
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                self.rng = x;
                (x.wrapping_mul(0x2545_F491_4F6C_DD1D) % runnable.len() as u64) as usize
            }
            None => 0,
        };
        let (unit, hook) = runnable.swap_remove(pick);
        self.last_unit = Some(unit.clone());
        self.run_hook(&unit, hook).map(Some)
    }

    /// Whether no unit has a hook to run.
    pub fn is_quiescent(&self) -> bool {
        self.runnable().is_empty()
    }

    /// Runs hooks until no unit has one to run, and returns how many ran. A failed hook is
    /// retried (as Juju does) up to
    /// [`SimOptions::failure_limit`](crate::SimOptions::failure_limit) times in a row.
    ///
    /// # Errors
    /// [`Error::HookKeepsFailing`] naming the unit, the hook and the reason when one hook of a
    /// unit failed that many times in a row; [`Error::Livelock`] when `bound` hooks ran and
    /// more are pending (hooks that keep triggering each other); errors of
    /// [`Model::run_hook`].
    pub fn run_until_quiescent(&mut self, bound: usize) -> Result<usize> {
        let mut ran = 0;
        let mut recent: VecDeque<String> = VecDeque::new();
        // Per unit: the hook that failed last and how many times in a row.
        let mut failing: BTreeMap<String, (String, usize)> = BTreeMap::new();
        loop {
            if ran >= bound {
                if self.is_quiescent() {
                    return Ok(ran);
                }
                return Err(Error::Livelock {
                    bound,
                    recent: recent.into_iter().collect(),
                });
            }
            match self.step()? {
                None => return Ok(ran),
                Some(report) => {
                    ran += 1;
                    if recent.len() >= 10 {
                        recent.pop_front();
                    }
                    recent.push_back(report.to_string());
                    let reason = match &report.outcome {
                        HookOutcome::Committed => {
                            failing.remove(&report.unit);
                            continue;
                        }
                        HookOutcome::Failed { reason } | HookOutcome::CommitRefused { reason } => {
                            reason.clone()
                        }
                    };
                    let entry = failing
                        .entry(report.unit.clone())
                        .or_insert_with(|| (report.name.clone(), 0));
                    if entry.0 != report.name {
                        *entry = (report.name.clone(), 0);
                    }
                    entry.1 += 1;
                    if entry.1 >= self.state.options.failure_limit.max(1) {
                        return Err(Error::HookKeepsFailing {
                            unit: report.unit,
                            hook: report.name,
                            attempts: entry.1,
                            reason,
                        });
                    }
                }
            }
        }
    }

    /// Queues nothing: runs action `name` with JSON `params` on `unit` now and returns what it
    /// produced. Schema defaults of the action's parameters are filled in.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the charm has no such action; errors of [`Model::run_hook`].
    pub fn run_action(
        &mut self,
        unit: &str,
        name: &str,
        params: serde_json::Map<String, Value>,
    ) -> Result<ActionOutcome> {
        let app = self
            .state
            .apps
            .get(app_of(unit))
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        let spec =
            app.meta.actions.get(name).ok_or_else(|| {
                Error::InvalidInput(format!("{} has no action {name:?}", app.name))
            })?;
        let mut full = serde_json::Map::new();
        for (k, schema) in &spec.params {
            if let Some(d) = schema.get("default") {
                full.insert(k.clone(), d.clone());
            }
        }
        full.extend(params);
        let id = self.next_action;
        self.next_action += 1;
        let report = self.run_hook(
            unit,
            Hook::Action {
                id,
                name: name.to_owned(),
                params: Value::Object(full).to_string(),
            },
        )?;
        let (results, failure, logs) = self.state.action_outcomes.remove(&id).unwrap_or_default();
        Ok(ActionOutcome {
            results,
            failure,
            logs,
            report,
        })
    }

    /// Runs one hook on one unit now, whatever the resolver would pick (state in, state out).
    /// Its transactional writes commit only if the charm succeeds; the unit's local knowledge
    /// (joined units, seen versions, ...) advances only then too.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`], [`Error::InconsistentHook`] for a hook about a relation or
    /// secret the unit cannot see; [`Error::ProcessFailed`] if a charm process could not run.
    pub fn run_hook(&mut self, unit: &str, hook: Hook) -> Result<HookReport> {
        let run = session::run(&mut self.state, unit, &hook)?;
        let outcome = match run.result {
            Ok(transaction) => match transaction.commit(&mut self.state) {
                Ok(()) => HookOutcome::Committed,
                Err(reason) => HookOutcome::CommitRefused { reason },
            },
            Err(reason) => HookOutcome::Failed { reason },
        };
        if outcome.is_committed() {
            self.hook_done(unit, &hook, run.carried_revision);
        }
        let report = HookReport {
            unit: unit.to_owned(),
            hook,
            name: run.name,
            outcome,
            env: run.env,
        };
        self.state.history.push(report.clone());
        if let Some(progress) = &self.progress {
            progress(&report);
        }
        Ok(report)
    }

    /// Bookkeeping after a committed hook: advance the unit's local knowledge. `carried` is the
    /// secret revision the hook carried (`JUJU_SECRET_REVISION`).
    fn hook_done(&mut self, unit_name: &str, hook: &Hook, carried: Option<u32>) {
        let leader = self.state.is_leader(unit_name);
        let config_version = self
            .state
            .apps
            .get(app_of(unit_name))
            .map_or(0, |a| a.config_version);
        let rel_info = hook
            .relation()
            .and_then(|id| self.state.relations.get(&id))
            .map(|r| {
                let remote_app = r.remote_app_of(app_of(unit_name)).unwrap_or_default();
                (
                    r.app_bags.get(remote_app).map_or(0, |b| b.version),
                    r.unit_bags.clone(),
                )
            });
        let Some(unit) = self.state.unit_mut(unit_name) else {
            return;
        };
        if unit.queued.front() == Some(hook) {
            unit.queued.pop_front();
        }
        match hook {
            Hook::Install => unit.installed = true,
            Hook::Start => unit.started = true,
            Hook::Stop => unit.stopped = true,
            Hook::ConfigChanged => unit.config_seen = config_version,
            Hook::LeaderElected | Hook::LeaderSettingsChanged => unit.leader_seen = Some(leader),
            Hook::RelationCreated { relation } => {
                unit.views.entry(*relation).or_default().created = true;
            }
            Hook::RelationJoined { relation, unit: u } => {
                let version = rel_info
                    .as_ref()
                    .and_then(|(_, bags)| bags.get(u))
                    .map_or(0, |b| b.version);
                let view = unit.views.entry(*relation).or_default();
                view.members.insert(u.clone(), version);
                view.changed_pending = Some(u.clone());
            }
            Hook::RelationChanged {
                relation,
                unit: Some(u),
            } => {
                let version = rel_info
                    .as_ref()
                    .and_then(|(_, bags)| bags.get(u))
                    .map_or(0, |b| b.version);
                let view = unit.views.entry(*relation).or_default();
                if let Some(seen) = view.members.get_mut(u) {
                    *seen = version;
                }
                if view.changed_pending.as_ref() == Some(u) {
                    view.changed_pending = None;
                }
            }
            Hook::RelationChanged {
                relation,
                unit: None,
            } => {
                let v = rel_info.as_ref().map_or(0, |(v, _)| *v);
                unit.views.entry(*relation).or_default().app_seen = v;
            }
            Hook::RelationDeparted {
                relation, unit: u, ..
            } => {
                let view = unit.views.entry(*relation).or_default();
                view.members.remove(u);
                if view.changed_pending.as_ref() == Some(u) {
                    view.changed_pending = None;
                }
            }
            Hook::RelationBroken { relation } => {
                unit.views.remove(relation);
            }
            Hook::SecretChanged { xid } => {
                let latest = self.state.secrets.get(xid).map_or(0, |s| s.latest);
                if let Some(unit) = self.state.unit_mut(unit_name) {
                    unit.secret_changed_seen
                        .insert(xid.clone(), carried.unwrap_or(latest));
                }
            }
            Hook::SecretExpired { xid, revision } => {
                unit.expired_fired.insert((xid.clone(), *revision));
            }
            Hook::SecretRemove { xid, revision } => {
                unit.remove_fired.insert((xid.clone(), *revision));
            }
            Hook::SecretRotate { xid } => {
                unit.rotate_fired.insert(xid.clone());
            }
            Hook::Remove => self.forget_unit(unit_name),
            Hook::Action { .. } | Hook::UpdateStatus | Hook::UpgradeCharm => {}
        }
        if let Hook::RelationCreated { relation } = hook {
            self.enter_scope(unit_name, *relation);
        }
        self.collect_garbage();
    }

    /// A unit entered scope of a relation (its `-created` committed).
    fn enter_scope(&mut self, unit: &str, relation: u32) {
        let address = self
            .state
            .unit(unit)
            .map(|u| u.address.clone())
            .unwrap_or_default();
        if let Some(rel) = self.state.relations.get_mut(&relation)
            && !rel.dying
        {
            rel.scope.insert(unit.to_owned());
            let bag = rel.unit_bags.entry(unit.to_owned()).or_default();
            for key in ["private-address", "ingress-address"] {
                bag.data.insert(key.to_owned(), address.clone());
            }
            bag.data.insert(
                "egress-subnets".to_owned(),
                session::egress_subnet(&address),
            );
            bag.version += 1;
        }
    }

    fn forget_unit(&mut self, unit: &str) {
        let app = app_of(unit).to_owned();
        let mut app_gone = false;
        if let Some(a) = self.state.apps.get_mut(&app) {
            a.units.retain(|_, u| u.name != unit);
            app_gone = a.dying && a.units.is_empty();
        }
        if app_gone {
            self.forget_app(&app);
            for rel in self.state.relations.values_mut() {
                if rel.endpoint_of(&app).is_some() {
                    rel.dying = true;
                }
            }
        }
        self.state
            .secrets
            .retain(|_, s| s.owner != SecretOwnerRef::Unit(unit.to_owned()));
        for s in self.state.secrets.values_mut() {
            s.trackers.remove(unit);
        }
        for rel in self.state.relations.values_mut() {
            rel.scope.remove(unit);
        }
    }

    /// Drops dying relations that no unit knows any more, with their secret grants.
    fn collect_garbage(&mut self) {
        let known: BTreeSet<u32> = self
            .state
            .apps
            .values()
            .flat_map(|a| a.units.values())
            .flat_map(|u| u.views.keys().copied())
            .collect();
        let gone: Vec<u32> = self
            .state
            .relations
            .values()
            .filter(|r| r.dying && !known.contains(&r.id))
            .map(|r| r.id)
            .collect();
        for id in gone {
            self.state.relations.remove(&id);
            for s in self.state.secrets.values_mut() {
                s.grants.remove(&id);
            }
        }
    }
}
