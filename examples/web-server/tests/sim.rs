//! The web-server charm with the self-signed-certificates provider, in-process in juju-sim on
//! the model's clock: a certificate arrives, is renewed, and follows a config change.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use juju_sim::{CharmMeta, Model, in_process};
use tempfile::TempDir;
use tls_certificates::Hook;
use tls_certificates::crypto::Certificate;
use tls_certificates::time::{Duration, OffsetDateTime};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A web-server unit and a CA unit, related, settled; the files go to a temporary directory.
struct Deployment {
    model: Model,
    tls_dir: TempDir,
}

fn hook_now() -> OffsetDateTime {
    // The simulator's clock while a hook runs.
    juju_sim::hook_time().unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn deploy() -> Result<Deployment> {
    let backend = tls_certificates::crypto::ring::backend();
    let mut model = Model::new();
    let web =
        in_process(move |ctx, tools| web_server::run(&Hook::new(ctx, tools, backend, hook_now())));
    let web_meta = CharmMeta::from_charmcraft_yaml(include_str!("../charmcraft.yaml"))?;
    model.deploy("web", web_meta, web, 1)?;
    let ca = in_process(move |ctx, tools| {
        self_signed_certificates::run(&Hook::new(ctx, tools, backend, hook_now()))
    });
    let ca_yaml = include_str!("../../../charms/self-signed-certificates/charmcraft.yaml");
    model.deploy("ca", CharmMeta::from_charmcraft_yaml(ca_yaml)?, ca, 1)?;
    let tls_dir = tempfile::tempdir()?;
    set_config(&mut model, "tls-dir", &tls_dir.path().display().to_string())?;
    model.run_until_quiescent(200)?;
    Ok(Deployment { model, tls_dir })
}

fn set_config(model: &mut Model, key: &str, value: &str) -> Result<()> {
    Ok(model.set_config("web", BTreeMap::from([(key.to_owned(), value.into())]))?)
}

fn status(model: &Model) -> Result<(String, String)> {
    let status = model.unit_status("web/0").ok_or("web/0 has no status")?;
    Ok((status.kind.clone(), status.message.clone()))
}

fn certificate(dir: &Path) -> Result<Certificate> {
    let pem = std::fs::read_to_string(dir.join("cert.pem"))?;
    Ok(tls_certificates::crypto::ring::backend().parse_certificate(&pem)?)
}

#[test]
fn the_certificate_arrives_as_files_once_related_to_a_provider() -> Result<()> {
    let mut d = deploy()?;
    assert_eq!(status(&d.model)?.0, "waiting");
    assert!(!d.tls_dir.path().join("cert.pem").exists());

    d.model
        .relate("web", "certificates", "ca", "certificates")?;
    d.model.run_until_quiescent(200)?;

    let backend = tls_certificates::crypto::ring::backend();
    let dir = d.tls_dir.path();
    let certificate = certificate(dir)?;
    let hostname = web_server::hostname();
    assert_eq!(certificate.common_name(), Some(hostname.as_str()));
    let address: IpAddr = d.model.unit_address("web/0").ok_or("no address")?.parse()?;
    assert_eq!(
        certificate.sans_ip(),
        [address],
        "the ingress address of network-get"
    );
    let key = backend.load_private_key(&std::fs::read_to_string(dir.join("key.pem"))?)?;
    assert!(certificate.matches_key(&key));
    let ca = backend.parse_certificate(&std::fs::read_to_string(dir.join("ca.pem"))?)?;
    assert_eq!(certificate.issuer(), ca.subject());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("key.pem"))?.permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let (kind, message) = status(&d.model)?;
    assert_eq!(kind, "active");
    assert!(
        message.starts_with(&format!("serving TLS for {hostname} until ")),
        "{message}"
    );
    Ok(())
}

#[test]
fn the_certificate_is_renewed_and_rewritten_before_it_expires() -> Result<()> {
    let mut d = deploy()?;
    d.model
        .relate("web", "certificates", "ca", "certificates")?;
    d.model.run_until_quiescent(200)?;
    let first = certificate(d.tls_dir.path())?;

    // The provider issues for 90 days; the library renews at 90% of the validity.
    d.model.advance_clock(Duration::days(85));
    d.model.run_until_quiescent(200)?;

    let renewed = certificate(d.tls_dir.path())?;
    assert!(renewed.not_after() > first.not_after());
    assert!(renewed.not_before() >= first.not_before() + Duration::days(80));
    assert_eq!(status(&d.model)?.0, "active");
    Ok(())
}

#[test]
fn an_extra_san_in_the_config_gets_a_new_certificate_with_that_name() -> Result<()> {
    let mut d = deploy()?;
    d.model
        .relate("web", "certificates", "ca", "certificates")?;
    d.model.run_until_quiescent(200)?;
    assert!(
        certificate(d.tls_dir.path())?
            .sans_dns()
            .iter()
            .all(|n| n != "www.example.com")
    );

    set_config(&mut d.model, "extra-san", "www.example.com")?;
    d.model.run_until_quiescent(200)?;

    let certificate = certificate(d.tls_dir.path())?;
    assert!(
        certificate
            .sans_dns()
            .iter()
            .any(|n| n == "www.example.com")
    );
    assert!(
        certificate
            .sans_dns()
            .iter()
            .any(|n| *n == web_server::hostname())
    );
    assert_eq!(status(&d.model)?.0, "active");
    Ok(())
}

#[test]
fn an_extra_san_that_is_an_address_goes_in_as_an_ip_san() -> Result<()> {
    let mut d = deploy()?;
    d.model
        .relate("web", "certificates", "ca", "certificates")?;
    set_config(&mut d.model, "extra-san", "198.51.100.7")?;
    d.model.run_until_quiescent(200)?;

    let certificate = certificate(d.tls_dir.path())?;
    let extra: IpAddr = "198.51.100.7".parse()?;
    assert!(
        certificate.sans_ip().contains(&extra),
        "{:?}",
        certificate.sans_ip()
    );
    assert_eq!(
        certificate.sans_ip().len(),
        2,
        "the unit's address and the extra one"
    );
    assert!(certificate.sans_dns().iter().all(|n| n != "198.51.100.7"));
    Ok(())
}
