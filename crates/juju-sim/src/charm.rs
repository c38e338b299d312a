//! How the simulator runs a charm: the [`Charm`] trait, in-process charms, and the
//! [`HookTools`] implementation they are given.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use juju_hook_tools::{
    Context, Error as ToolError, HookTools, LogLevel, Member, NewSecret, ReadMode, RelationId,
    RotatePolicy, SecretContent, SecretId, SecretInfo, SecretLookup, SecretOwner, SecretRef,
    SecretUpdate, StatusKind, UnitName,
};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::Result;
use crate::hook::Hook;
use crate::wire::{ToolRequest, ToolResponse};

/// What a charm run is given: the Juju environment of the hook.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// The environment variables Juju would set (`JUJU_DISPATCH_PATH`, `JUJU_UNIT_NAME`, ...).
    pub env: &'a BTreeMap<String, String>,
    /// The unit.
    pub unit: &'a str,
    /// The hook.
    pub hook: &'a Hook,
}

/// The simulator's side of the hook tools: answers one invocation (argv as `jujuc` gets it).
pub trait ToolServer {
    /// Answers one hook-tool call.
    fn call(&mut self, request: &ToolRequest) -> ToolResponse;
}

/// How a charm run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharmOutcome {
    /// Exit 0 / `Ok`.
    pub success: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The process's stdout (logged at DEBUG, as Juju does).
    pub stdout: String,
    /// The process's stderr (logged at WARNING).
    pub stderr: String,
}

/// A charm the simulator can run for a hook: in-process ([`in_process`]) or as a real process
/// ([`ProcessCharm`](crate::ProcessCharm)).
pub trait Charm: Send + Sync {
    /// Runs the charm for one hook; every hook-tool call goes through `tools`.
    ///
    /// # Errors
    /// Only for failures of the simulator itself (e.g. a process that cannot be spawned); a
    /// failing charm is a `CharmOutcome { success: false, .. }`.
    fn run(&self, invocation: &Invocation<'_>, tools: &mut dyn ToolServer) -> Result<CharmOutcome>;
}

/// The signature of an in-process charm.
type CharmFn = dyn Fn(&Context, &dyn HookTools) -> std::result::Result<(), String> + Send + Sync;

struct InProcess {
    f: Box<CharmFn>,
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InProcess")
    }
}

/// Wraps a Rust function as a charm run in-process: it gets the hook's [`Context`] and a
/// [`HookTools`] backed by the simulator. `Err` fails the hook (its writes are discarded).
///
/// ```
/// use juju_sim::{CharmMeta, Model, in_process};
/// use juju_hook_tools::{HookTools, StatusKind};
///
/// let charm = in_process(|_ctx, tools: &dyn HookTools| {
///     tools.status_set(false, StatusKind::Active, "ready")
/// });
/// let mut model = Model::new();
/// model.deploy("app", CharmMeta::new("app"), charm, 1).unwrap();
/// model.run_until_quiescent(100).unwrap();
/// assert_eq!(model.unit_status("app/0").unwrap().message, "ready");
/// ```
pub fn in_process<F, E>(f: F) -> Arc<dyn Charm>
where
    F: Fn(&Context, &dyn HookTools) -> std::result::Result<(), E> + Send + Sync + 'static,
    E: fmt::Display,
{
    Arc::new(InProcess {
        f: Box::new(move |ctx, tools| f(ctx, tools).map_err(|e| e.to_string())),
    })
}

/// A charm that does nothing and always succeeds: for remote applications whose databags a
/// test sets directly.
pub fn idle_charm() -> Arc<dyn Charm> {
    in_process(|_, _| Ok::<(), std::convert::Infallible>(()))
}

impl Charm for InProcess {
    fn run(&self, invocation: &Invocation<'_>, tools: &mut dyn ToolServer) -> Result<CharmOutcome> {
        let ctx = match Context::from_map(invocation.env) {
            Ok(ctx) => ctx,
            Err(e) => {
                return Ok(CharmOutcome {
                    success: false,
                    error: Some(format!("cannot read the hook context: {e}")),
                    ..CharmOutcome::default()
                });
            }
        };
        let sim_tools = SimHookTools::new(tools);
        let result = (self.f)(&ctx, &sim_tools);
        Ok(CharmOutcome {
            success: result.is_ok(),
            error: result.err(),
            ..CharmOutcome::default()
        })
    }
}

/// [`HookTools`] for in-process charms: each method builds the argv the real tool would get
/// and sends it to the simulator, which parses it exactly as for a process, so both modes
/// share one implementation of Juju's semantics. Secret values travel as in-memory "files".
pub struct SimHookTools<'a> {
    server: RefCell<&'a mut dyn ToolServer>,
}

impl fmt::Debug for SimHookTools<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimHookTools")
    }
}

fn strings<const N: usize>(a: [&str; N]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

fn push_opt(argv: &mut Vec<String>, flag: &str, value: Option<&str>) {
    if let Some(v) = value {
        argv.push(flag.to_owned());
        argv.push(v.to_owned());
    }
}

fn malformed(tool: &str, reason: impl fmt::Display) -> ToolError {
    ToolError::MalformedOutput {
        tool: tool.to_owned(),
        reason: reason.to_string(),
    }
}

fn rfc3339(tool: &str, t: OffsetDateTime) -> std::result::Result<String, ToolError> {
    t.format(&Rfc3339).map_err(|e| ToolError::InvalidInput {
        tool: tool.to_owned(),
        reason: e.to_string(),
    })
}

impl<'a> SimHookTools<'a> {
    /// Hook tools answered by `server` (the simulator's session for the running hook).
    pub fn new(server: &'a mut dyn ToolServer) -> Self {
        Self {
            server: RefCell::new(server),
        }
    }

    fn call(
        &self,
        tool: &str,
        args: Vec<String>,
        stdin: Option<String>,
        files: BTreeMap<String, String>,
    ) -> std::result::Result<String, ToolError> {
        let request = ToolRequest {
            tool: tool.to_owned(),
            args,
            stdin,
            files,
            context_id: None,
        };
        let response = self.server.borrow_mut().call(&request);
        if response.code == 0 {
            Ok(response.stdout)
        } else {
            Err(ToolError::classify(
                tool,
                Some(response.code),
                &response.stderr,
            ))
        }
    }

    fn json<T: DeserializeOwned>(
        &self,
        tool: &str,
        args: Vec<String>,
    ) -> std::result::Result<T, ToolError> {
        let out = self.call(tool, args, None, BTreeMap::new())?;
        serde_json::from_str(&out).map_err(|e| malformed(tool, e))
    }

    /// `key#file=<path>` arguments and the in-memory files they name.
    fn content_files(content: &SecretContent) -> (Vec<String>, BTreeMap<String, String>) {
        let mut args = Vec::new();
        let mut files = BTreeMap::new();
        for (k, v) in content.iter() {
            let path = format!("/juju-sim/in-process/{k}");
            args.push(format!("{k}#file={path}"));
            files.insert(path, v.to_owned());
        }
        (args, files)
    }
}

impl HookTools for SimHookTools<'_> {
    fn relation_ids(&self, endpoint: &str) -> std::result::Result<Vec<RelationId>, ToolError> {
        let ids: Vec<String> = self.json("relation-ids", strings([endpoint, "--format=json"]))?;
        ids.iter()
            .map(|i| RelationId::parse(i).map_err(|e| malformed("relation-ids", e)))
            .collect()
    }

    fn relation_list(
        &self,
        relation: &RelationId,
    ) -> std::result::Result<Vec<UnitName>, ToolError> {
        let units: Vec<String> = self.json(
            "relation-list",
            strings(["--format=json", "-r", &relation.to_string()]),
        )?;
        units
            .iter()
            .map(|u| UnitName::parse(u).map_err(|e| malformed("relation-list", e)))
            .collect()
    }

    fn relation_remote_app(
        &self,
        relation: &RelationId,
    ) -> std::result::Result<Option<String>, ToolError> {
        let app: Option<String> = self.json(
            "relation-list",
            strings(["--format=json", "--app", "-r", &relation.to_string()]),
        )?;
        Ok(app.filter(|a| !a.is_empty()))
    }

    fn relation_get(
        &self,
        relation: &RelationId,
        member: Member<'_>,
    ) -> std::result::Result<BTreeMap<String, String>, ToolError> {
        let r = relation.to_string();
        let argv = match member {
            Member::App(app) => strings(["--format=json", "-r", &r, "--app", "-", app]),
            Member::Unit(unit) => strings(["--format=json", "-r", &r, "-", unit.as_str()]),
        };
        let bag: Option<BTreeMap<String, String>> = self.json("relation-get", argv)?;
        Ok(bag.unwrap_or_default())
    }

    fn relation_set(
        &self,
        relation: &RelationId,
        app: bool,
        delta: &BTreeMap<String, String>,
    ) -> std::result::Result<(), ToolError> {
        let r = relation.to_string();
        let argv = if app {
            strings(["-r", &r, "--app", "--file", "-"])
        } else {
            strings(["-r", &r, "--file", "-"])
        };
        let json = serde_json::to_string(delta).map_err(|e| ToolError::InvalidInput {
            tool: "relation-set".into(),
            reason: e.to_string(),
        })?;
        self.call("relation-set", argv, Some(json), BTreeMap::new())
            .map(drop)
    }

    fn is_leader(&self) -> std::result::Result<bool, ToolError> {
        self.json("is-leader", strings(["--format=json"]))
    }

    fn secret_add(&self, secret: &NewSecret) -> std::result::Result<SecretId, ToolError> {
        const TOOL: &str = "secret-add";
        if secret.content.is_empty() {
            return Err(ToolError::InvalidInput {
                tool: TOOL.into(),
                reason: "secret content must not be empty".into(),
            });
        }
        let mut argv = Vec::new();
        push_opt(&mut argv, "--label", secret.label.as_deref());
        push_opt(&mut argv, "--description", secret.description.as_deref());
        if let Some(e) = secret.expire {
            argv.extend(strings(["--expire", &rfc3339(TOOL, e)?]));
        }
        push_opt(
            &mut argv,
            "--rotate",
            secret.rotate.map(RotatePolicy::as_str),
        );
        argv.extend(strings(["--owner", secret.owner.as_str()]));
        let (kv, files) = Self::content_files(&secret.content);
        argv.extend(kv);
        let out = self.call(TOOL, argv, None, files)?;
        SecretId::parse(out.trim()).map_err(|e| malformed(TOOL, e))
    }

    fn secret_get(
        &self,
        secret: SecretRef<'_>,
        mode: ReadMode,
    ) -> std::result::Result<SecretContent, ToolError> {
        const TOOL: &str = "secret-get";
        let mut argv = strings(["--format=json"]);
        match secret {
            SecretRef::Id(id) => argv.push(id.to_string()),
            SecretRef::IdAndLabel(id, label) => {
                argv.extend(strings([id.as_str(), "--label", label]))
            }
            SecretRef::Label(label) => argv.extend(strings(["--label", label])),
        }
        match mode {
            ReadMode::Peek => argv.push("--peek".into()),
            ReadMode::Refresh => argv.push("--refresh".into()),
            ReadMode::Tracked => {}
        }
        let content: BTreeMap<String, String> = self.json(TOOL, argv)?;
        SecretContent::from_pairs(content).map_err(|e| malformed(TOOL, e))
    }

    fn secret_set(
        &self,
        id: &SecretId,
        update: &SecretUpdate,
    ) -> std::result::Result<(), ToolError> {
        const TOOL: &str = "secret-set";
        let mut argv = vec![id.to_string()];
        push_opt(&mut argv, "--label", update.label.as_deref());
        push_opt(&mut argv, "--description", update.description.as_deref());
        if let Some(e) = update.expire {
            argv.extend(strings(["--expire", &rfc3339(TOOL, e)?]));
        }
        push_opt(
            &mut argv,
            "--rotate",
            update.rotate.map(RotatePolicy::as_str),
        );
        let mut files = BTreeMap::new();
        if let Some(content) = &update.content {
            if content.is_empty() {
                return Err(ToolError::InvalidInput {
                    tool: TOOL.into(),
                    reason: "secret content must not be empty".into(),
                });
            }
            let (kv, f) = Self::content_files(content);
            argv.extend(kv);
            files = f;
        }
        self.call(TOOL, argv, None, files).map(drop)
    }

    fn secret_remove(
        &self,
        id: &SecretId,
        revision: Option<u32>,
    ) -> std::result::Result<(), ToolError> {
        let mut argv = vec![id.to_string()];
        if let Some(r) = revision {
            argv.extend(strings(["--revision", &r.to_string()]));
        }
        self.call("secret-remove", argv, None, BTreeMap::new())
            .map(drop)
    }

    fn secret_info_get(
        &self,
        secret: SecretLookup<'_>,
    ) -> std::result::Result<SecretInfo, ToolError> {
        const TOOL: &str = "secret-info-get";
        let argv = match secret {
            SecretLookup::Id(id) => strings(["--format=json", id.as_str()]),
            SecretLookup::Label(l) => strings(["--format=json", "--label", l]),
        };
        let infos: BTreeMap<String, serde_json::Value> = self.json(TOOL, argv)?;
        let (xid, info) = infos
            .into_iter()
            .next()
            .ok_or_else(|| malformed(TOOL, "no secret in the output"))?;
        let text = |k: &str| info.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let time = |k: &str| -> std::result::Result<Option<OffsetDateTime>, ToolError> {
            text(k)
                .map(|t| OffsetDateTime::parse(&t, &Rfc3339).map_err(|e| malformed(TOOL, e)))
                .transpose()
        };
        Ok(SecretInfo {
            id: SecretId::parse(&xid).map_err(|e| malformed(TOOL, e))?,
            label: text("label"),
            revision: info
                .get("revision")
                .and_then(serde_json::Value::as_u64)
                .and_then(|r| u32::try_from(r).ok())
                .ok_or_else(|| malformed(TOOL, "no revision"))?,
            owner: if text("owner").as_deref() == Some("unit") {
                SecretOwner::Unit
            } else {
                SecretOwner::Application
            },
            description: text("description"),
            expiry: time("expiry")?,
            rotation: text("rotation").and_then(|r| r.parse().ok()),
            rotates: time("rotates")?,
        })
    }

    fn secret_ids(&self) -> std::result::Result<Vec<SecretId>, ToolError> {
        let ids: Vec<String> = self.json("secret-ids", strings(["--format=json"]))?;
        ids.iter()
            .map(|i| SecretId::parse(i).map_err(|e| malformed("secret-ids", e)))
            .collect()
    }

    fn secret_grant(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> std::result::Result<(), ToolError> {
        let mut argv = strings([id.as_str(), "-r", &relation.to_string()]);
        if let Some(u) = unit {
            argv.extend(strings(["--unit", u.as_str()]));
        }
        self.call("secret-grant", argv, None, BTreeMap::new())
            .map(drop)
    }

    fn secret_revoke(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> std::result::Result<(), ToolError> {
        let mut argv = strings([id.as_str(), "-r", &relation.to_string()]);
        if let Some(u) = unit {
            argv.extend(strings(["--unit", u.as_str()]));
        }
        self.call("secret-revoke", argv, None, BTreeMap::new())
            .map(drop)
    }

    fn status_set(
        &self,
        app: bool,
        status: StatusKind,
        message: &str,
    ) -> std::result::Result<(), ToolError> {
        let flag = if app {
            "--application=true"
        } else {
            "--application=false"
        };
        self.call(
            "status-set",
            strings([flag, status.as_str(), "--", message]),
            None,
            BTreeMap::new(),
        )
        .map(drop)
    }

    fn application_version_set(&self, version: &str) -> std::result::Result<(), ToolError> {
        self.call(
            "application-version-set",
            strings(["--", version]),
            None,
            BTreeMap::new(),
        )
        .map(drop)
    }

    fn juju_log(&self, level: LogLevel, message: &str) -> std::result::Result<(), ToolError> {
        self.call(
            "juju-log",
            strings(["--log-level", level.as_str(), "--", message]),
            None,
            BTreeMap::new(),
        )
        .map(drop)
    }

    fn config_get(
        &self,
    ) -> std::result::Result<serde_json::Map<String, serde_json::Value>, ToolError> {
        let v: Option<serde_json::Map<String, serde_json::Value>> =
            self.json("config-get", strings(["--format=json"]))?;
        Ok(v.unwrap_or_default())
    }

    fn action_get(&self) -> std::result::Result<serde_json::Value, ToolError> {
        self.json("action-get", strings(["--format=json"]))
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> std::result::Result<(), ToolError> {
        let argv = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.call("action-set", argv, None, BTreeMap::new())
            .map(drop)
    }

    fn action_fail(&self, message: &str) -> std::result::Result<(), ToolError> {
        self.call(
            "action-fail",
            strings(["--", message]),
            None,
            BTreeMap::new(),
        )
        .map(drop)
    }

    fn action_log(&self, message: &str) -> std::result::Result<(), ToolError> {
        self.call(
            "action-log",
            strings(["--", message]),
            None,
            BTreeMap::new(),
        )
        .map(drop)
    }
}
