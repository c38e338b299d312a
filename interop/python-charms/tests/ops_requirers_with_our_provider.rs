//! Third-party-style `ops` requirers next to our `self-signed-certificates` provider, every charm
//! a real process: `cert-keeper` (written like Canonical's operators: its certificate kept in a
//! unit-owned secret, read back without `--refresh` in every hook), two units on ops 3.9 and two
//! on ops 2.23, through certificate renewals, renewals of our provider's CA (kept in its own
//! secret) and a CA rotation.

use anyhow::{Context as _, Result, ensure};
use python_charms::{BOUND, Ops, binaries, config, deploy_python, sim, status, status_field};

const PROVIDER: &str = "rust-ca";
const UNITS: [&str; 4] = ["keeper/0", "keeper/1", "keeper-ops2/0", "keeper-ops2/1"];

/// `(serial, ca, kept serial)` from each unit's status, after checking it is active and on the
/// expected ops.
fn certificates(sim: &tls_certificates_testkit::sim::Sim) -> Result<Vec<(String, String, String)>> {
    UNITS
        .iter()
        .map(|unit| {
            let (kind, message) = status(sim, unit);
            ensure!(kind == "active", "{unit}: {kind} {message}");
            let ops = if unit.starts_with("keeper-ops2") {
                Ops::Two
            } else {
                Ops::Three
            };
            ensure!(
                status_field(&message, "ops").as_deref() == Some(ops.version()),
                "{unit} runs on {message}"
            );
            let field = |w| status_field(&message, w).with_context(|| format!("{unit}: {message}"));
            Ok((field("serial")?, field("ca")?, field("kept")?))
        })
        .collect()
}

#[test]
fn ops_requirers_keeping_certificates_in_owner_secrets_renew_and_survive_a_ca_rotation_next_to_our_provider()
-> Result<()> {
    let binaries = binaries()?;
    let dir = tempfile::tempdir()?;
    let mut sim = sim(binaries.clone(), dir.path());
    sim.deploy_provider(
        PROVIDER,
        1,
        config(&[("root-ca-validity", "10d"), ("certificate-validity", "5d")]),
    )?;
    deploy_python(
        &mut sim,
        &binaries,
        "keeper",
        "cert-keeper",
        2,
        Ops::Three,
        &[],
    )?;
    deploy_python(
        &mut sim,
        &binaries,
        "keeper-ops2",
        "cert-keeper",
        2,
        Ops::Two,
        &[],
    )?;
    for app in ["keeper", "keeper-ops2"] {
        sim.model
            .relate(app, "certificates", PROVIDER, "certificates")?;
    }
    sim.settle(BOUND)?;
    let first = certificates(&sim)?;
    let first_ca = first[0].1.clone();
    ensure!(
        first
            .iter()
            .all(|(s, ca, kept)| kept == s && *ca == first_ca),
        "{first:?}"
    );
    let provider_secret = |sim: &tls_certificates_testkit::sim::Sim| {
        sim.model
            .owned_secret(&format!("{PROVIDER}/0"), "active-ca-certificates")
            .map(|s| s.latest)
    };
    let ca_revision = provider_secret(&sim);

    // Four times past 90 % of the 5-day certificates: every unit renews; our provider's 10-day
    // CA (kept in a secret) renews twice on the way.
    let mut previous = first.clone();
    for round in 1..=4 {
        sim.advance_clock(time::Duration::hours(111));
        sim.settle(BOUND)
            .with_context(|| format!("renewal round {round}"))?;
        let now = certificates(&sim)?;
        for ((unit, before), after) in UNITS.iter().zip(&previous).zip(&now) {
            ensure!(
                after.0 != before.0,
                "round {round}: {unit} was not renewed ({before:?} -> {after:?})"
            );
        }
        // The secret is read without --refresh: each unit still reads the revision it tracks,
        // its first certificate, which the model never pruned.
        for ((unit, first), now) in UNITS.iter().zip(&first).zip(&now) {
            ensure!(
                now.2 == first.0,
                "round {round}: {unit} lost its tracked revision: {now:?}"
            );
        }
        previous = now;
    }
    ensure!(
        provider_secret(&sim) > ca_revision,
        "our provider's CA secret was renewed: {ca_revision:?} -> {:?}",
        provider_secret(&sim)
    );

    // A CA rotation: new CA, every certificate revoked and re-issued.
    sim.model
        .set_config(PROVIDER, config(&[("ca-common-name", "rotated-ca")]))?;
    sim.settle(BOUND).context("CA rotation")?;
    let rotated = certificates(&sim)?;
    for ((unit, before), after) in UNITS.iter().zip(&previous).zip(&rotated) {
        ensure!(
            after.1 == "rotated-ca" && after.0 != before.0,
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
