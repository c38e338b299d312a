//! Our `tls-certificates-requirer` (two units) next to a third-party-style `ops` provider
//! (`ca-provider`, written like Canonical's self-signed-certificates operator: its CA in an
//! application secret, a CA change revokes and re-issues everything), every charm a real
//! process, through renewals and a CA rotation; once with chains written leaf first, once CA
//! first as v3-era providers wrote them (`chain: [ca, leaf]`).

use anyhow::{Context as _, Result, ensure};
use python_charms::{BOUND, Ops, binaries, config, deploy_python, sim, status};
use tls_certificates::crypto::CryptoBackend;
use tls_certificates_testkit::sim::Sim;

const PROVIDER: &str = "ops-ca";
const REQUIRER: &str = "rust-requirer";
const UNITS: [&str; 2] = ["rust-requirer/0", "rust-requirer/1"];

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

/// `(certificate serial, CA common name)` our requirer units wrote to disk.
fn on_disk(sim: &Sim) -> Result<Vec<(Vec<u8>, String)>> {
    UNITS
        .iter()
        .map(|unit| {
            let (kind, message) = status(sim, unit);
            ensure!(kind == "active", "{unit}: {kind} {message}");
            let dir = sim.unit_data_dir(unit);
            let read = |name: &str| {
                std::fs::read_to_string(dir.join(name))
                    .with_context(|| format!("{unit} wrote no {name}"))
            };
            let cert = backend().parse_certificate(&read("unit-certificate.pem")?)?;
            let ca = backend().parse_certificate(&read("unit-ca.pem")?)?;
            backend().verify_issued_by(&cert, &ca)?;
            Ok((
                cert.serial().to_vec(),
                ca.common_name().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn obtains_renews_and_reobtains_after_a_ca_change(chain_order: &str) -> Result<()> {
    let binaries = binaries()?;
    let dir = tempfile::tempdir()?;
    let mut sim = sim(binaries.clone(), dir.path());
    deploy_python(
        &mut sim,
        &binaries,
        PROVIDER,
        "ca-provider",
        1,
        Ops::Three,
        &[("chain-order", chain_order)],
    )?;
    sim.deploy_requirer(REQUIRER, 2, Default::default())?;
    sim.model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND).context("first certificates")?;
    let mut previous = on_disk(&sim)?;
    ensure!(
        previous.iter().all(|(_, ca)| ca == "ops-ca"),
        "{previous:?}"
    );

    // Three times past the renewal point of the provider's 90-day certificates.
    for round in 1..=3 {
        sim.advance_clock(time::Duration::days(82));
        sim.settle(BOUND)
            .with_context(|| format!("renewal round {round}"))?;
        let now = on_disk(&sim)?;
        for ((unit, before), after) in UNITS.iter().zip(&previous).zip(&now) {
            ensure!(before.0 != after.0, "round {round}: {unit} was not renewed");
        }
        previous = now;
    }

    // A CA rotation: every certificate revoked, re-issued by the new CA.
    sim.model
        .set_config(PROVIDER, config(&[("ca-common-name", "ops-ca-2")]))?;
    sim.settle(BOUND).context("CA rotation")?;
    let rotated = on_disk(&sim)?;
    for ((unit, before), after) in UNITS.iter().zip(&previous).zip(&rotated) {
        ensure!(
            after.1 == "ops-ca-2" && after.0 != before.0,
            "{unit} after the CA rotation: {after:?}"
        );
    }
    let failed: Vec<String> = sim
        .model
        .history()
        .iter()
        .filter(|r| !r.outcome.is_committed())
        .map(ToString::to_string)
        .collect();
    ensure!(failed.is_empty(), "failed hooks: {failed:#?}");
    Ok(())
}

#[test]
fn our_requirer_obtains_renews_and_reobtains_after_a_ca_change_from_an_ops_provider() -> Result<()>
{
    obtains_renews_and_reobtains_after_a_ca_change("leaf-first")
}

/// Needs our requirer to accept chains that link CA first (`chain: [ca, leaf]`, as the v3-era
/// self-signed-certificates operator wrote them).
#[test]
fn our_requirer_obtains_renews_and_reobtains_after_a_ca_change_from_a_provider_that_writes_ca_first_chains()
-> Result<()> {
    obtains_renews_and_reobtains_after_a_ca_change("ca-first")
}
