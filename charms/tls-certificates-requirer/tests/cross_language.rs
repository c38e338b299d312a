//! Python ↔ Rust in one simulated model, every charm a real process:
//!
//! * `ops-requirer` (ops 3.9.0 + the real `TLSCertificatesRequiresV4` from
//!   charmlibs-interfaces-tls-certificates 1.12.0) ← our `self-signed-certificates`;
//! * our `tls-certificates-requirer` ← `ops-provider` (`TLSCertificatesProvidesV4` +
//!   the library's `generate_certificate`).
//!
//! Certificates are delivered, then renewed after the simulated clock passes the renewal point,
//! in both directions. The charms are in `interop/e2e/`. Python is `$INTEROP_PYTHON`, else
//! `interop/.venv/bin/python`: when neither exists the test **fails** with the setup command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, ensure};
use serde_json::Value;
use tls_certificates::crypto::CryptoBackend;
use tls_certificates_demo::sim::{Binaries, Sim};

const BOUND: usize = 1_000;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> Result<PathBuf> {
    let path = std::env::var_os("INTEROP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("interop/.venv/bin/python"));
    ensure!(
        path.is_file(),
        "no Python with ops and the tls-certificates library at {}: run interop/setup-venv.sh \
         (or set INTEROP_PYTHON)",
        path.display()
    );
    let check = std::process::Command::new(&path)
        .args(["-c", "import ops, charmlibs.interfaces.tls_certificates"])
        .output()?;
    ensure!(
        check.status.success(),
        "{} cannot import ops and the library: {}",
        path.display(),
        String::from_utf8_lossy(&check.stderr)
    );
    Ok(path)
}

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

fn status(sim: &Sim, unit: &str) -> (String, String) {
    sim.model
        .unit_status(unit)
        .map(|s| (s.kind.clone(), s.message.clone()))
        .unwrap_or_default()
}

/// Certificates published by `provider_app` on `relation`.
fn published(sim: &Sim, relation: u32, provider_app: &str) -> Result<Vec<Value>> {
    let bag = sim
        .model
        .app_data(relation, provider_app)
        .context("no provider app databag")?;
    Ok(serde_json::from_str(
        bag.get("certificates").context("no certificates key")?,
    )?)
}

fn rust_unit_serial(sim: &Sim, unit: &str) -> Result<Vec<u8>> {
    let pem = std::fs::read_to_string(sim.unit_data_dir(unit).join("unit-certificate.pem"))
        .with_context(|| format!("{unit} wrote no certificate"))?;
    Ok(backend().parse_certificate(&pem)?.serial().to_vec())
}

#[test]
fn python_and_rust_charms_issue_and_renew_certificates_both_ways() -> Result<()> {
    let python = python()?;
    let python = python.to_str().context("non-UTF-8 python path")?;
    let own = PathBuf::from(env!("CARGO_BIN_EXE_tls-certificates-requirer"));
    let binaries = Binaries::locate(&[own.parent().map(Path::to_path_buf).unwrap_or_default()])?;
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries, dir.path(), None);
    // The Python charms read the wall clock: start the simulated clock there.
    sim.set_clock(time::OffsetDateTime::now_utc());

    sim.deploy_provider("rust-ca", 1, BTreeMap::new())?;
    sim.deploy_dir(
        "ops-requirer",
        &repo().join("interop/e2e/ops-requirer"),
        1,
        &[("SIM_OPS_PYTHON", python)],
    )?;
    sim.deploy_dir(
        "ops-provider",
        &repo().join("interop/e2e/ops-provider"),
        1,
        &[("SIM_OPS_PYTHON", python)],
    )?;
    sim.deploy_requirer("rust-requirer", 2, BTreeMap::new())?;
    let py_to_rust = sim
        .model
        .relate("ops-requirer", "certificates", "rust-ca", "certificates")?;
    let rust_to_py = sim.model.relate(
        "rust-requirer",
        "certificates",
        "ops-provider",
        "certificates",
    )?;
    sim.settle(BOUND)?;

    // Python requirer ← Rust provider.
    let (kind, message) = status(&sim, "ops-requirer/0");
    assert_eq!(kind, "active", "ops-requirer: {message}");
    let first_py = message;
    assert_eq!(published(&sim, py_to_rust, "rust-ca")?.len(), 1);
    // Rust requirer ← Python provider.
    for unit in ["rust-requirer/0", "rust-requirer/1"] {
        let (kind, message) = status(&sim, unit);
        assert_eq!(kind, "active", "{unit}: {message}");
        let ca = std::fs::read_to_string(sim.unit_data_dir(unit).join("unit-ca.pem"))?;
        assert_eq!(
            backend().parse_certificate(&ca)?.common_name(),
            Some("ops-ca")
        );
    }
    assert_eq!(published(&sim, rust_to_py, "ops-provider")?.len(), 2);
    let first_rust = rust_unit_serial(&sim, "rust-requirer/0")?;

    // Past 90 % of the 90-day certificates: both requirers renew, both providers re-issue.
    sim.advance_clock(time::Duration::days(82));
    sim.settle(BOUND)?;
    let (kind, renewed_py) = status(&sim, "ops-requirer/0");
    assert_eq!(kind, "active", "ops-requirer after renewal: {renewed_py}");
    assert_ne!(
        renewed_py, first_py,
        "the Python requirer's certificate was not renewed"
    );
    assert_eq!(published(&sim, py_to_rust, "rust-ca")?.len(), 1);
    let renewed_rust = rust_unit_serial(&sim, "rust-requirer/0")?;
    assert_ne!(
        renewed_rust, first_rust,
        "the Rust requirer's certificate was not renewed"
    );
    assert_eq!(published(&sim, rust_to_py, "ops-provider")?.len(), 2);
    assert_eq!(status(&sim, "rust-requirer/1").0, "active");
    Ok(())
}
