//! The model: applications, units, relations and secrets, and the hooks they generate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::charm::Charm;
use crate::error::{Error, Result};
use crate::hook::{Fault, Hook, HookOutcome, HookReport, ToolCall};
use crate::meta::{CharmMeta, Role};

/// A relation databag: keys to string values.
pub type Databag = BTreeMap<String, String>;

/// How the simulator mints secret ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecretUriForm {
    /// `secret:<xid>` (the usual form).
    #[default]
    Short,
    /// `secret://<model-uuid>/<xid>` (as some 3.x controllers mint them).
    WithModelUuid,
}

/// Knobs that change which Juju the simulator imitates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimOptions {
    /// `JUJU_VERSION` given to charms.
    pub juju_version: String,
    /// Juju >= 3.6 behaviour: several `secret-set` calls on one secret in one hook merge into
    /// one update. `false` imitates older Juju: the last call wins, earlier ones are lost.
    pub coalesce_secret_set: bool,
    /// The form of minted secret ids.
    pub secret_uri_form: SecretUriForm,
    /// `Some(seed)`: pick the next unit to run at random (reproducibly from the seed) instead
    /// of round-robin, to exercise "no ordering guarantees across units and relations".
    pub seed: Option<u64>,
    /// How many times in a row one hook of a unit may fail before
    /// [`Model::run_until_quiescent`] gives up with [`Error::HookKeepsFailing`].
    pub failure_limit: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            juju_version: "3.6.14".to_owned(),
            coalesce_secret_set: true,
            secret_uri_form: SecretUriForm::Short,
            seed: None,
            failure_limit: 5,
        }
    }
}

/// A unit's workload status, as set with `status-set`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// `active`, `blocked`, `maintenance`, `waiting`, or `unknown` (never set).
    pub kind: String,
    /// The message.
    pub message: String,
}

/// One `juju-log` line (or a line of the charm's stdout/stderr in process mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The hook that logged it.
    pub hook: String,
    /// `TRACE`, `DEBUG`, `INFO`, `WARNING` or `ERROR`.
    pub level: String,
    /// The message.
    pub message: String,
}

/// What an action run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionOutcome {
    /// `action-set` results (dotted keys as given).
    pub results: BTreeMap<String, String>,
    /// `Some(message)` if the charm called `action-fail`.
    pub failure: Option<String>,
    /// `action-log` messages.
    pub logs: Vec<String>,
    /// The hook report of the action's run.
    pub report: HookReport,
}

/// Who owns a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretOwnerRef {
    /// An application; its leader manages the secret.
    App(String),
    /// A unit.
    Unit(String),
}

/// One revision of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revision {
    /// The content.
    pub content: Databag,
    /// When this revision expires, if it does.
    pub expire: Option<OffsetDateTime>,
    /// Whether the revision is obsolete: no consumer record points at it any more (Juju marks
    /// it when a newer revision is written or a consumer moves forward); its owner gets
    /// `secret-remove` for it once.
    pub obsolete: bool,
}

impl Revision {
    /// A revision with `content`, expiring at `expire`.
    pub fn new(content: Databag, expire: Option<OffsetDateTime>) -> Self {
        Self {
            content,
            expire,
            obsolete: false,
        }
    }
}

/// A unit's consumer record of a secret (Juju's `secretConsumerDoc`): the revision it tracks
/// and its consumer label. Every unit that reads a secret has one, owners included.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tracker {
    /// The tracked revision.
    pub revision: u32,
    /// The consumer label, if any.
    pub label: Option<String>,
}

/// How `secret-get` reads a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Latest revision, without moving the consumer record (`--peek`).
    Peek,
    /// Latest revision, moving the consumer record to it (`--refresh`).
    Refresh,
    /// The revision of the consumer record.
    Tracked,
}

/// A secret in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The 20-character id.
    pub xid: String,
    /// The full id as handed out (`secret:<xid>` or `secret://<uuid>/<xid>`).
    pub uri: String,
    /// The owner.
    pub owner: SecretOwnerRef,
    /// The owner's label.
    pub label: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Rotation policy word.
    pub rotate: Option<String>,
    /// When the next `secret-rotate` is due (from the policy), if ever.
    pub rotates: Option<OffsetDateTime>,
    /// Revisions that still exist.
    pub revisions: BTreeMap<u32, Revision>,
    /// The latest revision number.
    pub latest: u32,
    /// Consumer records by unit: every unit that has read the secret (owners too), with the
    /// revision it tracks and its consumer label.
    pub trackers: BTreeMap<String, Tracker>,
    /// Grants: relation id -> application or unit names.
    pub grants: BTreeMap<u32, BTreeSet<String>>,
}

impl Secret {
    /// Whether `unit` (of `app`) owns the secret, given whether it leads its app.
    pub(crate) fn owned_by(&self, unit: &str, app: &str, leader: bool) -> bool {
        match &self.owner {
            SecretOwnerRef::Unit(u) => u == unit,
            SecretOwnerRef::App(a) => a == app && leader,
        }
    }

    /// Whether the owner side includes `unit` (for app-owned: any unit of the app).
    pub(crate) fn owner_side(&self, unit: &str) -> bool {
        match &self.owner {
            SecretOwnerRef::Unit(u) => u == unit,
            SecretOwnerRef::App(a) => app_of(unit) == a,
        }
    }

    /// A read by `unit` (Juju `secretsmanager` `getConsumedRevision`): the unit's consumer
    /// record is created at the latest revision on its first read whatever the mode, moved to
    /// the latest by [`Read::Refresh`]; `label` becomes its consumer label. Returns the
    /// revision to read.
    pub(crate) fn consume(&mut self, unit: &str, mode: Read, label: Option<String>) -> u32 {
        let latest = self.latest;
        let Some(record) = self.trackers.get_mut(unit) else {
            self.trackers.insert(
                unit.to_owned(),
                Tracker {
                    revision: latest,
                    label,
                },
            );
            return latest;
        };
        if label.is_some() {
            record.label = label;
        }
        match mode {
            Read::Tracked => record.revision,
            Read::Peek => latest,
            Read::Refresh => {
                let old = std::mem::replace(&mut record.revision, latest);
                self.consumer_moved(old);
                latest
            }
        }
    }

    /// Adds a revision with `content` and marks obsolete every older revision no consumer
    /// record points at (Juju `state/secrets.go`: obsolete revisions are computed when a
    /// revision is written).
    pub(crate) fn add_revision(&mut self, content: Databag) {
        self.latest += 1;
        self.revisions
            .insert(self.latest, Revision::new(content, None));
        let tracked: BTreeSet<u32> = self.trackers.values().map(|t| t.revision).collect();
        let latest = self.latest;
        for (rev, r) in &mut self.revisions {
            if *rev < latest && !tracked.contains(rev) {
                r.obsolete = true;
            }
        }
    }

    /// A consumer record moved off revision `old`: it is obsolete if it is not the latest and
    /// no other record points at it (Juju `state/secrets.go`, when a consumer is saved).
    fn consumer_moved(&mut self, old: u32) {
        if old == self.latest || self.trackers.values().any(|t| t.revision == old) {
            return;
        }
        if let Some(r) = self.revisions.get_mut(&old) {
            r.obsolete = true;
        }
    }
}

/// The databags and membership of a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relation {
    pub(crate) id: u32,
    /// `(app, endpoint)` of each side; a peer relation has one side.
    pub(crate) sides: Vec<(String, String)>,
    pub(crate) interface: String,
    pub(crate) app_bags: BTreeMap<String, Versioned>,
    pub(crate) unit_bags: BTreeMap<String, Versioned>,
    /// Units that entered scope (ran `-created`) and have not left.
    pub(crate) scope: BTreeSet<String>,
    pub(crate) dying: bool,
}

/// A databag with a settings version bumped on every change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Versioned {
    pub(crate) data: Databag,
    pub(crate) version: u64,
}

impl Relation {
    pub(crate) fn is_peer(&self) -> bool {
        self.sides.len() == 1
    }

    /// The endpoint `app` uses in this relation.
    pub(crate) fn endpoint_of(&self, app: &str) -> Option<&str> {
        self.sides
            .iter()
            .find(|(a, _)| a == app)
            .map(|(_, e)| e.as_str())
    }

    /// The application on the other side (own app on a peer relation).
    pub(crate) fn remote_app_of(&self, app: &str) -> Option<&str> {
        if self.is_peer() {
            return self.sides.first().map(|(a, _)| a.as_str());
        }
        self.sides
            .iter()
            .find(|(a, _)| a != app)
            .map(|(a, _)| a.as_str())
    }

    /// Units of the remote side currently in scope, as seen by `unit`.
    pub(crate) fn remote_scope(&self, unit: &str) -> BTreeSet<String> {
        let app = app_of(unit);
        let remote = self.remote_app_of(app).unwrap_or_default().to_owned();
        self.scope
            .iter()
            .filter(|u| app_of(u) == remote && u.as_str() != unit)
            .cloned()
            .collect()
    }
}

/// A unit's local knowledge of one relation (what Juju's uniter keeps).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RelView {
    pub(crate) created: bool,
    /// Remote units joined, with the settings version last seen.
    pub(crate) members: BTreeMap<String, u64>,
    pub(crate) changed_pending: Option<String>,
    pub(crate) app_seen: u64,
}

/// A unit and its local knowledge.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub(crate) name: String,
    pub(crate) installed: bool,
    pub(crate) started: bool,
    pub(crate) stopped: bool,
    pub(crate) dying: bool,
    pub(crate) leader_seen: Option<bool>,
    pub(crate) config_seen: u64,
    pub(crate) views: BTreeMap<u32, RelView>,
    pub(crate) status: Status,
    pub(crate) status_history: Vec<Status>,
    /// Whether the charm has ever run `status-set` (Juju's `StatusSet` in the uniter state).
    pub(crate) status_set: bool,
    pub(crate) workload_version: String,
    pub(crate) logs: Vec<LogLine>,
    pub(crate) state: Databag,
    /// Per secret, the revision of the last committed `secret-changed` (the uniter's
    /// `ConsumedSecretInfo`).
    pub(crate) secret_changed_seen: BTreeMap<String, u32>,
    pub(crate) expired_fired: BTreeSet<(String, u32)>,
    pub(crate) remove_fired: BTreeSet<(String, u32)>,
    pub(crate) rotate_fired: BTreeSet<String>,
    pub(crate) address: String,
    /// Hooks queued from outside (update-status, upgrade-charm, ...), run when nothing else is.
    pub(crate) queued: VecDeque<Hook>,
}

/// An application: its charm, config, units and leader.
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) name: String,
    pub(crate) meta: CharmMeta,
    pub(crate) charm: Arc<dyn Charm>,
    pub(crate) config: BTreeMap<String, Value>,
    pub(crate) config_version: u64,
    pub(crate) units: BTreeMap<u32, Unit>,
    pub(crate) next_unit: u32,
    pub(crate) leader: Option<String>,
    pub(crate) status: Status,
    pub(crate) dying: bool,
}

/// The application name of a unit name (`app/0` -> `app`).
pub(crate) fn app_of(unit: &str) -> &str {
    unit.rsplit_once('/').map_or(unit, |(a, _)| a)
}

/// A deterministic in-memory Juju model.
///
/// Deploy applications with a [`Charm`] each, relate them, and let the model generate and run
/// hooks in Juju's order with [`Model::run_until_quiescent`]; or run one chosen hook on one
/// unit with [`Model::run_hook`] (state in, state out: the model is `Clone`, so keep a copy of
/// the "before" state if you need it).
#[derive(Clone)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) uuid: String,
    pub(crate) options: SimOptions,
    pub(crate) now: OffsetDateTime,
    pub(crate) apps: BTreeMap<String, App>,
    pub(crate) relations: BTreeMap<u32, Relation>,
    pub(crate) secrets: BTreeMap<String, Secret>,
    pub(crate) next_relation: u32,
    pub(crate) secret_counter: u64,
    /// The order secrets were minted in, by xid.
    pub(crate) secret_order: BTreeMap<String, u64>,
    pub(crate) next_action: u32,
    pub(crate) next_address: u32,
    pub(crate) faults: Vec<Fault>,
    pub(crate) trace: Vec<ToolCall>,
    pub(crate) history: Vec<HookReport>,
    pub(crate) removed_revisions: Vec<(String, u32)>,
    pub(crate) last_unit: Option<String>,
    pub(crate) rng: u64,
    pub(crate) action_outcomes: BTreeMap<u32, ActionRecord>,
    pub(crate) progress: Option<Arc<Progress>>,
}

/// A progress callback: called with the report of every hook that ran.
type Progress = dyn Fn(&HookReport) + Send + Sync;

/// What an action run left: results, failure message, `action-log` lines.
pub(crate) type ActionRecord = (BTreeMap<String, String>, Option<String>, Vec<String>);

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("now", &self.now)
            .field("apps", &self.apps.keys().collect::<Vec<_>>())
            .field("relations", &self.relations.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Default for Model {
    fn default() -> Self {
        Self::new()
    }
}

impl Model {
    /// An empty model named `sim`, with its clock at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::with_options(SimOptions::default())
    }

    /// An empty model imitating the Juju described by `options`.
    pub fn with_options(options: SimOptions) -> Self {
        Self {
            name: "sim".to_owned(),
            uuid: "3b8c2a1e-0000-4000-8000-00000000c0de".to_owned(),
            options,
            now: time::macros::datetime!(2026-01-01 00:00:00 UTC),
            apps: BTreeMap::new(),
            relations: BTreeMap::new(),
            secrets: BTreeMap::new(),
            next_relation: 0,
            secret_counter: 0,
            secret_order: BTreeMap::new(),
            next_action: 1,
            next_address: 1,
            faults: Vec::new(),
            trace: Vec::new(),
            history: Vec::new(),
            removed_revisions: Vec::new(),
            last_unit: None,
            rng: 0,
            action_outcomes: BTreeMap::new(),
            progress: None,
        }
    }

    /// Calls `f` with the report of every hook that runs from now on (e.g. to print progress
    /// during a long [`Model::run_until_quiescent`]).
    ///
    /// ```
    /// use juju_sim::{CharmMeta, Model, idle_charm};
    /// let mut model = Model::new();
    /// model.on_hook(|report| eprintln!("{report}"));
    /// model.deploy("app", CharmMeta::new("app"), idle_charm(), 1).unwrap();
    /// model.run_until_quiescent(100).unwrap();
    /// ```
    pub fn on_hook(&mut self, f: impl Fn(&HookReport) + Send + Sync + 'static) {
        self.progress = Some(Arc::new(f));
    }

    /// The simulated clock.
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// Sets the simulated clock (without generating hooks; see [`Model::advance_clock`]).
    pub fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
    }

    /// Advances the clock. Owned secret revisions whose expiry has passed get `secret-expired`
    /// (again, on every advance, until the revision is removed) on the next runs.
    pub fn advance_clock(&mut self, by: time::Duration) {
        self.now = self.now.checked_add(by).unwrap_or(self.now);
        for unit in self.apps.values_mut().flat_map(|a| a.units.values_mut()) {
            unit.expired_fired.clear();
            unit.rotate_fired.clear();
        }
    }

    /// The model's UUID (`JUJU_MODEL_UUID`).
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Deploys `units` units of an application `name` running `charm`, described by `meta`.
    /// Peer relations of the charm are created with the application. The first unit becomes
    /// the leader. No hook runs until [`Model::step`] or [`Model::run_until_quiescent`].
    ///
    /// # Errors
    /// [`Error::ApplicationExists`] if the name is taken.
    pub fn deploy(
        &mut self,
        name: &str,
        meta: CharmMeta,
        charm: Arc<dyn Charm>,
        units: u32,
    ) -> Result<()> {
        if self.apps.contains_key(name) {
            return Err(Error::ApplicationExists(name.to_owned()));
        }
        let peers: Vec<(String, String)> = meta
            .peers
            .iter()
            .map(|(ep, e)| (ep.clone(), e.interface.clone()))
            .collect();
        self.apps.insert(
            name.to_owned(),
            App {
                name: name.to_owned(),
                meta,
                charm,
                config: BTreeMap::new(),
                config_version: 1,
                units: BTreeMap::new(),
                next_unit: 0,
                leader: None,
                status: Status {
                    kind: "unknown".into(),
                    message: String::new(),
                },
                dying: false,
            },
        );
        for (endpoint, interface) in peers {
            let id = self.next_relation;
            self.next_relation += 1;
            self.relations.insert(
                id,
                Relation {
                    id,
                    sides: vec![(name.to_owned(), endpoint)],
                    interface,
                    app_bags: BTreeMap::new(),
                    unit_bags: BTreeMap::new(),
                    scope: BTreeSet::new(),
                    dying: false,
                },
            );
        }
        for _ in 0..units {
            self.add_unit(name)?;
        }
        Ok(())
    }

    /// Adds a unit to an application and returns its name. It becomes leader if the
    /// application has none.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`].
    pub fn add_unit(&mut self, app: &str) -> Result<String> {
        let address = format!("192.0.2.{}", self.next_address);
        self.next_address += 1;
        let a = self
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        let n = a.next_unit;
        a.next_unit += 1;
        let name = format!("{app}/{n}");
        a.units.insert(
            n,
            Unit {
                name: name.clone(),
                installed: false,
                started: false,
                stopped: false,
                dying: false,
                leader_seen: None,
                config_seen: 0,
                views: BTreeMap::new(),
                status: Status {
                    kind: "unknown".into(),
                    message: String::new(),
                },
                status_history: Vec::new(),
                status_set: false,
                workload_version: String::new(),
                logs: Vec::new(),
                state: Databag::new(),
                secret_changed_seen: BTreeMap::new(),
                expired_fired: BTreeSet::new(),
                remove_fired: BTreeSet::new(),
                rotate_fired: BTreeSet::new(),
                address,
                queued: VecDeque::new(),
            },
        );
        if a.leader.is_none() {
            a.leader = Some(name.clone());
        }
        Ok(name)
    }

    /// Starts removing a unit: it leaves every relation's scope (the others get `-departed`),
    /// then runs `-departed`/`-broken` for its relations (no `-broken` for peer relations),
    /// `stop` and `remove`, after which it is gone with its unit-owned secrets. A new leader is
    /// elected if it led.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn remove_unit(&mut self, unit: &str) -> Result<()> {
        let u = self
            .unit_mut(unit)
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        u.dying = true;
        for rel in self.relations.values_mut() {
            rel.scope.remove(unit);
        }
        let app = app_of(unit).to_owned();
        if let Some(a) = self.apps.get_mut(&app)
            && a.leader.as_deref() == Some(unit)
        {
            a.leader = a.units.values().find(|u| !u.dying).map(|u| u.name.clone());
        }
        Ok(())
    }

    /// Removes an application: its relations are removed (the other side gets `-departed`
    /// and `-broken`), its units go away as with [`Model::remove_unit`], and when the last one
    /// is gone the application and its app-owned secrets are deleted.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`].
    pub fn remove_application(&mut self, app: &str) -> Result<()> {
        let a = self
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        a.dying = true;
        let units: Vec<String> = a.units.values().map(|u| u.name.clone()).collect();
        if units.is_empty() {
            self.forget_app(app);
        }
        for rel in self.relations.values_mut() {
            if rel.endpoint_of(app).is_some() {
                rel.dying = true;
                rel.scope.retain(|u| app_of(u) != app);
            }
        }
        for unit in units {
            self.remove_unit(&unit)?;
        }
        Ok(())
    }

    fn forget_app(&mut self, app: &str) {
        self.apps.remove(app);
        self.secrets
            .retain(|_, s| s.owner != SecretOwnerRef::App(app.to_owned()));
    }

    /// Relates `a_app:a_endpoint` to `b_app:b_endpoint` and returns the relation id. The
    /// units then get `-created`, `-joined` and `-changed` as they run.
    ///
    /// # Errors
    /// [`Error::RelationRefused`] if the roles or interfaces do not match or a `limit` is
    /// reached; [`Error::ApplicationNotFound`] / [`Error::EndpointNotFound`].
    pub fn relate(
        &mut self,
        a_app: &str,
        a_endpoint: &str,
        b_app: &str,
        b_endpoint: &str,
    ) -> Result<u32> {
        let (ra, ea) = self.endpoint(a_app, a_endpoint)?;
        let (rb, eb) = self.endpoint(b_app, b_endpoint)?;
        let refuse = |reason: String| Error::RelationRefused {
            a: format!("{a_app}:{a_endpoint}"),
            b: format!("{b_app}:{b_endpoint}"),
            reason,
        };
        let roles_ok = matches!(
            (ra, rb),
            (Role::Provides, Role::Requires) | (Role::Requires, Role::Provides)
        );
        if !roles_ok {
            return Err(refuse("one side must provide and the other require".into()));
        }
        if ea.interface != eb.interface {
            return Err(refuse(format!(
                "interfaces differ ({} and {})",
                ea.interface, eb.interface
            )));
        }
        for (app, ep, limit) in [(a_app, a_endpoint, ea.limit), (b_app, b_endpoint, eb.limit)] {
            if let Some(limit) = limit {
                let used = self
                    .relations
                    .values()
                    .filter(|r| !r.dying && r.endpoint_of(app) == Some(ep))
                    .count();
                if used >= limit as usize {
                    return Err(refuse(format!(
                        "establishing a new relation for {app}:{ep} would exceed its maximum relation limit of {limit}"
                    )));
                }
            }
        }
        let id = self.next_relation;
        self.next_relation += 1;
        self.relations.insert(
            id,
            Relation {
                id,
                sides: vec![
                    (a_app.to_owned(), a_endpoint.to_owned()),
                    (b_app.to_owned(), b_endpoint.to_owned()),
                ],
                interface: ea.interface,
                app_bags: BTreeMap::new(),
                unit_bags: BTreeMap::new(),
                scope: BTreeSet::new(),
                dying: false,
            },
        );
        Ok(id)
    }

    /// Removes a relation: every unit gets `-departed` for each remote unit, then `-broken`;
    /// then the relation and its secret grants are gone.
    ///
    /// # Errors
    /// [`Error::RelationNotFound`].
    pub fn remove_relation(&mut self, id: u32) -> Result<()> {
        let rel = self
            .relations
            .get_mut(&id)
            .ok_or(Error::RelationNotFound(id))?;
        rel.dying = true;
        rel.scope.clear();
        Ok(())
    }

    /// Sets config values of an application (`Value::Null` resets to the default); its units
    /// get `config-changed`.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`], or [`Error::InvalidInput`] for an option the charm
    /// does not declare.
    pub fn set_config(&mut self, app: &str, values: BTreeMap<String, Value>) -> Result<()> {
        let a = self
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        for (k, v) in values {
            if !a.meta.config.options.contains_key(&k) {
                return Err(Error::InvalidInput(format!(
                    "{app} has no config option {k:?}"
                )));
            }
            if v.is_null() {
                a.config.remove(&k);
            } else {
                a.config.insert(k, v);
            }
        }
        a.config_version += 1;
        Ok(())
    }

    /// Makes `unit` the leader of its application: it gets `leader-elected`; the old leader
    /// resigns without a hook (Juju fires `leader-settings-changed` only when leader settings
    /// change, which the simulator does not model).
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn set_leader(&mut self, unit: &str) -> Result<()> {
        if self.unit(unit).is_none() {
            return Err(Error::UnitNotFound(unit.to_owned()));
        }
        if let Some(a) = self.apps.get_mut(app_of(unit)) {
            a.leader = Some(unit.to_owned());
            // The old leader resigns without a hook (`worker/uniter/leadership/resolver.go`).
            for u in a.units.values_mut() {
                if u.name != unit && u.leader_seen == Some(true) {
                    u.leader_seen = Some(false);
                }
            }
        }
        Ok(())
    }

    /// Queues a hook (e.g. [`Hook::UpdateStatus`], [`Hook::UpgradeCharm`]) on a unit; it runs
    /// once the unit has started and has no relation or secret hook pending.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn queue_hook(&mut self, unit: &str, hook: Hook) -> Result<()> {
        let u = self
            .unit_mut(unit)
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        u.queued.push_back(hook);
        Ok(())
    }

    /// Queues `update-status` on every unit that is not being removed (Juju's periodic hook).
    pub fn update_status(&mut self) {
        for u in self.apps.values_mut().flat_map(|a| a.units.values_mut()) {
            if !u.dying {
                u.queued.push_back(Hook::UpdateStatus);
            }
        }
    }

    /// Adds a fault to inject into the next matching hook-tool call (one-shot).
    pub fn inject_fault(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    /// Every hook-tool call made so far, oldest first.
    pub fn trace(&self) -> &[ToolCall] {
        &self.trace
    }

    /// Every hook run so far, oldest first.
    pub fn history(&self) -> &[HookReport] {
        &self.history
    }

    /// Clears the trace and the hook history (e.g. between phases of a test).
    pub fn clear_records(&mut self) {
        self.trace.clear();
        self.history.clear();
    }

    // --- inspection ---

    /// The names of all units, sorted.
    pub fn units(&self) -> Vec<String> {
        self.apps
            .values()
            .flat_map(|a| a.units.values().map(|u| u.name.clone()))
            .collect()
    }

    /// The leader of an application.
    pub fn leader(&self, app: &str) -> Option<&str> {
        self.apps.get(app).and_then(|a| a.leader.as_deref())
    }

    /// A unit's current workload status.
    pub fn unit_status(&self, unit: &str) -> Option<&Status> {
        self.unit(unit).map(|u| &u.status)
    }

    /// Every status a unit set, oldest first.
    pub fn unit_status_history(&self, unit: &str) -> Option<&[Status]> {
        self.unit(unit).map(|u| u.status_history.as_slice())
    }

    /// An application's status (set by its leader with `status-set --application`).
    pub fn app_status(&self, app: &str) -> Option<&Status> {
        self.apps.get(app).map(|a| &a.status)
    }

    /// A unit's `application-version-set` value.
    pub fn workload_version(&self, unit: &str) -> Option<&str> {
        self.unit(unit).map(|u| u.workload_version.as_str())
    }

    /// A unit's `juju-log` lines (and process stdout/stderr lines), oldest first.
    pub fn logs(&self, unit: &str) -> &[LogLine] {
        self.unit(unit).map_or(&[], |u| u.logs.as_slice())
    }

    /// A unit's charm state (`state-set`).
    pub fn unit_state(&self, unit: &str) -> Option<&Databag> {
        self.unit(unit).map(|u| &u.state)
    }

    /// The effective config of an application (set values over defaults).
    pub fn config(&self, app: &str) -> Option<BTreeMap<String, Value>> {
        self.apps.get(app).map(effective_config)
    }

    /// The ids of live (not dying) relations, optionally only those involving `app`.
    pub fn relation_ids(&self, app: Option<&str>) -> Vec<u32> {
        self.relations
            .values()
            .filter(|r| !r.dying && app.is_none_or(|a| r.endpoint_of(a).is_some()))
            .map(|r| r.id)
            .collect()
    }

    /// The committed databag of a unit in a relation (`None` if it has none).
    pub fn unit_data(&self, relation: u32, unit: &str) -> Option<&Databag> {
        self.relations
            .get(&relation)
            .and_then(|r| r.unit_bags.get(unit))
            .map(|v| &v.data)
    }

    /// The committed databag of an application in a relation.
    pub fn app_data(&self, relation: u32, app: &str) -> Option<&Databag> {
        self.relations
            .get(&relation)
            .and_then(|r| r.app_bags.get(app))
            .map(|v| &v.data)
    }

    /// Writes a databag from outside any hook (test setup), bumping its version so the other
    /// side gets `-changed`. `owner` is a unit name (`app/0`) or an application name.
    ///
    /// # Errors
    /// [`Error::RelationNotFound`].
    pub fn set_relation_data(&mut self, relation: u32, owner: &str, data: Databag) -> Result<()> {
        let rel = self
            .relations
            .get_mut(&relation)
            .ok_or(Error::RelationNotFound(relation))?;
        let bag = if owner.contains('/') {
            rel.unit_bags.entry(owner.to_owned()).or_default()
        } else {
            rel.app_bags.entry(owner.to_owned()).or_default()
        };
        if bag.data != data {
            bag.data = data;
            bag.version += 1;
        }
        Ok(())
    }

    /// All secrets in the model, by xid.
    pub fn secrets(&self) -> &BTreeMap<String, Secret> {
        &self.secrets
    }

    /// The secret a unit (or, if it leads, its app) owns under owner label `label`.
    pub fn owned_secret(&self, unit: &str, label: &str) -> Option<&Secret> {
        let leader = self.leader(app_of(unit)) == Some(unit);
        self.secrets
            .values()
            .find(|s| s.label.as_deref() == Some(label) && s.owned_by(unit, app_of(unit), leader))
    }

    /// Secret revisions removed so far, `(xid, revision)`, oldest first.
    pub fn removed_revisions(&self) -> &[(String, u32)] {
        &self.removed_revisions
    }

    /// Creates a secret owned by `owner` outside any hook (test setup), returning its URI.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty content or a key Juju would reject.
    pub fn add_secret(
        &mut self,
        owner: SecretOwnerRef,
        label: Option<&str>,
        content: Databag,
    ) -> Result<String> {
        check_secret_content(&content)?;
        let (xid, uri) = self.mint_secret_id();
        self.secrets.insert(
            xid.clone(),
            Secret {
                xid,
                uri: uri.clone(),
                owner,
                label: label.map(str::to_owned),
                description: None,
                rotate: None,
                rotates: None,
                revisions: BTreeMap::from([(1, Revision::new(content, None))]),
                latest: 1,
                trackers: BTreeMap::new(),
                grants: BTreeMap::new(),
            },
        );
        Ok(uri)
    }

    /// Grants `app_or_unit` access to a secret over a relation, outside any hook.
    ///
    /// # Errors
    /// [`Error::SecretNotFound`] / [`Error::RelationNotFound`].
    pub fn grant_secret(&mut self, xid: &str, relation: u32, app_or_unit: &str) -> Result<()> {
        if !self.relations.contains_key(&relation) {
            return Err(Error::RelationNotFound(relation));
        }
        let s = self
            .secrets
            .get_mut(xid)
            .ok_or_else(|| Error::SecretNotFound(xid.to_owned()))?;
        s.grants
            .entry(relation)
            .or_default()
            .insert(app_or_unit.to_owned());
        Ok(())
    }

    /// Publishes a new revision of a secret from outside any hook (test setup for an owner
    /// that is not simulated); observers get `secret-changed`.
    ///
    /// # Errors
    /// [`Error::SecretNotFound`]; [`Error::InvalidInput`] as for [`Model::add_secret`].
    pub fn set_secret_content(&mut self, xid: &str, content: Databag) -> Result<u32> {
        check_secret_content(&content)?;
        let s = self
            .secrets
            .get_mut(xid)
            .ok_or_else(|| Error::SecretNotFound(xid.to_owned()))?;
        if s.revisions.get(&s.latest).map(|r| &r.content) != Some(&content) {
            s.add_revision(content);
        }
        Ok(s.latest)
    }

    // --- internals ---

    pub(crate) fn mint_secret_id(&mut self) -> (String, String) {
        self.secret_counter += 1;
        // 20 chars of [0-9a-v], deterministic from the counter (like Juju's xid alphabet).
        let mut n = self
            .secret_counter
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17);
        let alphabet = b"0123456789abcdefghijklmnopqrstuv";
        let mut xid = String::with_capacity(20);
        xid.push_str("d0sim");
        for _ in 0..15 {
            let idx = (n % 32) as usize;
            xid.push(char::from(*alphabet.get(idx).unwrap_or(&b'0')));
            n /= 32;
            if n == 0 {
                n = self.secret_counter.wrapping_add(0x5bd1_e995);
            }
        }
        self.secret_order.insert(xid.clone(), self.secret_counter);
        let uri = match self.options.secret_uri_form {
            SecretUriForm::Short => format!("secret:{xid}"),
            SecretUriForm::WithModelUuid => format!("secret://{}/{xid}", self.uuid),
        };
        (xid, uri)
    }

    fn endpoint(&self, app: &str, endpoint: &str) -> Result<(Role, crate::meta::Endpoint)> {
        let a = self
            .apps
            .get(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        a.meta
            .endpoint(endpoint)
            .map(|(r, e)| (r, e.clone()))
            .ok_or_else(|| Error::EndpointNotFound {
                app: app.to_owned(),
                endpoint: endpoint.to_owned(),
            })
    }

    pub(crate) fn unit(&self, unit: &str) -> Option<&Unit> {
        let (app, n) = unit.rsplit_once('/')?;
        let n: u32 = n.parse().ok()?;
        self.apps.get(app)?.units.get(&n)
    }

    pub(crate) fn unit_mut(&mut self, unit: &str) -> Option<&mut Unit> {
        let (app, n) = unit.rsplit_once('/')?;
        let n: u32 = n.parse().ok()?;
        self.apps.get_mut(app)?.units.get_mut(&n)
    }

    pub(crate) fn is_leader(&self, unit: &str) -> bool {
        self.leader(app_of(unit)) == Some(unit)
    }

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
    pub(crate) fn next_hook(&self, unit_name: &str) -> Option<Hook> {
        let unit = self.unit(unit_name)?;
        let app = self.apps.get(app_of(unit_name))?;
        if !unit.installed {
            return Some(Hook::Install);
        }
        let mut my_rels: Vec<&Relation> = self
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
        let unit = self.unit(unit_name)?;
        let app = app_of(unit_name);
        let owned = || {
            self.secrets
                .values()
                .filter(move |s| s.owned_by(unit_name, app, leader))
        };
        for s in owned() {
            for (rev, r) in &s.revisions {
                if let Some(exp) = r.expire
                    && exp <= self.now
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
                && due <= self.now
                && !unit.rotate_fired.contains(&s.xid)
            {
                return Some(Hook::SecretRotate { xid: s.xid.clone() });
            }
        }
        for s in self.secrets.values() {
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
        let pick = match self.options.seed {
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
    /// retried (as Juju does) up to [`SimOptions::failure_limit`] times in a row.
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
                    if entry.1 >= self.options.failure_limit.max(1) {
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
        let (results, failure, logs) = self.action_outcomes.remove(&id).unwrap_or_default();
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
        crate::session::run(self, unit, hook)
    }

    /// Bookkeeping after a committed hook: advance the unit's local knowledge. `carried` is the
    /// secret revision the hook carried (`JUJU_SECRET_REVISION`).
    pub(crate) fn hook_done(&mut self, unit_name: &str, hook: &Hook, carried: Option<u32>) {
        let leader = self.is_leader(unit_name);
        let config_version = self
            .apps
            .get(app_of(unit_name))
            .map_or(0, |a| a.config_version);
        let rel_info = hook
            .relation()
            .and_then(|id| self.relations.get(&id))
            .map(|r| {
                let remote_app = r.remote_app_of(app_of(unit_name)).unwrap_or_default();
                (
                    r.app_bags.get(remote_app).map_or(0, |b| b.version),
                    r.unit_bags.clone(),
                )
            });
        let Some(unit) = self.unit_mut(unit_name) else {
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
                let latest = self.secrets.get(xid).map_or(0, |s| s.latest);
                if let Some(unit) = self.unit_mut(unit_name) {
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
    pub(crate) fn enter_scope(&mut self, unit: &str, relation: u32) {
        let address = self
            .unit(unit)
            .map(|u| u.address.clone())
            .unwrap_or_default();
        if let Some(rel) = self.relations.get_mut(&relation)
            && !rel.dying
        {
            rel.scope.insert(unit.to_owned());
            let bag = rel.unit_bags.entry(unit.to_owned()).or_default();
            for key in ["private-address", "ingress-address"] {
                bag.data.insert(key.to_owned(), address.clone());
            }
            bag.data
                .insert("egress-subnets".to_owned(), format!("{address}/32"));
            bag.version += 1;
        }
    }

    fn forget_unit(&mut self, unit: &str) {
        let app = app_of(unit).to_owned();
        let mut app_gone = false;
        if let Some(a) = self.apps.get_mut(&app) {
            a.units.retain(|_, u| u.name != unit);
            app_gone = a.dying && a.units.is_empty();
        }
        if app_gone {
            self.forget_app(&app);
            for rel in self.relations.values_mut() {
                if rel.endpoint_of(&app).is_some() {
                    rel.dying = true;
                }
            }
        }
        self.secrets
            .retain(|_, s| s.owner != SecretOwnerRef::Unit(unit.to_owned()));
        for s in self.secrets.values_mut() {
            s.trackers.remove(unit);
        }
        for rel in self.relations.values_mut() {
            rel.scope.remove(unit);
        }
    }

    /// Drops dying relations that no unit knows any more, with their secret grants.
    fn collect_garbage(&mut self) {
        let known: BTreeSet<u32> = self
            .apps
            .values()
            .flat_map(|a| a.units.values())
            .flat_map(|u| u.views.keys().copied())
            .collect();
        let gone: Vec<u32> = self
            .relations
            .values()
            .filter(|r| r.dying && !known.contains(&r.id))
            .map(|r| r.id)
            .collect();
        for id in gone {
            self.relations.remove(&id);
            for s in self.secrets.values_mut() {
                s.grants.remove(&id);
            }
        }
    }
}

/// How long a rotation policy waits (Juju's `RotatePolicy.NextRotateTime`).
pub(crate) fn rotation_period(policy: &str) -> Option<time::Duration> {
    match policy {
        "hourly" => Some(time::Duration::hours(1)),
        "daily" => Some(time::Duration::days(1)),
        "weekly" => Some(time::Duration::weeks(1)),
        "monthly" => Some(time::Duration::days(30)),
        "quarterly" => Some(time::Duration::days(90)),
        "yearly" => Some(time::Duration::days(365)),
        _ => None,
    }
}

/// Juju's rules for secret content: not empty, keys matching `^([a-z](?:-?[a-z0-9]){2,})$`.
fn check_secret_content(content: &Databag) -> Result<()> {
    if content.is_empty() {
        return Err(Error::InvalidInput("empty secret content".into()));
    }
    if let Some(bad) = content
        .keys()
        .find(|k| !juju_hook_tools::is_valid_secret_key(k))
    {
        return Err(Error::InvalidInput(format!("secret key {bad:?} not valid")));
    }
    Ok(())
}

/// Set values over non-null defaults.
pub(crate) fn effective_config(app: &App) -> BTreeMap<String, Value> {
    let mut c = app.meta.config_defaults();
    c.extend(app.config.clone());
    c
}
