//! Python ↔ Rust in one simulated model, every charm a real process:
//!
//! * `ops-requirer` (ops 3.9.0 + the real `TLSCertificatesRequiresV4` from
//!   charmlibs-interfaces-tls-certificates 1.12.0) ← our `self-signed-certificates`;
//! * our `tls-certificates-requirer` ← `ops-provider` (`TLSCertificatesProvidesV4` +
//!   the library's `generate_certificate`).
//!
//! Certificates are delivered, then renewed after the simulated clock passes the renewal point,
//! in both directions. The model's clock starts at a fixed date in the past and reaches the
//! Python charms through juju-sim's `python_sim_clock`: the certificates they issue and check
//! follow the model's time, not the wall clock. The charms are in `interop/e2e/`. Python is
//! `$INTEROP_PYTHON`, else `interop/.venv/bin/python`: when neither works the test **fails**
//! with the setup command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use juju_sim::{CharmMeta, ProcessCharm};
use serde_json::Value;
use tls_certificates::crypto::CryptoBackend;
use tls_certificates_testkit::sim::Sim;

const BOUND: usize = 1_000;

fn repo() -> PathBuf {
    python_charms::repo()
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

/// Where the model's clock starts: a fixed date well in the past, so that a Python charm that
/// read the wall clock instead would issue certificates the model sees as not yet valid.
fn start() -> time::OffsetDateTime {
    time::macros::datetime!(2025-03-01 09:00 UTC)
}

/// A model in `dir` running this build's charm binaries, its clock at [`start`].
fn sim_on_its_own_clock(dir: &Path) -> Result<Sim> {
    let mut sim = Sim::new(python_charms::binaries()?, dir, None);
    sim.set_clock(start());
    Ok(sim)
}

/// Deploys the `ops` charm in `interop/e2e/<charm>` as `app`, on the model's clock.
fn deploy_ops(sim: &mut Sim, app: &str, charm: &str, units: u32, python: &str) -> Result<()> {
    let dir = ProcessCharm::stage(
        &repo().join("interop/e2e").join(charm),
        &[],
        &sim.charm_dir(app),
    )?;
    let meta = CharmMeta::from_charm_dir(&dir)?;
    let tool = python_charms::binaries()?.tool;
    let process = ProcessCharm::new(&dir, &tool)
        .env("SIM_OPS_PYTHON", python)
        .python_sim_clock();
    sim.model.deploy(app, meta, Arc::new(process), units)?;
    Ok(())
}

#[test]
fn python_and_rust_charms_issue_and_renew_certificates_both_ways() -> Result<()> {
    let python = python_charms::python(python_charms::Ops::Three)?;
    let python = python.to_str().context("non-UTF-8 python path")?;
    let dir = tempfile::tempdir()?;
    let mut sim = sim_on_its_own_clock(dir.path())?;

    sim.deploy_provider("rust-ca", 1, BTreeMap::new())?;
    deploy_ops(&mut sim, "ops-requirer", "ops-requirer", 1, python)?;
    deploy_ops(&mut sim, "ops-provider", "ops-provider", 1, python)?;
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
    // The Python provider issued on the model's clock, not the wall clock.
    let pem = std::fs::read_to_string(
        sim.unit_data_dir("rust-requirer/0")
            .join("unit-certificate.pem"),
    )?;
    let issued = backend().parse_certificate(&pem)?;
    let skew = (issued.not_before() - start()).abs();
    assert!(
        skew < time::Duration::hours(1),
        "not_before {} is not the model's time {}",
        issued.not_before(),
        start()
    );

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

#[test]
fn a_python_requirer_switched_in_place_to_the_rust_charm_keeps_its_key_and_certificate()
-> Result<()> {
    let python = python_charms::python(python_charms::Ops::Three)?;
    let python = python.to_str().context("non-UTF-8 python path")?;
    let dir = tempfile::tempdir()?;
    // The switch replaces the charm in the units' own copies, which `deploy_dir` lays out; the
    // Python charm reads the wall clock there, so the model starts at it.
    let mut sim = Sim::new(python_charms::binaries()?, dir.path(), None);
    sim.set_clock(time::OffsetDateTime::now_utc());
    sim.deploy_provider("rust-ca", 1, BTreeMap::new())?;
    sim.deploy_dir(
        "app",
        &repo().join("interop/e2e/ops-requirer"),
        1,
        &[("SIM_OPS_PYTHON", python)],
    )?;
    let relation = sim
        .model
        .relate("app", "certificates", "rust-ca", "certificates")?;
    sim.settle(BOUND)?;
    assert_eq!(
        status(&sim, "app/0").0,
        "active",
        "{:?}",
        status(&sim, "app/0")
    );
    let csrs_before = sim
        .model
        .unit_data(relation, "app/0")
        .cloned()
        .unwrap_or_default();
    let secrets_before: BTreeMap<String, (u32, BTreeMap<String, String>)> = sim
        .model
        .secrets()
        .values()
        .filter(|s| matches!(&s.owner, juju_sim::SecretOwnerRef::Unit(u) if u == "app/0"))
        .map(|s| {
            let latest = s
                .revisions
                .get(&s.latest)
                .map(|r| r.content.clone())
                .unwrap_or_default();
            (s.label.clone().unwrap_or_default(), (s.latest, latest))
        })
        .collect();
    assert_eq!(
        secrets_before.len(),
        2,
        "a key and a certificate secret: {:?}",
        secrets_before.keys()
    );
    let published_before = published(&sim, relation, "rust-ca")?;

    // `juju refresh --path ./tls-certificates-requirer.charm`: same unit state, new code.
    sim.switch_to_requirer("app")?;
    sim.model.run_hook("app/0", juju_sim::Hook::UpgradeCharm)?;
    sim.model.run_hook("app/0", juju_sim::Hook::ConfigChanged)?;
    sim.settle(BOUND)?;

    let (kind, message) = status(&sim, "app/0");
    assert_eq!(kind, "active", "{message}");
    assert!(message.starts_with("certificate valid until"), "{message}");
    assert_eq!(
        sim.model
            .unit_data(relation, "app/0")
            .cloned()
            .unwrap_or_default(),
        csrs_before,
        "the CSR was not re-sent"
    );
    assert_eq!(
        published(&sim, relation, "rust-ca")?,
        published_before,
        "nothing re-issued"
    );
    let secrets_after: BTreeMap<String, (u32, BTreeMap<String, String>)> = sim
        .model
        .secrets()
        .values()
        .filter(|s| matches!(&s.owner, juju_sim::SecretOwnerRef::Unit(u) if u == "app/0"))
        .map(|s| {
            let latest = s
                .revisions
                .get(&s.latest)
                .map(|r| r.content.clone())
                .unwrap_or_default();
            (s.label.clone().unwrap_or_default(), (s.latest, latest))
        })
        .collect();
    assert_eq!(
        secrets_after, secrets_before,
        "key and certificate secrets untouched"
    );
    // The Rust charm wrote the Python-issued certificate and the Python-made key to disk.
    let data = sim.unit_data_dir("app/0");
    let cert = backend()
        .parse_certificate(&std::fs::read_to_string(data.join("unit-certificate.pem"))?)?;
    let key =
        backend().load_private_key(&std::fs::read_to_string(data.join("unit-private-key.pem"))?)?;
    assert!(cert.matches_key(&key));
    let entry = published_before
        .first()
        .context("no published certificate")?;
    let published_cert = entry["certificate"].as_str().context("no certificate")?;
    assert_eq!(
        backend().parse_certificate(published_cert)?.serial(),
        cert.serial()
    );
    Ok(())
}
