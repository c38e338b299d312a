//! The interop regression suite's support code: third-party-style `ops` charms (in `charms/`,
//! written like Canonical's operators) run as real processes in juju-sim next to our Rust charms,
//! on the pinned Python venvs (`interop/setup-venv.sh`: ops 3.x; `interop/setup-venv.sh ops2`:
//! ops 2.x).
//!
//! The scenarios are in `tests/`. They need Python: without the venv they fail with the command
//! that creates it, they never skip. Run them with `cargo test -p python-charms` (the package is
//! not a default member of the workspace); they build the charm binaries they run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use anyhow::{Context as _, Result, bail, ensure};
use juju_sim::{CharmMeta, ProcessCharm};
use serde_json::Value;
use tls_certificates_testkit::sim::{Binaries, Sim};

/// How many hooks a scenario may run before settling is a livelock.
pub const BOUND: usize = 3_000;

/// The `ops` major version a Python charm runs on (which venv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ops {
    /// ops 2.23.6 (the last 2.x), from `interop/.venv-ops2`.
    Two,
    /// ops 3.9.0, from `interop/.venv`.
    Three,
}

impl Ops {
    fn venv(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Two => (
                "INTEROP_PYTHON_OPS2",
                ".venv-ops2",
                "interop/setup-venv.sh ops2",
            ),
            Self::Three => ("INTEROP_PYTHON", ".venv", "interop/setup-venv.sh"),
        }
    }

    /// The `ops` version the venv must have.
    pub fn version(self) -> &'static str {
        match self {
            Self::Two => "2.23.6",
            Self::Three => "3.9.0",
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python interpreter of the venv for `ops`: its environment variable if set, else
/// `interop/<venv>/bin/python`, checked to import ops (at the pinned version), the TLS library
/// and time-machine.
///
/// # Errors
/// No such interpreter, or one missing a package: the error names the setup command.
pub fn python(ops: Ops) -> Result<PathBuf> {
    let (var, venv, setup) = ops.venv();
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("interop").join(venv).join("bin/python"));
    ensure!(
        path.is_file(),
        "no Python for ops {} at {}: run {setup} (or set {var})",
        ops.version(),
        path.display()
    );
    let check = Command::new(&path)
        .args([
            "-c",
            "import ops, time_machine, charmlibs.interfaces.tls_certificates; print(ops.__version__)",
        ])
        .output()
        .with_context(|| format!("run {}", path.display()))?;
    ensure!(
        check.status.success(),
        "{} cannot import ops, time-machine and the library (run {setup}): {}",
        path.display(),
        String::from_utf8_lossy(&check.stderr)
    );
    let version = String::from_utf8_lossy(&check.stdout).trim().to_owned();
    ensure!(
        version == ops.version(),
        "{} has ops {version}, not {} (run {setup})",
        path.display(),
        ops.version()
    );
    Ok(path)
}

/// Our charms' and juju-sim's binaries: those next to the test executable when they are fresh
/// (`cargo test --workspace` builds them), else built now (once per test process) by the cargo
/// that runs the tests.
///
/// # Errors
/// The build fails, or a binary is missing or stale.
pub fn binaries() -> Result<Binaries> {
    if let Ok(found) = Binaries::locate_fresh(&Binaries::default_dirs()) {
        return Ok(found);
    }
    static BUILT: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(repo())
            .args([
                "build",
                "--locked",
                "--quiet",
                "--bins",
                "-p",
                "tls-certificates-requirer",
                "-p",
                "self-signed-certificates",
                "-p",
                "juju-sim",
            ])
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "cargo build of the charm binaries failed: {status}"
            ))
        }
    });
    if let Err(e) = built {
        bail!("{e}");
    }
    Ok(Binaries::locate_fresh(&Binaries::default_dirs())?)
}

/// A model in `workdir` running our charms, reporting every hook it runs on stderr.
pub fn sim(binaries: Binaries, workdir: &Path) -> Sim {
    let mut sim = Sim::new(binaries, workdir, None);
    sim.model.on_hook(|report| eprintln!("{report}"));
    sim
}

/// Deploys the Python charm `charm` (a directory under `charms/`) as `app` with `units` units
/// on `ops`' venv: staged as `charmcraft pack` would, a directory per unit, the model's clock
/// reaching Python through juju-sim's `python_sim_clock`.
///
/// # Errors
/// Python missing, staging or deploying fails.
pub fn deploy_python(
    sim: &mut Sim,
    binaries: &Binaries,
    app: &str,
    charm: &str,
    units: u32,
    ops: Ops,
    config: &[(&str, &str)],
) -> Result<()> {
    let python = python(ops)?;
    let python = python.to_str().context("non-UTF-8 Python path")?;
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("charms")
        .join(charm);
    let dir = ProcessCharm::stage(&source, &[], &sim.charm_dir(app))?;
    let meta = CharmMeta::from_charm_dir(&dir)?;
    let process = ProcessCharm::new(&dir, &binaries.tool)
        .env("SIM_OPS_PYTHON", python)
        .python_sim_clock();
    sim.model.deploy(app, meta, Arc::new(process), units)?;
    if !config.is_empty() {
        let values: BTreeMap<String, Value> = config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        sim.model.set_config(app, values)?;
    }
    Ok(())
}

/// A unit's workload status, `(kind, message)`.
pub fn status(sim: &Sim, unit: &str) -> (String, String) {
    sim.model
        .unit_status(unit)
        .map(|s| (s.kind.clone(), s.message.clone()))
        .unwrap_or_default()
}

/// The value after `word` in a status message of the form `word value word value ...`.
pub fn status_field(message: &str, word: &str) -> Option<String> {
    let mut words = message.split_whitespace();
    words
        .by_ref()
        .find(|w| *w == word)
        .and_then(|_| words.next())
        .map(str::to_owned)
}

/// Config values from `(key, value)` string pairs.
pub fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect()
}
