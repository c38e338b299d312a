//! One hook run: the transaction (overlay of pending writes) and the hook tools, which parse
//! their argv exactly as Juju's `jujuc` does and print what Juju's tools print.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::charm::{CharmOutcome, ToolServer};
use crate::error::{Error, Result};
use crate::format::{Format, Go};
use crate::hook::{Hook, HookOutcome, HookReport, ToolCall};
use crate::model::{
    Databag, LogLine, Model, Read, Revision, Secret, SecretOwnerRef, Status, app_of,
    effective_config, rotation_period,
};
use crate::wire::{ToolRequest, ToolResponse};

/// A tool failure: exit code and message (printed as `ERROR <message>`).
struct Fail {
    code: i32,
    message: String,
}

fn fail(message: impl Into<String>) -> Fail {
    Fail {
        code: 1,
        message: message.into(),
    }
}

fn usage(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: message.into(),
    }
}

type ToolResult = std::result::Result<String, Fail>;

/// A pending `secret-set` (merged per hook on Juju >= 3.6).
#[derive(Debug, Clone, Default)]
struct PendingUpdate {
    content: Option<Databag>,
    label: Option<String>,
    description: Option<String>,
    expire: Option<OffsetDateTime>,
    rotate: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ActionCtx {
    pub(crate) id: u32,
    pub(crate) params: Value,
    pub(crate) results: BTreeMap<String, String>,
    pub(crate) failure: Option<String>,
    pub(crate) logs: Vec<String>,
}

/// The state of one hook run.
pub(crate) struct Session<'m> {
    model: &'m mut Model,
    unit: String,
    app: String,
    hook: Hook,
    hook_name: String,
    leader: bool,
    minion: bool,
    /// Remote databags as they were when the hook started: (relation, owner) -> data.
    snapshot: BTreeMap<(u32, String), Databag>,
    /// Pending merges into own databags: (relation, owner) -> delta ("" deletes).
    rel_writes: BTreeMap<(u32, String), Databag>,
    /// Remote units this unit sees in each relation, during this hook.
    members: BTreeMap<u32, BTreeSet<String>>,
    /// Relations this unit may name with `-r`.
    known: BTreeSet<u32>,
    new_secrets: BTreeMap<String, Secret>,
    updates: BTreeMap<String, PendingUpdate>,
    removes: Vec<(String, Option<u32>)>,
    /// Secrets read with `--refresh` after a `secret-set` in this hook: the unit tracks the new
    /// revision once it is committed (Juju's `pendingTrackLatest`).
    track_latest: BTreeSet<String>,
    grants: Vec<(String, u32, String, bool)>,
    state_delta: BTreeMap<String, Option<String>>,
    action: Option<ActionCtx>,
    calls: u32,
    /// The working directory of the tool call being answered (for `--output`).
    cwd: Option<String>,
}

/// Runs `hook` on `unit` with its app's charm; commits on success.
pub(crate) fn run(model: &mut Model, unit: &str, hook: Hook) -> Result<HookReport> {
    let u = model
        .unit(unit)
        .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
    let app_name = app_of(unit).to_owned();
    let app = model
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
        let rel = model.relations.get(&id).ok_or_else(|| {
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
        && !model.secrets.contains_key(xid)
    {
        return Err(inconsistent(
            format!("secret {xid} does not exist"),
            &hook_name,
        ));
    }
    let leader = model.is_leader(unit);

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
        if let Some(rel) = model.relations.get(id) {
            for (owner, bag) in rel.unit_bags.iter().chain(rel.app_bags.iter()) {
                snapshot.insert((*id, owner.clone()), bag.data.clone());
            }
        }
    }

    let env = build_env(model, unit, &hook, &hook_name, &endpoint, &remote_app)?;
    // The revision a secret-changed hook carries (Juju records it as notified at commit).
    let carried_revision = env
        .get("JUJU_SECRET_REVISION")
        .and_then(|r| r.parse::<u32>().ok());
    before_hook_status(model, unit, &hook);
    let logs_before = model.unit(unit).map_or(0, |u| u.logs.len());
    let action = match &hook {
        Hook::Action { id, params, .. } => Some(ActionCtx {
            id: *id,
            params: serde_json::from_str(params).unwrap_or_else(|_| json!({})),
            ..ActionCtx::default()
        }),
        _ => None,
    };
    let mut session = Session {
        model,
        unit: unit.to_owned(),
        app: app_name,
        hook: hook.clone(),
        hook_name: hook_name.clone(),
        leader,
        minion: false,
        snapshot,
        rel_writes: BTreeMap::new(),
        members,
        known,
        new_secrets: BTreeMap::new(),
        updates: BTreeMap::new(),
        removes: Vec::new(),
        track_latest: BTreeSet::new(),
        grants: Vec::new(),
        state_delta: BTreeMap::new(),
        action,
        calls: 0,
        cwd: None,
    };
    let invocation = crate::charm::Invocation {
        env: &env,
        unit,
        hook: &hook,
    };
    let outcome: CharmOutcome = {
        let _clock = crate::clock::HookTimeGuard::set(session.model.now);
        charm.run(&invocation, &mut session)?
    };
    session.record_output(&outcome);
    let result = if outcome.success {
        match session.commit() {
            Ok(()) => HookOutcome::Committed,
            Err(reason) => HookOutcome::CommitRefused { reason },
        }
    } else {
        session.keep_action_results();
        HookOutcome::Failed {
            reason: failure_reason(session.model, unit, logs_before, &outcome),
        }
    };
    let committed = result.is_committed();
    let model = session.model;
    if committed {
        model.hook_done(unit, &hook, carried_revision);
    }
    let report = HookReport {
        unit: unit.to_owned(),
        hook,
        name: hook_name,
        outcome: result,
        env,
    };
    model.history.push(report.clone());
    if let Some(progress) = &model.progress {
        progress(&report);
    }
    Ok(report)
}

/// How many of the charm's last stderr lines, and of its ERROR log lines, a failure reports.
const FAILURE_TAIL: usize = 5;

/// Why a hook failed: the charm's error, its last stderr lines and the ERROR lines it logged
/// with `juju-log` during the hook (the unit's log lines from `logs_before` on; an `ops`
/// traceback goes to both).
fn failure_reason(model: &Model, unit: &str, logs_before: usize, outcome: &CharmOutcome) -> String {
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
    let errors: Vec<&str> = model
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
fn before_hook_status(model: &mut Model, unit: &str, hook: &Hook) {
    let Some(u) = model.unit_mut(unit) else {
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
    model: &Model,
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
    set("JUJU_MODEL_NAME", &model.name);
    set("JUJU_MODEL_UUID", &model.uuid);
    set("JUJU_VERSION", &model.options.juju_version);
    set(
        "JUJU_CONTEXT_ID",
        &format!("{unit}-{hook_name}-{}", model.history.len()),
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
    set(crate::clock::SIM_NOW_VAR, &rfc3339(model.now));
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
        Hook::SecretChanged { xid } => model.secrets.get(xid).map(|s| (s, s.latest)),
        Hook::SecretRotate { xid } => model.secrets.get(xid).map(|s| (s, 0)),
        Hook::SecretExpired { xid, revision } | Hook::SecretRemove { xid, revision } => {
            model.secrets.get(xid).map(|s| (s, *revision))
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
            .model
            .faults
            .iter()
            .position(|f| f.matches(&self.unit, index, &request.tool));
        let result = match fault {
            Some(pos) => {
                self.model.faults.remove(pos);
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
        self.model.trace.push(ToolCall {
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

/// Parsed gnuflag-style arguments.
struct Args {
    flags: BTreeMap<&'static str, String>,
    positional: Vec<String>,
}

impl Args {
    fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    fn bool(&self, name: &str) -> bool {
        self.flags.get(name).is_some_and(|v| v == "true")
    }
}

/// A flag spec: (canonical name, aliases, takes a value).
type FlagSpec = (&'static str, &'static [&'static str], bool);

/// The flags of `secret-add` and `secret-set` (`secret-set` accepts and ignores `--owner`).
const SECRET_WRITE_FLAGS: &[FlagSpec] = &[
    ("label", &[], true),
    ("description", &[], true),
    ("expire", &[], true),
    ("rotate", &[], true),
    ("owner", &[], true),
    ("file", &[], true),
];

/// Parses `args` against a spec of flags. Flags and positionals may be interleaved; `--` ends
/// flags.
fn parse_args(args: &[String], spec: &[FlagSpec]) -> std::result::Result<Args, Fail> {
    let mut flags = BTreeMap::new();
    let mut positional = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            positional.extend(iter.by_ref().cloned());
            break;
        }
        if arg == "-" || !arg.starts_with('-') {
            positional.push(arg.clone());
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (body, None),
        };
        let Some((canonical, _, takes_value)) = spec
            .iter()
            .find(|(c, aliases, _)| *c == name || aliases.contains(&name))
        else {
            return Err(usage(format!("flag provided but not defined: {arg}")));
        };
        let value = if *takes_value {
            match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| usage(format!("flag needs an argument: {arg}")))?,
            }
        } else {
            match inline.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("true" | "1" | "t") => "true".to_owned(),
                Some("false" | "0" | "f") => "false".to_owned(),
                Some(other) => {
                    return Err(usage(format!("invalid boolean value {other:?} for {arg}")));
                }
            }
        };
        flags.insert(*canonical, value);
    }
    Ok(Args { flags, positional })
}

/// `--format` and `-o`/`--output`, as `juju/cmd`'s `Output.AddFlags` declares them.
const FORMAT: FlagSpec = ("format", &[], true);
const OUTPUT: FlagSpec = ("output", &["o"], true);

/// The formats a tool offers and its default (Juju's `c.out.AddFlags(f, default, formatters)`).
#[derive(Clone, Copy)]
struct Formats {
    default: Format,
    offered: &'static [Format],
}

/// `cmd.DefaultFormatters` with `smart` as default: most tools.
const SMART: Formats = Formats {
    default: Format::Smart,
    offered: &[Format::Json, Format::Smart, Format::Yaml],
};
/// `json` and `yaml`, `yaml` by default: `secret-get`, `secret-info-get`, `goal-state`.
const YAML: Formats = Formats {
    default: Format::Yaml,
    offered: &[Format::Json, Format::Yaml],
};

/// The format chosen by `--format` (default otherwise); an unknown one is gnuflag's usage error.
fn chosen_format(args: &Args, formats: Formats) -> std::result::Result<Format, Fail> {
    match args.flag("format") {
        None => Ok(formats.default),
        Some(name) => Format::parse(name, formats.offered)
            .map_err(|e| usage(format!("invalid value {name:?} for flag --format: {e}"))),
    }
}

/// Go-style duration (`24h`, `1h30m`, `90s`).
fn parse_duration(s: &str) -> Option<time::Duration> {
    let mut total = time::Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            unit = "ms".into();
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let secs = match unit.as_str() {
            "h" => n * 3600.0,
            "m" => n * 60.0,
            "s" => n,
            "ms" => n / 1000.0,
            _ => return None,
        };
        total = total.checked_add(time::Duration::checked_seconds_f64(secs)?)?;
        any = true;
    }
    (any && num.is_empty() && total > time::Duration::ZERO).then_some(total)
}

/// `--expire`: RFC 3339, RFC 3339 without zone (UTC), or a Go duration from now.
fn parse_expire(s: &str, now: OffsetDateTime) -> std::result::Result<OffsetDateTime, Fail> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    if let Ok(t) = OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339) {
        return Ok(t);
    }
    parse_duration(s)
        .and_then(|d| now.checked_add(d))
        .ok_or_else(|| usage(format!("invalid expire value {s:?}")))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The xid of `secret:<xid>`, `secret://<uuid>/<xid>` or a bare xid.
fn xid_of(id: &str) -> &str {
    let id = id.trim();
    match id.rfind('/') {
        Some(p) => id.get(p + 1..).unwrap_or_default(),
        None => id.strip_prefix("secret:").unwrap_or(id),
    }
}

fn valid_secret_key(key: &str) -> bool {
    juju_hook_tools::is_valid_secret_key(key)
}

fn valid_action_key(key: &str) -> bool {
    key.split('.').all(|seg| {
        let b = seg.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b.first().is_some_and(|c| *c != b'-')
            && b.last().is_some_and(|c| *c != b'-')
    })
}

/// A `--file` payload as Juju reads it for `relation-set` and `state-set`: YAML into a
/// `map[string]string` (`goyaml.Unmarshal`; JSON is YAML).
fn parse_settings_file(text: &str) -> std::result::Result<Databag, Fail> {
    crate::yaml::string_map(text).map_err(|e| fail(format!("yaml: {e}")))
}

/// A secret `--file` payload as Juju reads it (`core/secrets/createsecret.go`
/// `ReadSecretData`): JSON first, then YAML, into a `map[string]string`.
fn parse_secret_file(text: &str) -> std::result::Result<Databag, Fail> {
    if let Ok(map) = serde_json::from_str::<BTreeMap<String, String>>(text) {
        return Ok(map);
    }
    parse_settings_file(text)
}

/// The contents of the file a `--file` flag names (`-` is stdin).
fn file_payload<'r>(req: &'r ToolRequest, path: &str) -> std::result::Result<&'r str, Fail> {
    if path == "-" {
        return Ok(req.stdin.as_deref().unwrap_or_default());
    }
    req.files
        .get(path)
        .map(String::as_str)
        .ok_or_else(|| fail(format!("open {path}: no such file or directory")))
}

/// `juju/cmd`'s `CheckEmpty`: extra positional arguments are a usage error.
fn check_empty(extra: &[String]) -> std::result::Result<(), Fail> {
    if extra.is_empty() {
        return Ok(());
    }
    let quoted: Vec<String> = extra.iter().map(|a| format!("{a:?}")).collect();
    Err(usage(format!("unrecognized args: [{}]", quoted.join(" "))))
}

/// A Juju entity tag for an application or unit name (`application-x`, `unit-x-0`).
fn entity_tag(name: &str) -> String {
    if name.contains('/') {
        format!("unit-{}", name.replace('/', "-"))
    } else {
        format!("application-{name}")
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

    // --- relations ---

    fn current_relation(&self) -> Option<u32> {
        self.hook.relation()
    }

    /// Resolves `-r` (`<id>` or `<endpoint>:<id>`), defaulting to the hook's relation.
    fn relation_flag(&self, args: &Args) -> std::result::Result<u32, Fail> {
        match args.flag("relation") {
            Some(v) => {
                let num = v.rsplit(':').next().unwrap_or(v);
                let id: u32 = num.parse().map_err(|_| {
                    usage(format!(
                        "invalid value {v:?} for option -r: relation not found"
                    ))
                })?;
                if self.known.contains(&id) && self.model.relations.contains_key(&id) {
                    Ok(id)
                } else {
                    Err(usage(format!(
                        "invalid value {v:?} for option -r: relation not found"
                    )))
                }
            }
            None => self
                .current_relation()
                .ok_or_else(|| usage("no relation id specified")),
        }
    }

    fn rel_ref(&self, id: u32) -> String {
        let ep = self
            .model
            .relations
            .get(&id)
            .and_then(|r| r.endpoint_of(&self.app))
            .unwrap_or_default();
        format!("{ep}:{id}")
    }

    /// Juju's `relation-ids`: every relation of the endpoint that is not dead and not
    /// "broken" for this unit (`jujuc/relation-ids.go`; `context/contextfactory.go`: broken
    /// means dying, not a peer relation, and no remote member left), nor the relation whose
    /// `-broken` hook is running. Sorted, never `null`.
    fn relation_ids(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        let endpoint = match args.positional.first() {
            Some(e) => e.clone(),
            None => match self.current_relation() {
                Some(id) => self
                    .model
                    .relations
                    .get(&id)
                    .and_then(|r| r.endpoint_of(&self.app))
                    .unwrap_or_default()
                    .to_owned(),
                None => return Err(usage("no endpoint name specified")),
            },
        };
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let broken_now = match &self.hook {
            Hook::RelationBroken { relation } => Some(*relation),
            _ => None,
        };
        let mut ids: Vec<String> = self
            .model
            .relations
            .values()
            .filter(|r| {
                let broken = r.dying
                    && !r.is_peer()
                    && self.members.get(&r.id).is_none_or(BTreeSet::is_empty);
                r.endpoint_of(&self.app) == Some(endpoint.as_str())
                    && !broken
                    && self.known.contains(&r.id)
                    && broken_now != Some(r.id)
            })
            .map(|r| format!("{endpoint}:{}", r.id))
            .collect();
        ids.sort();
        self.write(&args, SMART, &Go::Strings(ids))
    }

    fn relation_list(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("relation", &["r"], true),
                ("app", &[], false),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        check_empty(&args.positional)?;
        if args.bool("app") {
            let remote = self
                .model
                .relations
                .get(&id)
                .and_then(|r| r.remote_app_of(&self.app))
                .unwrap_or_default()
                .to_owned();
            return self.write(&args, SMART, &Go::Str(remote));
        }
        let members: Vec<String> = self
            .members
            .get(&id)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        self.write(&args, SMART, &Go::Strings(members))
    }

    /// Own databag content: committed data merged with this hook's pending writes.
    fn own_bag(&self, id: u32, owner: &str) -> Databag {
        let mut bag = self
            .model
            .relations
            .get(&id)
            .and_then(|r| {
                if owner.contains('/') {
                    r.unit_bags.get(owner)
                } else {
                    r.app_bags.get(owner)
                }
            })
            .map(|b| b.data.clone())
            .unwrap_or_default();
        if let Some(delta) = self.rel_writes.get(&(id, owner.to_owned())) {
            for (k, v) in delta {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
        }
        bag
    }

    fn relation_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("relation", &["r"], true),
                ("app", &[], false),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        let mut app_flag = args.bool("app");
        let key = args
            .positional
            .first()
            .cloned()
            .unwrap_or_else(|| "-".into());
        check_empty(args.positional.get(2..).unwrap_or_default())?;
        let rel = self
            .model
            .relations
            .get(&id)
            .ok_or_else(|| usage("relation not found"))?;
        let is_peer = rel.is_peer();
        let remote_app = rel.remote_app_of(&self.app).unwrap_or_default().to_owned();
        let target = match args.positional.get(1) {
            Some(t) if app_flag => app_of(t).to_owned(),
            Some(t) if !t.contains('/') => {
                return Err(fail(format!(
                    "expected unit name, got application name {t:?}"
                )));
            }
            Some(t) => t.clone(),
            None if app_flag => remote_app.clone(),
            None => {
                let ctx_unit = match &self.hook {
                    Hook::RelationJoined { relation, unit }
                    | Hook::RelationDeparted { relation, unit, .. }
                    | Hook::RelationChanged {
                        relation,
                        unit: Some(unit),
                    } if *relation == id => Some(unit.clone()),
                    _ => None,
                };
                match ctx_unit {
                    Some(u) => u,
                    None if self.current_relation() == Some(id) => {
                        app_flag = true;
                        remote_app.clone()
                    }
                    None => return Err(usage("no unit or application specified")),
                }
            }
        };
        let bag = if app_flag && target == self.app {
            if !is_peer && !self.leader {
                return Err(fail("permission denied"));
            }
            self.own_bag(id, &target)
        } else if !app_flag && target == self.unit {
            self.own_bag(id, &target)
        } else {
            let in_relation = if app_flag {
                target == remote_app
            } else {
                app_of(&target) == remote_app
            };
            if !in_relation {
                return Err(fail(format!(
                    "cannot read settings for {target:?} in relation {}: not found",
                    self.rel_ref(id)
                )));
            }
            match self.snapshot.get(&(id, target.clone())) {
                Some(b) => b.clone(),
                None if app_flag => Databag::new(),
                None => {
                    return Err(fail(format!(
                        "cannot read settings for unit {target:?} in relation {}: settings not found",
                        self.rel_ref(id)
                    )));
                }
            }
        };
        let value = if key == "-" {
            Go::string_map(&bag)
        } else {
            bag.get(&key).map_or(Go::Nil, |v| Go::Str(v.clone()))
        };
        self.write(&args, SMART, &value)
    }

    fn relation_set(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(
            &req.args,
            &[
                FORMAT,
                ("relation", &["r"], true),
                ("app", &[], false),
                ("file", &[], true),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        let mut delta = match args.flag("file") {
            Some(path) => parse_settings_file(file_payload(req, path)?)?,
            None => Databag::new(),
        };
        let mut seen = BTreeSet::new();
        for kv in &args.positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("expected \"key=value\", got {kv:?}")))?;
            if k.is_empty() {
                return Err(usage(format!("expected \"key=value\", got {kv:?}")));
            }
            if !seen.insert(k.to_owned()) {
                return Err(usage(format!("duplicate key specified: {k:?}")));
            }
            delta.insert(k.to_owned(), v.to_owned());
        }
        let owner = if args.bool("app") {
            if !self.leader_now() {
                return Err(fail("cannot write relation settings"));
            }
            self.app.clone()
        } else {
            self.unit.clone()
        };
        let pending = self.rel_writes.entry((id, owner)).or_default();
        pending.extend(delta);
        Ok(String::new())
    }

    // --- leadership ---

    /// Leadership as `is-leader` reports it: sticky `false` within a hook.
    fn leader_now(&mut self) -> bool {
        if self.minion {
            return false;
        }
        let leader = self.model.is_leader(&self.unit) && self.leader;
        if !leader {
            self.minion = true;
        }
        leader
    }

    fn is_leader(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let leader = self.leader_now();
        self.write(&args, SMART, &Go::Bool(leader))
    }

    // --- secrets ---

    /// Content from `--file` and `key=value`, `key#base64=...`, `key#file=path` args.
    fn secret_content(
        &self,
        positional: &[String],
        file: Option<&str>,
        req: &ToolRequest,
    ) -> std::result::Result<Databag, Fail> {
        let mut content = match file {
            Some(path) => parse_secret_file(file_payload(req, path)?)?,
            None => Databag::new(),
        };
        for kv in positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("key value {kv:?} not valid")))?;
            let (key, value) = if let Some(key) = k.strip_suffix("#file") {
                let data = req
                    .files
                    .get(v)
                    .ok_or_else(|| fail(format!("open {v}: no such file or directory")))?;
                (key, data.clone())
            } else if let Some(key) = k.strip_suffix("#base64") {
                (
                    key,
                    decode_base64(v).ok_or_else(|| usage(format!("invalid base64 for {key:?}")))?,
                )
            } else {
                (k, v.to_owned())
            };
            if !valid_secret_key(key) {
                return Err(usage(format!("key {key:?} not valid")));
            }
            content.insert(key.to_owned(), value);
        }
        Ok(content)
    }

    fn find_secret(&self, xid: &str) -> Option<&Secret> {
        self.new_secrets
            .get(xid)
            .or_else(|| self.model.secrets.get(xid))
    }

    /// The owner label of a secret, counting this hook's pending relabel.
    fn owner_label(&self, s: &Secret) -> Option<String> {
        self.updates
            .get(&s.xid)
            .and_then(|u| u.label.clone())
            .or_else(|| s.label.clone())
    }

    fn can_read(&self, s: &Secret) -> bool {
        if s.owner_side(&self.unit) {
            return true;
        }
        s.grants.iter().any(|(rel, targets)| {
            self.model.relations.get(rel).is_some_and(|r| !r.dying)
                && (targets.contains(&self.unit) || targets.contains(&self.app))
        })
    }

    /// `secret-get --label`: the owner labels of secrets the unit or its application owns
    /// (any unit of the app, leader or not: `secretsmanager/secrets.go`
    /// `getAppOwnedOrUnitOwnedSecretMetadata`), then the unit's consumer labels.
    fn lookup_label(&self, label: &str) -> Option<String> {
        let owned = self
            .new_secrets
            .values()
            .chain(self.model.secrets.values())
            .find(|s| s.owner_side(&self.unit) && self.owner_label(s).as_deref() == Some(label));
        if let Some(s) = owned {
            return Some(s.xid.clone());
        }
        self.model
            .secrets
            .values()
            .find(|s| s.trackers.get(&self.unit).and_then(|t| t.label.as_deref()) == Some(label))
            .map(|s| s.xid.clone())
    }

    /// The owned secret with owner label `label` that this unit manages (owner; leader for
    /// app-owned), for `secret-info-get --label`.
    fn managed_by_label(&self, label: &str) -> Option<String> {
        self.new_secrets
            .values()
            .chain(self.model.secrets.values())
            .find(|s| {
                s.owned_by(&self.unit, &self.app, self.leader)
                    && self.owner_label(s).as_deref() == Some(label)
            })
            .map(|s| s.xid.clone())
    }

    fn not_found(id: &str) -> Fail {
        fail(format!("secret {id:?} not found"))
    }

    fn secret_add(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(&req.args, SECRET_WRITE_FLAGS)?;
        let content = self.secret_content(&args.positional, args.flag("file"), req)?;
        if content.is_empty() {
            return Err(usage("missing secret value"));
        }
        let owner = match args.flag("owner").unwrap_or("application") {
            "application" => {
                if !self.leader_now() {
                    return Err(fail("this unit is not the leader"));
                }
                SecretOwnerRef::App(self.app.clone())
            }
            "unit" => SecretOwnerRef::Unit(self.unit.clone()),
            other => return Err(usage(format!("secret owner {other:?} not valid"))),
        };
        let expire = args
            .flag("expire")
            .map(|e| parse_expire(e, self.model.now))
            .transpose()?;
        let rotate = self.rotate_flag(&args)?;
        let (xid, uri) = self.model.mint_secret_id();
        // No consumer record for the creator: it gets one when it first reads the secret.
        self.new_secrets.insert(
            xid.clone(),
            Secret {
                xid,
                uri: uri.clone(),
                owner,
                label: args.flag("label").map(str::to_owned),
                description: args.flag("description").map(str::to_owned),
                rotates: rotate
                    .as_deref()
                    .and_then(rotation_period)
                    .and_then(|p| self.model.now.checked_add(p)),
                rotate,
                revisions: BTreeMap::from([(1, Revision::new(content, expire))]),
                latest: 1,
                trackers: BTreeMap::new(),
                grants: BTreeMap::new(),
            },
        );
        Ok(format!("{uri}\n"))
    }

    fn rotate_flag(&self, args: &Args) -> std::result::Result<Option<String>, Fail> {
        match args.flag("rotate") {
            None => Ok(None),
            Some(
                p @ ("never" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly"),
            ) => Ok(Some(p.to_owned())),
            Some(other) => Err(usage(format!("rotate policy {other:?} not valid"))),
        }
    }

    /// `secret-get`, as Juju 3.6 answers it (`context/context.go` `GetSecret`, `secretsmanager`
    /// `getSecretContent` / `getConsumedRevision`):
    ///
    /// * a secret created in this hook reads its pending content;
    /// * with `--peek` or `--refresh`, content set in this hook is returned, and `--refresh`
    ///   makes the unit track the new revision once it is committed;
    /// * otherwise the unit's consumer record decides: created at the latest revision on the
    ///   first read (by any unit, owner or not), moved to the latest by `--refresh`, read at
    ///   its revision otherwise (`--peek` reads the latest without moving). The record and a
    ///   consumer label are saved at once, not at commit (the controller does it during the
    ///   call); a consumer moving forward may make its old revision obsolete.
    fn secret_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("label", &[], true),
                ("peek", &[], false),
                ("refresh", &[], false),
            ],
        )?;
        if args.bool("peek") && args.bool("refresh") {
            return Err(usage("specify one of --peek or --refresh but not both"));
        }
        let label = args.flag("label").map(str::to_owned);
        let mut pos = args.positional.iter();
        let (xid, key) = match pos.next() {
            Some(first) if first.starts_with("secret:") || label.is_none() => {
                (xid_of(first).to_owned(), pos.next().cloned())
            }
            Some(key) => {
                let l = label.clone().unwrap_or_default();
                (
                    self.lookup_label(&l).ok_or_else(|| Self::not_found(&l))?,
                    Some(key.clone()),
                )
            }
            None => {
                let l = label
                    .clone()
                    .ok_or_else(|| usage("require either a secret URI or label"))?;
                (
                    self.lookup_label(&l).ok_or_else(|| Self::not_found(&l))?,
                    None,
                )
            }
        };
        check_empty(pos.as_slice())?;
        let secret = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !self.can_read(secret) {
            return Err(Self::not_found(&xid));
        }
        let owner_side = secret.owner_side(&self.unit);
        let manager = secret.owned_by(&self.unit, &self.app, self.leader);
        let by_id = args
            .positional
            .first()
            .is_some_and(|p| p.starts_with("secret:"))
            || (label.is_none() && !args.positional.is_empty());
        let relabel = if by_id { label } else { None };
        // Giving an id and a label sets the owner label (owner; leader for app-owned), or the
        // consumer label of a consumer; a peer of an app-owned secret's leader is ignored.
        if let Some(l) = &relabel
            && manager
        {
            match self.new_secrets.get_mut(&xid) {
                Some(s) => s.label = Some(l.clone()),
                None => {
                    if let Some(s) = self.model.secrets.get_mut(&xid) {
                        s.label = Some(l.clone());
                    }
                }
            }
        }
        let consumer_label = relabel.filter(|_| !owner_side);
        let content = if let Some(s) = self.new_secrets.get(&xid) {
            s.revisions
                .get(&s.latest)
                .map(|r| r.content.clone())
                .unwrap_or_default()
        } else if let Some(pending) = self
            .updates
            .get(&xid)
            .and_then(|u| u.content.clone())
            .filter(|_| args.bool("peek") || args.bool("refresh"))
        {
            if args.bool("refresh") {
                self.track_latest.insert(xid.clone());
            }
            pending
        } else {
            let mode = if args.bool("refresh") {
                Read::Refresh
            } else if args.bool("peek") {
                Read::Peek
            } else {
                Read::Tracked
            };
            let unit = self.unit.clone();
            let secret = self
                .model
                .secrets
                .get_mut(&xid)
                .ok_or_else(|| Self::not_found(&xid))?;
            let revision = secret.consume(&unit, mode, consumer_label);
            secret
                .revisions
                .get(&revision)
                .map(|r| r.content.clone())
                .ok_or_else(|| fail(format!("secret {xid:?} revision {revision} not found")))?
        };
        let value = match key {
            Some(k) => {
                let (k, b64) = match k.strip_suffix("#base64") {
                    Some(k) => (k.to_owned(), true),
                    None => (k, false),
                };
                let v = content
                    .get(&k)
                    .ok_or_else(|| fail(format!("secret key value {k:?} not found")))?;
                Go::Str(if b64 {
                    encode_base64(v.as_bytes())
                } else {
                    v.clone()
                })
            }
            None => Go::string_map(&content),
        };
        self.write(&args, YAML, &value)
    }

    /// Checks that this unit may manage `id` (owner; leader for app-owned) and returns its xid.
    fn manageable(&self, id: &str) -> std::result::Result<String, Fail> {
        let xid = xid_of(id).to_owned();
        let s = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !s.owner_side(&self.unit) {
            return Err(Self::not_found(&xid));
        }
        if !s.owned_by(&self.unit, &self.app, self.leader) {
            return Err(fail("this unit is not the leader"));
        }
        Ok(xid)
    }

    fn merge_update(&mut self, xid: &str, update: PendingUpdate) {
        let coalesce = self.model.options.coalesce_secret_set;
        let entry = self.updates.entry(xid.to_owned()).or_default();
        if coalesce {
            if update.content.is_some() {
                entry.content = update.content;
            }
            if update.label.is_some() {
                entry.label = update.label;
            }
            if update.description.is_some() {
                entry.description = update.description;
            }
            if update.expire.is_some() {
                entry.expire = update.expire;
            }
            if update.rotate.is_some() {
                entry.rotate = update.rotate;
            }
        } else {
            *entry = update;
        }
    }

    fn secret_set(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(&req.args, SECRET_WRITE_FLAGS)?;
        let (id, rest) = args
            .positional
            .split_first()
            .ok_or_else(|| usage("missing secret URI"))?;
        let xid = self.manageable(id)?;
        let content = self.secret_content(rest, args.flag("file"), req)?;
        let update = PendingUpdate {
            content: (!content.is_empty()).then_some(content),
            label: args.flag("label").map(str::to_owned),
            description: args.flag("description").map(str::to_owned),
            expire: args
                .flag("expire")
                .map(|e| parse_expire(e, self.model.now))
                .transpose()?,
            rotate: self.rotate_flag(&args)?,
        };
        if let Some(s) = self.new_secrets.get_mut(&xid) {
            // Created in this hook: still revision 1.
            if let Some(rev) = s.revisions.get_mut(&1) {
                if let Some(c) = update.content {
                    rev.content = c;
                }
                if update.expire.is_some() {
                    rev.expire = update.expire;
                }
            }
            apply_metadata(
                s,
                update.label,
                update.description,
                update.rotate,
                self.model.now,
            );
            return Ok(String::new());
        }
        self.merge_update(&xid, update);
        Ok(String::new())
    }

    fn secret_remove(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[("revision", &[], true)])?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let xid = self.manageable(id)?;
        let revision = args
            .flag("revision")
            .map(|r| {
                r.parse::<u32>()
                    .map_err(|_| usage(format!("invalid revision {r:?}")))
            })
            .transpose()?;
        if let Some(rev) = revision
            && !self
                .find_secret(&xid)
                .is_some_and(|s| s.revisions.contains_key(&rev))
        {
            return Err(fail(format!("secret revision {rev} not found")));
        }
        if self.new_secrets.contains_key(&xid) && revision.is_none() {
            self.new_secrets.remove(&xid);
            return Ok(String::new());
        }
        self.removes.push((xid, revision));
        Ok(String::new())
    }

    /// `secret-info-get` (`jujuc/secret-info-get.go` `metadataDisplay`): `revision`, `label`
    /// and `owner` always, `description`, `expiry`, `rotation`, `rotates` and `access` when set.
    fn secret_info_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT, ("label", &[], true)])?;
        let xid = match (args.positional.first(), args.flag("label")) {
            (Some(_), Some(_)) => {
                return Err(usage("specify either a secret URI or label but not both"));
            }
            (None, None) => return Err(usage("require either a secret URI or label")),
            (Some(id), None) => xid_of(id).to_owned(),
            (None, Some(l)) => self.managed_by_label(l).ok_or_else(|| Self::not_found(l))?,
        };
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let s = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !s.owned_by(&self.unit, &self.app, self.leader) {
            return Err(Self::not_found(&xid));
        }
        let mut fields: Vec<(&'static str, Go)> = vec![
            ("revision", Go::Int(i64::from(s.latest))),
            ("label", Go::Str(self.owner_label(s).unwrap_or_default())),
            (
                "owner",
                Go::Str(
                    match s.owner {
                        SecretOwnerRef::App(_) => "application",
                        SecretOwnerRef::Unit(_) => "unit",
                    }
                    .to_owned(),
                ),
            ),
        ];
        let description = self
            .updates
            .get(&xid)
            .and_then(|u| u.description.clone())
            .or_else(|| s.description.clone());
        if let Some(d) = description.filter(|d| !d.is_empty()) {
            fields.push(("description", Go::Str(d)));
        }
        if let Some(e) = s.revisions.get(&s.latest).and_then(|r| r.expire) {
            fields.push(("expiry", Go::Str(rfc3339(e))));
        }
        if let Some(r) = s.rotate.as_deref().filter(|r| *r != "never") {
            fields.push(("rotation", Go::Str(r.to_owned())));
        }
        if let Some(t) = s.rotates {
            fields.push(("rotates", Go::Str(rfc3339(t))));
        }
        let access: Vec<Go> = s
            .grants
            .iter()
            .flat_map(|(rel, targets)| {
                let scope = self.relation_tag(*rel);
                targets.iter().map(move |t| {
                    Go::Struct(vec![
                        ("target", Go::Str(entity_tag(t))),
                        ("scope", Go::Str(scope.clone())),
                        ("role", Go::Str("view".to_owned())),
                    ])
                })
            })
            .collect();
        if !access.is_empty() {
            fields.push(("access", Go::List(access)));
        }
        let value = Go::Map(vec![(xid, Go::Struct(fields))]);
        self.write(&args, YAML, &value)
    }

    /// A relation's tag (`relation-<app>.<ep>#<app>.<ep>`), as Juju names grant scopes.
    fn relation_tag(&self, id: u32) -> String {
        let key = self
            .model
            .relations
            .get(&id)
            .map(|r| {
                let mut sides: Vec<String> =
                    r.sides.iter().map(|(a, e)| format!("{a}.{e}")).collect();
                sides.sort();
                sides.join("#")
            })
            .unwrap_or_default();
        format!("relation-{key}")
    }

    /// `secret-ids` (`jujuc/secret-ids.go`): a nil `[]string` when the unit owns nothing (JSON
    /// `null`), in the controller's map order otherwise. The simulator uses creation order,
    /// never sorted: charms must not rely on any order.
    fn secret_ids(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let mut owned: Vec<&Secret> = self
            .model
            .secrets
            .values()
            .chain(self.new_secrets.values())
            .filter(|s| s.owned_by(&self.unit, &self.app, self.leader))
            .collect();
        owned.sort_by_key(|s| {
            self.model
                .secret_order
                .get(&s.xid)
                .copied()
                .unwrap_or(u64::MAX)
        });
        let ids: Vec<String> = owned.iter().map(|s| s.xid.clone()).collect();
        self.write(&args, SMART, &Go::strings_or_nil(ids))
    }

    /// `secret-grant` (`jujuc/secret-grant.go`): `-r/--relation` and an optional `--unit` of
    /// the related application; there is no `--app`.
    fn secret_grant(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[("relation", &["r"], true), ("unit", &[], true)])?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        if args.flag("relation").is_none() {
            return Err(usage("missing relation"));
        }
        let rel = self.relation_flag(&args)?;
        let remote = self.remote_app(rel);
        let target = match args.flag("unit") {
            Some(u) if app_of(u) != remote => {
                return Err(usage(format!(
                    "cannot specify unit {u:?} in relation to application {remote:?}"
                )));
            }
            Some(u) => u.to_owned(),
            None => remote,
        };
        let xid = self.manageable(id)?;
        self.grants.push((xid, rel, target, true));
        Ok(String::new())
    }

    /// `secret-revoke` (`jujuc/secret-revoke.go`): `-r/--relation`, `--app/--application` or
    /// `--unit`; a relation and an application together are refused.
    fn secret_revoke(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                ("relation", &["r"], true),
                ("app", &["application"], true),
                ("unit", &[], true),
            ],
        )?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let (relation, app, unit) = (args.flag("relation"), args.flag("app"), args.flag("unit"));
        if relation.is_some() && app.is_some() {
            return Err(usage("either relation or application should be specified"));
        }
        if relation.is_none() && app.is_none() && unit.is_none() {
            return Err(usage("missing relation or application or unit"));
        }
        let xid = self.manageable(id)?;
        let secret = self.find_secret(&xid);
        let rels: Vec<u32> = match relation {
            Some(_) => vec![self.relation_flag(&args)?],
            None => secret
                .map(|s| s.grants.keys().copied().collect())
                .unwrap_or_default(),
        };
        for rel in rels {
            let target = match (unit, app) {
                (Some(u), _) => u.to_owned(),
                (None, Some(app)) => app.to_owned(),
                (None, None) => self.remote_app(rel),
            };
            self.grants.push((xid.clone(), rel, target, false));
        }
        Ok(String::new())
    }

    fn remote_app(&self, relation: u32) -> String {
        self.model
            .relations
            .get(&relation)
            .and_then(|r| r.remote_app_of(&self.app))
            .unwrap_or_default()
            .to_owned()
    }

    // --- status, log, config ---

    /// `status-set <status> [message]` (`jujuc/status-set.go`): at most one message argument.
    fn status_set(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[("application", &[], false)])?;
        let mut pos = args.positional.iter();
        let kind = pos
            .next()
            .ok_or_else(|| usage("invalid args, require <status> [message] [data]"))?;
        if !matches!(
            kind.as_str(),
            "active" | "blocked" | "maintenance" | "waiting"
        ) {
            return Err(usage(format!(
                "invalid status {kind:?}, expected one of [maintenance blocked waiting active]"
            )));
        }
        let message = pos.next().cloned().unwrap_or_default();
        check_empty(pos.as_slice())?;
        let status = Status {
            kind: kind.clone(),
            message,
        };
        if args.bool("application") {
            if !self.leader_now() {
                return Err(fail("this unit is not the leader"));
            }
            if let Some(app) = self.model.apps.get_mut(&self.app) {
                app.status = status;
            }
        } else if let Some(u) = self.model.unit_mut(&self.unit) {
            u.status = status.clone();
            u.status_history.push(status);
            u.status_set = true;
        }
        Ok(String::new())
    }

    /// `status-get` (`jujuc/status-get.go`): the status word in `smart` without
    /// `--include-data`, else `{status}` or `{message, status, status-data}`; with
    /// `--application` the units are nested in `application-status`.
    fn status_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("application", &[], false),
                ("include-data", &[], false),
            ],
        )?;
        check_empty(&args.positional)?;
        let format = chosen_format(&args, SMART)?;
        let data = args.bool("include-data");
        let details = |s: &Status| {
            let mut m = vec![("status".to_owned(), Go::Str(s.kind.clone()))];
            if data {
                m.push(("status-data".to_owned(), Go::Map(Vec::new())));
                m.push(("message".to_owned(), Go::Str(s.message.clone())));
            }
            Go::Map(m)
        };
        if args.bool("application") {
            if !self.leader_now() {
                return Err(fail(
                    "finding application status: this unit is not the leader",
                ));
            }
            let Some(app) = self.model.apps.get(&self.app) else {
                return Err(fail("finding application status: application not found"));
            };
            if !data && format == Format::Smart {
                return self.write(&args, SMART, &Go::Str(app.status.kind.clone()));
            }
            let units: Vec<(String, Go)> = app
                .units
                .values()
                .map(|u| (u.name.clone(), details(&u.status)))
                .collect();
            let Go::Map(mut app_details) = details(&app.status) else {
                return Err(fail("finding application status"));
            };
            app_details.push(("units".to_owned(), Go::Map(units)));
            let value = Go::Map(vec![(
                "application-status".to_owned(),
                Go::Map(app_details),
            )]);
            return self.write(&args, SMART, &value);
        }
        let status = self
            .model
            .unit(&self.unit)
            .map(|u| u.status.clone())
            .unwrap_or_default();
        if !data && format == Format::Smart {
            return self.write(&args, SMART, &Go::Str(status.kind));
        }
        self.write(&args, SMART, &details(&status))
    }

    fn application_version_set(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let version = args
            .positional
            .first()
            .ok_or_else(|| usage("no version specified"))?
            .clone();
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        if let Some(u) = self.model.unit_mut(&self.unit) {
            u.workload_version = version;
        }
        Ok(String::new())
    }

    fn log(&mut self, level: &str, message: String) {
        let hook = self.hook_name.clone();
        if let Some(u) = self.model.unit_mut(&self.unit) {
            u.logs.push(LogLine {
                hook,
                level: level.to_owned(),
                message,
            });
        }
    }

    /// `juju-log` (`jujuc/juju-log.go`): an invalid `--log-level` logs a warning and the
    /// message at INFO.
    fn juju_log(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[("log-level", &["l"], true), ("debug", &[], false), FORMAT],
        )?;
        if args.positional.is_empty() {
            return Err(usage("no message specified"));
        }
        let level = match args.flag("log-level") {
            _ if args.bool("debug") => "DEBUG".to_owned(),
            Some(l) => {
                let up = l.to_ascii_uppercase();
                if matches!(
                    up.as_str(),
                    "TRACE" | "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL"
                ) {
                    up
                } else {
                    self.log(
                        "WARNING",
                        format!("Specified log level of {l:?} is not valid"),
                    );
                    "INFO".to_owned()
                }
            }
            None => "INFO".into(),
        };
        let mut message = args.positional.join(" ");
        if let Some(id) = self.current_relation() {
            message = format!("{}: {message}", self.rel_ref(id));
        }
        self.log(&level, message);
        Ok(String::new())
    }

    /// `config-get` (`jujuc/config-get.go`): options without a value are left out unless
    /// `--all`; `--all` with a key is refused.
    fn config_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT, ("all", &["a"], false)])?;
        let key = args.positional.first().filter(|k| *k != "-");
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        if let Some(k) = key
            && args.bool("all")
        {
            return Err(usage(format!(
                "cannot use argument --all together with key {k:?}"
            )));
        }
        let app = self
            .model
            .apps
            .get(&self.app)
            .ok_or_else(|| fail("application not found"))?;
        let mut config = effective_config(app);
        if args.bool("all") {
            for k in app.meta.config.options.keys() {
                config.entry(k.clone()).or_insert(Value::Null);
            }
        }
        let value = match key {
            Some(k) => config.get(k).map_or(Go::Nil, Go::from_json),
            None => Go::Map(
                config
                    .iter()
                    .map(|(k, v)| (k.clone(), Go::from_json(v)))
                    .collect(),
            ),
        };
        self.write(&args, SMART, &value)
    }

    // --- actions ---

    fn action_ctx(&mut self) -> std::result::Result<&mut ActionCtx, Fail> {
        self.action
            .as_mut()
            .ok_or_else(|| fail("not running an action"))
    }

    fn action_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        let params = self.action_ctx()?.params.clone();
        let value = match args.positional.first() {
            Some(path) => {
                let mut v = &params;
                for seg in path.split('.') {
                    v = v.get(seg).unwrap_or(&Value::Null);
                }
                Go::from_json(v)
            }
            // "If no parameters were returned we still want to print an empty object, not nil".
            None if params.is_null() => Go::Map(Vec::new()),
            None => Go::from_json(&params),
        };
        self.write(&args, SMART, &value)
    }

    fn action_set(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let mut pairs = Vec::new();
        for kv in &args.positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("argument {kv:?} must be of the form key=value")))?;
            if !valid_action_key(k) {
                return Err(usage(format!(
                    "key {k:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
                )));
            }
            if ["stdout", "stdout-encoding", "stderr", "stderr-encoding"].contains(&k) {
                return Err(usage(format!("cannot set reserved action key {k:?}")));
            }
            pairs.push((k.to_owned(), v.to_owned()));
        }
        self.action_ctx()?.results.extend(pairs);
        Ok(String::new())
    }

    /// `action-fail [<message>]` (`jujuc/action-fail.go`).
    fn action_fail(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let message = args.positional.first().cloned().unwrap_or_else(|| {
            "action failed without reason given, check action for errors".to_owned()
        });
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        self.action_ctx()?.failure = Some(message);
        Ok(String::new())
    }

    fn action_log(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let message = args.positional.join(" ");
        self.action_ctx()?.logs.push(message);
        Ok(String::new())
    }

    // --- charm state ---

    fn current_state(&self) -> Databag {
        let mut state = self
            .model
            .unit(&self.unit)
            .map(|u| u.state.clone())
            .unwrap_or_default();
        for (k, v) in &self.state_delta {
            match v {
                Some(v) => state.insert(k.clone(), v.clone()),
                None => state.remove(k),
            };
        }
        state
    }

    /// `state-get` (Juju 3.6 `jujuc/state-get.go`, `context.go` `GetCharmState`): a nil map
    /// when the state is empty, `""` for a missing key, `"k" not found` with `--strict`.
    fn state_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT, ("strict", &[], false)])?;
        let key = args.positional.first().filter(|k| *k != "-");
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let state = self.current_state();
        let value = match key {
            Some(k) => match state.get(k) {
                Some(v) => Go::Str(v.clone()),
                None if args.bool("strict") => return Err(fail(format!("{k:?} not found"))),
                None => Go::Str(String::new()),
            },
            None if state.is_empty() => Go::Nil,
            None => Go::string_map(&state),
        };
        self.write(&args, SMART, &value)
    }

    /// `state-set` (`jujuc/state-set.go`): `key=value` and `--file` YAML; an empty value is
    /// stored as an empty string.
    fn state_set(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(&req.args, &[("file", &[], true)])?;
        let mut delta = match args.flag("file") {
            Some(path) => parse_settings_file(file_payload(req, path)?)?,
            None => Databag::new(),
        };
        for kv in &args.positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("expected \"key=value\", got {kv:?}")))?;
            delta.insert(k.to_owned(), v.to_owned());
        }
        for (k, v) in delta {
            self.state_delta.insert(k, Some(v));
        }
        Ok(String::new())
    }

    fn state_delete(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let k = args
            .positional
            .first()
            .ok_or_else(|| usage("missing key"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        self.state_delta.insert(k.clone(), None);
        Ok(String::new())
    }

    fn goal_state(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let units: Vec<(String, Go)> = self
            .model
            .apps
            .get(&self.app)
            .map(|a| {
                a.units
                    .values()
                    .filter(|u| !u.dying)
                    .map(|u| {
                        (
                            u.name.clone(),
                            Go::Struct(vec![
                                ("status", Go::Str("active".to_owned())),
                                ("since", Go::Str(String::new())),
                            ]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let value = Go::Struct(vec![
            ("units", Go::Map(units)),
            ("relations", Go::Map(Vec::new())),
        ]);
        self.write(&args, YAML, &value)
    }

    // --- end of hook ---

    fn record_output(&mut self, outcome: &CharmOutcome) {
        for line in outcome.stdout.lines().filter(|l| !l.trim().is_empty()) {
            self.log("DEBUG", line.to_owned());
        }
        for line in outcome.stderr.lines().filter(|l| !l.trim().is_empty()) {
            self.log("WARNING", line.to_owned());
        }
    }

    fn keep_action_results(&mut self) {
        if let Some(a) = self.action.take() {
            let failure = a
                .failure
                .or_else(|| Some("the action's hook failed".into()));
            self.model
                .action_outcomes
                .insert(a.id, (a.results, failure, a.logs));
        }
    }

    /// Commits the transaction, or refuses it (nothing applied) with the reason.
    fn commit(&mut self) -> std::result::Result<(), String> {
        self.check_labels()?;
        let unit = self.unit.clone();
        let app = self.app.clone();
        // Relation data.
        let writes = std::mem::take(&mut self.rel_writes);
        for ((id, owner), delta) in writes {
            let Some(rel) = self.model.relations.get_mut(&id) else {
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
                    && let Some(u) = self.model.unit_mut(&unit)
                    && let Some(view) = u.views.get_mut(&id)
                {
                    view.app_seen = version;
                }
            }
        }
        // Secrets.
        for (xid, s) in std::mem::take(&mut self.new_secrets) {
            self.model.secrets.insert(xid, s);
        }
        for (xid, up) in std::mem::take(&mut self.updates) {
            let Some(s) = self.model.secrets.get_mut(&xid) else {
                continue;
            };
            if let Some(content) = up.content {
                let same = s.revisions.get(&s.latest).map(|r| &r.content) == Some(&content);
                if !same || !self.model.options.coalesce_secret_set {
                    // A new revision completes a rotation: the next one is a period away.
                    s.rotates = s
                        .rotate
                        .as_deref()
                        .and_then(rotation_period)
                        .and_then(|p| self.model.now.checked_add(p));
                    s.add_revision(content);
                }
            }
            if let Some(e) = up.expire
                && let Some(rev) = s.revisions.get_mut(&s.latest)
            {
                rev.expire = Some(e);
            }
            apply_metadata(s, up.label, up.description, up.rotate, self.model.now);
        }
        for xid in std::mem::take(&mut self.track_latest) {
            if let Some(s) = self.model.secrets.get_mut(&xid) {
                s.consume(&unit, Read::Refresh, None);
            }
        }
        for (xid, rel, target, grant) in std::mem::take(&mut self.grants) {
            if let Some(s) = self.model.secrets.get_mut(&xid) {
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
                    if let Some(s) = self.model.secrets.get_mut(&xid)
                        && s.revisions.remove(&rev).is_some()
                    {
                        self.model.removed_revisions.push((xid.clone(), rev));
                        now_empty = s.revisions.is_empty();
                    }
                    if now_empty {
                        self.model.secrets.remove(&xid);
                    }
                }
                None => {
                    if let Some(s) = self.model.secrets.remove(&xid) {
                        for rev in s.revisions.keys() {
                            self.model.removed_revisions.push((xid.clone(), *rev));
                        }
                    }
                }
            }
        }
        // Charm state.
        let state = self.current_state();
        if let Some(u) = self.model.unit_mut(&unit) {
            u.state = state;
        }
        self.state_delta.clear();
        self.keep_action_results_committed();
        Ok(())
    }

    fn keep_action_results_committed(&mut self) {
        if let Some(a) = self.action.take() {
            self.model
                .action_outcomes
                .insert(a.id, (a.results, a.failure, a.logs));
        }
    }

    /// Juju refuses at commit a label that another secret of the same owner already has.
    fn check_labels(&mut self) -> std::result::Result<(), String> {
        let mut seen: BTreeSet<(SecretOwnerRef, String)> = BTreeSet::new();
        let removed: BTreeSet<&str> = self
            .removes
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(x, _)| x.as_str())
            .collect();
        let all = self
            .model
            .secrets
            .values()
            .filter(|s| !removed.contains(s.xid.as_str()))
            .chain(self.new_secrets.values());
        for s in all {
            if let Some(l) = self.owner_label(s)
                && !seen.insert((s.owner.clone(), l.clone()))
            {
                self.keep_action_results();
                return Err(format!("secret with label {l:?} already exists"));
            }
        }
        Ok(())
    }
}

/// `base64` as Go's `base64.StdEncoding` writes it (what `secret-get <key>#base64` prints).
fn encode_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes a `key#base64=` value as Juju does (Go's `base64.StdEncoding.DecodeString`: padded,
/// `\r` and `\n` skipped); the value must also be UTF-8 text.
fn decode_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let text: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Applies a `secret-set`'s metadata to `secret`: given fields replace the current ones, and a
/// new rotation policy schedules the next rotation one period from `now`.
fn apply_metadata(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn given_gnuflag_style_argv_when_parsed_then_flags_and_positionals_are_separated() {
        let spec: &[FlagSpec] = &[FORMAT, ("relation", &["r"], true), ("app", &[], false)];
        let a = parse_args(
            &strings(&["--format=json", "-", "-r", "db:3", "unit/0", "--app=False"]),
            spec,
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(a.flag("relation"), Some("db:3"));
        assert_eq!(a.flag("format"), Some("json"));
        assert!(!a.bool("app"));
        assert_eq!(a.positional, ["-", "unit/0"]);
        let a = parse_args(&strings(&["--app", "--", "--not-a-flag"]), spec)
            .unwrap_or_else(|_| unreachable!());
        assert!(a.bool("app"));
        assert_eq!(a.positional, ["--not-a-flag"]);
        assert!(parse_args(&strings(&["--nope"]), spec).is_err_and(|f| f.code == 2));
        assert!(parse_args(&strings(&["-r"]), spec).is_err_and(|f| f.code == 2));
        assert!(parse_args(&strings(&["--app=maybe"]), spec).is_err_and(|f| f.code == 2));
    }

    #[test]
    fn given_expire_values_when_parsed_then_rfc3339_and_go_durations_work() {
        let now = time::macros::datetime!(2026-01-01 00:00:00 UTC);
        let at = |s: &str| parse_expire(s, now).map_err(|f| f.message);
        assert_eq!(
            at("2026-02-01T00:00:00Z"),
            Ok(time::macros::datetime!(2026-02-01 00:00:00 UTC))
        );
        assert_eq!(
            at("2026-02-01T00:00:00"),
            Ok(time::macros::datetime!(2026-02-01 00:00:00 UTC))
        );
        assert_eq!(at("1h30m"), Ok(now + time::Duration::minutes(90)));
        assert_eq!(at("24h"), Ok(now + time::Duration::days(1)));
        for bad in [
            "",
            "h",
            "5",
            "-1h",
            "1d",
            "tomorrow",
            "99999999999999999999h",
            "1e308h",
        ] {
            assert!(at(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn given_base64_round_trip_then_values_survive() {
        for text in ["", "a", "ab", "abc", "hello, world", "ünïcödé"] {
            assert_eq!(
                decode_base64(&encode_base64(text.as_bytes())).as_deref(),
                Some(text)
            );
        }
        assert_eq!(encode_base64(b"hello"), "aGVsbG8=");
        assert_eq!(decode_base64("not base64!"), None);
        // Juju (Go's StdEncoding) refuses what is not canonical padded base64.
        assert_eq!(decode_base64("QQ"), None, "missing padding");
        assert_eq!(decode_base64("QQ=="), Some("A".to_owned()));
        assert_eq!(decode_base64("QQ==QQ=="), None, "padding inside");
        assert_eq!(decode_base64("Q"), None, "truncated");
        assert_eq!(
            decode_base64("QU\nJD"),
            Some("ABC".to_owned()),
            "Go skips newlines"
        );
    }

    #[test]
    fn given_settings_files_when_parsed_then_yaml_is_read_as_juju_reads_it() {
        let j = parse_settings_file(r#"{"a": "1", "b": "", "n": 2}"#)
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(j.get("a").map(String::as_str), Some("1"));
        assert_eq!(j.get("b").map(String::as_str), Some(""));
        assert_eq!(j.get("n").map(String::as_str), Some("2"));
        let y = parse_settings_file("a: '1'\nb: two\n").unwrap_or_else(|_| unreachable!());
        assert_eq!(y.get("b").map(String::as_str), Some("two"));
        assert!(parse_settings_file("no colon here").is_err());
    }

    #[test]
    fn given_a_secret_file_when_parsed_then_json_is_tried_before_yaml() {
        let j = parse_secret_file(r#"{"password": "p: w"}"#).unwrap_or_else(|_| unreachable!());
        assert_eq!(j.get("password").map(String::as_str), Some("p: w"));
        let y = parse_secret_file("password: secret\n").unwrap_or_else(|_| unreachable!());
        assert_eq!(y.get("password").map(String::as_str), Some("secret"));
    }
}
