//! The model's plain state: applications, units, relations and secrets as a hook sees and
//! changes them, without the machinery that runs hooks.
//!
//! [`State`] is what a hook run (the session) works on; the model wraps it with the
//! controller's own bookkeeping (id counters, scheduling, the progress callback), its admin API
//! and the hook resolver.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::charm::Charm;
use crate::hook::{Fault, Hook, HookReport, ToolCall};
use crate::meta::CharmMeta;

pub use juju_types::Databag;

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
    /// [`Model::run_until_quiescent`](crate::Model::run_until_quiescent) gives up with
    /// [`Error::HookKeepsFailing`](crate::Error::HookKeepsFailing).
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

/// One `juju-log` line (or a line of the charm's stdout/stderr in process mode), as the model
/// recorded it: with the hook that logged it, and the level as the charm spelled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
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
    pub(crate) logs: Vec<LogRecord>,
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

/// What an action run left: results, failure message, `action-log` lines.
pub(crate) type ActionRecord = (BTreeMap<String, String>, Option<String>, Vec<String>);

/// The state of a model as hooks see and change it.
#[derive(Clone)]
pub(crate) struct State {
    pub(crate) name: String,
    pub(crate) uuid: String,
    pub(crate) options: SimOptions,
    pub(crate) now: OffsetDateTime,
    pub(crate) apps: BTreeMap<String, App>,
    pub(crate) relations: BTreeMap<u32, Relation>,
    pub(crate) secrets: BTreeMap<String, Secret>,
    pub(crate) secret_counter: u64,
    /// The order secrets were minted in, by xid.
    pub(crate) secret_order: BTreeMap<String, u64>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) trace: Vec<ToolCall>,
    pub(crate) history: Vec<HookReport>,
    pub(crate) removed_revisions: Vec<(String, u32)>,
    pub(crate) action_outcomes: BTreeMap<u32, ActionRecord>,
}

impl State {
    /// An empty state named `sim`, with its clock at 2026-01-01T00:00:00Z.
    pub(crate) fn new(options: SimOptions) -> Self {
        Self {
            name: "sim".to_owned(),
            uuid: "3b8c2a1e-0000-4000-8000-00000000c0de".to_owned(),
            options,
            now: time::macros::datetime!(2026-01-01 00:00:00 UTC),
            apps: BTreeMap::new(),
            relations: BTreeMap::new(),
            secrets: BTreeMap::new(),
            secret_counter: 0,
            secret_order: BTreeMap::new(),
            faults: Vec::new(),
            trace: Vec::new(),
            history: Vec::new(),
            removed_revisions: Vec::new(),
            action_outcomes: BTreeMap::new(),
        }
    }

    /// The names of all units, sorted.
    pub(crate) fn units(&self) -> Vec<String> {
        self.apps
            .values()
            .flat_map(|a| a.units.values().map(|u| u.name.clone()))
            .collect()
    }

    /// The leader of an application.
    pub(crate) fn leader(&self, app: &str) -> Option<&str> {
        self.apps.get(app).and_then(|a| a.leader.as_deref())
    }

    /// Mints a new secret id: `(xid, uri)`, in the form the options ask for.
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

    /// A unit by name.
    pub(crate) fn unit(&self, unit: &str) -> Option<&Unit> {
        let (app, n) = unit.rsplit_once('/')?;
        let n: u32 = n.parse().ok()?;
        self.apps.get(app)?.units.get(&n)
    }

    /// A unit by name, to change it.
    pub(crate) fn unit_mut(&mut self, unit: &str) -> Option<&mut Unit> {
        let (app, n) = unit.rsplit_once('/')?;
        let n: u32 = n.parse().ok()?;
        self.apps.get_mut(app)?.units.get_mut(&n)
    }

    /// Whether `unit` leads its application.
    pub(crate) fn is_leader(&self, unit: &str) -> bool {
        self.leader(app_of(unit)) == Some(unit)
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
/// Set values over non-null defaults.
pub(crate) fn effective_config(app: &App) -> BTreeMap<String, Value> {
    let mut c = app.meta.config_defaults();
    c.extend(app.config.clone());
    c
}
