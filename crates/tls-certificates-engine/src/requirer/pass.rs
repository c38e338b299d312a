//! The context of one [`Requirer::plan`](super::Requirer::plan) call: what every step
//! reads, and the secret actions and plan the steps build.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use tls_certificates_crypto::CryptoBackend;

use super::{RequirerObservation, RequirerPlan};
use crate::common::{ObservedSecret, SecretAction};
use juju_types::SecretId;

/// One hook's pass: the observation, the clock and the backend every step reads, the secrets
/// with the actions planned on them, and the plan being built.
pub(super) struct Pass<'a> {
    pub(super) obs: &'a RequirerObservation,
    pub(super) now: OffsetDateTime,
    pub(super) backend: &'a dyn CryptoBackend,
    pub(super) secrets: Secrets<'a>,
    pub(super) plan: RequirerPlan,
}

impl<'a> Pass<'a> {
    /// A pass over `obs` at `now`, with nothing planned yet.
    pub(super) fn new(
        obs: &'a RequirerObservation,
        now: OffsetDateTime,
        backend: &'a dyn CryptoBackend,
    ) -> Self {
        Self {
            obs,
            now,
            backend,
            secrets: Secrets::new(&obs.secrets),
            plan: RequirerPlan::default(),
        }
    }

    /// The plan, with the secret actions planned in the pass.
    pub(super) fn finish(self) -> RequirerPlan {
        let mut plan = self.plan;
        plan.secret_actions = self.secrets.actions;
        plan
    }
}

/// Secrets indexed by label and id, plus the actions planned on them in this hook.
pub(super) struct Secrets<'o> {
    by_label: HashMap<&'o str, &'o ObservedSecret>,
    pub(super) by_id: HashMap<&'o SecretId, &'o ObservedSecret>,
    actions: Vec<SecretAction>,
    touched: HashSet<String>,
}

impl<'o> Secrets<'o> {
    fn new(secrets: &'o [ObservedSecret]) -> Self {
        Self {
            by_label: secrets.iter().map(|s| (s.label.as_str(), s)).collect(),
            by_id: secrets.iter().map(|s| (&s.id, s)).collect(),
            actions: Vec::new(),
            touched: HashSet::new(),
        }
    }

    pub(super) fn get(&self, label: &str) -> Option<&'o ObservedSecret> {
        self.by_label.get(label).copied()
    }

    /// How many actions are planned so far.
    pub(super) fn planned(&self) -> usize {
        self.actions.len()
    }

    /// Plans an action unless one is already planned for the same secret.
    pub(super) fn push(&mut self, action: SecretAction) {
        let key = match &action {
            SecretAction::Add { label, .. } => format!("label:{label}"),
            SecretAction::Set { id, .. } | SecretAction::Remove { id, .. } => format!("id:{id}"),
        };
        if self.touched.insert(key) {
            self.actions.push(action);
        }
    }
}
