//! The model: a [`State`] with the controller's bookkeeping, its admin API and the resolver
//! that generates and runs hooks.
//!
//! * [`crate::state`]: the plain state (applications, units, relations, secrets) that a hook
//!   run works on;
//! * `admin`: what a test or the demo does from outside (deploy, relate, set config, add
//!   secrets, ...);
//! * `inspect`: read-only queries;
//! * `operator`: what an operator (or a chaos test) does outside any hook: withdraw pending
//!   faults, remove a secret;
//! * `resolver`: which hook a unit runs next, running it ([`crate::session`] returns its
//!   transaction, committed here) and the bookkeeping after it.

mod admin;
mod inspect;
mod operator;
mod resolver;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::hook::HookReport;
use crate::state::{SimOptions, State};

/// A deterministic in-memory Juju model.
///
/// Deploy applications with a [`Charm`](crate::Charm) each, relate them, and let the model
/// generate and run hooks in Juju's order with [`Model::run_until_quiescent`]; or run one
/// chosen hook on one unit with [`Model::run_hook`] (state in, state out: the model is
/// `Clone`, so keep a copy of the "before" state if you need it).
#[derive(Clone)]
pub struct Model {
    /// What hooks see and change.
    state: State,
    /// The id the next relation gets.
    next_relation: u32,
    /// The id the next action run gets.
    next_action: u32,
    /// The last octet of the next unit's address.
    next_address: u32,
    /// The unit that ran the last hook (units take turns after it).
    last_unit: Option<String>,
    /// The random scheduler's state (with [`SimOptions::seed`]).
    rng: u64,
    /// Called with the report of every hook that ran ([`Model::on_hook`]).
    progress: Option<Arc<Progress>>,
}

/// A progress callback: called with the report of every hook that ran.
type Progress = dyn Fn(&HookReport) + Send + Sync;

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.state.name)
            .field("now", &self.state.now)
            .field("apps", &self.state.apps.keys().collect::<Vec<_>>())
            .field(
                "relations",
                &self.state.relations.keys().collect::<Vec<_>>(),
            )
            .field("secrets", &self.state.secrets.len())
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
            state: State::new(options),
            next_relation: 0,
            next_action: 1,
            next_address: 1,
            last_unit: None,
            rng: 0,
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
        self.state.now
    }

    /// Sets the simulated clock (without generating hooks; see [`Model::advance_clock`]).
    pub fn set_now(&mut self, now: OffsetDateTime) {
        self.state.now = now;
    }

    /// Advances the clock. Owned secret revisions whose expiry has passed get `secret-expired`
    /// (again, on every advance, until the revision is removed) on the next runs.
    pub fn advance_clock(&mut self, by: time::Duration) {
        self.state.now = self.state.now.checked_add(by).unwrap_or(self.state.now);
        for unit in self
            .state
            .apps
            .values_mut()
            .flat_map(|a| a.units.values_mut())
        {
            unit.expired_fired.clear();
            unit.rotate_fired.clear();
        }
    }

    /// The model's UUID (`JUJU_MODEL_UUID`).
    pub fn uuid(&self) -> &str {
        &self.state.uuid
    }
}
