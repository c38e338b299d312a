//! Running a charm as a real process: hook tools on `PATH`, a Unix socket back to the
//! simulator, and Juju's environment.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::charm::{Charm, CharmOutcome, Invocation, ToolServer};
use crate::error::{Error, Result};
use crate::wire::{ToolRequest, ToolResponse};

/// Every hook-tool name the simulator installs (all answered by `juju-sim-tool`).
pub const TOOL_NAMES: &[&str] = &[
    "action-fail",
    "action-get",
    "action-log",
    "action-set",
    "application-version-set",
    "close-port",
    "config-get",
    "credential-get",
    "goal-state",
    "is-leader",
    "juju-log",
    "juju-reboot",
    "network-get",
    "open-port",
    "opened-ports",
    "relation-get",
    "relation-ids",
    "relation-list",
    "relation-model-get",
    "relation-set",
    "resource-get",
    "secret-add",
    "secret-get",
    "secret-grant",
    "secret-ids",
    "secret-info-get",
    "secret-remove",
    "secret-revoke",
    "secret-set",
    "state-delete",
    "state-get",
    "state-set",
    "status-get",
    "status-set",
    "storage-add",
    "storage-get",
    "storage-list",
];

/// A charm run as a real process, the way Juju runs it: `<charm_dir>/dispatch`, executed with
/// no arguments in the charm directory, with Juju's environment, and with the hook tools (one
/// `juju-sim-tool` executable under every tool name) first on `PATH`. The tools talk back to
/// the simulator over a Unix socket named by `JUJU_AGENT_SOCKET_ADDRESS`.
///
/// The charm gets Juju's environment only, not the test's: the variables of the hook
/// (`JUJU_*` as `HookVars` exports them, `JUJU_CHARM_DIR`/`CHARM_DIR`, the agent socket),
/// `PATH` with the tools directory first (the rest of it is the test's, as a unit agent's
/// `PATH` follows its own), `JUJU_SIM_NOW` (the simulated clock), what
/// [`ProcessCharm::env`] sets, what [`ProcessCharm::pass_env`] names, and two variables of the
/// test run's own tooling when set: `LLVM_PROFILE_FILE` (coverage) and `RUST_BACKTRACE`.
///
/// Like Juju, every unit runs in its own copy of the charm directory (ops keeps
/// `.unit-state.db` there), made before the unit's first hook in a private temporary directory
/// or under [`ProcessCharm::per_unit_copies`]; [`ProcessCharm::shared_dir`] runs every unit in
/// `charm_dir` itself. Every directory the simulator creates (tools, socket, copies) is 0700
/// whatever the umask.
#[derive(Debug, Clone)]
pub struct ProcessCharm {
    charm_dir: PathBuf,
    /// The hook-tool executable; `None`: the one juju-sim built ([`tool_binary`]).
    tool_binary: Option<PathBuf>,
    env: BTreeMap<String, String>,
    /// Variables passed on from the test's environment (the charm gets no other).
    pass_env: Vec<String>,
    timeout: Duration,
    unit_dirs: UnitDirs,
    python_clock: bool,
    /// The hook-tool directory (and the Python clock shim), made at the first hook and shared
    /// by every later hook (and clone): laying out the tools costs more than a short hook.
    tools: Arc<Mutex<Option<tempfile::TempDir>>>,
}

/// Where a [`ProcessCharm`]'s units run.
#[derive(Debug, Clone)]
enum UnitDirs {
    /// In a copy per unit under a temporary directory made at the first hook.
    Private(Arc<Mutex<Option<tempfile::TempDir>>>),
    /// In a copy per unit under this directory.
    Under(PathBuf),
    /// In the charm directory itself.
    Shared,
}

/// The module a Python charm imports at start-up when [`ProcessCharm::python_sim_clock`] is on:
/// it pins `time` and `datetime` to `JUJU_SIM_NOW` with `time-machine`, time then flowing.
const SITECUSTOMIZE: &str = r#"# Written by juju-sim: pins time and datetime to the simulated clock (JUJU_SIM_NOW).
import os as _os

_now = _os.environ.get("JUJU_SIM_NOW")
if _now:
    import datetime as _datetime

    import time_machine as _time_machine

    _time_machine.travel(_datetime.datetime.fromisoformat(_now.replace("Z", "+00:00")), tick=True).start()
"#;

/// The mode of every directory the simulator creates.
const PRIVATE_DIR: u32 = 0o700;

pub(crate) fn private_tempdir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(PRIVATE_DIR))
        .tempdir()?;
    // `mkdir` applies the umask only to remove bits; set the mode explicitly all the same.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(PRIVATE_DIR))?;
    Ok(dir)
}

impl ProcessCharm {
    /// A charm in `charm_dir` (which holds an executable `dispatch`), with hook tools answered
    /// by the `juju-sim-tool` executable at `tool_binary` (in this crate's own tests:
    /// `env!("CARGO_BIN_EXE_juju-sim-tool")`).
    pub fn new(charm_dir: impl Into<PathBuf>, tool_binary: impl Into<PathBuf>) -> Self {
        Self {
            tool_binary: Some(tool_binary.into()),
            ..Self::from_dir(charm_dir)
        }
    }

    /// A charm in `charm_dir` (which holds an executable `dispatch`), with hook tools answered
    /// by the `juju-sim-tool` juju-sim built along with itself ([`tool_binary`]): nothing to
    /// install, `cargo test` builds it.
    pub fn from_dir(charm_dir: impl Into<PathBuf>) -> Self {
        Self {
            charm_dir: charm_dir.into(),
            tool_binary: None,
            env: BTreeMap::new(),
            pass_env: Vec::new(),
            timeout: Duration::from_secs(60),
            unit_dirs: UnitDirs::Private(Arc::default()),
            python_clock: false,
            tools: Arc::default(),
        }
    }

    /// Runs every unit in the charm directory itself instead of a copy per unit (for charms
    /// whose files a test changes in place, or that keep per-unit files apart themselves).
    #[must_use]
    pub fn shared_dir(mut self) -> Self {
        self.unit_dirs = UnitDirs::Shared;
        self
    }

    /// Makes a Python charm see the simulated clock: a generated `sitecustomize` module, first
    /// on `PYTHONPATH`, pins `time` and `datetime` to `JUJU_SIM_NOW` at start-up with the
    /// `time-machine` package (which the charm's Python must have; time flows on from there).
    /// The charm's `dispatch` must keep `PYTHONPATH` (e.g. `PYTHONPATH=src:$PYTHONPATH`).
    #[must_use]
    pub fn python_sim_clock(mut self) -> Self {
        self.python_clock = true;
        self
    }

    /// Sets an extra environment variable for the charm process (e.g. which Python to use).
    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Passes the test's value of the variable `key`, if it has one, on to the charm process
    /// (e.g. `OPENSSL_CONF` for a charm that needs its OpenSSL configuration). The charm gets
    /// no other variable of the test's environment.
    #[must_use]
    pub fn pass_env(mut self, key: &str) -> Self {
        self.pass_env.push(key.to_owned());
        self
    }

    /// How long one hook may run before it is killed and counted as failed (default 60 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Lays out a charm directory the way `charmcraft pack` would: copies `source` (which
    /// holds `charmcraft.yaml` and `dispatch`) into `target`, leaving out what is not the
    /// charm's (a top-level `target/` build directory, and `.git`, `.hg`, `.jj` anywhere), copies each `(file, name)` to
    /// `target/name` (e.g. the charm's built binary, which `dispatch` runs as `./name`), and
    /// writes `metadata.yaml`, `config.yaml` and `actions.yaml` from `charmcraft.yaml` where
    /// the source has none (charmcraft's metadata keys, `config` and `actions`), so that `ops`
    /// finds them. Returns `target`, ready for [`ProcessCharm::new`] and
    /// [`CharmMeta::from_charm_dir`](crate::CharmMeta::from_charm_dir).
    ///
    /// # Errors
    /// [`Error::ProcessFailed`] when a copy or write fails; [`Error::InvalidMetadata`] when
    /// `charmcraft.yaml` is not valid YAML.
    pub fn stage(source: &Path, files: &[(&Path, &str)], target: &Path) -> Result<PathBuf> {
        copy_charm_files(source, target).map_err(|source_err| Error::ProcessFailed {
            context: format!("copy {} to {}", source.display(), target.display()),
            source: source_err,
        })?;
        for (file, name) in files {
            let to = target.join(name);
            std::fs::copy(file, &to).map_err(|source| Error::ProcessFailed {
                context: format!("copy {} to {}", file.display(), to.display()),
                source,
            })?;
        }
        write_packed_metadata(target)?;
        Ok(target.to_path_buf())
    }

    /// Makes every unit's copy of the charm directory under `base` (as `base/<app>-<n>`, made
    /// before the unit's first hook) instead of a private temporary directory.
    #[must_use]
    pub fn per_unit_copies(mut self, base: impl Into<PathBuf>) -> Self {
        self.unit_dirs = UnitDirs::Under(base.into());
        self
    }

    /// The directory a unit's hooks run in (its copy, made now if needed, or the shared charm
    /// directory).
    ///
    /// # Errors
    /// [`Error::ProcessFailed`] when the copy cannot be made.
    pub fn unit_dir(&self, unit: &str) -> Result<PathBuf> {
        let base = match &self.unit_dirs {
            UnitDirs::Shared => return Ok(self.charm_dir.clone()),
            UnitDirs::Under(base) => {
                std::fs::create_dir_all(base).map_err(io("create the unit directories"))?;
                base.clone()
            }
            UnitDirs::Private(dir) => {
                let mut dir = dir.lock().map_err(|_| Error::ProcessFailed {
                    context: "make the unit directories".into(),
                    source: std::io::Error::other("a hook panicked while making them"),
                })?;
                if dir.is_none() {
                    *dir = Some(
                        private_tempdir("juju-sim-units-")
                            .map_err(io("create the unit directories"))?,
                    );
                }
                dir.as_ref()
                    .map(|d| d.path().to_path_buf())
                    .unwrap_or_default()
            }
        };
        let target = base.join(unit.replace('/', "-"));
        if !target.exists() {
            copy_tree(&self.charm_dir, &target).map_err(|source| Error::ProcessFailed {
                context: format!("copy {} to {}", self.charm_dir.display(), target.display()),
                source,
            })?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(PRIVATE_DIR))
                .map_err(io("restrict the unit directory"))?;
        }
        Ok(target)
    }

    /// The directory of hook tools every hook of this charm gets first on `PATH`.
    fn tool_dir(&self) -> Result<PathBuf> {
        let mut tools = self.tools.lock().map_err(|_| Error::ProcessFailed {
            context: "lay out the hook tools".into(),
            source: std::io::Error::other("a hook panicked while laying them out"),
        })?;
        if let Some(dir) = tools.as_ref() {
            return Ok(dir.path().to_path_buf());
        }
        let dir = private_tempdir("juju-sim-tools-").map_err(io("create the tools directory"))?;
        let binary = match &self.tool_binary {
            Some(binary) => binary.clone(),
            None => tool_binary()?,
        };
        Self::install_tools(&binary, dir.path())?;
        let python = dir.path().join("python-clock");
        std::fs::create_dir(&python).map_err(io("create the Python clock directory"))?;
        std::fs::write(python.join("sitecustomize.py"), SITECUSTOMIZE)
            .map_err(io("write the Python clock module"))?;
        let path = dir.path().to_path_buf();
        *tools = Some(dir);
        Ok(path)
    }

    /// Writes the hook tools into `dir`: a symlink to the tool binary under every name.
    ///
    /// # Errors
    /// [`Error::ProcessFailed`] when a link cannot be created.
    pub fn install_tools(tool_binary: &Path, dir: &Path) -> Result<()> {
        for name in TOOL_NAMES {
            let link = dir.join(name);
            std::os::unix::fs::symlink(tool_binary, &link).map_err(|source| {
                Error::ProcessFailed {
                    context: format!("link {} to {}", link.display(), tool_binary.display()),
                    source,
                }
            })?;
        }
        Ok(())
    }
}

/// The `charmcraft.yaml` keys `charmcraft pack` moves to `metadata.yaml` (charmcraft
/// `const.CHARM_METADATA_KEYS`, plus `charm-user`).
const METADATA_KEYS: &[&str] = &[
    "assumes",
    "charm-user",
    "containers",
    "description",
    "devices",
    "documentation",
    "extra-bindings",
    "links",
    "name",
    "peers",
    "provides",
    "requires",
    "resources",
    "storage",
    "subordinate",
    "summary",
    "terms",
    "title",
];

/// Writes `metadata.yaml`, `config.yaml` and `actions.yaml` from `dir/charmcraft.yaml`, each
/// only where `dir` has none.
fn write_packed_metadata(dir: &Path) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(dir.join("charmcraft.yaml")) else {
        return Ok(());
    };
    let value = crate::yaml::to_json(&text).map_err(Error::InvalidMetadata)?;
    let Some(project) = value.as_object() else {
        return Err(Error::InvalidMetadata(
            "charmcraft.yaml is not a mapping".to_owned(),
        ));
    };
    let metadata: serde_json::Map<String, serde_json::Value> = project
        .iter()
        .filter(|(k, _)| METADATA_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let files = [
        ("metadata.yaml", Some(serde_json::Value::Object(metadata))),
        ("config.yaml", project.get("config").cloned()),
        ("actions.yaml", project.get("actions").cloned()),
    ];
    for (name, content) in files {
        let path = dir.join(name);
        if let Some(content) = content
            && !path.exists()
        {
            let yaml = crate::format::Format::Yaml.render(&crate::format::Go::from_json(&content));
            std::fs::write(&path, yaml).map_err(|source| Error::ProcessFailed {
                context: format!("write {}", path.display()),
                source,
            })?;
        }
    }
    Ok(())
}

/// What [`ProcessCharm::stage`] leaves out: version control anywhere, the build directory at
/// the top.
const NOT_CHARM_FILES: [&str; 3] = [".git", ".hg", ".jj"];

fn copy_charm_files(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" && entry.path().is_dir() {
            continue;
        }
        copy_entry(&entry, &to.join(&name))?;
    }
    Ok(())
}

fn copy_entry(entry: &std::fs::DirEntry, target: &Path) -> std::io::Result<()> {
    if NOT_CHARM_FILES.iter().any(|n| entry.file_name() == *n) {
        return Ok(());
    }
    if entry.path().is_dir() {
        std::fs::create_dir_all(target)?;
        for inner in std::fs::read_dir(entry.path())? {
            let inner = inner?;
            copy_entry(&inner, &target.join(inner.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(entry.path(), target).map(drop)
    }
}

/// The `juju-sim-tool` executable juju-sim's build script compiled (into Cargo's `OUT_DIR`
/// for this build of juju-sim): what [`ProcessCharm::from_dir`] installs under every hook-tool
/// name. It exists as long as the target directory juju-sim was built in does.
///
/// # Errors
/// [`Error::ProcessFailed`] (not found) when the build script could not compile the tool (it
/// warned then) or the target directory was removed since.
pub fn tool_binary() -> Result<PathBuf> {
    let built = option_env!("JUJU_SIM_TOOL_PATH").map(PathBuf::from);
    match built {
        Some(path) if path.is_file() => Ok(path),
        _ => Err(Error::ProcessFailed {
            context: format!(
                "find juju-sim's hook tool (built at {}); rebuild juju-sim, or give \
                 ProcessCharm::new an installed juju-sim-tool",
                built.map_or_else(|| "nowhere".to_owned(), |p| p.display().to_string())
            ),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        }),
    }
}

/// Variables of the test run's tooling a charm process keeps (not Juju's): coverage output and
/// panic backtraces.
const TOOLING_ENV: [&str; 2] = ["LLVM_PROFILE_FILE", "RUST_BACKTRACE"];

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn io(context: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::ProcessFailed {
        context: context.to_owned(),
        source,
    }
}

/// Waits for `child` to exit, killing it after `timeout`. Returns its status and whether it
/// was killed. Polls every 100 µs: `std` has no wait with a timeout, and the poll only decides
/// how soon after the charm's exit the hook ends (tool calls never wait on it).
fn watch(mut child: Child, timeout: Duration) -> std::io::Result<(std::process::ExitStatus, bool)> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status, false));
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            return Ok((child.wait()?, true));
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Reads one request line from `stream` and answers it.
fn serve(stream: UnixStream, server: &mut dyn ToolServer, context_id: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    let response = match reader.read_line(&mut line) {
        Ok(_) => match serde_json::from_str::<ToolRequest>(&line) {
            Ok(req) if req.context_id.as_deref().is_some_and(|c| c != context_id) => ToolResponse {
                stdout: String::new(),
                stderr: "ERROR bad request: context id does not match the running hook\n".into(),
                code: 1,
            },
            Ok(req) => server.call(&req),
            Err(e) => ToolResponse {
                stdout: String::new(),
                stderr: format!("ERROR bad request: {e}\n"),
                code: 1,
            },
        },
        Err(e) => ToolResponse {
            stdout: String::new(),
            stderr: format!("ERROR cannot read request: {e}\n"),
            code: 1,
        },
    };
    if let Ok(mut text) = serde_json::to_string(&response) {
        text.push('\n');
        let mut w = &stream;
        let _ = w.write_all(text.as_bytes());
        let _ = w.flush();
    }
}

impl Charm for ProcessCharm {
    fn run(&self, invocation: &Invocation<'_>, tools: &mut dyn ToolServer) -> Result<CharmOutcome> {
        let tmp = private_tempdir("juju-sim-").map_err(io("create a temporary directory"))?;
        let tool_dir = self.tool_dir()?;
        let socket = tmp.path().join("agent.sock");
        let listener = UnixListener::bind(&socket).map_err(io("bind the agent socket"))?;
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
            .map_err(io("restrict the agent socket"))?;
        let stdout_path = tmp.path().join("stdout");
        let stderr_path = tmp.path().join("stderr");
        let stdout = std::fs::File::create(&stdout_path).map_err(io("create the stdout file"))?;
        let stderr = std::fs::File::create(&stderr_path).map_err(io("create the stderr file"))?;

        let inherited = self
            .env
            .get("PYTHONPATH")
            .map(std::ffi::OsString::from)
            .or_else(|| std::env::var_os("PYTHONPATH"));
        let python_path = match inherited {
            Some(p) if self.python_clock => {
                let mut parts = vec![tool_dir.join("python-clock")];
                parts.extend(std::env::split_paths(&p));
                std::env::join_paths(parts).ok()
            }
            None if self.python_clock => Some(tool_dir.join("python-clock").into_os_string()),
            _ => None,
        };
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut parts = vec![tool_dir];
                parts.extend(std::env::split_paths(&p));
                std::env::join_paths(parts).map_err(|e| Error::ProcessFailed {
                    context: "build PATH".into(),
                    source: std::io::Error::other(e),
                })?
            }
            None => tool_dir.into_os_string(),
        };
        let charm_dir = std::fs::canonicalize(self.unit_dir(invocation.unit)?)
            .map_err(io("find the charm directory"))?;
        let context_id = invocation
            .env
            .get("JUJU_CONTEXT_ID")
            .cloned()
            .unwrap_or_default();
        let mut cmd = Command::new(charm_dir.join("dispatch"));
        cmd.current_dir(&charm_dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        // Juju's environment only: nothing of the test runner's but what is asked for.
        cmd.env_clear();
        for key in TOOLING_ENV
            .iter()
            .copied()
            .chain(self.pass_env.iter().map(String::as_str))
        {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        cmd.envs(invocation.env)
            .env("JUJU_CHARM_DIR", &charm_dir)
            .env("CHARM_DIR", &charm_dir)
            .env("JUJU_AGENT_SOCKET_ADDRESS", &socket)
            .env("JUJU_AGENT_SOCKET_NETWORK", "unix")
            .env("PATH", path)
            .envs(&self.env);
        if let Some(python_path) = python_path {
            cmd.env("PYTHONPATH", python_path);
        }
        let child = spawn_unless_busy(&mut cmd).map_err(io("spawn the charm's dispatch"))?;

        // The accept loop blocks, so a hook-tool call is answered the moment it connects; a
        // watcher thread owns the child, enforces the timeout, and on exit sends the status and
        // wakes the loop with an empty connection.
        let (exited, status_rx) = std::sync::mpsc::channel();
        let watcher = {
            let timeout = self.timeout;
            std::thread::spawn(move || {
                let ended = watch(child, timeout);
                let _ = exited.send(ended);
                // Wakes the accept loop; if the connect fails the loop is already gone.
                let _ = UnixStream::connect(&socket);
            })
        };
        let (status, timed_out) = loop {
            let (stream, _) = listener
                .accept()
                .map_err(io("accept a hook-tool connection"))?;
            match status_rx.try_recv() {
                Ok(ended) => break ended.map_err(io("wait for the charm"))?,
                Err(std::sync::mpsc::TryRecvError::Empty) => serve(stream, tools, &context_id),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    return Err(io("wait for the charm")(std::io::Error::other(
                        "the watcher thread ended without a status",
                    )));
                }
            }
        };
        let _ = watcher.join();
        let read = |p: &Path| {
            std::fs::read(p)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        let stdout = read(&stdout_path);
        let stderr = read(&stderr_path);
        let error = if timed_out {
            Some(format!("killed after {:?}", self.timeout))
        } else if status.success() {
            None
        } else {
            Some(format!("dispatch exited with {status}"))
        };
        Ok(CharmOutcome {
            success: status.success() && !timed_out,
            error,
            stdout,
            stderr,
        })
    }
}

/// Spawns `cmd`, retrying for a while when the executable is busy (`ETXTBSY`): a dispatch
/// script this process has just written can still be open for writing in a child that another
/// thread forked meanwhile, until that child execs (rust-lang/rust#114554). Tests that write a
/// charm and run it at once hit this when they run in parallel.
fn spawn_unless_busy(cmd: &mut Command) -> std::io::Result<Child> {
    let mut attempts = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempts < 100 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            spawned => return spawned,
        }
    }
}
