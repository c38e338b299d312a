//! The tools about the unit itself: `is-leader`, `status-set`, `status-get`,
//! `application-version-set`, `juju-log`, `config-get`, the action tools, the charm state
//! tools and `goal-state`.

use serde_json::Value;

use super::Session;
use super::argv::{
    FORMAT, Fail, OUTPUT, SMART, ToolResult, YAML, check_empty, chosen_format, fail, file_payload,
    parse_args, parse_settings_file, usage, valid_action_key,
};
use super::commit::ActionCtx;
use crate::format::{Format, Go};
use crate::state::{Databag, LogRecord, Status, effective_config};
use crate::wire::ToolRequest;

impl Session<'_> {
    // --- leadership ---

    /// Leadership as `is-leader` reports it: sticky `false` within a hook.
    pub(super) fn leader_now(&mut self) -> bool {
        if self.minion {
            return false;
        }
        let leader = self.state.is_leader(&self.unit) && self.leader;
        if !leader {
            self.minion = true;
        }
        leader
    }

    pub(super) fn is_leader(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let leader = self.leader_now();
        self.write(&args, SMART, &Go::Bool(leader))
    }

    // --- status, log, config ---

    /// `status-set <status> [message]` (`jujuc/status-set.go`): at most one message argument.
    pub(super) fn status_set(&mut self, a: &[String]) -> ToolResult {
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
            if let Some(app) = self.state.apps.get_mut(&self.app) {
                app.status = status;
            }
        } else if let Some(u) = self.state.unit_mut(&self.unit) {
            u.status = status.clone();
            u.status_history.push(status);
            u.status_set = true;
        }
        Ok(String::new())
    }

    /// `status-get` (`jujuc/status-get.go`): the status word in `smart` without
    /// `--include-data`, else `{status}` or `{message, status, status-data}`; with
    /// `--application` the units are nested in `application-status`.
    pub(super) fn status_get(&mut self, a: &[String]) -> ToolResult {
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
            let Some(app) = self.state.apps.get(&self.app) else {
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
            .state
            .unit(&self.unit)
            .map(|u| u.status.clone())
            .unwrap_or_default();
        if !data && format == Format::Smart {
            return self.write(&args, SMART, &Go::Str(status.kind));
        }
        self.write(&args, SMART, &details(&status))
    }

    pub(super) fn application_version_set(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let version = args
            .positional
            .first()
            .ok_or_else(|| usage("no version specified"))?
            .clone();
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        if let Some(u) = self.state.unit_mut(&self.unit) {
            u.workload_version = version;
        }
        Ok(String::new())
    }

    pub(super) fn log(&mut self, level: &str, message: String) {
        let hook = self.hook_name.clone();
        if let Some(u) = self.state.unit_mut(&self.unit) {
            u.logs.push(LogRecord {
                hook,
                level: level.to_owned(),
                message,
            });
        }
    }

    /// `juju-log` (`jujuc/juju-log.go`): an invalid `--log-level` logs a warning and the
    /// message at INFO.
    pub(super) fn juju_log(&mut self, a: &[String]) -> ToolResult {
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
    pub(super) fn config_get(&mut self, a: &[String]) -> ToolResult {
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
            .state
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

    fn action_ctx(&mut self) -> Result<&mut ActionCtx, Fail> {
        self.tx
            .action
            .as_mut()
            .ok_or_else(|| fail("not running an action"))
    }

    pub(super) fn action_get(&mut self, a: &[String]) -> ToolResult {
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

    pub(super) fn action_set(&mut self, a: &[String]) -> ToolResult {
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
    pub(super) fn action_fail(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let message = args.positional.first().cloned().unwrap_or_else(|| {
            "action failed without reason given, check action for errors".to_owned()
        });
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        self.action_ctx()?.failure = Some(message);
        Ok(String::new())
    }

    pub(super) fn action_log(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let message = args.positional.join(" ");
        self.action_ctx()?.logs.push(message);
        Ok(String::new())
    }

    // --- charm state ---

    /// `state-get` (Juju 3.6 `jujuc/state-get.go`, `context.go` `GetCharmState`): a nil map
    /// when the state is empty, `""` for a missing key, `"k" not found` with `--strict`.
    pub(super) fn state_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT, ("strict", &[], false)])?;
        let key = args.positional.first().filter(|k| *k != "-");
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let state = self.tx.charm_state(self.state);
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
    pub(super) fn state_set(&mut self, req: &ToolRequest) -> ToolResult {
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
            self.tx.state_delta.insert(k, Some(v));
        }
        Ok(String::new())
    }

    pub(super) fn state_delete(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[])?;
        let k = args
            .positional
            .first()
            .ok_or_else(|| usage("missing key"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        self.tx.state_delta.insert(k.clone(), None);
        Ok(String::new())
    }

    pub(super) fn goal_state(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let units: Vec<(String, Go)> = self
            .state
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
}
