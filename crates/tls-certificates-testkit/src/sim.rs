//! A juju-sim model running our two charms as real processes: finding the binaries and building
//! charm directories. The charm processes follow the model's simulated clock through
//! [`NOW_ENV`], which juju-sim sets before every hook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use juju_sim::{Charm, CharmMeta, HookReport, Model, ProcessCharm};
use serde_json::Value;
use time::OffsetDateTime;

use crate::KitError;
use crate::meta;

/// The requirer charm binary's name.
pub const REQUIRER_BIN: &str = "tls-certificates-requirer";
/// The provider charm binary's name.
pub const PROVIDER_BIN: &str = "self-signed-certificates";
/// The simulator's hook-tool binary's name.
pub const TOOL_BIN: &str = "juju-sim-tool";

/// Environment variables that name each binary explicitly (they win over the search).
pub const BIN_ENV: [(&str, &str); 3] = [
    (REQUIRER_BIN, "TLS_CERTIFICATES_REQUIRER_BIN"),
    (PROVIDER_BIN, "SELF_SIGNED_CERTIFICATES_BIN"),
    (TOOL_BIN, "JUJU_SIM_TOOL_BIN"),
];

/// The environment variable the charms read their crypto backend choice from.
pub use tls_certificates::charm::BACKEND_ENV;
/// The environment variable the charms read their clock from (RFC 3339): set only by the
/// simulator (juju-sim sets it to the model's clock before every hook), never by Juju.
pub use tls_certificates::charm::NOW_ENV;

/// The three executables a process-mode model needs.
#[derive(Clone, Debug)]
pub struct Binaries {
    /// `tls-certificates-requirer`.
    pub requirer: PathBuf,
    /// `self-signed-certificates`.
    pub provider: PathBuf,
    /// `juju-sim-tool`.
    pub tool: PathBuf,
}

impl Binaries {
    /// Finds the binaries: each one's environment variable ([`BIN_ENV`]) if set, else in
    /// `dirs` (in order); the hook tool is juju-sim's own ([`juju_sim::tool_binary`]) unless
    /// its variable names another.
    ///
    /// # Errors
    /// [`KitError::BinaryMissing`] naming the binary, where it was looked for, and the
    /// `cargo build` command that makes it.
    pub fn locate(dirs: &[PathBuf]) -> Result<Self, KitError> {
        let find = |name: &str| -> Result<PathBuf, KitError> {
            let var = BIN_ENV
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| *v);
            if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
                let path = PathBuf::from(path);
                return if path.is_file() {
                    Ok(path)
                } else {
                    Err(KitError::BinaryMissing {
                        name: name.to_owned(),
                        searched: format!("{var}={}", path.display()),
                    })
                };
            }
            // juju-sim builds its own hook tool along with itself: always the one of the
            // juju-sim linked in, nothing to build or install.
            if name == TOOL_BIN
                && let Ok(tool) = juju_sim::tool_binary()
            {
                return Ok(tool);
            }
            dirs.iter()
                .map(|d| d.join(name))
                .find(|p| p.is_file())
                .ok_or_else(|| KitError::BinaryMissing {
                    name: name.to_owned(),
                    searched: dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        };
        Ok(Self {
            requirer: find(REQUIRER_BIN)?,
            provider: find(PROVIDER_BIN)?,
            tool: find(TOOL_BIN)?,
        })
    }

    /// Fails if a binary is older than a Rust source file it is built from (the charm's or the
    /// tool's own sources and the workspace libraries they use), under `workspace_root`. Tests
    /// of one package build only that package's binaries; this turns a stale sibling binary into
    /// a clear error instead of a confusing test failure. Source files modified after the
    /// running executable was built are ignored: nothing built with this executable includes
    /// them either.
    ///
    /// # Errors
    /// [`KitError::BinaryStale`] naming the binary and a newer source file.
    pub fn ensure_fresh(&self, workspace_root: &Path) -> Result<(), KitError> {
        const CHARM_LIBS: [&str; 5] = [
            "crates/tls-certificates/src",
            "crates/tls-certificates-engine/src",
            "crates/tls-certificates-crypto/src",
            "crates/tls-certificates-schema/src",
            "crates/juju-hook-tools/src",
        ];
        let checks: [(&Path, &str, &[&str]); 3] = [
            (
                &self.requirer,
                "charms/tls-certificates-requirer/src",
                &CHARM_LIBS,
            ),
            (
                &self.provider,
                "charms/self-signed-certificates/src",
                &CHARM_LIBS,
            ),
            // The tool is built from this one (standard library only) file.
            (&self.tool, "crates/juju-sim/src/bin", &[]),
        ];
        let cutoff = std::env::current_exe()
            .and_then(std::fs::metadata)
            .and_then(|m| m.modified())
            .ok();
        for (binary, own, libs) in checks {
            // juju-sim's own tool is rebuilt with juju-sim whenever its source changes.
            if juju_sim::tool_binary().is_ok_and(|tool| tool == binary) {
                continue;
            }
            let built = std::fs::metadata(binary)
                .and_then(|m| m.modified())
                .map_err(KitError::io(binary))?;
            for dir in std::iter::once(own).chain(libs.iter().copied()) {
                if let Some(newer) = newer_source(&workspace_root.join(dir), built, cutoff) {
                    return Err(KitError::BinaryStale {
                        binary: binary.display().to_string(),
                        source_file: newer.display().to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// [`locate`](Self::locate), then [`ensure_fresh`](Self::ensure_fresh) against the workspace
    /// this crate was built in: what tests running the charms as processes need.
    ///
    /// # Errors
    /// As those two.
    pub fn locate_fresh(dirs: &[PathBuf]) -> Result<Self, KitError> {
        let binaries = Self::locate(dirs)?;
        binaries.ensure_fresh(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))?;
        Ok(binaries)
    }

    /// The directories next to the running executable: its own directory and, for test and
    /// example binaries in `target/<profile>/deps` or `examples`, the profile directory.
    pub fn default_dirs() -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(dir) = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
        {
            if dir
                .file_name()
                .is_some_and(|n| n == "deps" || n == "examples")
                && let Some(parent) = dir.parent()
            {
                dirs.push(parent.to_path_buf());
            }
            dirs.push(dir);
        }
        dirs
    }
}

/// A model with our charms as real processes and a working directory for their charm
/// directories.
pub struct Sim {
    /// The model.
    pub model: Model,
    binaries: Binaries,
    workdir: PathBuf,
    backend: Option<String>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("model", &self.model)
            .field("workdir", &self.workdir)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// An empty model; charm directories go under `workdir`. `backend` (`ring`, `openssl`)
    /// is passed to the charms in [`BACKEND_ENV`]; `None` lets them use their default.
    pub fn new(binaries: Binaries, workdir: impl Into<PathBuf>, backend: Option<&str>) -> Self {
        Self {
            model: Model::new(),
            binaries,
            workdir: workdir.into(),
            backend: backend.map(str::to_owned),
        }
    }

    /// The charm directory of application `app` (shared by its units, as juju-sim does).
    pub fn charm_dir(&self, app: &str) -> PathBuf {
        self.workdir.join(app)
    }

    /// The charm directory `unit` (`app/n`) runs its hooks in: its own copy for a charm
    /// deployed with [`deploy_dir`](Self::deploy_dir) (one per unit, as Juju gives each unit),
    /// else its application's [`charm_dir`](Self::charm_dir), which our charms' units share.
    pub fn unit_dir(&self, unit: &str) -> PathBuf {
        let app = unit.split_once('/').map_or(unit, |(app, _)| app);
        let copy = self.unit_copies(app).join(unit.replace('/', "-"));
        if copy.is_dir() {
            copy
        } else {
            self.charm_dir(app)
        }
    }

    /// The simulated time (the model's clock, which the charm processes follow).
    pub fn now(&self) -> OffsetDateTime {
        self.model.now()
    }

    /// Writes `dispatch` and a link to `binary` (as `name`) into `dir`.
    fn write_charm_files(
        dir: &Path,
        binary: &Path,
        name: &str,
        dispatch: &str,
    ) -> Result<(), KitError> {
        std::fs::create_dir_all(dir).map_err(KitError::io(dir))?;
        let dispatch_path = dir.join("dispatch");
        let _ = std::fs::remove_file(&dispatch_path);
        std::fs::write(&dispatch_path, dispatch).map_err(KitError::io(&dispatch_path))?;
        set_executable(&dispatch_path)?;
        let link = dir.join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(binary, &link).map_err(KitError::io(&link))
    }

    fn charm(
        &self,
        app: &str,
        binary: &Path,
        name: &str,
        dispatch: &str,
    ) -> Result<Arc<dyn Charm>, KitError> {
        let dir = self.charm_dir(app);
        Self::write_charm_files(&dir, binary, name, dispatch)?;
        // Our charms keep each unit's files apart (`data/<unit>/`): one directory for the app.
        // Charm processes get Juju's environment only; an OpenSSL build of the charms (FIPS)
        // needs the test's OpenSSL configuration.
        let mut process = ProcessCharm::new(&dir, &self.binaries.tool)
            .shared_dir()
            .pass_env("OPENSSL_CONF")
            .pass_env("OPENSSL_MODULES");
        if let Some(backend) = &self.backend {
            process = process.env(BACKEND_ENV, backend);
        }
        Ok(Arc::new(process))
    }

    /// Replaces the charm of `app` (deployed from a directory, e.g. an `ops` requirer) by our
    /// requirer charm in place, as `juju refresh --path` would: the next hooks run our binary
    /// with the same Juju state. Run `upgrade-charm` next.
    ///
    /// # Errors
    /// File-system errors.
    pub fn switch_to_requirer(&self, app: &str) -> Result<(), KitError> {
        let units = self.unit_copies(app);
        let copies = std::fs::read_dir(&units)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path());
        for dir in std::iter::once(self.charm_dir(app)).chain(copies) {
            Self::write_charm_files(
                &dir,
                &self.binaries.requirer,
                REQUIRER_BIN,
                meta::REQUIRER_DISPATCH,
            )?;
        }
        Ok(())
    }

    /// Where the units of an app deployed with [`Sim::deploy_dir`] get their copies of the
    /// charm directory (`<dir>/<app>-<n>`).
    fn unit_copies(&self, app: &str) -> PathBuf {
        self.workdir.join("units").join(app)
    }

    /// Deploys the provider charm as `app` with `units` units and `config`.
    ///
    /// # Errors
    /// Simulator or file-system errors.
    pub fn deploy_provider(
        &mut self,
        app: &str,
        units: u32,
        config: BTreeMap<String, Value>,
    ) -> Result<(), KitError> {
        let binary = self.binaries.provider.clone();
        let charm = self.charm(app, &binary, PROVIDER_BIN, meta::PROVIDER_DISPATCH)?;
        self.deploy(app, meta::provider_meta()?, charm, units, config)
    }

    /// Deploys the requirer charm as `app` with `units` units and `config`.
    ///
    /// # Errors
    /// Simulator or file-system errors.
    pub fn deploy_requirer(
        &mut self,
        app: &str,
        units: u32,
        config: BTreeMap<String, Value>,
    ) -> Result<(), KitError> {
        let binary = self.binaries.requirer.clone();
        let charm = self.charm(app, &binary, REQUIRER_BIN, meta::REQUIRER_DISPATCH)?;
        self.deploy(app, meta::requirer_meta()?, charm, units, config)
    }

    /// Deploys `charm` as `app` with `units` units, then sets `config` (if any).
    fn deploy(
        &mut self,
        app: &str,
        meta: CharmMeta,
        charm: Arc<dyn Charm>,
        units: u32,
        config: BTreeMap<String, Value>,
    ) -> Result<(), KitError> {
        self.model.deploy(app, meta, charm, units)?;
        if !config.is_empty() {
            self.model.set_config(app, config)?;
        }
        Ok(())
    }

    /// Sets the model's clock, which the charms follow (e.g. to the wall clock, when charms that
    /// read the wall clock themselves share the model).
    pub fn set_clock(&mut self, now: OffsetDateTime) {
        self.model.set_now(now);
    }

    /// Deploys a charm from a source directory (with `dispatch` and `charmcraft.yaml` or
    /// `metadata.yaml`), staged into this model's working directory as `charmcraft pack` would,
    /// run as a process with `env` (e.g. `SIM_OPS_PYTHON` for an `ops` charm). Each unit runs
    /// in its own copy of the directory, as under Juju.
    ///
    /// # Errors
    /// Simulator, metadata or file-system errors.
    pub fn deploy_dir(
        &mut self,
        app: &str,
        source: &Path,
        units: u32,
        env: &[(&str, &str)],
    ) -> Result<(), KitError> {
        let dir = self.charm_dir(app);
        ProcessCharm::stage(source, &[], &dir)?;
        let meta = CharmMeta::from_charm_dir(&dir)?;
        let mut process =
            ProcessCharm::new(&dir, &self.binaries.tool).per_unit_copies(self.unit_copies(app));
        for (k, v) in env {
            process = process.env(k, v);
        }
        self.deploy(app, meta, Arc::new(process), units, BTreeMap::new())
    }

    /// Advances the model's clock, which the charms follow.
    pub fn advance_clock(&mut self, by: time::Duration) {
        self.model.advance_clock(by);
    }

    /// Runs hooks until none is pending (at most `bound`), and fails if any hook failed.
    ///
    /// # Errors
    /// [`KitError::Sim`] (e.g. a livelock), [`KitError::HookFailed`] with the first failed
    /// hook and its unit's last log lines.
    pub fn settle(&mut self, bound: usize) -> Result<Vec<HookReport>, KitError> {
        let start = self.model.history().len();
        self.model.run_until_quiescent(bound)?;
        let ran: Vec<HookReport> = self.model.history()[start..].to_vec();
        if let Some(failed) = ran.iter().find(|r| !r.outcome.is_committed()) {
            let logs: Vec<String> = self
                .model
                .logs(&failed.unit)
                .iter()
                .rev()
                .take(8)
                .rev()
                .map(|l| format!("{} {}: {}", l.level, l.hook, l.message))
                .collect();
            return Err(KitError::HookFailed {
                hook: failed.to_string(),
                logs: logs.join("\n"),
            });
        }
        Ok(ran)
    }

    /// The certificate files a requirer unit wrote (`data/<unit>/` in the directory it runs
    /// in: its own copy for apps deployed with [`Sim::deploy_dir`], else the app's).
    pub fn unit_data_dir(&self, unit: &str) -> PathBuf {
        let app = unit.split('/').next().unwrap_or(unit);
        let name = unit.replace('/', "-");
        let copy = self.unit_copies(app).join(&name);
        let base = if copy.is_dir() {
            copy
        } else {
            self.charm_dir(app)
        };
        base.join("data").join(name)
    }
}

fn set_executable(path: &Path) -> Result<(), KitError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(KitError::io(path))
}

/// A `.rs` file under `dir` modified after `than` (and not after `cutoff`), if any.
fn newer_source(
    dir: &Path,
    than: std::time::SystemTime,
    cutoff: Option<std::time::SystemTime>,
) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = newer_source(&path, than, cutoff) {
                return Some(found);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t > than && cutoff.is_none_or(|c| t <= c))
        {
            return Some(path);
        }
    }
    None
}
