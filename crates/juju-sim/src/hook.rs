//! Hooks the simulator can run, and what it records about each run.

use std::collections::BTreeMap;
use std::fmt;

/// A hook (or action) to run on one unit.
///
/// Relation hooks name the relation by id; the endpoint is the unit's own endpoint of that
/// relation. Secret hooks name the secret by its xid (the 20 characters after `secret:`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Hook {
    /// An action `name` with id `id` and JSON parameters.
    Action {
        /// Action id (`JUJU_ACTION_UUID`).
        id: u32,
        /// Action name.
        name: String,
        /// Parameters as JSON object text.
        params: String,
    },
    /// `config-changed`.
    ConfigChanged,
    /// `install`.
    Install,
    /// `leader-elected`.
    LeaderElected,
    /// `leader-settings-changed`.
    LeaderSettingsChanged,
    /// `<ep>-relation-broken`.
    RelationBroken {
        /// Relation id.
        relation: u32,
    },
    /// `<ep>-relation-changed`; `unit: None` for a change of the remote application databag.
    RelationChanged {
        /// Relation id.
        relation: u32,
        /// The remote unit whose databag changed, or `None` for the remote app databag.
        unit: Option<String>,
    },
    /// `<ep>-relation-created`.
    RelationCreated {
        /// Relation id.
        relation: u32,
    },
    /// `<ep>-relation-departed`.
    RelationDeparted {
        /// Relation id.
        relation: u32,
        /// The remote unit that left the local unit's view.
        unit: String,
        /// `JUJU_DEPARTING_UNIT`: the unit that is leaving (the local unit when it is dying).
        departing: String,
    },
    /// `<ep>-relation-joined`.
    RelationJoined {
        /// Relation id.
        relation: u32,
        /// The remote unit that joined.
        unit: String,
    },
    /// `remove`.
    Remove,
    /// `secret-changed` (to an observer).
    SecretChanged {
        /// Secret xid.
        xid: String,
    },
    /// `secret-expired` (to the owner) for one revision.
    SecretExpired {
        /// Secret xid.
        xid: String,
        /// The expired revision.
        revision: u32,
    },
    /// `secret-remove` (to the owner) for one revision nobody tracks any more.
    SecretRemove {
        /// Secret xid.
        xid: String,
        /// The unreferenced revision.
        revision: u32,
    },
    /// `secret-rotate` (to the owner) when the rotation policy's time has come; repeats
    /// (after every clock advance) until a new revision is made.
    SecretRotate {
        /// Secret xid.
        xid: String,
    },
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `update-status`.
    UpdateStatus,
    /// `upgrade-charm`.
    UpgradeCharm,
}

impl Hook {
    /// The relation this hook is about, if it is a relation hook.
    pub fn relation(&self) -> Option<u32> {
        match self {
            Self::RelationBroken { relation }
            | Self::RelationChanged { relation, .. }
            | Self::RelationCreated { relation }
            | Self::RelationDeparted { relation, .. }
            | Self::RelationJoined { relation, .. } => Some(*relation),
            _ => None,
        }
    }

    /// The hook name with `endpoint` as the relation endpoint (`certificates-relation-joined`).
    pub(crate) fn name_with(&self, endpoint: &str) -> String {
        match self {
            Self::Action { name, .. } => name.clone(),
            Self::ConfigChanged => "config-changed".into(),
            Self::Install => "install".into(),
            Self::LeaderElected => "leader-elected".into(),
            Self::LeaderSettingsChanged => "leader-settings-changed".into(),
            Self::RelationBroken { .. } => format!("{endpoint}-relation-broken"),
            Self::RelationChanged { .. } => format!("{endpoint}-relation-changed"),
            Self::RelationCreated { .. } => format!("{endpoint}-relation-created"),
            Self::RelationDeparted { .. } => format!("{endpoint}-relation-departed"),
            Self::RelationJoined { .. } => format!("{endpoint}-relation-joined"),
            Self::Remove => "remove".into(),
            Self::SecretChanged { .. } => "secret-changed".into(),
            Self::SecretExpired { .. } => "secret-expired".into(),
            Self::SecretRemove { .. } => "secret-remove".into(),
            Self::SecretRotate { .. } => "secret-rotate".into(),
            Self::Start => "start".into(),
            Self::Stop => "stop".into(),
            Self::UpdateStatus => "update-status".into(),
            Self::UpgradeCharm => "upgrade-charm".into(),
        }
    }
}

/// How a hook run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookOutcome {
    /// The charm succeeded and its writes were committed.
    Committed,
    /// The charm failed (non-zero exit / `Err`); its transactional writes were discarded.
    Failed {
        /// The charm's error (in-process) or exit status and stderr tail (process).
        reason: String,
    },
    /// The charm succeeded but the commit was refused (e.g. a duplicate secret label), so the
    /// hook failed after all and nothing was committed, as in Juju.
    CommitRefused {
        /// Why the commit was refused.
        reason: String,
    },
}

impl HookOutcome {
    /// Whether the hook's writes were committed.
    pub fn is_committed(&self) -> bool {
        matches!(self, Self::Committed)
    }
}

/// What the simulator recorded about one hook run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookReport {
    /// The unit the hook ran on.
    pub unit: String,
    /// The hook.
    pub hook: Hook,
    /// The hook's name as Juju would set `JUJU_HOOK_NAME` (action name for actions).
    pub name: String,
    /// How it ended.
    pub outcome: HookOutcome,
    /// The environment the charm was given.
    pub env: BTreeMap<String, String>,
}

impl fmt::Display for HookReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match &self.outcome {
            HookOutcome::Committed => "ok".to_owned(),
            HookOutcome::Failed { reason } => format!("failed: {reason}"),
            HookOutcome::CommitRefused { reason } => format!("commit refused: {reason}"),
        };
        write!(f, "{}: {} ({outcome})", self.unit, self.name)
    }
}

/// One hook-tool call as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The unit whose hook made the call.
    pub unit: String,
    /// The hook name.
    pub hook: String,
    /// 1-based index of the call within its hook.
    pub index: u32,
    /// The tool (`relation-get`, ...).
    pub tool: String,
    /// The arguments after the tool name, exactly as given.
    pub args: Vec<String>,
    /// The exit code the simulator answered with.
    pub code: i32,
    /// The stderr the simulator answered with (empty on success).
    pub stderr: String,
}

/// A fault to inject into hook-tool calls: the call answers `ERROR injected fault` with exit
/// code 1 instead of doing its work. Faults are one-shot: they are used up when they fire.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Fail the `n`th (1-based) tool call of the next hook that makes that many calls,
    /// optionally only on `unit`.
    NthCall {
        /// 1-based call index within a hook.
        n: u32,
        /// Restrict to this unit.
        unit: Option<String>,
    },
    /// Fail the next call of `tool`, optionally only on `unit`.
    Tool {
        /// Tool name, e.g. `secret-add`.
        tool: String,
        /// Restrict to this unit.
        unit: Option<String>,
    },
}

impl Fault {
    pub(crate) fn matches(&self, unit: &str, index: u32, tool: &str) -> bool {
        let (unit_filter, hit) = match self {
            Self::NthCall { n, unit } => (unit, *n == index),
            Self::Tool { tool: t, unit } => (unit, t == tool),
        };
        hit && unit_filter.as_deref().is_none_or(|u| u == unit)
    }
}
