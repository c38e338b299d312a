//! FIPS end to end: the requirer and the self-signed-certificates charm, both built
//! with their `fips` feature, as **real processes** in a juju-sim model, under an OpenSSL
//! configuration that activates only the FIPS provider.
//!
//! Compiled only with this package's `fips` feature; `scripts/fips/fips-test.sh` runs it with
//! `OPENSSL_CONF`/`OPENSSL_MODULES` pointing at its FIPS provider build. juju-sim gives charm
//! processes Juju's environment only; the harness (`tls_certificates_testkit::sim`) passes
//! these two variables on, so they reach the charms. The provider and `juju-sim-tool` binaries must be built with the same features
//! next to this package's binary (the script does that in its own target directory, so the
//! default binaries in `target/debug` are untouched).
#![cfg(feature = "fips")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use tls_certificates::crypto::{CryptoBackend, FipsStatus};
use tls_certificates_testkit::sim::{Binaries, Sim};

const PROVIDER: &str = "ca";
const REQUIRER: &str = "web";
const BOUND: usize = 1_000;
/// What `tls_certificates::charm::main` prints at every start of a FIPS charm.
const FIPS_STARTUP: &str = "crypto backend openssl-fips (FIPS mode active)";

fn binaries() -> Result<Binaries> {
    let own = PathBuf::from(env!("CARGO_BIN_EXE_tls-certificates-requirer"));
    let dir = own.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Binaries::locate_fresh(&[dir])?)
}

#[test]
fn fips_charms_exchange_a_certificate_with_only_the_fips_provider() -> Result<()> {
    // The test process checks the result with the same FIPS backend the charms use.
    let backend: &dyn CryptoBackend = tls_certificates::charm::select_backend(Some("fips"))
        .context("the FIPS backend must be available (run under scripts/fips/fips-test.sh)")?;
    assert_eq!(backend.fips_status(), FipsStatus::Active);

    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(PROVIDER, 1, BTreeMap::new())?;
    sim.deploy_requirer(
        REQUIRER,
        1,
        BTreeMap::from([("mode".to_owned(), "unit".into())]),
    )?;
    sim.model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;

    // Both charm processes ran every hook in FIPS mode, and none failed to start.
    for unit in ["ca/0", "web/0"] {
        let logs = sim.model.logs(unit);
        let starts = logs
            .iter()
            .filter(|l| l.message.contains("crypto backend"))
            .count();
        let fips_starts = logs
            .iter()
            .filter(|l| l.message.ends_with(FIPS_STARTUP))
            .count();
        assert!(fips_starts > 0, "{unit} never logged {FIPS_STARTUP:?}");
        assert_eq!(starts, fips_starts, "{unit}: a start not in FIPS mode");
        assert!(
            logs.iter()
                .all(|l| !l.message.contains("no crypto backend")),
            "{unit}: start-up failed"
        );
        let status = sim.model.unit_status(unit).context("no status")?;
        assert_eq!(status.kind, "active", "{unit}: {}", status.message);
    }

    // The requirer received and wrote a certificate issued by the provider's CA.
    let status = sim.model.unit_status("web/0").context("no status")?;
    assert!(
        status.message.starts_with("certificate valid until"),
        "{}",
        status.message
    );
    let data = sim.unit_data_dir("web/0");
    let cert =
        backend.parse_certificate(&std::fs::read_to_string(data.join("unit-certificate.pem"))?)?;
    let ca = backend.parse_certificate(&std::fs::read_to_string(data.join("unit-ca.pem"))?)?;
    assert_eq!(cert.common_name(), Some("web-0"));
    backend.verify_issued_by(&cert, &ca)?;
    let key =
        backend.load_private_key(&std::fs::read_to_string(data.join("unit-private-key.pem"))?)?;
    assert!(cert.matches_key(&key));
    Ok(())
}
