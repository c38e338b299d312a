//! [`ProcessHookTools`]: the real hook tools, run as child processes.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use crate::argv::{MAX_ARG_BYTES, MAX_STATUS_BYTES, bounded_line};
use crate::{
    Error, HookTools, LogLevel, Member, Network, NewSecret, ReadMode, RelationId, SecretContent,
    SecretId, SecretInfo, SecretLookup, SecretOwner, SecretRef, SecretUpdate, StatusKind, Target,
    UnitName,
};

/// The most argv bytes one `action-set` run carries (strings, their NULs and the pointers to
/// them): larger results are set by several runs, which Juju merges. 96 KiB leaves 32 KiB of
/// the 128 KiB floor of Linux's `ARG_MAX` for the environment.
const ACTION_SET_BATCH_BYTES: usize = 96 * 1024;

/// What a finished tool run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit code; `None` if the process was killed by a signal.
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: Vec<u8>,
    /// Everything it printed on stderr.
    pub stderr: Vec<u8>,
}

/// Runs one hook tool: the seam between [`ProcessHookTools`] and the operating system.
///
/// Implementations run `tool` with exactly `args` (no shell), feeding `stdin` if given, and
/// report what it printed. They do not interpret exit codes; [`ProcessHookTools`] does.
pub trait CommandRunner: fmt::Debug {
    /// Runs `tool args...`.
    ///
    /// # Errors
    ///
    /// [`Error::Spawn`] if the process cannot be started or its I/O fails.
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error>;
}

/// The [`CommandRunner`] that spawns real processes with [`std::process::Command`], inheriting
/// the environment (the tools need `JUJU_CONTEXT_ID` and the agent socket variables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemRunner {
    tool_dir: Option<PathBuf>,
}

impl SystemRunner {
    /// Finds the tools on `PATH`, as Juju sets it up.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `<dir>/<tool>` instead of searching `PATH` (for tests and simulators).
    #[must_use]
    pub fn with_tool_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            tool_dir: Some(dir.into()),
        }
    }

    /// The directory the tools are taken from, if not `PATH`.
    #[must_use]
    pub fn tool_dir(&self) -> Option<&Path> {
        self.tool_dir.as_deref()
    }
}

impl CommandRunner for SystemRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error> {
        let program = match &self.tool_dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        };
        let spawn_error = |source| Error::Spawn {
            tool: tool.to_owned(),
            source,
        };
        let mut child = Command::new(program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A tool that exits without reading its stdin closes the pipe; what it printed and
            // its exit code say more than the broken pipe does.
            match pipe.write_all(input) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    // Best effort: the write error is what gets reported.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(spawn_error(e));
                }
                _ => {}
            }
            // Dropping the pipe closes the tool's stdin.
        }
        let output = child.wait_with_output().map_err(spawn_error)?;
        Ok(CommandOutput {
            code: output.status.code(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }
}

/// [`HookTools`] backed by the real hook-tool executables.
///
/// Every call runs one tool with an argv vector (no shell), `--format=json` wherever output is
/// parsed, `relation-set ... --file -` with JSON on stdin, and secret values only through
/// `key#file=<path>` files (mode 0600, in a fresh 0700 temporary directory removed afterwards).
///
/// What Juju prints is read as Juju prints it: a Go `nil` slice or map comes out as `null`
/// (`secret-ids` with no secrets, `config-get` of a charm without options, `relation-get` of an
/// empty databag) and reads as empty. Messages (`juju-log`, `status-set`, `action-fail`,
/// `action-log`) go through [`bounded_line`], so no text, however long or strange, can stop a
/// tool from starting; `action-set` refuses a value it cannot pass and splits large results
/// over several runs.
///
/// A relation tool that fails on a relation that is gone answers [`Error::RelationGone`] (see
/// there for the rule). Telling a non-leader's refusal to read its own application's databag
/// from a gone relation needs the application's name: give it with
/// [`for_unit`](Self::for_unit).
///
/// The tools are run by `R`: [`SystemRunner`] (the default) spawns the real executables; any
/// other [`CommandRunner`] sees exactly the same argv, stdin and files (the `juju-sim` crate
/// uses this to run in-process charms through this very code).
///
/// # Examples
///
/// ```no_run
/// use juju_hook_tools::{HookTools, LogLevel, ProcessHookTools};
///
/// let tools = ProcessHookTools::new();
/// tools.juju_log(LogLevel::Info, "hello from Rust")?;
/// # Ok::<(), juju_hook_tools::Error>(())
/// ```
#[derive(Debug)]
pub struct ProcessHookTools<R = SystemRunner> {
    runner: R,
    local_app: Option<String>,
}

impl ProcessHookTools {
    /// Tools found on `PATH` (what a charm under Juju wants).
    #[must_use]
    pub fn new() -> Self {
        Self::with_runner(SystemRunner::new())
    }

    /// Tools taken from `dir` (e.g. a directory of fakes, or a simulator's tool directory).
    #[must_use]
    pub fn with_tool_dir(dir: impl Into<PathBuf>) -> Self {
        Self::with_runner(SystemRunner::with_tool_dir(dir))
    }
}

impl<R: CommandRunner> ProcessHookTools<R> {
    /// Tools run by a custom [`CommandRunner`] (the `juju-sim` crate answers them in memory).
    #[must_use]
    pub fn with_runner(runner: R) -> Self {
        Self {
            runner,
            local_app: None,
        }
    }

    /// The tools of `unit` (the hook's `JUJU_UNIT_NAME`): a `permission denied` when reading
    /// another application's databag then means the relation is gone, and stays
    /// [`Error::PermissionDenied`] for this unit's own application when it is not the leader.
    /// Without it, a non-leader's `permission denied` on any application databag stays
    /// [`Error::PermissionDenied`].
    #[must_use]
    pub fn for_unit(mut self, unit: &UnitName) -> Self {
        self.local_app = Some(unit.app().to_owned());
        self
    }

    /// The runner the tools go through.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Runs a tool and returns its stdout, or the classified error.
    fn run(&self, tool: &str, args: Vec<String>, stdin: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let output = self.runner.run(tool, &args, stdin)?;
        if output.code == Some(0) {
            Ok(output.stdout)
        } else {
            Err(Error::classify(
                tool,
                output.code,
                &String::from_utf8_lossy(&output.stderr),
            ))
        }
    }

    /// Runs a tool whose stdout is `--format=json`, and decodes it.
    fn run_json<T: DeserializeOwned>(&self, tool: &str, args: Vec<String>) -> Result<T, Error> {
        let stdout = self.run(tool, args, None)?;
        serde_json::from_slice(&stdout).map_err(|e| Error::MalformedOutput {
            tool: tool.to_owned(),
            reason: format!("not the expected JSON ({e}): {}", preview(&stdout)),
        })
    }

    /// Runs a tool that prints a `--format=json` list of strings, reading `null` (a Go `nil`
    /// slice, which `secret-ids` prints when there is nothing to list) as empty.
    fn run_json_list(&self, tool: &str, args: Vec<String>) -> Result<Vec<String>, Error> {
        let list: Option<Vec<String>> = self.run_json(tool, args)?;
        Ok(list.unwrap_or_default())
    }

    /// [`Error::RelationGone`] instead of `error` when what a relation tool printed says the
    /// relation is gone (`ops`'s `_relation_is_gone` rule): `relation [N ]not found`, or
    /// `permission denied` for a call Juju would not refuse while the relation exists.
    fn relation_error(&self, error: Error, touches: Touches<'_>) -> Error {
        let (Error::NotFound { tool, stderr } | Error::PermissionDenied { tool, stderr }) = &error
        else {
            return error;
        };
        let lower = stderr.to_ascii_lowercase();
        let gone = says_relation_not_found(&lower)
            || (lower.contains("permission denied") && !self.may_refuse(touches));
        if gone {
            Error::RelationGone {
                tool: tool.clone(),
                stderr: stderr.clone(),
            }
        } else {
            error
        }
    }

    /// Whether Juju may refuse this call while the relation exists: a non-leader reading or
    /// writing its own application's databag. The leadership check runs only on this error
    /// path; if it fails too, the refusal is taken as a refusal.
    fn may_refuse(&self, touches: Touches<'_>) -> bool {
        let own_app = match touches {
            Touches::Relation => false,
            Touches::OwnAppBag => true,
            Touches::AppBag(app) => self.local_app.as_deref().is_none_or(|own| own == app),
        };
        own_app && !matches!(HookTools::is_leader(self), Ok(true))
    }
}

/// What a relation tool call reads or writes, which decides what a `permission denied` means.
#[derive(Debug, Clone, Copy)]
enum Touches<'a> {
    /// The membership, or a unit's databag (ours or a remote unit's): never refused while the
    /// relation exists.
    Relation,
    /// An application's databag, read by name (`relation-get --app`).
    AppBag(&'a str),
    /// Our application's databag, written (`relation-set --app`).
    OwnAppBag,
}

/// Whether lowercased stderr says `relation not found` or `relation <N> not found`.
fn says_relation_not_found(stderr: &str) -> bool {
    stderr.match_indices("relation ").any(|(at, word)| {
        let rest = stderr.get(at + word.len()..).unwrap_or_default();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let rest = match rest.get(digits..) {
            Some(after) if digits > 0 => after.strip_prefix(' '),
            _ => Some(rest),
        };
        rest.is_some_and(|r| r.starts_with("not found"))
    })
}

impl Default for ProcessHookTools {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: CommandRunner> HookTools for ProcessHookTools<R> {
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error> {
        const TOOL: &str = "relation-ids";
        let ids = self.run_json_list(TOOL, args([endpoint, "--format=json"]))?;
        ids.iter()
            .map(|id| parse_output(TOOL, id, RelationId::parse))
            .collect()
    }

    fn relation_list(&self, relation: &RelationId) -> Result<Vec<UnitName>, Error> {
        const TOOL: &str = "relation-list";
        let units = self
            .run_json_list(TOOL, args(["--format=json", "-r", &relation.to_string()]))
            .map_err(|e| self.relation_error(e, Touches::Relation))?;
        units
            .iter()
            .map(|unit| parse_output(TOOL, unit, UnitName::parse))
            .collect()
    }

    fn relation_remote_app(&self, relation: &RelationId) -> Result<Option<String>, Error> {
        let app: Option<String> = match self.run_json(
            "relation-list",
            args(["--format=json", "--app", "-r", &relation.to_string()]),
        ) {
            Ok(app) => app,
            // As `ops` does: a relation that is gone has no remote application.
            Err(e) => match self.relation_error(e, Touches::Relation) {
                Error::RelationGone { .. } => None,
                e => return Err(e),
            },
        };
        Ok(app.filter(|a| !a.is_empty()))
    }

    fn relation_get(
        &self,
        relation: &RelationId,
        member: Member<'_>,
    ) -> Result<BTreeMap<String, String>, Error> {
        let relation = relation.to_string();
        let (argv, touches) = match member {
            Member::App(app) => (
                args(["--format=json", "-r", &relation, "--app", "-", app]),
                Touches::AppBag(app),
            ),
            Member::Unit(unit) => (
                args(["--format=json", "-r", &relation, "-", unit.as_str()]),
                Touches::Relation,
            ),
        };
        let bag: Option<BTreeMap<String, String>> = self
            .run_json("relation-get", argv)
            .map_err(|e| self.relation_error(e, touches))?;
        Ok(bag.unwrap_or_default())
    }

    fn relation_set(
        &self,
        relation: &RelationId,
        target: Target,
        delta: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        const TOOL: &str = "relation-set";
        let relation = relation.to_string();
        let (argv, touches) = if target == Target::App {
            (
                args(["-r", &relation, "--app", "--file", "-"]),
                Touches::OwnAppBag,
            )
        } else {
            (args(["-r", &relation, "--file", "-"]), Touches::Relation)
        };
        let json = serde_json::to_vec(delta).map_err(|e| Error::InvalidInput {
            tool: TOOL.to_owned(),
            reason: e.to_string(),
        })?;
        self.run(TOOL, argv, Some(&json))
            .map(drop)
            .map_err(|e| self.relation_error(e, touches))
    }

    fn is_leader(&self) -> Result<bool, Error> {
        self.run_json("is-leader", args(["--format=json"]))
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, Error> {
        const TOOL: &str = "secret-add";
        if secret.content.is_empty() {
            return Err(Error::InvalidInput {
                tool: TOOL.to_owned(),
                reason: "secret content must not be empty".to_owned(),
            });
        }
        let mut argv = Vec::new();
        push_opt(&mut argv, "--label", secret.label.as_deref());
        push_opt(&mut argv, "--description", secret.description.as_deref());
        if let Some(expire) = secret.expire {
            argv.extend(args(["--expire", &rfc3339(TOOL, expire)?]));
        }
        push_opt(&mut argv, "--rotate", secret.rotate.map(|r| r.as_str()));
        argv.extend(args(["--owner", secret.owner.as_str()]));
        let files = SecretFiles::write(TOOL, &secret.content)?;
        argv.extend(files.arguments());
        let result = self.run(TOOL, argv, None);
        let removed = files.remove(TOOL);
        let stdout = result?;
        removed?;
        let text = String::from_utf8_lossy(&stdout);
        parse_output(TOOL, text.trim(), SecretId::parse)
    }

    fn secret_get(&self, secret: SecretRef<'_>, mode: ReadMode) -> Result<SecretContent, Error> {
        const TOOL: &str = "secret-get";
        let mut argv = args(["--format=json"]);
        match secret {
            SecretRef::Id(id) => argv.push(id.to_string()),
            SecretRef::IdAndLabel(id, label) => {
                argv.extend(args([id.as_str(), "--label", label]));
            }
            SecretRef::Label(label) => argv.extend(args(["--label", label])),
        }
        match mode {
            ReadMode::Peek => argv.push("--peek".to_owned()),
            ReadMode::Refresh => argv.push("--refresh".to_owned()),
            ReadMode::Tracked => {}
        }
        // The output holds secret values: wipe it after parsing, and never quote it (nor
        // serde's message, which can quote a value) in an error.
        let stdout = Zeroizing::new(self.run(TOOL, argv, None)?);
        let content: Option<BTreeMap<String, WipedString>> = serde_json::from_slice(&stdout)
            .map_err(|e| Error::MalformedOutput {
                tool: TOOL.to_owned(),
                reason: format!(
                    "not a JSON object of strings ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            })?;
        let mut secret = SecretContent::new();
        for (key, WipedString(value)) in content.unwrap_or_default() {
            secret
                .insert_zeroizing(&key, value)
                .map_err(|e| Error::MalformedOutput {
                    tool: TOOL.to_owned(),
                    reason: e.to_string(),
                })?;
        }
        Ok(secret)
    }

    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), Error> {
        const TOOL: &str = "secret-set";
        let mut argv = Vec::new();
        push_opt(&mut argv, "--label", update.label.as_deref());
        push_opt(&mut argv, "--description", update.description.as_deref());
        if let Some(expire) = update.expire {
            argv.extend(args(["--expire", &rfc3339(TOOL, expire)?]));
        }
        push_opt(&mut argv, "--rotate", update.rotate.map(|r| r.as_str()));
        argv.push(id.to_string());
        let Some(content) = &update.content else {
            return self.run(TOOL, argv, None).map(drop);
        };
        if content.is_empty() {
            return Err(Error::InvalidInput {
                tool: TOOL.to_owned(),
                reason: "secret content must not be empty".to_owned(),
            });
        }
        let files = SecretFiles::write(TOOL, content)?;
        argv.extend(files.arguments());
        let result = self.run(TOOL, argv, None);
        let removed = files.remove(TOOL);
        result?;
        removed
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u32>) -> Result<(), Error> {
        let mut argv = vec![id.to_string()];
        if let Some(revision) = revision {
            argv.extend(args(["--revision", &revision.to_string()]));
        }
        self.run("secret-remove", argv, None).map(drop)
    }

    fn secret_info_get(&self, secret: SecretLookup<'_>) -> Result<SecretInfo, Error> {
        const TOOL: &str = "secret-info-get";
        let argv = match secret {
            SecretLookup::Id(id) => args(["--format=json", id.as_str()]),
            SecretLookup::Label(label) => args(["--format=json", "--label", label]),
        };
        let infos: BTreeMap<String, WireSecretInfo> = self.run_json(TOOL, argv)?;
        let mut infos = infos.into_iter();
        let (Some((xid, info)), None) = (infos.next(), infos.next()) else {
            return Err(Error::MalformedOutput {
                tool: TOOL.to_owned(),
                reason: "expected exactly one secret in the output".to_owned(),
            });
        };
        info.into_info(TOOL, &xid)
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>, Error> {
        const TOOL: &str = "secret-ids";
        // A unit that owns no secret gets `null`: Juju prints a Go `nil` slice.
        let ids = self.run_json_list(TOOL, args(["--format=json"]))?;
        ids.iter()
            .map(|id| parse_output(TOOL, id, SecretId::parse))
            .collect()
    }

    fn secret_grant(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error> {
        self.run("secret-grant", grant_args(id, relation, unit), None)
            .map(drop)
    }

    fn secret_revoke(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error> {
        self.run("secret-revoke", grant_args(id, relation, unit), None)
            .map(drop)
    }

    fn status_set(&self, target: Target, status: StatusKind, message: &str) -> Result<(), Error> {
        let application = match target {
            Target::App => "--application=true",
            Target::Unit => "--application=false",
        };
        let message = bounded_line(message, MAX_STATUS_BYTES);
        self.run(
            "status-set",
            args([application, status.as_str(), "--", &message]),
            None,
        )
        .map(drop)
    }

    fn application_version_set(&self, version: &str) -> Result<(), Error> {
        let version = bounded_line(version, MAX_STATUS_BYTES);
        self.run("application-version-set", args(["--", &version]), None)
            .map(drop)
    }

    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), Error> {
        let message = bounded_line(message, MAX_ARG_BYTES);
        self.run(
            "juju-log",
            args(["--log-level", level.as_str(), "--", &message]),
            None,
        )
        .map(drop)
    }

    fn config_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let config: Option<serde_json::Map<String, serde_json::Value>> =
            self.run_json("config-get", args(["--format=json"]))?;
        Ok(config.unwrap_or_default())
    }

    fn network_get(&self, binding: &str, relation: Option<&RelationId>) -> Result<Network, Error> {
        let mut argv = args([binding, "--format=json"]);
        if let Some(relation) = relation {
            argv.extend(args(["-r", &relation.to_string()]));
        }
        self.run_json("network-get", argv)
            .map_err(|e| self.relation_error(e, Touches::Relation))
    }

    fn action_get(&self) -> Result<serde_json::Value, Error> {
        let params: serde_json::Value = self.run_json("action-get", args(["--format=json"]))?;
        // Juju prints `{}` for an action without parameters; `null` means the same.
        Ok(match params {
            serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
            params => params,
        })
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), Error> {
        const TOOL: &str = "action-set";
        let invalid = |reason: String| Error::InvalidInput {
            tool: TOOL.to_owned(),
            reason,
        };
        // Everything is checked before anything is set: a refused result sets nothing.
        let mut runs: Vec<Vec<String>> = Vec::new();
        let mut run_bytes = 0;
        for (key, value) in results {
            if !is_valid_action_key(key) {
                return Err(invalid(format!(
                    "action result key {key:?} must be dotted segments of \
                     ^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$ and not reserved"
                )));
            }
            if value.contains('\0') {
                return Err(invalid(format!(
                    "the value of action result {key:?} contains a NUL byte, which no command \
                     line can carry"
                )));
            }
            let argument = format!("{key}={value}");
            if argument.len() > MAX_ARG_BYTES {
                return Err(invalid(format!(
                    "action result {key:?} is {} bytes; one action-set argument carries at most \
                     {MAX_ARG_BYTES}: split the value across keys",
                    argument.len()
                )));
            }
            let cost = argument.len() + 1 + size_of::<usize>();
            match runs.last_mut() {
                Some(run) if run_bytes + cost <= ACTION_SET_BATCH_BYTES => run.push(argument),
                _ => {
                    runs.push(vec![argument]);
                    run_bytes = 0;
                }
            }
            run_bytes += cost;
        }
        for argv in runs {
            self.run(TOOL, argv, None)?;
        }
        Ok(())
    }

    fn action_fail(&self, message: &str) -> Result<(), Error> {
        let message = bounded_line(message, MAX_ARG_BYTES);
        self.run("action-fail", args(["--", &message]), None)
            .map(drop)
    }

    fn action_log(&self, message: &str) -> Result<(), Error> {
        let message = bounded_line(message, MAX_ARG_BYTES);
        self.run("action-log", args(["--", &message]), None)
            .map(drop)
    }
}

/// An argv vector from string slices.
fn args<const N: usize>(parts: [&str; N]) -> Vec<String> {
    parts.into_iter().map(str::to_owned).collect()
}

/// Appends `flag value` when there is a value.
fn push_opt(argv: &mut Vec<String>, flag: &str, value: Option<&str>) {
    if let Some(value) = value {
        argv.extend(args([flag, value]));
    }
}

/// `--relation <ep:id> [--unit <unit>] <id>`, as `ops` builds it.
fn grant_args(id: &SecretId, relation: &RelationId, unit: Option<&UnitName>) -> Vec<String> {
    let mut argv = args(["--relation", &relation.to_string()]);
    push_opt(&mut argv, "--unit", unit.map(UnitName::as_str));
    argv.push(id.to_string());
    argv
}

fn rfc3339(tool: &str, at: OffsetDateTime) -> Result<String, Error> {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| Error::InvalidInput {
            tool: tool.to_owned(),
            reason: format!("expiry cannot be written as RFC 3339: {e}"),
        })
}

fn parse_output<T, E: fmt::Display>(
    tool: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, Error> {
    parse(text).map_err(|reason| Error::MalformedOutput {
        tool: tool.to_owned(),
        reason: reason.to_string(),
    })
}

/// The start of some output, for error messages.
fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut preview: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        preview.push('…');
    }
    format!("{preview:?}")
}

/// Whether `key` is an `action-set` key: dotted segments each matching
/// `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$`, and not one of Juju's reserved keys.
fn is_valid_action_key(key: &str) -> bool {
    const RESERVED: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !RESERVED.contains(&key)
        && key.split('.').all(|segment| {
            let bytes = segment.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(&first), Some(&last)) => {
                    edge(first) && edge(last) && bytes.iter().all(|&b| edge(b) || b == b'-')
                }
                _ => false,
            }
        })
}

/// A secret value decoded straight into a wiping buffer: the decoded `String` is moved, not
/// copied, so no unwiped copy of it is left behind (serde_json's scratch buffer for escaped
/// strings is outside our reach).
struct WipedString(Zeroizing<String>);

impl<'de> Deserialize<'de> for WipedString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(Zeroizing::new(s)))
    }
}

/// `secret-info-get` output for one secret (the map key is the xid; empty fields are omitted).
#[derive(Deserialize)]
struct WireSecretInfo {
    revision: u32,
    #[serde(default)]
    label: Option<String>,
    owner: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    rotates: Option<String>,
}

impl WireSecretInfo {
    fn into_info(self, tool: &str, xid: &str) -> Result<SecretInfo, Error> {
        let malformed = |reason: String| Error::MalformedOutput {
            tool: tool.to_owned(),
            reason,
        };
        let time = |field: &str, value: Option<String>| {
            value
                .filter(|v| !v.is_empty())
                .map(|v| {
                    OffsetDateTime::parse(&v, &Rfc3339)
                        .map_err(|e| malformed(format!("{field} {v:?} is not RFC 3339: {e}")))
                })
                .transpose()
        };
        Ok(SecretInfo {
            id: SecretId::parse(xid).map_err(|e| malformed(e.to_string()))?,
            label: self.label.filter(|l| !l.is_empty()),
            revision: self.revision,
            owner: self
                .owner
                .parse::<SecretOwner>()
                .map_err(|e| malformed(e.to_string()))?,
            description: self.description.filter(|d| !d.is_empty()),
            expiry: time("expiry", self.expiry)?,
            rotation: self
                .rotation
                .filter(|r| !r.is_empty())
                .map(|r| r.parse())
                .transpose()
                .map_err(malformed)?,
            rotates: time("rotates", self.rotates)?,
        })
    }
}

/// Secret values written to `<0700 temp dir>/<key>` files (mode 0600), passed as
/// `key#file=<path>`, and removed afterwards.
struct SecretFiles {
    dir: tempfile::TempDir,
    keys: Vec<String>,
}

impl SecretFiles {
    fn write(tool: &str, content: &SecretContent) -> Result<Self, Error> {
        let io_error = |source| Error::Spawn {
            tool: tool.to_owned(),
            source,
        };
        let dir = private_dir().map_err(io_error)?;
        let mut keys = Vec::with_capacity(content.len());
        for (key, value) in content.iter() {
            write_private_file(&dir.path().join(key), value.as_bytes()).map_err(io_error)?;
            keys.push(key.to_owned());
        }
        Ok(Self { dir, keys })
    }

    fn arguments(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| format!("{key}#file={}", self.dir.path().join(key).display()))
            .collect()
    }

    fn remove(self, tool: &str) -> Result<(), Error> {
        self.dir.close().map_err(|source| Error::Spawn {
            tool: tool.to_owned(),
            source,
        })
    }
}

#[cfg(unix)]
fn private_dir() -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix("juju-secret-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

#[cfg(not(unix))]
fn private_dir() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix("juju-secret-").tempdir()
}

fn write_private_file(path: &Path, value: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(value)?;
    file.sync_all()
}
