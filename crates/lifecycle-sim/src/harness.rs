//! The model with both charms, the operations applied to it, and the statistics.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use juju_sim::{Fault, Model, SecretOwnerRef};
use serde_json::{Map, Value};
use time::Duration;

use crate::backend::PooledBackend;
use crate::ops::{
    Action, App, Databag, HOSTILE, MAX_UNITS, Op, ProviderChange, RequirerChange, ToolFault,
};
use crate::violation::Violation;

/// The provider application's name.
pub const PROVIDER: &str = "ca";
/// The requirer application's name.
pub const REQUIRER: &str = "web";
/// Hooks one settle may run.
pub const SETTLE_BOUND: usize = 2_000;

/// Counts over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Sequences run.
    pub sequences: u64,
    /// Operations applied.
    pub operations: u64,
    /// Hooks run.
    pub hooks: u64,
    /// Settles (during the sequence) that ended with a failing hook or the bound, tolerated
    /// because faults or hostile data may be around; the final settle must not.
    pub tolerated_settle_errors: u64,
    /// Final checks where certificates were expected (valid config on both sides, related).
    pub converged_checks: u64,
    /// Final checks where certificates were expected but the provider, by design, refused to
    /// overwrite its own databag value that it could not read (hostile content written into
    /// the provider's own databag): convergence is not required then.
    pub unreadable_own_value: u64,
    /// Invariant checks that ran, by invariant name.
    pub checks: BTreeMap<&'static str, u64>,
}

impl Stats {
    pub(crate) fn count(&mut self, invariant: &'static str) {
        *self.checks.entry(invariant).or_default() += 1;
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Self) {
        self.sequences += other.sequences;
        self.operations += other.operations;
        self.hooks += other.hooks;
        self.tolerated_settle_errors += other.tolerated_settle_errors;
        self.converged_checks += other.converged_checks;
        self.unreadable_own_value += other.unreadable_own_value;
        for (k, v) in &other.checks {
            *self.checks.entry(k).or_default() += v;
        }
    }
}

/// A juju-sim model running both charms in-process, and what the checker remembers.
pub struct Harness {
    /// The model (public so tests can break an invariant on purpose).
    pub model: Model,
    pub(crate) backend: Arc<PooledBackend>,
    pub(crate) dir: tempfile::TempDir,
    /// Units removed (they may still be running their last hooks).
    pub(crate) removed: BTreeSet<String>,
    /// Private key secret content last seen, by (owner, label).
    pub(crate) keys: BTreeMap<(String, String), String>,
    /// Owners whose key may change (an action or operator asked for it).
    pub(crate) key_change_allowed: BTreeSet<String>,
    /// Log lines already scanned, by unit.
    pub(crate) logs_scanned: BTreeMap<String, usize>,
    /// Log lines of each unit when the fault-free settle began.
    pub(crate) logs_at_final: BTreeMap<String, usize>,
    /// Statistics.
    pub stats: Stats,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("model", &self.model)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

pub(crate) fn owner_name(owner: &SecretOwnerRef) -> String {
    match owner {
        SecretOwnerRef::App(a) => format!("app {a}"),
        SecretOwnerRef::Unit(u) => u.clone(),
    }
}

fn config(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn app_name(app: App) -> &'static str {
    match app {
        App::Provider => PROVIDER,
        App::Requirer => REQUIRER,
    }
}

impl Harness {
    /// One provider unit and one requirer unit (mode `unit`), related, nothing run yet.
    /// `seed` seeds the backend's random stream (serial numbers).
    ///
    /// # Errors
    /// [`Violation::Simulator`] if the model cannot be built.
    pub fn new(seed: u64) -> Result<Self, Violation> {
        // The requirer fsyncs every file it writes: on tmpfs (`/dev/shm`) that costs nothing,
        // which makes sequences several times faster. Elsewhere, the usual temporary directory.
        let dir = tempfile::Builder::new()
            .prefix("lifecycle-sim")
            .tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .map_err(|e| sim_error(&e))?;
        let backend = Arc::new(PooledBackend::new(seed));
        let mut model = Model::new();
        let provider_meta =
            tls_certificates_demo::meta::provider_meta().map_err(|e| sim_error(&e))?;
        let requirer_meta =
            tls_certificates_demo::meta::requirer_meta().map_err(|e| sim_error(&e))?;
        model
            .deploy(
                PROVIDER,
                provider_meta,
                crate::charms::provider(Arc::clone(&backend), dir.path().join(PROVIDER)),
                1,
            )
            .map_err(|e| sim_error(&e))?;
        model
            .deploy(
                REQUIRER,
                requirer_meta,
                crate::charms::requirer(Arc::clone(&backend), dir.path().join(REQUIRER)),
                1,
            )
            .map_err(|e| sim_error(&e))?;
        model
            .relate(REQUIRER, "certificates", PROVIDER, "certificates")
            .map_err(|e| sim_error(&e))?;
        Ok(Self {
            model,
            backend,
            dir,
            removed: BTreeSet::new(),
            keys: BTreeMap::new(),
            key_change_allowed: BTreeSet::new(),
            logs_scanned: BTreeMap::new(),
            logs_at_final: BTreeMap::new(),
            stats: Stats::default(),
        })
    }

    /// The directory the requirer writes its files under (`<dir>/data/<unit>/`).
    pub fn requirer_dir(&self) -> std::path::PathBuf {
        self.dir.path().join(REQUIRER)
    }

    /// Live units of an application (not being removed), sorted.
    pub fn live_units(&self, app: &str) -> Vec<String> {
        let prefix = format!("{app}/");
        self.model
            .units()
            .into_iter()
            .filter(|u| u.starts_with(&prefix) && !self.removed.contains(u))
            .collect()
    }

    fn unit_at(&self, app: App, index: u8) -> Option<String> {
        let units = self.live_units(app_name(app));
        let len = units.len();
        (len > 0)
            .then(|| units.get(usize::from(index) % len).cloned())
            .flatten()
    }

    /// The relation between the requirer and the provider, if any.
    pub fn relation(&self) -> Option<u32> {
        let provider = self.model.relation_ids(Some(PROVIDER));
        self.model
            .relation_ids(Some(REQUIRER))
            .into_iter()
            .find(|id| provider.contains(id))
    }

    /// Applies one operation (hooks run only for [`Op::Steps`], [`Op::Settle`] and
    /// [`Op::Action`]); then checks the invariants that hold at every moment.
    ///
    /// # Errors
    /// The first invariant that does not hold.
    pub fn apply(&mut self, op: &Op) -> Result<(), Violation> {
        self.stats.operations += 1;
        let hooks_before = self.model.history().len();
        self.apply_op(op)?;
        self.stats.hooks += (self.model.history().len().saturating_sub(hooks_before)) as u64;
        // The hook history and trace are not needed: keep memory flat over long sequences.
        self.model.clear_records();
        self.check_always()
    }

    fn apply_op(&mut self, op: &Op) -> Result<(), Violation> {
        match op {
            Op::AddUnit(app) => {
                let name = app_name(*app);
                if self.live_units(name).len() < MAX_UNITS {
                    self.model.add_unit(name).map_err(|e| sim_error(&e))?;
                }
            }
            Op::RemoveUnit(app, index) => {
                if self.live_units(app_name(*app)).len() > 1
                    && let Some(unit) = self.unit_at(*app, *index)
                {
                    self.model.remove_unit(&unit).map_err(|e| sim_error(&e))?;
                    self.removed.insert(unit);
                }
            }
            Op::Relate => {
                if self.relation().is_none() {
                    self.model
                        .relate(REQUIRER, "certificates", PROVIDER, "certificates")
                        .map_err(|e| sim_error(&e))?;
                }
            }
            Op::Unrelate => {
                if let Some(id) = self.relation() {
                    self.model.remove_relation(id).map_err(|e| sim_error(&e))?;
                }
            }
            Op::ProviderConfig(change) => {
                let values = match change {
                    ProviderChange::CaCommonName(v) => config(&[("ca-common-name", (*v).into())]),
                    ProviderChange::CaOrganization(v) => {
                        config(&[("ca-organization", (*v).into())])
                    }
                    ProviderChange::RootValidity(v) => config(&[("root-ca-validity", (*v).into())]),
                    ProviderChange::CertificateValidity(v) => {
                        config(&[("certificate-validity", (*v).into())])
                    }
                    ProviderChange::CertificateLimit(v) => {
                        config(&[("certificate-limit", (*v).into())])
                    }
                    ProviderChange::AllowCaRequests(v) => {
                        config(&[("allow-ca-requests", (*v).into())])
                    }
                    ProviderChange::Reset => self.reset_all(PROVIDER),
                };
                self.model
                    .set_config(PROVIDER, values)
                    .map_err(|e| sim_error(&e))?;
            }
            Op::RequirerConfig(change) => {
                let values = match change {
                    RequirerChange::Mode(v) => config(&[("mode", (*v).into())]),
                    RequirerChange::CommonName(v) => config(&[("common-name", (*v).into())]),
                    RequirerChange::SansDns(v) => config(&[("sans-dns", (*v).into())]),
                    RequirerChange::SansIp(v) => config(&[("sans-ip", (*v).into())]),
                    RequirerChange::Organization(v) => config(&[("organization", (*v).into())]),
                    RequirerChange::IsCa(v) => config(&[("is-ca", (*v).into())]),
                    RequirerChange::KeyAlgorithm(v) => config(&[("key-algorithm", (*v).into())]),
                    RequirerChange::Reset => self.reset_all(REQUIRER),
                };
                self.model
                    .set_config(REQUIRER, values)
                    .map_err(|e| sim_error(&e))?;
            }
            Op::SetLeader(app, index) => {
                if let Some(unit) = self.unit_at(*app, *index) {
                    self.model.set_leader(&unit).map_err(|e| sim_error(&e))?;
                }
            }
            Op::AdvanceClock(minutes) => self.model.advance_clock(Duration::minutes(*minutes)),
            Op::FailTools { fault, count, unit } => {
                let unit = unit.and_then(|(app, index)| self.unit_at(app, index));
                for _ in 0..*count {
                    self.model.inject_fault(match fault {
                        ToolFault::Tool(tool) => Fault::Tool {
                            tool: (*tool).to_owned(),
                            unit: unit.clone(),
                        },
                        ToolFault::NthCall(n) => Fault::NthCall {
                            n: *n,
                            unit: unit.clone(),
                        },
                    });
                }
            }
            Op::CorruptDatabag(target, payload) => {
                let Some(relation) = self.relation() else {
                    return Ok(());
                };
                let owner = match target {
                    Databag::ProviderApp => Some(PROVIDER.to_owned()),
                    Databag::RequirerApp => Some(REQUIRER.to_owned()),
                    Databag::RequirerUnit(index) => self.unit_at(App::Requirer, *index),
                };
                let bag = HOSTILE
                    .get(usize::from(*payload))
                    .copied()
                    .unwrap_or_default()
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect();
                if let Some(owner) = owner {
                    self.model
                        .set_relation_data(relation, &owner, bag)
                        .map_err(|e| sim_error(&e))?;
                }
            }
            Op::RemoveSecret(app, index) => {
                let name = app_name(*app);
                let owned: Vec<String> = self
                    .model
                    .secrets()
                    .values()
                    .filter(|s| match &s.owner {
                        SecretOwnerRef::App(a) => a == name,
                        SecretOwnerRef::Unit(u) => u.starts_with(&format!("{name}/")),
                    })
                    .map(|s| s.xid.clone())
                    .collect();
                if !owned.is_empty()
                    && let Some(xid) = owned.get(usize::from(*index) % owned.len())
                {
                    self.model.remove_secret(xid).map_err(|e| sim_error(&e))?;
                }
            }
            Op::Action(action) => self.run_action(*action)?,
            Op::UpdateStatus => self.model.update_status(),
            Op::Steps(n) => {
                for _ in 0..*n {
                    match self.model.step() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => return Err(sim_error(&e)),
                    }
                }
            }
            Op::Settle => {
                if self.model.run_until_quiescent(SETTLE_BOUND).is_err() {
                    self.stats.tolerated_settle_errors += 1;
                }
            }
        }
        Ok(())
    }

    fn reset_all(&self, app: &str) -> BTreeMap<String, Value> {
        self.model
            .config(app)
            .unwrap_or_default()
            .into_keys()
            .map(|k| (k, Value::Null))
            .collect()
    }

    fn run_action(&mut self, action: Action) -> Result<(), Violation> {
        let (app, index, name) = match action {
            Action::RegeneratePrivateKey(i) => (App::Requirer, i, "regenerate-private-key"),
            Action::RenewCertificates(i) => (App::Requirer, i, "renew-certificates"),
            Action::GetCertificate(i) => (App::Requirer, i, "get-certificate"),
            Action::RotateCaKey(i) => (App::Provider, i, "rotate-private-key"),
            Action::GetIssuedCertificates(i) => (App::Provider, i, "get-issued-certificates"),
        };
        let Some(unit) = self.unit_at(app, index) else {
            return Ok(());
        };
        if name == "regenerate-private-key" {
            self.key_change_allowed.insert(unit.clone());
            if self.model.leader(REQUIRER) == Some(unit.as_str()) {
                self.key_change_allowed.insert(format!("app {REQUIRER}"));
            }
        }
        let outcome = self
            .model
            .run_action(&unit, name, Map::new())
            .map_err(|e| sim_error(&e))?;
        let place = format!("the result of {name} on {unit}");
        self.scan_results(&place, &outcome.results)?;
        if let Some(failure) = &outcome.failure {
            self.scan_text(&place, failure)?;
        }
        Ok(())
    }

    /// The fault-free end of a sequence: pending faults withdrawn, hooks run until quiescent
    /// (which must succeed), then `update-status` everywhere (Juju's periodic hook, which lets
    /// a charm repair its own databags), settled again.
    ///
    /// # Errors
    /// [`Violation::NeverSettles`] if a hook keeps failing or hooks never stop.
    pub fn settle_fault_free(&mut self) -> Result<(), Violation> {
        self.model.clear_faults();
        self.logs_at_final = self
            .model
            .units()
            .into_iter()
            .map(|u| {
                let n = self.model.logs(&u).len();
                (u, n)
            })
            .collect();
        self.settle_strict()?;
        self.model.update_status();
        self.settle_strict()
    }

    /// Runs hooks until quiescent; any error is a violation.
    ///
    /// # Errors
    /// [`Violation::NeverSettles`].
    pub fn settle_strict(&mut self) -> Result<(), Violation> {
        self.stats.count("settles");
        let hooks_before = self.model.history().len();
        let result = self.model.run_until_quiescent(SETTLE_BOUND);
        self.stats.hooks += (self.model.history().len().saturating_sub(hooks_before)) as u64;
        self.model.clear_records();
        result.map(|_| ()).map_err(|e| Violation::NeverSettles {
            detail: e.to_string(),
        })
    }

    /// The model's state in a few lines: clock, leaders, config, unit statuses and last log
    /// lines, databags (values cut), secrets (owner, label, revisions).
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let cut = |v: &str| -> String { v.chars().take(100).collect() };
        let mut out = String::new();
        let _ = writeln!(out, "now {}", self.model.now());
        for app in [PROVIDER, REQUIRER] {
            let _ = writeln!(
                out,
                "{app}: leader {:?}, config {:?}",
                self.model.leader(app),
                self.model.config(app).unwrap_or_default()
            );
        }
        for unit in self.model.units() {
            let status = self.model.unit_status(&unit).cloned().unwrap_or_default();
            let _ = writeln!(out, "{unit}: {} {:?}", status.kind, status.message);
            for line in self.model.logs(&unit).iter().rev().take(6).rev() {
                let _ = writeln!(
                    out,
                    "    {} {} {}",
                    line.hook,
                    line.level,
                    cut(&line.message)
                );
            }
        }
        for relation in self.model.relation_ids(None) {
            for owner in self
                .model
                .units()
                .iter()
                .map(String::as_str)
                .chain([PROVIDER, REQUIRER])
            {
                let bag = if owner.contains('/') {
                    self.model.unit_data(relation, owner)
                } else {
                    self.model.app_data(relation, owner)
                };
                for (k, v) in bag.into_iter().flatten() {
                    let _ = writeln!(out, "relation {relation} {owner} {k} = {}", cut(v));
                }
            }
        }
        for s in self.model.secrets().values() {
            let _ = writeln!(
                out,
                "secret {} of {}: {:?} latest {} revisions {:?}",
                s.xid,
                owner_name(&s.owner),
                s.label,
                s.latest,
                s.revisions.keys().collect::<Vec<_>>()
            );
        }
        out
    }

    /// Lets the private key of `owner` (a unit name, or `app <name>`) change once, as the
    /// regenerate action does.
    pub fn allow_key_change(&mut self, owner: &str) {
        self.key_change_allowed.insert(owner.to_owned());
    }

    /// How many keys the charms asked the backend for.
    pub fn keys_generated(&self) -> usize {
        self.backend.keys_generated()
    }
}

pub(crate) fn sim_error(e: &dyn std::fmt::Display) -> Violation {
    Violation::Simulator {
        detail: e.to_string(),
    }
}
