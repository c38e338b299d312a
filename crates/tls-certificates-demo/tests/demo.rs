//! The demo, end to end, with small settings: both charms as real processes.
//!
//! Needs the charm binaries and `juju-sim-tool` in this target directory: `cargo test
//! --workspace` builds them (the charm packages and juju-sim have integration tests); alone,
//! run `cargo build -p tls-certificates-requirer -p self-signed-certificates -p juju-sim --bins`
//! first. A missing binary fails the test with that hint; it is never skipped.

use std::path::Path;

use tls_certificates::crypto::KeyAlgorithm;
use tls_certificates_demo::sim::Binaries;
use tls_certificates_demo::{DemoOptions, DemoReport, Mode, run};

/// Runs the demo with two requirer units writing under `out`; returns its options, report and
/// transcript.
fn demo(
    out: &Path,
    mode: Mode,
    key_algorithm: KeyAlgorithm,
) -> anyhow::Result<(DemoOptions, DemoReport, String)> {
    let options = DemoOptions {
        binaries: Some(Binaries::locate_fresh(&Binaries::default_dirs())?),
        units: 2,
        mode,
        key_algorithm,
        out: out.join("certs"),
        ..DemoOptions::default()
    };
    let mut transcript = Vec::new();
    let report = run(&options, &mut transcript)?;
    Ok((options, report, String::from_utf8(transcript)?))
}

#[test]
fn demo_with_two_units_issues_renews_reissues_and_writes_files() -> anyhow::Result<()> {
    let out = tempfile::tempdir()?;
    let (options, report, text) = demo(out.path(), Mode::Unit, KeyAlgorithm::default())?;
    println!("{text}");

    assert_eq!(report.renewed, 2, "{text}");
    assert_eq!(report.reissued, 2, "{text}");
    assert!(text.contains("waiting for a relation"), "{text}");
    assert!(text.contains("requesting a certificate"), "{text}");
    assert!(text.contains("certificate valid until"), "{text}");
    assert!(text.contains("revoked"), "{text}");
    for unit in ["tls-requirer-0", "tls-requirer-1"] {
        let dir = options.out.join(unit);
        for file in [
            "unit-certificate.pem",
            "unit-ca.pem",
            "unit-chain.pem",
            "unit-private-key.pem",
        ] {
            assert!(dir.join(file).is_file(), "{unit}/{file} missing\n{text}");
        }
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.join("unit-private-key.pem"))?.permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let ca = std::fs::read_to_string(dir.join("unit-ca.pem"))?;
        assert_eq!(ca, std::fs::read_to_string(options.out.join("ca.pem"))?);
    }
    Ok(())
}

#[test]
fn demo_in_app_and_unit_mode_with_ecdsa_keys() -> anyhow::Result<()> {
    let out = tempfile::tempdir()?;
    let (options, report, text) = demo(out.path(), Mode::AppAndUnit, "p256".parse()?)?;
    // Two unit certificates and the application's (on the leader).
    assert_eq!(report.renewed, 3, "{text}");
    assert_eq!(report.reissued, 3, "{text}");
    assert!(
        options
            .out
            .join("tls-requirer-0/app-certificate.pem")
            .is_file(),
        "{text}"
    );
    assert!(
        !options
            .out
            .join("tls-requirer-1/app-certificate.pem")
            .exists(),
        "{text}"
    );
    let key = std::fs::read_to_string(options.out.join("tls-requirer-1/unit-private-key.pem"))?;
    let key = tls_certificates::crypto::ring::backend().load_private_key(&key)?;
    assert_eq!(key.key_type().to_string(), "ecdsa-p256");
    Ok(())
}
