//! The demo, end to end, with small settings: both charms as real processes.
//!
//! Needs the charm binaries and `juju-sim-tool` in this target directory: `cargo test
//! --workspace` builds them (the charm packages and juju-sim have integration tests); alone,
//! run `cargo build -p tls-certificates-requirer -p self-signed-certificates -p juju-sim --bins`
//! first. A missing binary fails the test with that hint; it is never skipped.

use std::path::Path;

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509StoreContext};
use time::macros::datetime;
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
    demo_with(DemoOptions {
        mode,
        key_algorithm,
        out: out.join("certs"),
        ..DemoOptions::default()
    })
}

fn demo_with(options: DemoOptions) -> anyhow::Result<(DemoOptions, DemoReport, String)> {
    let options = DemoOptions {
        binaries: Some(Binaries::locate_fresh(&Binaries::default_dirs())?),
        units: 2,
        ..options
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

/// What `openssl verify -CAfile <out>/ca.pem <file>` says now: `Ok(())` or OpenSSL's reason.
fn openssl_verify(out: &Path, file: &str) -> anyhow::Result<Result<(), String>> {
    let ca = X509::from_pem(&std::fs::read(out.join("ca.pem"))?)?;
    let leaf = X509::from_pem(&std::fs::read(out.join(file))?)?;
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(ca)?;
    let store = store.build();
    let mut context = X509StoreContext::new()?;
    let no_intermediates: Stack<X509> = Stack::new()?;
    let verdict = context.init(&store, &leaf, &no_intermediates, |c| {
        Ok(if c.verify_cert()? {
            Ok(())
        } else {
            Err(c.error().to_string())
        })
    })?;
    Ok(verdict)
}

#[test]
fn demo_certificates_verify_with_openssl_today_after_renewal_and_ca_rotation() -> anyhow::Result<()>
{
    let out = tempfile::tempdir()?;
    let (options, report, text) = demo(out.path(), Mode::Unit, KeyAlgorithm::default())?;

    assert_eq!(report.verified, 2, "{text}");
    assert!(report.valid_now, "{text}");
    for unit in ["tls-requirer-0", "tls-requirer-1"] {
        let file = format!("{unit}/unit-certificate.pem");
        assert_eq!(
            openssl_verify(&options.out, &file)?,
            Ok(()),
            "openssl verify {file}\n{text}"
        );
    }
    assert!(
        text.contains("== 6. Verify every written certificate"),
        "{text}"
    );
    assert!(text.contains("The certificates are valid now."), "{text}");
    let last = text.trim_end().lines().last().unwrap_or_default();
    let out_dir = options.out.display();
    assert_eq!(
        last.trim(),
        format!("openssl verify -CAfile {out_dir}/ca.pem {out_dir}/*/*-certificate.pem"),
        "{text}"
    );
    Ok(())
}

#[test]
fn demo_started_in_the_past_says_its_certificates_are_not_valid_now_and_how_to_check_them_then()
-> anyhow::Result<()> {
    let out = tempfile::tempdir()?;
    let start = datetime!(2020-01-01 00:00:00 UTC);
    let (options, report, text) = demo_with(DemoOptions {
        out: out.path().join("certs"),
        start: Some(start),
        ..DemoOptions::default()
    })?;

    assert!(
        text.contains("The simulated clock starts at 2020-01-01T00:00:00Z (--start)"),
        "{text}"
    );
    assert!(
        text.contains("  2020-01-01T00:00:00Z  "),
        "hooks at the start: {text}"
    );
    assert_eq!(
        report.verified, 2,
        "issuer and signature still verified: {text}"
    );
    assert!(!report.valid_now, "{text}");
    let expired = openssl_verify(&options.out, "tls-requirer-0/unit-certificate.pem")?;
    assert_eq!(expired, Err("certificate has expired".to_owned()), "{text}");
    let end = (start + tls_certificates_demo::RENEWAL_ADVANCE).unix_timestamp();
    let last = text.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.trim()
            .starts_with(&format!("openssl verify -attime {end} -CAfile ")),
        "{text}"
    );
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
