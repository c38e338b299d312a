//! A deterministic, in-memory Juju model that runs charms in-process or as real processes.
//!
//! `juju-sim` imitates what a Juju controller and unit agents do for a set of charms:
//!
//! * **State**: applications (charm metadata, config with `charmcraft.yaml` defaults,
//!   leader), units (status, logs, charm state), relations with four kinds of databags
//!   (own/remote unit/app), and secrets (owner unit or app, labels, revisions with expiry,
//!   tracked revision per observer, grants).
//! * **Hooks in Juju's 3.6 order**: install → `-relation-created` → leader hooks → secret
//!   hooks → config-changed → start; secret hooks (`secret-expired`, `secret-rotate`,
//!   `secret-changed`, `secret-remove`, in that order) before relation and queued hooks; per
//!   relation `-created` → `-joined(u)` → `-changed(u)`, app databag `-changed` with an empty
//!   remote unit, `-departed` → `-broken` (none for peer relations, which come after the
//!   others); a dying unit's `-departed`/`-broken` before `stop` and `remove`.
//!   [`Model::run_until_quiescent`] runs them, stopping with [`Error::HookKeepsFailing`] when
//!   one hook keeps failing and [`Error::Livelock`] at its bound.
//! * **Juju's secret rules**: consumer records for every reader (owners too) made by the first
//!   read; revisions obsolete (and `secret-remove`d) only when no record points at them, checked
//!   when a revision is written or a record moves; `secret-changed` to every unit with a record;
//!   owner labels readable by every unit of the owning app; content set in a hook visible to
//!   `--peek`/`--refresh`.
//! * **Juju's other rules**: a hook's writes commit only when the charm succeeds (status, logs
//!   and secret reads stay either way); non-leaders cannot write the app databag, manage
//!   app-owned secrets or read their own app databag on a non-peer relation; remote data is a
//!   snapshot taken at hook start; `secret-set` calls on one secret merge into one update per
//!   hook (Juju ≥ 3.6, switchable) and identical content makes no revision.
//! * **Tool output byte for byte**: `--format` `smart`/`yaml`/`json` with each tool's default,
//!   Go's JSON and go-yaml v2's YAML; `--file` payloads read as Juju's YAML parser reads them.
//! * **Fault injection**: [`Fault`] fails the Nth tool call of a hook, or a named tool
//!   ([`Model::clear_faults`] withdraws those not fired yet), [`Model::remove_secret`] removes a
//!   secret as an operator would, and [`Model::trace`] records every tool call.
//!
//! Charms run **in-process** ([`in_process`]: a function given the hook's
//! [`Context`](juju_hook_tools::Context) and a [`HookTools`](juju_hook_tools::HookTools)) or
//! **as a real process** ([`ProcessCharm`]: the charm's `dispatch` with Juju's environment
//! and the `juju-sim-tool` executable on `PATH` under every hook-tool name; this crate's build
//! script compiles that tool, [`tool_binary`], so [`ProcessCharm::from_dir`] needs nothing
//! installed). Both go through
//! the same argv parser, so the simulator's semantics are the same for `ops` charms, for
//! [`ProcessHookTools`](juju_hook_tools::ProcessHookTools) and for in-process charms.
//!
//! # Getting started
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use juju_hook_tools::{Event, HookTools, Member, StatusKind, Target};
//! use juju_sim::{CharmMeta, Model, in_process};
//!
//! // A provider that publishes a greeting in its app databag, and a requirer that reports it.
//! let provider = in_process(|ctx, tools: &dyn HookTools| {
//!     if let Event::RelationJoined(rel) = ctx.event() {
//!         if tools.is_leader()? {
//!             let hello = BTreeMap::from([("greeting".to_owned(), "hello".to_owned())]);
//!             tools.relation_set(&rel.relation, Target::App, &hello)?;
//!         }
//!     }
//!     Ok::<_, juju_hook_tools::Error>(())
//! });
//! let requirer = in_process(|ctx, tools: &dyn HookTools| {
//!     if let Event::RelationChanged(rel) = ctx.event() {
//!         if let Some(app) = &rel.remote_app {
//!             let bag = tools.relation_get(&rel.relation, Member::App(app))?;
//!             if let Some(g) = bag.get("greeting") {
//!                 tools.status_set(Target::Unit, StatusKind::Active, g)?;
//!             }
//!         }
//!     }
//!     Ok::<_, juju_hook_tools::Error>(())
//! });
//!
//! let mut model = Model::new();
//! model.deploy("p", CharmMeta::new("p").provides("greet", "greeting"), provider, 1).unwrap();
//! model.deploy("r", CharmMeta::new("r").requires("greet", "greeting"), requirer, 2).unwrap();
//! model.relate("r", "greet", "p", "greet").unwrap();
//! model.run_until_quiescent(200).unwrap();
//! assert_eq!(model.unit_status("r/1").unwrap().message, "hello");
//! ```
//!
//! Every rule, with the Juju source it follows and the known differences, is listed in
//! `docs/juju-sim.md` of the repository.
//!
//! # Design overview
//!
//! * [`Model`] holds the committed state and, per unit, the local knowledge Juju's uniter
//!   keeps (joined units, settings versions seen, leadership and config seen). The next hook
//!   of a unit is computed from the difference, like Juju's resolver, so hooks coalesce the
//!   way they do in Juju and a failed hook is simply retried.
//! * A hook run is a transaction: tools write to an overlay that is committed when the charm
//!   succeeds (with Juju's commit-time checks, e.g. duplicate secret labels).
//! * Every tool call — from an in-process charm or from `juju-sim-tool` — is a
//!   [`ToolRequest`] (tool name, argv, stdin, file contents) answered with a
//!   [`ToolResponse`] (stdout, stderr, exit code) formatted as Juju's tools print them.
//!   Malformed input from the charm side is answered with an error, never a panic.
//! * Units take turns (round-robin, or seeded random with [`SimOptions::seed`]), so runs are
//!   deterministic.
//! * Time is simulated: [`Model::advance_clock`] drives expiry and rotation. A charm that
//!   needs "now" reads [`hook_time`] (in-process) or the `JUJU_SIM_NOW` variable (process),
//!   falling back to the system clock outside the simulator; Python charms get it pinned with
//!   [`ProcessCharm::python_sim_clock`].
//!
//! # Scenario style (one unit, state in, state out)
//!
//! A [`Model`] is the state: build it, settle it, clone it, run one hook with
//! [`Model::run_hook`] and inspect the result; remote applications can run [`idle_charm`] and
//! get their databags set with [`Model::set_relation_data`].
//!
//! ```
//! use juju_sim::{CharmMeta, Databag, Hook, Model, idle_charm, in_process};
//! use juju_hook_tools::{Event, HookTools, Member, Target};
//!
//! let charm = in_process(|ctx, tools: &dyn HookTools| {
//!     if let Event::RelationChanged(rel) = ctx.event() {
//!         let remote = tools.relation_get(&rel.relation, Member::App("prov"))?;
//!         if let Some(value) = remote.get("value") {
//!             let echo = Databag::from([("echo".to_owned(), value.clone())]);
//!             tools.relation_set(&rel.relation, Target::Unit, &echo)?;
//!         }
//!     }
//!     Ok::<_, juju_hook_tools::Error>(())
//! });
//! let mut before = Model::new();
//! before.deploy("req", CharmMeta::new("req").requires("db", "db"), charm, 1).unwrap();
//! before.deploy("prov", CharmMeta::new("prov").provides("db", "db"), idle_charm(), 1).unwrap();
//! let rel = before.relate("req", "db", "prov", "db").unwrap();
//! before.run_until_quiescent(100).unwrap();
//! before.set_relation_data(rel, "prov", Databag::from([("value".into(), "42".into())])).unwrap();
//!
//! let mut after = before.clone();
//! let report = after
//!     .run_hook("req/0", Hook::RelationChanged { relation: rel, unit: None })
//!     .unwrap();
//! assert!(report.outcome.is_committed());
//! assert_eq!(after.unit_data(rel, "req/0").unwrap()["echo"], "42");
//! assert!(before.unit_data(rel, "req/0").unwrap().get("echo").is_none());
//! ```
//!
//! # Crate features
//!
//! None.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod charm;
mod clock;
mod error;
mod format;
mod hook;
mod meta;
mod model;
mod process;
mod session;
mod state;
mod tool_args;
mod wire;
mod yaml;

pub use charm::{
    Charm, CharmOutcome, Invocation, SimHookTools, SimRunner, ToolServer, idle_charm, in_process,
};
pub use clock::{SIM_NOW_VAR, hook_time};
pub use error::{Error, Result};
pub use hook::{Fault, Hook, HookOutcome, HookReport, ToolCall};
pub use meta::{ActionSpec, CharmMeta, ConfigOption, ConfigSection, Endpoint, Role};
pub use model::Model;
pub use process::{ProcessCharm, TOOL_NAMES, tool_binary};
pub use state::{
    ActionOutcome, Databag, LogRecord, Revision, Secret, SecretOwnerRef, SecretUriForm, SimOptions,
    Status, Tracker,
};
pub use wire::{ToolRequest, ToolResponse};
