//! The provider charm run in-process in juju-sim (fast): CA secret, standby units, actions.
//! The process-mode end-to-end tests with the requirer are in the requirer package.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use juju_sim::{CharmMeta, Model, SecretOwnerRef, hook_time, in_process};
use serde_json::Map;

const APP: &str = "ca";

/// The charm's metadata, read from its own `charmcraft.yaml` as Juju reads it.
fn meta() -> Result<CharmMeta> {
    Ok(CharmMeta::from_charm_dir(Path::new(env!(
        "CARGO_MANIFEST_DIR"
    )))?)
}

/// A model with `units` provider units. Each hook runs at the model's clock
/// ([`hook_time`]), which `Model::advance_clock` moves.
fn model(units: u32) -> Result<Model> {
    let mut model = Model::new();
    let charm = in_process(move |ctx, tools| {
        let backend = tls_certificates::crypto::ring::backend();
        let now = hook_time().unwrap_or_else(time::OffsetDateTime::now_utc);
        self_signed_certificates::run(&tls_certificates::Hook::new(ctx, tools, backend, now))
    });
    model.deploy(APP, meta()?, charm, units)?;
    Ok(model)
}

#[test]
fn the_leader_keeps_the_ca_in_an_app_secret_expiring_at_root_minus_certificate_validity()
-> Result<()> {
    let mut model = model(1)?;
    model.run_until_quiescent(100)?;
    let secret = model
        .owned_secret("ca/0", self_signed_certificates::ACTIVE_CA_LABEL)
        .context("no CA secret")?;
    assert_eq!(secret.owner, SecretOwnerRef::App(APP.to_owned()));
    let revision = &secret.revisions[&secret.latest];
    assert_eq!(
        revision.content.keys().collect::<Vec<_>>(),
        ["ca-certificate", "private-key"]
    );
    assert_eq!(
        revision.expire,
        Some(model.now() + time::Duration::days(365 - 90))
    );
    let status = model.unit_status("ca/0").context("no status")?;
    assert_eq!(status.kind, "active");
    assert!(
        status.message.contains("self-signed-certificates-operator"),
        "{}",
        status.message
    );
    Ok(())
}

#[test]
fn non_leaders_are_standby_and_refuse_actions() -> Result<()> {
    let mut model = model(2)?;
    model.run_until_quiescent(100)?;
    let status = model.unit_status("ca/1").context("no status")?;
    assert_eq!(status.kind, "active");
    assert!(status.message.starts_with("standby"), "{}", status.message);
    let outcome = model.run_action("ca/1", "get-ca-certificate", Map::new())?;
    assert!(outcome.failure.is_some_and(|f| f.contains("leader")));
    let outcome = model.run_action("ca/0", "get-ca-certificate", Map::new())?;
    assert!(outcome.results["ca-certificate"].starts_with("-----BEGIN CERTIFICATE-----"));
    let outcome = model.run_action("ca/0", "get-issued-certificates", Map::new())?;
    assert_eq!(
        outcome.failure.as_deref(),
        Some("No certificates issued yet.")
    );
    Ok(())
}

#[test]
fn fixing_the_config_unblocks_and_creates_the_ca() -> Result<()> {
    let mut model = model(1)?;
    model.set_config(
        APP,
        BTreeMap::from([
            ("ca-common-name".to_owned(), "".into()),
            ("root-ca-validity".to_owned(), "100d".into()),
        ]),
    )?;
    model.run_until_quiescent(100)?;
    let status = model.unit_status("ca/0").context("no status")?;
    assert_eq!(status.kind, "blocked");
    assert_eq!(
        status.message,
        "The following configuration values are not valid: ['ca-common-name', 'root-ca-validity']"
    );
    assert!(
        model
            .owned_secret("ca/0", self_signed_certificates::ACTIVE_CA_LABEL)
            .is_none()
    );

    model.set_config(
        APP,
        BTreeMap::from([
            ("ca-common-name".to_owned(), "fixed".into()),
            ("root-ca-validity".to_owned(), serde_json::Value::Null),
        ]),
    )?;
    model.run_until_quiescent(100)?;
    assert_eq!(
        model.unit_status("ca/0").context("no status")?.kind,
        "active"
    );
    assert!(
        model
            .owned_secret("ca/0", self_signed_certificates::ACTIVE_CA_LABEL)
            .is_some()
    );
    Ok(())
}
