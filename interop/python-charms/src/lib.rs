//! Support for the tests in `tests/`: Python (`ops`) charms run as real processes in juju-sim,
//! next to our charms. They need the pinned virtualenv `interop/.venv` (`./just venv`); without
//! it they fail with the command that creates it, never skip.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, ensure};
use tls_certificates_demo::sim::Binaries;

/// The environment variable that names a Python interpreter to use instead of the virtualenv's.
pub const PYTHON_ENV: &str = "INTEROP_PYTHON";

/// The repository root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python interpreter with `ops` 3.9.0 and the tls-certificates library:
/// `$INTEROP_PYTHON`, else `interop/.venv/bin/python`.
///
/// # Errors
/// When the interpreter is missing or cannot import the pinned packages, with the command that
/// sets them up.
pub fn python() -> Result<PathBuf> {
    let path = std::env::var_os(PYTHON_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join("interop/.venv/bin/python"));
    ensure!(
        path.is_file(),
        "no Python with ops and the tls-certificates library at {}: run `./just venv` \
         (interop/setup-venv.sh), or set {PYTHON_ENV}",
        path.display()
    );
    let check = std::process::Command::new(&path)
        .args([
            "-c",
            "import ops, charmlibs.interfaces.tls_certificates; \
             assert ops.__version__ == '3.9.0', ops.__version__",
        ])
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    ensure!(
        check.status.success(),
        "{} lacks the pinned ops 3.9.0 and tls-certificates library (run `./just venv`): {}",
        path.display(),
        String::from_utf8_lossy(&check.stderr).trim()
    );
    Ok(path)
}

/// Our charm binaries and `juju-sim-tool`, built by the same `cargo test --workspace` run
/// (checked to be newer than their sources).
///
/// # Errors
/// When a binary is missing or stale, with the command that builds it.
pub fn binaries() -> Result<Binaries> {
    Ok(Binaries::locate_fresh(&Binaries::default_dirs())?)
}
