//! End to end: the Rust requirer charm and the Rust self-signed-certificates charm as **real
//! processes** in a juju-sim model (the harness is `tls_certificates_testkit::sim`).
//!
//! The requirer binary is this package's (`CARGO_BIN_EXE_tls-certificates-requirer`); the
//! provider is looked for in the same directory, and the hook tool is juju-sim's own (built
//! with juju-sim). `cargo test --workspace` builds the provider (its package has integration
//! tests); alone, run `cargo build -p self-signed-certificates --bins` first. A missing binary
//! fails the test with that hint; nothing is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail, ensure};
use serde_json::{Map, Value};
use tls_certificates::crypto::{Certificate, CryptoBackend};
use tls_certificates_testkit::sim::{Binaries, Sim};

const PROVIDER: &str = "ca";
const REQUIRER: &str = "web";
const BOUND: usize = 1_000;

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

fn binaries() -> Result<Binaries> {
    let own = PathBuf::from(env!("CARGO_BIN_EXE_tls-certificates-requirer"));
    let dir = own.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Binaries::locate_fresh(&[dir])?)
}

fn config(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A model with the provider (1 unit) and `units` requirer units in `mode`, related and settled.
fn related(workdir: &Path, units: u32, mode: &str) -> Result<(Sim, u32)> {
    let mut sim = Sim::new(binaries()?, workdir, None);
    sim.deploy_provider(PROVIDER, 1, BTreeMap::new())?;
    sim.deploy_requirer(REQUIRER, units, config(&[("mode", mode.into())]))?;
    let relation = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    Ok((sim, relation))
}

fn status(sim: &Sim, unit: &str) -> (String, String) {
    sim.model
        .unit_status(unit)
        .map(|s| (s.kind.clone(), s.message.clone()))
        .unwrap_or_default()
}

/// The certificate a unit wrote for `scope`, if any.
fn on_disk(sim: &Sim, unit: &str, scope: &str) -> Result<Option<Certificate>> {
    let path = sim
        .unit_data_dir(unit)
        .join(format!("{scope}-certificate.pem"));
    match std::fs::read_to_string(&path) {
        Ok(pem) => Ok(Some(backend().parse_certificate(&pem)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context(path.display().to_string()),
    }
}

/// The entries of the provider's `certificates` list in relation `relation`.
fn published(sim: &Sim, relation: u32) -> Result<Vec<Value>> {
    let Some(bag) = sim.model.app_data(relation, PROVIDER) else {
        return Ok(Vec::new());
    };
    match bag.get("certificates") {
        Some(text) => Ok(serde_json::from_str(text)?),
        None => Ok(Vec::new()),
    }
}

fn action(sim: &mut Sim, unit: &str, name: &str) -> Result<BTreeMap<String, String>> {
    let outcome = sim.model.run_action(unit, name, Map::new())?;
    if let Some(failure) = outcome.failure {
        bail!("action {name} on {unit} failed: {failure}");
    }
    Ok(outcome.results)
}

/// No private key in any log line, status or databag of the model.
fn assert_no_private_key_leaks(sim: &Sim, relation: u32) {
    for unit in sim.model.units() {
        for line in sim.model.logs(&unit) {
            assert!(!line.message.contains("PRIVATE KEY"), "{unit} logged a key");
        }
        let (_, message) = status(sim, &unit);
        assert!(!message.contains("PRIVATE KEY"));
        if let Some(bag) = sim.model.unit_data(relation, &unit) {
            assert!(bag.values().all(|v| !v.contains("PRIVATE KEY")));
        }
    }
    for app in [PROVIDER, REQUIRER] {
        if let Some(bag) = sim.model.app_data(relation, app) {
            assert!(bag.values().all(|v| !v.contains("PRIVATE KEY")));
        }
    }
}

#[test]
fn unit_mode_issues_per_unit_then_follows_scale_up_and_scale_down() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, relation) = related(dir.path(), 2, "unit")?;

    for unit in ["web/0", "web/1"] {
        let (kind, message) = status(&sim, unit);
        assert_eq!(kind, "active", "{unit}: {message}");
        assert!(
            message.starts_with("certificate valid until 2026-04-01"),
            "{message}"
        );
        let cert = on_disk(&sim, unit, "unit")?.context("no certificate file")?;
        assert_eq!(cert.common_name(), Some(unit.replace('/', "-").as_str()));
        let key_file = sim.unit_data_dir(unit).join("unit-private-key.pem");
        let key = backend().load_private_key(&std::fs::read_to_string(&key_file)?)?;
        assert!(
            cert.matches_key(&key),
            "the key file holds the certificate's key"
        );
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file)?.permissions());
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(published(&sim, relation)?.len(), 2);

    // Scale up: the new unit requests and gets its own certificate.
    let new_unit = sim.model.add_unit(REQUIRER)?;
    sim.settle(BOUND)?;
    assert!(on_disk(&sim, &new_unit, "unit")?.is_some());
    assert_eq!(published(&sim, relation)?.len(), 3);

    // Scale down: the provider drops the certificate of the departed unit's CSR.
    sim.model.remove_unit("web/1")?;
    sim.settle(BOUND)?;
    let entries = published(&sim, relation)?;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(!sim.model.units().contains(&"web/1".to_owned()));
    assert_no_private_key_leaks(&sim, relation);
    Ok(())
}

#[test]
fn app_mode_keeps_one_certificate_across_a_leader_change() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, relation) = related(dir.path(), 2, "app")?;

    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "{message}");
    let (_, follower) = status(&sim, "web/1");
    assert!(follower.contains("managed by the leader"), "{follower}");
    let first = on_disk(&sim, "web/0", "app")?.context("leader has no app certificate")?;
    assert_eq!(first.common_name(), Some(REQUIRER));
    assert!(
        sim.model
            .app_data(relation, REQUIRER)
            .is_some_and(|b| b.contains_key("certificate_signing_requests"))
    );
    assert_eq!(published(&sim, relation)?.len(), 1);

    sim.model.set_leader("web/1")?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "web/1");
    assert_eq!(kind, "active", "new leader: {message}");
    let taken_over =
        on_disk(&sim, "web/1", "app")?.context("new leader wrote no app certificate")?;
    assert_eq!(
        taken_over.serial(),
        first.serial(),
        "the same certificate, not a new one"
    );
    assert_eq!(published(&sim, relation)?.len(), 1);
    // Juju runs no hook on the old leader when it loses leadership: its status follows at its
    // next hook.
    sim.model.update_status();
    sim.settle(BOUND)?;
    let (_, old_leader) = status(&sim, "web/0");
    assert!(old_leader.contains("managed by the leader"), "{old_leader}");
    assert_no_private_key_leaks(&sim, relation);
    Ok(())
}

#[test]
fn app_and_unit_mode_gets_both_kinds_of_certificate() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (sim, relation) = related(dir.path(), 2, "app-and-unit")?;
    assert!(on_disk(&sim, "web/0", "app")?.is_some());
    assert!(on_disk(&sim, "web/0", "unit")?.is_some());
    assert!(on_disk(&sim, "web/1", "unit")?.is_some());
    assert!(on_disk(&sim, "web/1", "app")?.is_none());
    assert_eq!(published(&sim, relation)?.len(), 3);
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "{message}");
    assert!(
        message.contains("unit: certificate valid until")
            && message.contains("app: certificate valid until"),
        "{message}"
    );
    Ok(())
}

#[test]
fn certificates_renew_with_the_clock_and_the_ca_renews_without_revocation() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(
        PROVIDER,
        1,
        config(&[
            ("root-ca-validity", "20d".into()),
            ("certificate-validity", "5d".into()),
        ]),
    )?;
    sim.deploy_requirer(REQUIRER, 1, BTreeMap::new())?;
    let relation = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    let first = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    let first_ca = std::fs::read_to_string(sim.unit_data_dir("web/0").join("unit-ca.pem"))?;

    // 4.6 days: past 90 % of the 5-day certificate, before the CA's renewal point (15 days).
    sim.advance_clock(time::Duration::hours(111));
    sim.settle(BOUND)?;
    let renewed = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    ensure!(
        renewed.serial() != first.serial(),
        "the certificate was not renewed"
    );
    assert_eq!(
        std::fs::read_to_string(sim.unit_data_dir("web/0").join("unit-ca.pem"))?,
        first_ca
    );

    // Past the CA's renewal point: a new CA, the old one kept as expiring, nothing revoked.
    sim.advance_clock(time::Duration::days(11));
    sim.settle(BOUND)?;
    let leader = format!("{PROVIDER}/0");
    assert!(
        sim.model
            .owned_secret(&leader, "expiring-ca-certificates")
            .is_some(),
        "no expiring CA kept"
    );
    let entries = published(&sim, relation)?;
    assert!(
        entries.iter().all(|e| e.get("revoked").is_none()),
        "{entries:?}"
    );
    let ca_now = action(&mut sim, &leader, "get-ca-certificate")?["ca-certificate"].clone();
    assert_ne!(ca_now.trim(), first_ca.trim(), "the CA was not renewed");
    // The certificate was due again (11 days > 5-day lifetime) and is signed by the new CA.
    let latest = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    let new_ca = backend().parse_certificate(&ca_now)?;
    backend().verify_issued_by(&latest, &new_ca)?;
    assert_eq!(status(&sim, "web/0").0, "active");
    Ok(())
}

#[test]
fn ca_common_name_change_revokes_and_reissues_from_the_new_ca() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, relation) = related(dir.path(), 2, "unit")?;
    let before = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    sim.model
        .set_config(PROVIDER, config(&[("ca-common-name", "rotated-ca".into())]))?;
    sim.settle(BOUND)?;
    for unit in ["web/0", "web/1"] {
        let cert = on_disk(&sim, unit, "unit")?.context("no certificate")?;
        assert_eq!(cert.issuer().value("2.5.4.3"), Some("rotated-ca"));
    }
    let after = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    assert_ne!(after.serial(), before.serial());
    assert!(
        sim.model
            .logs("ca/0")
            .iter()
            .any(|l| l.message.contains("2 certificate(s) revoked")),
        "the provider did not revoke"
    );
    assert_eq!(published(&sim, relation)?.len(), 2);
    Ok(())
}

#[test]
fn relation_removal_cleans_up_and_the_requirer_waits_again() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, relation) = related(dir.path(), 1, "unit")?;
    let secrets_before = sim
        .model
        .secrets()
        .values()
        .filter(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.contains("certificate-"))
        })
        .count();
    assert!(secrets_before > 0);
    sim.model.remove_relation(relation)?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "blocked");
    assert!(message.contains("waiting for a relation"), "{message}");
    let cert_secrets = sim
        .model
        .secrets()
        .values()
        .filter(|s| {
            s.label
                .as_deref()
                .is_some_and(|l| l.contains("certificate-"))
                && matches!(&s.owner, juju_sim::SecretOwnerRef::Unit(u) if u == "web/0")
        })
        .count();
    assert_eq!(
        cert_secrets, 0,
        "the requirer's certificate secrets outlive the relation"
    );
    assert!(sim.model.relation_ids(None).is_empty());
    Ok(())
}

#[test]
fn requirer_and_provider_actions() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, relation) = related(dir.path(), 1, "unit")?;

    let got = action(&mut sim, "web/0", "get-certificate")?;
    let cert = backend().parse_certificate(&got["unit.certificate"])?;
    assert!(got["unit.chain"].contains(got["unit.ca-certificate"].trim()));
    let key_id = action(&mut sim, "web/0", "get-private-key-secret-id")?;
    assert!(
        key_id["unit.secret-id"].starts_with("secret:"),
        "{key_id:?}"
    );
    let errors = action(&mut sim, "web/0", "get-request-errors")?;
    assert_eq!(errors["count"], "0");

    action(&mut sim, "web/0", "renew-certificates")?;
    sim.settle(BOUND)?;
    let renewed = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    assert_ne!(renewed.serial(), cert.serial());
    assert_eq!(
        renewed.public_key(),
        cert.public_key(),
        "renewal keeps the key"
    );

    action(&mut sim, "web/0", "regenerate-private-key")?;
    sim.settle(BOUND)?;
    let rekeyed = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    assert_ne!(rekeyed.public_key(), cert.public_key(), "a new key");

    let issued = action(&mut sim, "ca/0", "get-issued-certificates")?;
    assert_eq!(issued["count"], "1");
    let entry: Value = serde_json::from_str(&issued["certificates.0"])?;
    assert_eq!(entry["revoked"], Value::Bool(false));
    let rotated = action(&mut sim, "ca/0", "rotate-private-key")?;
    assert!(rotated["result"].contains("New private key"));
    sim.settle(BOUND)?;
    let ca = action(&mut sim, "ca/0", "get-ca-certificate")?;
    let ca = backend().parse_certificate(&ca["ca-certificate"])?;
    let latest = on_disk(&sim, "web/0", "unit")?.context("no certificate")?;
    backend().verify_issued_by(&latest, &ca)?;
    assert_no_private_key_leaks(&sim, relation);
    Ok(())
}

#[test]
fn invalid_config_blocks_with_the_bad_values_named() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(
        PROVIDER,
        1,
        config(&[("certificate-validity", "0d".into())]),
    )?;
    sim.deploy_requirer(
        REQUIRER,
        1,
        config(&[("mode", "sideways".into()), ("sans-ip", "not-an-ip".into())]),
    )?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "ca/0");
    assert_eq!(kind, "blocked");
    assert_eq!(
        message,
        "The following configuration values are not valid: ['certificate-validity']"
    );
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "blocked");
    assert!(
        message.contains("mode=\"sideways\"") && message.contains("not-an-ip"),
        "{message}"
    );
    Ok(())
}

#[test]
fn certificate_limit_zero_means_no_certificates() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(PROVIDER, 1, config(&[("certificate-limit", 0.into())]))?;
    sim.deploy_requirer(REQUIRER, 1, BTreeMap::new())?;
    let relation = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    assert!(published(&sim, relation)?.is_empty());
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "waiting");
    assert_eq!(message, "waiting for the provider to issue the certificate");
    assert!(
        status(&sim, "ca/0")
            .1
            .contains("1 request(s) over the certificate-limit")
    );

    sim.model
        .set_config(PROVIDER, config(&[("certificate-limit", (-1).into())]))?;
    sim.settle(BOUND)?;
    assert_eq!(published(&sim, relation)?.len(), 1);
    assert_eq!(status(&sim, "web/0").0, "active");
    Ok(())
}

#[test]
fn an_unknown_crypto_backend_blocks_instead_of_failing_hooks() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), Some("no-such-backend"));
    sim.deploy_provider(PROVIDER, 1, BTreeMap::new())?;
    sim.deploy_requirer(REQUIRER, 1, BTreeMap::new())?;
    sim.settle(BOUND)?;
    for unit in ["ca/0", "web/0"] {
        let (kind, message) = status(&sim, unit);
        assert_eq!(kind, "blocked", "{unit}: {message}");
        assert!(message.contains("no-such-backend"), "{unit}: {message}");
    }
    Ok(())
}

#[test]
fn a_new_provider_leader_keeps_the_ca_and_serves_new_requests() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(PROVIDER, 2, BTreeMap::new())?;
    sim.deploy_requirer(REQUIRER, 1, BTreeMap::new())?;
    let relation = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    assert!(status(&sim, "ca/1").1.starts_with("standby"));
    let ca_before = std::fs::read_to_string(sim.unit_data_dir("web/0").join("unit-ca.pem"))?;

    sim.model.set_leader("ca/1")?;
    let new_unit = sim.model.add_unit(REQUIRER)?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "ca/1");
    assert_eq!(kind, "active", "{message}");
    assert!(status(&sim, "ca/0").1.starts_with("standby"));
    let ca_new_unit = std::fs::read_to_string(sim.unit_data_dir(&new_unit).join("unit-ca.pem"))?;
    assert_eq!(
        ca_new_unit, ca_before,
        "the new leader issued with the same CA"
    );
    let entries = published(&sim, relation)?;
    assert_eq!(entries.len(), 2);
    assert!(
        entries.iter().all(|e| e.get("revoked").is_none()),
        "{entries:?}"
    );
    Ok(())
}
