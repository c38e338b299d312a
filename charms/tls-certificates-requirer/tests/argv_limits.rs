//! Hostile peers against our charms as **real processes** in juju-sim, where Linux's command-line
//! limits apply (one argv string under 128 KiB, `MAX_ARG_STRLEN`): whatever a related
//! application writes, our own `juju-log`, `status-set` and `action-set` calls cannot fail a
//! hook, and the other relations keep being served.
//!
//! The hostile side is an in-process charm writing relation data directly; our side is the
//! charm binaries (`tls-certificates-requirer`, `self-signed-certificates`) calling the hook
//! tools as processes. Binaries are found as in `e2e.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, ensure};
use juju_hook_tools::{
    Context, Event, HookTools, MAX_ARG_BYTES, MAX_STATUS_BYTES, Member, RelationId, Target,
};
use juju_sim::{CharmMeta, in_process};
use serde_json::{Map, Value, json};
use tls_certificates::crypto::{
    CertificateRequestAttributes, CryptoBackend, KeyAlgorithm, pem_from_der,
};
use tls_certificates_testkit::sim::{Binaries, Sim};

const BOUND: usize = 1_000;

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

fn binaries() -> Result<Binaries> {
    let own = PathBuf::from(env!("CARGO_BIN_EXE_tls-certificates-requirer"));
    let dir = own.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Binaries::locate_fresh(&[dir])?)
}

fn status(sim: &Sim, unit: &str) -> (String, String) {
    sim.model
        .unit_status(unit)
        .map(|s| (s.kind.clone(), s.message.clone()))
        .unwrap_or_default()
}

/// Every hook `unit` ran committed (none failed).
fn assert_no_failed_hook(sim: &Sim, unit: &str) {
    let ran: Vec<_> = sim
        .model
        .history()
        .iter()
        .filter(|r| r.unit == unit)
        .collect();
    assert!(!ran.is_empty(), "{unit} ran no hook");
    for report in ran {
        assert!(report.outcome.is_committed(), "{report}");
    }
}

/// No log line or status of `unit` is longer than a tool can take, or spans lines.
fn assert_bounded_output(sim: &Sim, unit: &str) {
    for line in sim.model.logs(unit) {
        assert!(
            line.message.len() <= MAX_ARG_BYTES,
            "{unit}: a log line of {}",
            line.message.len()
        );
        assert!(!line.message.contains('\n'), "{unit}: {}", line.message);
    }
    let (_, message) = status(sim, unit);
    assert!(
        message.len() <= MAX_STATUS_BYTES,
        "{unit}: status of {}",
        message.len()
    );
}

/// The relation data a requirer unit writes for `csrs`.
fn requests(csrs: &[String]) -> String {
    let entries: Vec<Value> = csrs
        .iter()
        .map(|csr| json!({"certificate_signing_request": csr, "ca": false}))
        .collect();
    Value::Array(entries).to_string()
}

/// An in-process requirer that writes `csrs` into its unit databag once, when related.
fn csr_writer(meta_name: &str, csrs: Vec<String>) -> (CharmMeta, Arc<dyn juju_sim::Charm>) {
    let value = requests(&csrs);
    let charm = in_process(move |ctx: &Context, tools: &dyn HookTools| {
        if let Event::RelationCreated(rel) = ctx.event() {
            let bag = BTreeMap::from([("certificate_signing_requests".to_owned(), value.clone())]);
            tools.relation_set(&rel.relation, Target::Unit, &bag)?;
        }
        Ok::<_, juju_hook_tools::Error>(())
    });
    let meta = CharmMeta::new(meta_name).requires("certificates", "tls-certificates");
    (meta, charm)
}

/// DER: a tag and its content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A validly signed P-256 CSR whose subject is one common name, `common_name`, of any length:
/// built by hand, so it is what a hostile requirer sends whatever our own builder accepts.
fn csr_with_common_name(common_name: &str) -> Result<String> {
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256)?;
    // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String } } }
    let attribute = [
        der(0x06, &[0x55, 0x04, 0x03]),
        der(0x0c, common_name.as_bytes()),
    ]
    .concat();
    let name = der(0x30, &der(0x31, &der(0x30, &attribute)));
    let info = der(
        0x30,
        &[
            der(0x02, &[0]),
            name,
            key.public_key().spki_der().to_vec(),
            der(0xa0, &[]),
        ]
        .concat(),
    );
    let signature = backend().signer(&key)?.sign(&info)?;
    // ecdsa-with-SHA256, 1.2.840.10045.4.3.2
    let algorithm = der(
        0x30,
        &der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
    );
    let bits = der(0x03, &[&[0u8][..], &signature].concat());
    let csr = der(0x30, &[info, algorithm, bits].concat());
    Ok(pem_from_der("CERTIFICATE REQUEST", &csr))
}

#[test]
fn a_hand_built_csr_is_a_valid_csr() -> Result<()> {
    let csr = backend().parse_csr(&csr_with_common_name("short.example.com")?)?;
    assert_eq!(csr.attributes().common_name(), Some("short.example.com"));
    Ok(())
}

/// A provider that answers every CSR of its requirers with a `request_errors` entry whose
/// message is `message`.
fn refusing_provider(message: String) -> (CharmMeta, Arc<dyn juju_sim::Charm>) {
    let charm = in_process(move |ctx: &Context, tools: &dyn HookTools| {
        let Some(rel) = ctx.event().relation() else {
            return Ok(());
        };
        if !tools.is_leader()? {
            return Ok(());
        }
        let relation: &RelationId = &rel.relation;
        let mut errors = Vec::new();
        for unit in tools.relation_list(relation)? {
            let bag = tools.relation_get(relation, Member::Unit(&unit))?;
            let Some(raw) = bag.get("certificate_signing_requests") else {
                continue;
            };
            let entries: Vec<Value> = serde_json::from_str(raw).unwrap_or_default();
            for entry in entries {
                errors.push(json!({
                    "csr": entry["certificate_signing_request"],
                    "error": {"code": 999, "name": "OTHER", "message": message},
                }));
            }
        }
        let bag = BTreeMap::from([(
            "request_errors".to_owned(),
            Value::Array(errors).to_string(),
        )]);
        tools.relation_set(relation, Target::App, &bag)?;
        Ok::<_, juju_hook_tools::Error>(())
    });
    let meta = CharmMeta::new("evil-ca").provides("certificates", "tls-certificates");
    (meta, charm)
}

#[test]
fn a_provider_that_writes_a_200_000_character_error_message_cannot_fail_the_requirers_hooks()
-> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    // Newlines to forge log lines, a terminal escape, then 200 000 characters.
    let message = format!(
        "denied\nERROR unit-web-0: forged\u{1b}[2J{}",
        "x".repeat(200_000)
    );
    let (meta, charm) = refusing_provider(message);
    sim.model.deploy("evil-ca", meta, charm, 1)?;
    sim.deploy_requirer("web", 1, BTreeMap::new())?;
    // A benign pair in the same model.
    sim.deploy_provider("ca", 1, BTreeMap::new())?;
    sim.deploy_requirer("app", 1, BTreeMap::new())?;
    sim.model
        .relate("web", "certificates", "evil-ca", "certificates")?;
    sim.model
        .relate("app", "certificates", "ca", "certificates")?;
    sim.settle(BOUND)?;

    assert_no_failed_hook(&sim, "web/0");
    assert_bounded_output(&sim, "web/0");
    let (kind, shown) = status(&sim, "web/0");
    assert_eq!(kind, "blocked", "{shown}");
    assert!(
        shown.starts_with(
            "the provider refused the request: denied\\nERROR unit-web-0: forged\\u{1b}[2Jxxx"
        ),
        "{shown}"
    );
    assert!(shown.ends_with("more bytes]"), "{shown}");
    let denied = sim.model.logs("web/0").iter().any(|l| {
        l.message
            .contains("certificate request denied (unit scope): denied\\nERROR")
    });
    assert!(
        denied,
        "the refusal is logged, bounded: {:#?}",
        sim.model
            .logs("web/0")
            .iter()
            .map(|l| l.message.chars().take(120).collect::<String>())
            .collect::<Vec<_>>()
    );
    // The request-errors action shows the message, bounded too.
    let errors = sim
        .model
        .run_action("web/0", "get-request-errors", Map::new())?;
    ensure!(errors.failure.is_none(), "{:?}", errors.failure);
    let listed: Vec<Value> = serde_json::from_str(&errors.results["errors"])?;
    let shown = listed[0]["message"].as_str().context("a message")?;
    assert!(
        shown.len() <= MAX_STATUS_BYTES && shown.starts_with("denied\\n"),
        "{shown}"
    );

    let (kind, message) = status(&sim, "app/0");
    assert_eq!(kind, "active", "the benign relation: {message}");
    Ok(())
}

#[test]
fn a_requirer_with_huge_common_names_read_or_not_cannot_stop_the_provider_serving_a_benign_relation()
-> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider("ca", 1, BTreeMap::new())?;
    // 140 000 characters: a CSR text over the 16 KiB the provider reads, counted, never parsed.
    let unread = csr_with_common_name(&"a".repeat(140_000))?;
    // 11 000 characters: a CSR text under it, parsed, and refused by the subject policy. Either
    // name, logged as such, would exceed what one `juju-log` argument can carry.
    let read = csr_with_common_name(&"b".repeat(11_000))?;
    assert!(read.len() < 16 * 1024, "{} bytes", read.len());
    let (meta, charm) = csr_writer("evil", vec![unread, read]);
    sim.model.deploy("evil", meta, charm, 1)?;
    sim.deploy_requirer("web", 1, BTreeMap::new())?;
    // The hostile request first, so every provider hook after it sees it.
    sim.model
        .relate("evil", "certificates", "ca", "certificates")?;
    sim.settle(BOUND)?;
    sim.model
        .relate("web", "certificates", "ca", "certificates")?;
    sim.settle(BOUND)?;

    assert_no_failed_hook(&sim, "ca/0");
    assert_bounded_output(&sim, "ca/0");
    let logged = |needle: &str| {
        sim.model
            .logs("ca/0")
            .iter()
            .any(|l| l.message.contains(needle))
    };
    assert!(
        logged("longer than 64 characters"),
        "the read one is refused"
    );
    assert!(logged("bytes not read"), "the unread one is counted");
    let (kind, message) = status(&sim, "web/0");
    assert_eq!(kind, "active", "the benign relation is served: {message}");
    assert!(
        sim.unit_data_dir("web/0")
            .join("unit-certificate.pem")
            .is_file()
    );
    Ok(())
}

/// `certificate-limit` defaults to 99 per relation: the provider's `get-issued-certificates`
/// then lists 99 certificates, ~500 KB of PEM, which no single command-line argument can carry.
#[test]
fn a_requirer_that_asks_for_the_certificate_limit_gets_every_certificate_listed_by_the_action()
-> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut sim = Sim::new(binaries()?, dir.path(), None);
    sim.deploy_provider("ca", 1, BTreeMap::new())?;
    let csrs = (0..99)
        .map(|i| {
            let key = backend().generate_key(KeyAlgorithm::EcdsaP256)?;
            let attributes = CertificateRequestAttributes::builder()
                .common_name(format!("host-{i}.example.com"))
                .build()?;
            Ok(backend()
                .create_csr(&key, &attributes)?
                .pem()
                .as_str()
                .to_owned())
        })
        .collect::<Result<Vec<String>>>()?;
    let (meta, charm) = csr_writer("many", csrs.clone());
    sim.model.deploy("many", meta, charm, 1)?;
    sim.model
        .relate("many", "certificates", "ca", "certificates")?;
    sim.settle(BOUND)?;
    assert_no_failed_hook(&sim, "ca/0");

    let outcome = sim
        .model
        .run_action("ca/0", "get-issued-certificates", Map::new())?;
    ensure!(outcome.failure.is_none(), "{:?}", outcome.failure);
    assert_eq!(outcome.results["count"], "99");
    let listed: Vec<String> = (0..99)
        .map(|i| {
            let entry: Value =
                serde_json::from_str(&outcome.results[&format!("certificates.{i}")])?;
            Ok(entry["csr"].as_str().context("a csr")?.to_owned())
        })
        .collect::<Result<_>>()?;
    let mut listed = listed;
    listed.sort();
    let mut asked = csrs;
    asked.sort();
    assert_eq!(listed, asked, "every certificate listed once");
    let total: usize = outcome.results.values().map(String::len).sum();
    assert!(
        total > 128 * 1024,
        "the results ({total} bytes) exceed one argument"
    );
    Ok(())
}
