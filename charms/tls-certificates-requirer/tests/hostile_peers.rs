//! Hostile and old peers against our two charms running as **real processes** in juju-sim
//! (every hook-tool call a process, as on Juju): what a related application writes into its
//! databags must not stop the provider from serving the other relations, nor cost more than a
//! few `juju-log` processes per hook; and our requirer keeps working with v3-era providers.
//!
//! The hostile applications are juju-sim's idle charm: their databags are written directly,
//! as a hostile charm would write them. Binaries as in `e2e.rs` (`cargo test --workspace`
//! builds them; a missing binary fails the test with a hint).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, ensure};
use juju_hook_tools::{HookTools, Member, Target};
use juju_sim::{Charm, idle_charm, in_process};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tls_certificates::crypto::{
    CertificateAuthority, CryptoBackend, IssueProfile, KeyAlgorithm, PrivateKey, Validity,
};
use tls_certificates_testkit::meta::{provider_meta, requirer_meta};
use tls_certificates_testkit::sim::{Binaries, Sim};

const PROVIDER: &str = "ca";
const REQUIRER: &str = "web";
const EVIL: &str = "evil";
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

fn status(sim: &Sim, unit: &str) -> (String, String) {
    sim.model
        .unit_status(unit)
        .map(|s| (s.kind.clone(), s.message.clone()))
        .unwrap_or_default()
}

/// The provider's `key` list in relation `relation`.
fn published(sim: &Sim, relation: u32, key: &str) -> Result<Vec<Value>> {
    let Some(text) = sim
        .model
        .app_data(relation, PROVIDER)
        .and_then(|bag| bag.get(key))
    else {
        return Ok(Vec::new());
    };
    Ok(serde_json::from_str(text)?)
}

fn csr_entry(pem: &str, ca: bool) -> Value {
    json!({"certificate_signing_request": pem, "ca": ca})
}

fn requests(entries: &[Value]) -> BTreeMap<String, String> {
    BTreeMap::from([(
        "certificate_signing_requests".to_owned(),
        Value::Array(entries.to_vec()).to_string(),
    )])
}

fn peer_csr(name: &str) -> Result<String> {
    let path = format!(
        "{}/../../crates/tls-certificates-crypto/tests/fixtures/peer-csrs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).context(path)
}

/// Our provider and requirer related, plus a hostile requirer application `evil` (idle charm)
/// related to the provider. Returns the model, the benign and the hostile relation ids.
fn provider_with_a_hostile_requirer(
    workdir: &Path,
    provider_config: BTreeMap<String, Value>,
) -> Result<(Sim, u32, u32)> {
    let mut sim = Sim::new(binaries()?, workdir, None);
    sim.deploy_provider(PROVIDER, 1, provider_config)?;
    sim.deploy_requirer(REQUIRER, 1, BTreeMap::new())?;
    sim.model.deploy(EVIL, requirer_meta()?, idle_charm(), 1)?;
    let good = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    let evil = sim
        .model
        .relate(EVIL, "certificates", PROVIDER, "certificates")?;
    Ok((sim, good, evil))
}

/// Log lines the provider unit wrote per hook over the last `hooks` hooks it ran.
fn provider_lines_per_hook(sim: &Sim, lines_before: usize, hooks_before: usize) -> f64 {
    let lines = sim.model.logs("ca/0").len() - lines_before;
    let hooks = provider_hooks(sim) - hooks_before;
    #[expect(
        clippy::cast_precision_loss,
        reason = "a few hundred hooks and lines at most"
    )]
    let ratio = lines as f64 / hooks.max(1) as f64;
    ratio
}

fn provider_hooks(sim: &Sim) -> usize {
    sim.model
        .history()
        .iter()
        .filter(|h| h.unit == "ca/0")
        .count()
}

/// After the hostile data is in: a few quiet update-status rounds, each costing the provider
/// at most `max` log lines per hook.
fn assert_quiet_afterwards(sim: &mut Sim, max: f64) -> Result<()> {
    let (lines, hooks) = (sim.model.logs("ca/0").len(), provider_hooks(sim));
    for _ in 0..3 {
        sim.model.update_status();
        sim.settle(BOUND)?;
    }
    let per_hook = provider_lines_per_hook(sim, lines, hooks);
    ensure!(
        per_hook <= max,
        "{per_hook} log lines per provider hook: {:#?}",
        &sim.model.logs("ca/0")[lines..]
    );
    Ok(())
}

#[test]
fn requirer_sending_20000_garbage_csrs_does_not_stall_other_relations() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, good, evil) = provider_with_a_hostile_requirer(dir.path(), BTreeMap::new())?;
    let mut hostile: Vec<Value> = (0..20_000)
        .map(|i| {
            csr_entry(
                &format!("-----BEGIN CERTIFICATE REQUEST-----\nMIIB{i:012}garbage\n-----END CERTIFICATE REQUEST-----"),
                false,
            )
        })
        .collect();
    // Subjects smuggled in by another library sit among them.
    for name in [
        "repeated_cn_newline_nul.csr.pem",
        "unknown_dc.csr.pem",
        "bmp_nul_cn.csr.pem",
    ] {
        hostile.insert(0, csr_entry(&peer_csr(name)?, false));
    }
    sim.model
        .set_relation_data(evil, "evil/0", requests(&hostile))?;
    // Fails on the first failed hook, with its logs.
    sim.settle(BOUND)?;

    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "the benign requirer is served: {message}");
    assert_eq!(published(&sim, good, "certificates")?.len(), 1);
    assert!(published(&sim, evil, "certificates")?.is_empty());
    let errors = published(&sim, evil, "request_errors")?;
    // certificate-limit 99 (the default): 198 entries read, one error entry each.
    assert_eq!(errors.len(), 198);
    let smuggled = errors
        .iter()
        .take(3)
        .map(|e| e["error"]["message"].to_string());
    for message in smuggled {
        assert!(
            message.contains("subject") || message.contains("common_name"),
            "{message}"
        );
    }
    assert_eq!(status(&sim, "ca/0").0, "active");
    assert_quiet_afterwards(&mut sim, 2.0)
}

#[test]
fn requirer_sending_20000_valid_csrs_over_the_limit_gets_the_limit_and_costs_no_more() -> Result<()>
{
    let dir = tempfile::tempdir()?;
    let (mut sim, good, evil) =
        provider_with_a_hostile_requirer(dir.path(), config(&[("certificate-limit", 5.into())]))?;
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256)?;
    let distinct: Vec<Value> = (0..40)
        .map(|i| {
            let attributes = tls_certificates::crypto::CertificateRequestAttributes::builder()
                .common_name(format!("h{i}.evil.example"))
                .build()?;
            let pem = backend()
                .create_csr(&key, &attributes)?
                .pem()
                .as_str()
                .to_owned();
            Ok(csr_entry(&pem, false))
        })
        .collect::<Result<_>>()?;
    let hostile: Vec<Value> = distinct.iter().cycle().take(20_000).cloned().collect();
    sim.model
        .set_relation_data(evil, "evil/0", requests(&hostile))?;
    sim.settle(BOUND)?;

    assert_eq!(status(&sim, "web/0").0, "active");
    assert_eq!(published(&sim, good, "certificates")?.len(), 1);
    assert_eq!(published(&sim, evil, "certificates")?.len(), 5);
    let (_, provider) = status(&sim, "ca/0");
    // 16 entries read (twice the limit, at least 16), 5 issued, 11 waiting.
    assert!(
        provider.contains("11 request(s) over the certificate-limit"),
        "{provider}"
    );
    assert_quiet_afterwards(&mut sim, 2.0)
}

#[test]
fn requirer_asking_for_a_ca_certificate_is_refused_unless_the_operator_allows_it() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider(PROVIDER, 1, BTreeMap::new())?;
    sim.deploy_requirer(REQUIRER, 1, config(&[("is-ca", true.into())]))?;
    let relation = sim
        .model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "blocked", "{message}");
    assert!(
        message.contains("CA certificate requests are refused by this provider"),
        "{message}"
    );
    assert!(published(&sim, relation, "certificates")?.is_empty());

    sim.model
        .set_config(PROVIDER, config(&[("allow-ca-requests", true.into())]))?;
    sim.settle(BOUND)?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "{message}");
    assert!(published(&sim, relation, "request_errors")?.is_empty());
    let pem = std::fs::read_to_string(sim.unit_data_dir("web/0").join("unit-certificate.pem"))?;
    let intermediate = backend().parse_certificate(&pem)?;
    assert!(intermediate.is_certificate_authority());
    assert_eq!(
        intermediate.path_length_constraint(),
        Some(0),
        "it may sign leaves, never further CAs"
    );
    Ok(())
}

/// The CA a [`v3_era_provider`] issues from; the test swaps it to change CA.
type SharedCa = Arc<std::sync::Mutex<CertificateAuthority<'static>>>;

/// A v3-era provider's CA: RSA-2048, ten years from `start`.
fn v3_ca(name: &str, start: OffsetDateTime) -> Result<CertificateAuthority<'static>> {
    let b = backend();
    let key: PrivateKey = b.generate_key(KeyAlgorithm::Rsa2048)?;
    let subject = tls_certificates::crypto::CertificateRequestAttributes::builder()
        .common_name(name)
        .country_name("US")
        .add_unique_id_to_subject_name(false)
        .build()?;
    let lifetime = Validity::starting_at(start, Duration::days(3650));
    let ca = b.create_self_signed_ca(&key, &subject, lifetime)?;
    Ok(b.load_authority(&key, ca)?)
}

/// A provider on the v3 library, as Canonical's v3-era self-signed-certificates operator ran
/// it: it reads unit databags only, answers each new CSR once with `chain: [ca, leaf]` and
/// `recommended_expiry_notification_time`, and writes nothing until it has an answer. When its
/// CA changes it answers every CSR again from the new CA (the operator revoked all and
/// re-issued). In-process: the point is what it writes.
fn v3_era_provider(start: OffsetDateTime) -> Result<(Arc<dyn Charm>, SharedCa)> {
    let shared: SharedCa = Arc::new(std::sync::Mutex::new(v3_ca("golden-v3-ca", start)?));
    let authority = shared.clone();
    let answer = move |pem: &str| -> Result<Value> {
        let authority = authority
            .lock()
            .map_err(|_| anyhow::anyhow!("CA lock poisoned"))?;
        let ca = authority.certificate().pem().as_str();
        let now = juju_sim::hook_time().unwrap_or(start);
        let validity = Validity::starting_at(now, Duration::days(90));
        let csr = backend().parse_csr(pem)?;
        let leaf = authority.issue(&csr, &IssueProfile::leaf(validity))?;
        let leaf = leaf.pem().as_str();
        Ok(json!({
            "certificate": leaf,
            "certificate_signing_request": pem,
            "ca": ca,
            "chain": [ca, leaf],
            "recommended_expiry_notification_time": Value::Null,
        }))
    };
    let current = shared.clone();
    let current_ca = move || -> Result<String> {
        let authority = current
            .lock()
            .map_err(|_| anyhow::anyhow!("CA lock poisoned"))?;
        Ok(authority.certificate().pem().as_str().to_owned())
    };
    let charm = in_process(move |ctx, tools: &dyn HookTools| -> Result<()> {
        if !tools.is_leader()? {
            return Ok(());
        }
        for relation in tools.relation_ids("certificates")? {
            let own = tools.relation_get(&relation, Member::App(ctx.app()))?;
            let answered: Vec<Value> = own
                .get("certificates")
                .map(|raw| serde_json::from_str(raw))
                .transpose()?
                .unwrap_or_default();
            let mut answers = Vec::new();
            for unit in tools.relation_list(&relation)? {
                let bag = tools.relation_get(&relation, Member::Unit(&unit))?;
                let Some(raw) = bag.get("certificate_signing_requests") else {
                    continue;
                };
                let entries: Vec<Value> = serde_json::from_str(raw)?;
                for entry in entries {
                    let pem = entry["certificate_signing_request"]
                        .as_str()
                        .context("no CSR")?;
                    let ca = current_ca()?;
                    match answered
                        .iter()
                        .find(|a| a["certificate_signing_request"] == pem && a["ca"] == ca.as_str())
                    {
                        Some(done) => answers.push(done.clone()),
                        None => answers.push(answer(pem)?),
                    }
                }
            }
            if answers != answered {
                let delta = BTreeMap::from([(
                    "certificates".to_owned(),
                    Value::Array(answers).to_string(),
                )]);
                tools.relation_set(&relation, Target::App, &delta)?;
            }
        }
        Ok(())
    });
    Ok((charm, shared))
}

fn with_a_v3_era_provider(workdir: &Path, mode: &str) -> Result<(Sim, SharedCa)> {
    let mut sim = Sim::new(binaries()?, workdir, None);
    let start = sim.now();
    let (provider, ca) = v3_era_provider(start)?;
    sim.model.deploy(PROVIDER, provider_meta()?, provider, 1)?;
    sim.deploy_requirer(REQUIRER, 1, config(&[("mode", mode.into())]))?;
    sim.model
        .relate(REQUIRER, "certificates", PROVIDER, "certificates")?;
    sim.settle(BOUND)?;
    Ok((sim, ca))
}

#[test]
fn v3_era_provider_writing_the_chain_ca_first_serves_renews_and_reissues_after_a_ca_change()
-> Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut sim, ca) = with_a_v3_era_provider(dir.path(), "unit")?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "{message}");
    let data = sim.unit_data_dir("web/0");
    let leaf = backend()
        .parse_certificate(&std::fs::read_to_string(data.join("unit-certificate.pem"))?)?;
    let chain =
        backend().parse_certificates(&std::fs::read_to_string(data.join("unit-chain.pem"))?)?;
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].der(), leaf.der(), "handed out leaf first");
    let said: Vec<_> = sim
        .model
        .logs("web/0")
        .iter()
        .filter(|l| l.message.contains("sent the chain CA first"))
        .collect();
    assert_eq!(said.len(), 1, "said once: {said:?}");

    // Renewal (at 90 % of the lifetime) works the same way.
    sim.advance_clock(Duration::days(82));
    sim.settle(BOUND)?;
    let renewed = backend()
        .parse_certificate(&std::fs::read_to_string(data.join("unit-certificate.pem"))?)?;
    assert_ne!(renewed.serial(), leaf.serial(), "a new certificate");
    let chain =
        backend().parse_certificates(&std::fs::read_to_string(data.join("unit-chain.pem"))?)?;
    assert_eq!(chain[0].der(), renewed.der(), "still leaf first");
    assert_eq!(status(&sim, "web/0").0, "active");

    // The provider changes CA: every CSR is answered again, CA first, from the new CA.
    let new_ca = v3_ca("golden-v3-ca-2", sim.now())?;
    let new_ca_der = new_ca.certificate().der().to_vec();
    *ca.lock().map_err(|_| anyhow::anyhow!("CA lock poisoned"))? = new_ca;
    sim.model.update_status();
    sim.settle(BOUND)?;
    let reissued = backend()
        .parse_certificate(&std::fs::read_to_string(data.join("unit-certificate.pem"))?)?;
    assert_ne!(
        reissued.serial(),
        renewed.serial(),
        "a certificate from the new CA"
    );
    let written_ca =
        backend().parse_certificate(&std::fs::read_to_string(data.join("unit-ca.pem"))?)?;
    assert_eq!(written_ca.der(), new_ca_der, "the new CA is handed out");
    let chain =
        backend().parse_certificates(&std::fs::read_to_string(data.join("unit-chain.pem"))?)?;
    assert_eq!(
        chain[0].der(),
        reissued.der(),
        "leaf first after the CA change"
    );
    assert_eq!(chain[1].der(), new_ca_der);
    assert_eq!(status(&sim, "web/0").0, "active");
    Ok(())
}

#[test]
fn app_mode_requirer_related_to_a_v3_provider_says_so_instead_of_waiting_silently() -> Result<()> {
    // App mode alone: the v3 provider never writes anything, indistinguishable from a provider
    // that has not run yet, and the status says both.
    let dir = tempfile::tempdir()?;
    let (sim, _) = with_a_v3_era_provider(dir.path(), "app")?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "waiting", "{message}");
    assert!(
        message.contains("published nothing yet")
            && message.contains("a provider on the v3 library never answers app requests"),
        "{message}"
    );
    // App and unit: the unit request is answered the v3 way, which gives the library away.
    let dir = tempfile::tempdir()?;
    let (sim, _) = with_a_v3_era_provider(dir.path(), "app-and-unit")?;
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "blocked", "{message}");
    assert!(
        message.contains("unit: certificate valid until"),
        "{message}"
    );
    assert!(
        message.contains("app: the provider runs the v3 tls-certificates library"),
        "{message}"
    );
    Ok(())
}
