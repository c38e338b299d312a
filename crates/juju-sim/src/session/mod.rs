//! One hook run: the hook tools, which parse their argv exactly as Juju's `jujuc` does and
//! print what Juju's tools print. They work on the model's [`State`] (status, logs and
//! secret reads take effect at once, as in Juju) and put their other writes in the hook's
//! [`Transaction`], which [`run`] returns for the resolver to commit.
//!
//! * `argv`: gnuflag-style arguments, `--format`/`--output`, the values tools take;
//! * `relation`: `relation-ids`, `relation-list`, `relation-get`, `relation-set`;
//! * `secret`: the `secret-*` tools;
//! * `network`: `network-get`;
//! * `unit`: `is-leader`, status, `juju-log`, `config-get`, actions, charm state,
//!   `goal-state`;
//! * `commit`: the transaction and its commit.

mod argv;
mod commit;
mod network;
mod relation;
mod secret;
mod unit;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use self::argv::{Args, Formats, ToolResult, chosen_format, fail, rfc3339};
use self::commit::ActionCtx;
pub(crate) use self::commit::Transaction;
pub(crate) use self::network::egress_subnet;
use crate::charm::{CharmOutcome, ToolServer};
use crate::error::{Error, Result};
use crate::format::Go;
use crate::hook::{Hook, ToolCall};
use crate::state::{Databag, State, Status, app_of};
use crate::wire::{ToolRequest, ToolResponse};

/// The state of one hook run.
pub(crate) struct Session<'s> {
    state: &'s mut State,
    unit: String,
    app: String,
    hook: Hook,
    hook_name: String,
    leader: bool,
    minion: bool,
    /// Remote databags as they were when the hook started: (relation, owner) -> data.
    snapshot: BTreeMap<(u32, String), Databag>,
    /// Remote units this unit sees in each relation, during this hook.
    members: BTreeMap<u32, BTreeSet<String>>,
    /// Relations this unit may name with `-r`.
    known: BTreeSet<u32>,
    /// The writes that wait for the hook to succeed.
    tx: Transaction,
    calls: u32,
    /// The working directory of the tool call being answered (for `--output`).
    cwd: Option<String>,
}

/// What a hook run leaves for the resolver.
pub(crate) struct HookRun {
    /// The hook's name (`install`, `db-relation-changed`, ...).
    pub(crate) name: String,
    /// The environment the charm was given.
    pub(crate) env: BTreeMap<String, String>,
    /// The secret revision the hook carried (`JUJU_SECRET_REVISION`): Juju records it as
    /// notified when the hook commits.
    pub(crate) carried_revision: Option<u32>,
    /// The transaction to commit if the charm succeeded; otherwise why it failed (its writes
    /// are dropped).
    pub(crate) result: std::result::Result<Transaction, String>,
}

/// Runs `hook` on `unit` with its app's charm and returns the hook's transaction (if the charm
/// succeeded) for the resolver to commit.
pub(crate) fn run(state: &mut State, unit: &str, hook: &Hook) -> Result<HookRun> {
    let u = state
        .unit(unit)
        .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
    let app_name = app_of(unit).to_owned();
    let app = state
        .apps
        .get(&app_name)
        .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
    let charm = app.charm.clone();
    let inconsistent = |reason: String, name: &str| Error::InconsistentHook {
        unit: unit.to_owned(),
        hook: name.to_owned(),
        reason,
    };
    // Consistency checks and the relation context.
    let mut endpoint = String::new();
    let mut remote_app = String::new();
    if let Some(id) = hook.relation() {
        let rel = state.relations.get(&id).ok_or_else(|| {
            inconsistent(format!("relation {id} does not exist"), "relation hook")
        })?;
        endpoint = rel
            .endpoint_of(&app_name)
            .ok_or_else(|| {
                inconsistent(
                    format!("{app_name} is not in relation {id}"),
                    "relation hook",
                )
            })?
            .to_owned();
        remote_app = rel.remote_app_of(&app_name).unwrap_or_default().to_owned();
    }
    let hook_name = hook.name_with(&endpoint);
    let secret_xid = match &hook {
        Hook::SecretChanged { xid }
        | Hook::SecretRotate { xid }
        | Hook::SecretExpired { xid, .. }
        | Hook::SecretRemove { xid, .. } => Some(xid.clone()),
        _ => None,
    };
    if let Some(xid) = &secret_xid
        && !state.secrets.contains_key(xid)
    {
        return Err(inconsistent(
            format!("secret {xid} does not exist"),
            &hook_name,
        ));
    }
    let leader = state.is_leader(unit);

    // Membership as this hook sees it, and the relations it may name.
    let mut members = BTreeMap::new();
    let mut known = BTreeSet::new();
    for (id, view) in &u.views {
        members.insert(*id, view.members.keys().cloned().collect::<BTreeSet<_>>());
        known.insert(*id);
    }
    match &hook {
        Hook::RelationCreated { relation } => {
            known.insert(*relation);
            members.entry(*relation).or_default();
        }
        Hook::RelationJoined { relation, unit: r } => {
            members.entry(*relation).or_default().insert(r.clone());
        }
        Hook::RelationDeparted {
            relation, unit: r, ..
        } => {
            members.entry(*relation).or_default().remove(r);
        }
        _ => {}
    }
    if let Some(id) = hook.relation() {
        known.insert(id);
    }

    // Snapshot of every databag of this unit's relations.
    let mut snapshot = BTreeMap::new();
    for id in &known {
        if let Some(rel) = state.relations.get(id) {
            for (owner, bag) in rel.unit_bags.iter().chain(rel.app_bags.iter()) {
                snapshot.insert((*id, owner.clone()), bag.data.clone());
            }
        }
    }

    let env = build_env(state, unit, hook, &hook_name, &endpoint, &remote_app)?;
    // The revision a secret-changed hook carries (Juju records it as notified at commit).
    let carried_revision = env
        .get("JUJU_SECRET_REVISION")
        .and_then(|r| r.parse::<u32>().ok());
    before_hook_status(state, unit, hook);
    let logs_before = state.unit(unit).map_or(0, |u| u.logs.len());
    let action = match &hook {
        Hook::Action { id, params, .. } => Some(ActionCtx {
            id: *id,
            params: serde_json::from_str(params).unwrap_or_else(|_| json!({})),
            ..ActionCtx::default()
        }),
        _ => None,
    };
    let mut session = Session {
        state,
        unit: unit.to_owned(),
        app: app_name,
        hook: hook.clone(),
        hook_name: hook_name.clone(),
        leader,
        minion: false,
        snapshot,
        members,
        known,
        tx: Transaction::new(unit, action),
        calls: 0,
        cwd: None,
    };
    let invocation = crate::charm::Invocation {
        env: &env,
        unit,
        hook,
    };
    let outcome: CharmOutcome = {
        let _clock = crate::clock::HookTimeGuard::set(session.state.now);
        charm.run(&invocation, &mut session)?
    };
    session.record_output(&outcome);
    let Session { state, mut tx, .. } = session;
    let result = if outcome.success {
        Ok(tx)
    } else {
        tx.keep_action_results(state);
        Err(failure_reason(state, unit, logs_before, &outcome))
    };
    Ok(HookRun {
        name: hook_name,
        env,
        carried_revision,
        result,
    })
}

/// How many of the charm's last stderr lines, and of its ERROR log lines, a failure reports.
const FAILURE_TAIL: usize = 5;

/// Why a hook failed: the charm's error, its last stderr lines and the ERROR lines it logged
/// with `juju-log` during the hook (the unit's log lines from `logs_before` on; an `ops`
/// traceback goes to both).
fn failure_reason(state: &State, unit: &str, logs_before: usize, outcome: &CharmOutcome) -> String {
    let mut reason = outcome
        .error
        .clone()
        .unwrap_or_else(|| "the charm failed".to_owned());
    let stderr: Vec<&str> = outcome
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if !stderr.is_empty() {
        let tail = stderr
            .get(stderr.len().saturating_sub(FAILURE_TAIL)..)
            .unwrap_or_default();
        reason.push_str("\nstderr (last lines):\n  ");
        reason.push_str(&tail.join("\n  "));
    }
    let errors: Vec<&str> = state
        .unit(unit)
        .map(|u| {
            u.logs
                .iter()
                .skip(logs_before)
                .filter(|l| l.level == "ERROR")
                .map(|l| l.message.as_str())
                .collect()
        })
        .unwrap_or_default();
    if !errors.is_empty() {
        let tail = errors
            .get(errors.len().saturating_sub(FAILURE_TAIL)..)
            .unwrap_or_default();
        reason.push_str("\nERROR log lines:\n  ");
        reason.push_str(&tail.join("\n  "));
    }
    reason
}

/// The status Juju's uniter sets before some hooks (`operation/runhook.go` `beforeHook`):
/// `maintenance` "installing charm software" before `install` unless the charm has set a
/// status already, "stopping charm software" before `stop`, "cleaning up prior to charm
/// deletion" before `remove`.
fn before_hook_status(state: &mut State, unit: &str, hook: &Hook) {
    let Some(u) = state.unit_mut(unit) else {
        return;
    };
    let message = match hook {
        Hook::Install if !u.status_set => "installing charm software",
        Hook::Stop => "stopping charm software",
        Hook::Remove => "cleaning up prior to charm deletion",
        _ => return,
    };
    let status = Status {
        kind: "maintenance".to_owned(),
        message: message.to_owned(),
    };
    u.status = status.clone();
    u.status_history.push(status);
}

/// The Juju environment of a hook, as `HookVars` builds it (`context/context.go`).
fn build_env(
    state: &State,
    unit: &str,
    hook: &Hook,
    hook_name: &str,
    endpoint: &str,
    remote_app: &str,
) -> Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        env.insert(k.to_owned(), v.to_owned());
    };
    set("JUJU_UNIT_NAME", unit);
    set("JUJU_MODEL_NAME", &state.name);
    set("JUJU_MODEL_UUID", &state.uuid);
    set("JUJU_VERSION", &state.options.juju_version);
    set(
        "JUJU_CONTEXT_ID",
        &format!("{unit}-{hook_name}-{}", state.history.len()),
    );
    set("JUJU_AVAILABILITY_ZONE", "");
    set("JUJU_MACHINE_ID", "");
    set("JUJU_PRINCIPAL_UNIT", "");
    set("JUJU_API_ADDRESSES", "10.0.0.1:17070");
    // Always exported by HookVars, empty when the model has no such setting.
    for var in [
        "JUJU_SLA",
        "CLOUD_API_VERSION",
        "JUJU_CHARM_HTTP_PROXY",
        "JUJU_CHARM_HTTPS_PROXY",
        "JUJU_CHARM_FTP_PROXY",
        "JUJU_CHARM_NO_PROXY",
    ] {
        set(var, "");
    }
    // Not Juju's: the simulated clock, for charms that take "now" from their environment.
    set(crate::clock::SIM_NOW_VAR, &rfc3339(state.now));
    match hook {
        Hook::Action { id, name, .. } => {
            set("JUJU_DISPATCH_PATH", &format!("actions/{name}"));
            set("JUJU_HOOK_NAME", "");
            set("JUJU_ACTION_NAME", name);
            set("JUJU_ACTION_UUID", &id.to_string());
            set("JUJU_ACTION_TAG", &format!("action-{id}"));
        }
        _ => {
            set("JUJU_DISPATCH_PATH", &format!("hooks/{hook_name}"));
            set("JUJU_HOOK_NAME", hook_name);
        }
    }
    if let Some(id) = hook.relation() {
        set("JUJU_RELATION", endpoint);
        set("JUJU_RELATION_ID", &format!("{endpoint}:{id}"));
        set("JUJU_REMOTE_APP", remote_app);
        let remote_unit = match hook {
            Hook::RelationJoined { unit, .. }
            | Hook::RelationDeparted { unit, .. }
            | Hook::RelationChanged {
                unit: Some(unit), ..
            } => unit.as_str(),
            _ => "",
        };
        set("JUJU_REMOTE_UNIT", remote_unit);
        if let Hook::RelationDeparted { departing, .. } = hook {
            set("JUJU_DEPARTING_UNIT", departing);
        }
    }
    // (secret, revision the hook carries): secret-changed carries the latest revision,
    // expired/remove their revision, rotate none (`worker/uniter/secrets/resolver.go`).
    let secret = match hook {
        Hook::SecretChanged { xid } => state.secrets.get(xid).map(|s| (s, s.latest)),
        Hook::SecretRotate { xid } => state.secrets.get(xid).map(|s| (s, 0)),
        Hook::SecretExpired { xid, revision } | Hook::SecretRemove { xid, revision } => {
            state.secrets.get(xid).map(|s| (s, *revision))
        }
        _ => None,
    };
    if let Some((s, revision)) = secret {
        set("JUJU_SECRET_ID", &s.uri);
        // The consumer label of the unit's record; for the owner side, the owner label when the
        // record has none (the context falls back to the owner's metadata).
        let consumer = s.trackers.get(unit).and_then(|t| t.label.clone());
        let label = match hook {
            Hook::SecretChanged { .. } => {
                consumer.or_else(|| s.owner_side(unit).then(|| s.label.clone()).flatten())
            }
            _ => s.label.clone(),
        };
        set("JUJU_SECRET_LABEL", label.as_deref().unwrap_or(""));
        if revision > 0 {
            set("JUJU_SECRET_REVISION", &revision.to_string());
        }
    }
    Ok(env)
}

impl ToolServer for Session<'_> {
    fn call(&mut self, request: &ToolRequest) -> ToolResponse {
        self.calls += 1;
        let index = self.calls;
        self.cwd.clone_from(&request.cwd);
        let fault = self
            .state
            .faults
            .iter()
            .position(|f| f.matches(&self.unit, index, &request.tool));
        let result = match fault {
            Some(pos) => {
                self.state.faults.remove(pos);
                Err(fail(format!(
                    "injected fault: {} call #{index} failed",
                    request.tool
                )))
            }
            None => self.dispatch(request),
        };
        let response = match result {
            Ok(stdout) => ToolResponse {
                stdout,
                stderr: String::new(),
                code: 0,
            },
            Err(f) => ToolResponse {
                stdout: String::new(),
                stderr: format!("ERROR {}\n", f.message),
                code: f.code,
            },
        };
        self.state.trace.push(ToolCall {
            unit: self.unit.clone(),
            hook: self.hook_name.clone(),
            index,
            tool: request.tool.clone(),
            args: request.args.clone(),
            code: response.code,
            stderr: response.stderr.clone(),
        });
        response
    }
}

impl Session<'_> {
    fn dispatch(&mut self, req: &ToolRequest) -> ToolResult {
        let a = &req.args;
        match req.tool.as_str() {
            "relation-ids" => self.relation_ids(a),
            "relation-list" => self.relation_list(a),
            "relation-get" => self.relation_get(a),
            "relation-set" => self.relation_set(req),
            "is-leader" => self.is_leader(a),
            "secret-add" => self.secret_add(req),
            "secret-get" => self.secret_get(a),
            "secret-set" => self.secret_set(req),
            "secret-remove" => self.secret_remove(a),
            "secret-info-get" => self.secret_info_get(a),
            "secret-ids" => self.secret_ids(a),
            "secret-grant" => self.secret_grant(a),
            "secret-revoke" => self.secret_revoke(a),
            "status-set" => self.status_set(a),
            "status-get" => self.status_get(a),
            "application-version-set" => self.application_version_set(a),
            "juju-log" => self.juju_log(a),
            "config-get" => self.config_get(a),
            "action-get" => self.action_get(a),
            "action-set" => self.action_set(a),
            "action-fail" => self.action_fail(a),
            "action-log" => self.action_log(a),
            "state-get" => self.state_get(a),
            "state-set" => self.state_set(req),
            "state-delete" => self.state_delete(a),
            "goal-state" => self.goal_state(a),
            "network-get" => self.network_get(a),
            other => Err(fail(format!(
                "{other}: this hook tool is not simulated by juju-sim"
            ))),
        }
    }

    /// Writes `value` in the chosen format, to stdout or to the `--output` file (relative to the
    /// tool's working directory), as `juju/cmd`'s `Output.Write` does.
    fn write(&self, args: &Args, formats: Formats, value: &Go) -> ToolResult {
        let text = chosen_format(args, formats)?.render(value);
        let Some(path) = args.flag("output") else {
            return Ok(text);
        };
        let target = match &self.cwd {
            Some(cwd) => std::path::Path::new(cwd).join(path),
            None => std::path::PathBuf::from(path),
        };
        std::fs::write(&target, text)
            .map_err(|e| fail(format!("open {}: {e}", target.display())))?;
        Ok(String::new())
    }

    fn record_output(&mut self, outcome: &CharmOutcome) {
        for line in outcome.stdout.lines().filter(|l| !l.trim().is_empty()) {
            self.log("DEBUG", line.to_owned());
        }
        for line in outcome.stderr.lines().filter(|l| !l.trim().is_empty()) {
            self.log("WARNING", line.to_owned());
        }
    }
}
