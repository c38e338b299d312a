//! How the simulator runs a charm: the [`Charm`] trait, in-process charms, and the
//! [`CommandRunner`] behind the [`HookTools`] they are given.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use juju_hook_tools::{
    CommandOutput, CommandRunner, Context, Error as ToolError, HookTools, ProcessHookTools,
};

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
    /// The units' charm directories (`<dir>/<app>-<n>`), made at the first hook.
    dirs: Mutex<Option<tempfile::TempDir>>,
}

impl InProcess {
    /// The charm directory of `unit`, made now if needed (0700, like juju-sim's process units').
    fn charm_dir(&self, unit: &str) -> Result<PathBuf> {
        let failed = |source| crate::Error::ProcessFailed {
            context: "make the in-process charm directory".to_owned(),
            source,
        };
        let mut dirs = self
            .dirs
            .lock()
            .map_err(|_| failed(std::io::Error::other("a hook panicked while making it")))?;
        let base = match dirs.as_ref() {
            Some(dir) => dir.path().to_path_buf(),
            None => {
                let dir = crate::process::private_tempdir("juju-sim-charm-").map_err(failed)?;
                let path = dir.path().to_path_buf();
                *dirs = Some(dir);
                path
            }
        };
        let dir = base.join(unit.replace('/', "-"));
        std::fs::create_dir_all(&dir).map_err(failed)?;
        Ok(dir)
    }
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InProcess")
    }
}

/// Wraps a Rust function as a charm run in-process: it gets the hook's [`Context`] and a
/// [`HookTools`] backed by the simulator. `Err` fails the hook (its writes are discarded).
///
/// Each unit has its own charm directory, empty at first and kept for the unit's later hooks
/// (in a temporary directory removed with the charm): [`Context::charm_dir`] names it, as
/// `JUJU_CHARM_DIR` does under Juju. The function runs in the test's working directory (a
/// process has only one): charms write under `charm_dir`, not relative paths.
///
/// ```
/// use juju_sim::{CharmMeta, Model, in_process};
/// use juju_hook_tools::{HookTools, StatusKind, Target};
///
/// let charm = in_process(|_ctx, tools: &dyn HookTools| {
///     tools.status_set(Target::Unit, StatusKind::Active, "ready")
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
        dirs: Mutex::new(None),
    })
}

/// A charm that does nothing and always succeeds: for remote applications whose databags a
/// test sets directly.
pub fn idle_charm() -> Arc<dyn Charm> {
    in_process(|_, _| Ok::<(), std::convert::Infallible>(()))
}

impl Charm for InProcess {
    fn run(&self, invocation: &Invocation<'_>, tools: &mut dyn ToolServer) -> Result<CharmOutcome> {
        let dir = self.charm_dir(invocation.unit)?;
        let mut env = invocation.env.clone();
        for var in ["JUJU_CHARM_DIR", "CHARM_DIR"] {
            env.insert(var.to_owned(), dir.to_string_lossy().into_owned());
        }
        let ctx = match Context::from_map(&env) {
            Ok(ctx) => ctx,
            Err(e) => {
                return Ok(CharmOutcome {
                    success: false,
                    error: Some(format!("cannot read the hook context: {e}")),
                    ..CharmOutcome::default()
                });
            }
        };
        let sim_tools = SimRunner::hook_tools(tools);
        let result = (self.f)(&ctx, &sim_tools);
        Ok(CharmOutcome {
            success: result.is_ok(),
            error: result.err(),
            ..CharmOutcome::default()
        })
    }
}
/// The [`CommandRunner`] behind in-process charms: each call's argv and stdin, and the files
/// its arguments name (`key#file=<path>`), go to the simulator as a [`ToolRequest`], which
/// parses them exactly as for a real process. In-process charms therefore run the same
/// argv-building code as production charms ([`ProcessHookTools`]).
pub struct SimRunner<'a> {
    server: RefCell<&'a mut dyn ToolServer>,
}

/// [`HookTools`] for in-process charms: [`ProcessHookTools`] answered by the simulator.
pub type SimHookTools<'a> = ProcessHookTools<SimRunner<'a>>;

impl<'a> SimRunner<'a> {
    /// A runner answered by `server` (the simulator's session for the running hook).
    pub fn new(server: &'a mut dyn ToolServer) -> Self {
        Self {
            server: RefCell::new(server),
        }
    }

    /// The hook tools of an in-process charm, answered by `server`.
    pub fn hook_tools(server: &'a mut dyn ToolServer) -> SimHookTools<'a> {
        ProcessHookTools::with_runner(Self::new(server))
    }
}

impl fmt::Debug for SimRunner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimRunner")
    }
}

impl CommandRunner for SimRunner<'_> {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::result::Result<CommandOutput, ToolError> {
        let request = ToolRequest {
            tool: tool.to_owned(),
            args: args.to_vec(),
            stdin: stdin.map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
            files: ToolRequest::read_referenced_files(args),
            context_id: None,
            cwd: ToolRequest::current_dir(),
        };
        let response = self.server.borrow_mut().call(&request);
        Ok(CommandOutput {
            code: Some(response.code),
            stdout: response.stdout.into_bytes(),
            stderr: response.stderr.into_bytes(),
        })
    }
}
