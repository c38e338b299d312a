//! A requirer writes its databags as it likes. These scenarios are what a hostile one tries,
//! and what the provider engine does about it: bounded reading, bounded verification, one
//! error entry per refusal, logs once and a summary, and the other relations served as if
//! nothing happened.

mod common;

use std::collections::BTreeMap;

use common::*;
use time::Duration;
use tls_certificates_crypto::{IssueProfile, KeyAlgorithm, PrivateKey, Validity};
use tls_certificates_engine::provider::{
    CA_REQUEST_REFUSED, CaRequests, CertificateLimit, INVALID_CSR, MAX_ERROR_BYTES_PER_RELATION,
    MAX_REQUEST_PEM_LEN, NewCertificate, Provider, ProviderConfig, ProviderObservation,
    ProviderRelation, REFUSALS_LOGGED_PER_HOOK,
};
use tls_certificates_engine::{Databag, LogLevel, LogLine, RelationId};

/// The hostile requirer's relation.
fn evil_relation() -> RelationId {
    relation(1)
}

/// A well-behaved requirer's relation.
fn good_relation() -> RelationId {
    relation(2)
}

/// A `certificate_signing_requests` value of these (already JSON-encoded) entries.
fn bag(entries: &[String]) -> Databag {
    Databag::from([(
        "certificate_signing_requests".to_owned(),
        format!("[{}]", entries.join(", ")),
    )])
}

fn entry(pem: &str, ca: bool) -> String {
    serde_json::json!({"certificate_signing_request": pem, "ca": ca}).to_string()
}

/// PEM-shaped text that is not a CSR, different for every `i`.
fn garbage(i: usize) -> String {
    entry(
        &format!(
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB{i:012}garbage{i:08}\n-----END CERTIFICATE REQUEST-----"
        ),
        false,
    )
}

fn csr(cn: &str, key: &PrivateKey) -> String {
    backend()
        .create_csr(key, &attrs(cn))
        .unwrap()
        .pem()
        .as_str()
        .to_owned()
}

/// The provider's view: relation `evil_relation()` with the given units' databags, relation `good_relation()` with
/// one unit asking for one certificate; `local` holds each relation's provider app databag.
fn world(
    evil_units: &[Databag],
    good_csr: &str,
    local: &BTreeMap<RelationId, Databag>,
) -> ProviderObservation {
    let relation = |id: RelationId, units: BTreeMap<String, Databag>| ProviderRelation {
        remote_units: units,
        local_app: local.get(&id).cloned().unwrap_or_default(),
        ..ProviderRelation::new(id)
    };
    ProviderObservation {
        is_leader: true,
        relations: vec![
            relation(
                evil_relation(),
                evil_units
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("evil/{i}"), b.clone()))
                    .collect(),
            ),
            relation(
                good_relation(),
                BTreeMap::from([("good/0".to_owned(), bag(&[entry(good_csr, false)]))]),
            ),
        ],
    }
}

/// Issues every outstanding request and applies the plan to `local`; returns the logs.
fn issue_and_apply(
    provider: &mut Provider<'_>,
    ca: &Ca,
    local: &mut BTreeMap<RelationId, Databag>,
) -> Vec<LogLine> {
    let b = backend();
    let authority = b.load_authority(&ca.key, ca.certificate.clone()).unwrap();
    let outstanding: Vec<_> = provider
        .outstanding_certificate_requests(None)
        .into_iter()
        .cloned()
        .collect();
    for request in outstanding {
        let validity = Validity::starting_at(T0, Duration::days(30));
        let profile = if request.is_ca {
            IssueProfile::ca(validity)
        } else {
            IssueProfile::leaf(validity)
        };
        let certificate = authority.issue(&request.csr, &profile).unwrap();
        provider
            .set_relation_certificate(NewCertificate {
                relation_id: request.relation_id,
                csr_pem: request.csr_pem.clone(),
                certificate: certificate.clone(),
                ca: ca.certificate.clone(),
                chain: vec![certificate, ca.certificate.clone()],
            })
            .unwrap();
    }
    let plan = provider.plan();
    for write in plan.databag_writes {
        let bag = local.entry(write.relation_id).or_default();
        match write.value {
            Some(value) => bag.insert(write.key, value),
            None => bag.remove(&write.key),
        };
    }
    plan.logs
}

/// The `certificates` endpoint's provider config with `policy` for CA requests.
fn ca_requests(policy: CaRequests) -> ProviderConfig {
    ProviderConfig::new("certificates")
        .unwrap()
        .with_ca_requests(policy)
}

fn error_entries(local: &BTreeMap<RelationId, Databag>, id: RelationId) -> Vec<serde_json::Value> {
    local
        .get(&id)
        .and_then(|b| b.get("request_errors"))
        .map(|raw| serde_json::from_str(raw).unwrap())
        .unwrap_or_default()
}

fn lines(logs: &[LogLine], level: LogLevel, needle: &str) -> usize {
    logs.iter()
        .filter(|l| l.level == level && l.message.contains(needle))
        .count()
}

#[test]
fn requirer_sending_20000_garbage_csrs_does_not_stall_other_relations() {
    let ca = Ca::new("provider-ca");
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let good = csr("good.example.com", &key);
    let hostile: Vec<String> = (0..20_000).map(garbage).collect();
    // Two hostile units, each with 20 000 entries.
    let evil = [
        bag(&hostile),
        bag(&hostile[..].iter().rev().cloned().collect::<Vec<_>>()),
    ];
    let config = ProviderConfig::new("certificates")
        .unwrap()
        .with_certificate_limit(CertificateLimit::PerRelation(99));
    let cap = config.entries_read_per_databag();
    assert_eq!(cap, 198);
    let mut local = BTreeMap::new();

    // First hook: the benign relation gets its certificate; the hostile one gets error entries.
    let mut provider = Provider::view(&world(&evil, &good, &local), &config, backend());
    provider.reconcile();
    let outstanding = provider.outstanding_certificate_requests(None);
    assert_eq!(outstanding.len(), 1);
    assert_eq!(outstanding[0].relation_id, good_relation());
    let logs = issue_and_apply(&mut provider, &ca, &mut local);
    assert_eq!(
        provider.issued_certificates(Some(&good_relation())).len(),
        1,
        "the benign relation is served"
    );
    // Each unit's first `cap` entries were read; error entries are bounded per relation.
    let errors = error_entries(&local, evil_relation());
    assert_eq!(errors.len(), cap);
    assert!(
        errors
            .iter()
            .all(|e| e["error"]["code"] == 999 && e["error"]["name"] == "OTHER"),
        "{:?}",
        errors.first()
    );
    assert!(
        errors[0]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(INVALID_CSR)
    );
    // A few refusals one by one, then one summary line for the relation.
    assert_eq!(
        lines(
            &logs,
            LogLevel::Warning,
            "refusing a request from unit evil/"
        ),
        REFUSALS_LOGGED_PER_HOOK
    );
    let summary: Vec<&LogLine> = logs
        .iter()
        .filter(|l| l.message.starts_with("relation certificates:1: "))
        .collect();
    assert_eq!(summary.len(), 1, "{logs:#?}");
    let summary = &summary[0].message;
    assert!(
        summary.contains(&format!(
            "{} more request(s) refused now",
            cap - REFUSALS_LOGGED_PER_HOOK
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "{cap} more refused request(s) without an error entry"
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "bytes after the first {cap} entries of a databag not read"
        )),
        "{summary}"
    );
    assert!(logs.len() <= REFUSALS_LOGGED_PER_HOOK + 2, "{logs:#?}");

    // Every later hook: nothing new to say, nothing to write, one summary line.
    let mut provider = Provider::view(&world(&evil, &good, &local), &config, backend());
    provider.reconcile();
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    let plan = provider.plan();
    assert!(plan.databag_writes.is_empty(), "{:?}", plan.databag_writes);
    assert_eq!(plan.logs.len(), 1, "{:#?}", plan.logs);
    assert!(
        plan.logs[0].message.contains(&format!(
            "{cap} refused request(s) already answered with an error"
        )),
        "{}",
        plan.logs[0].message
    );
}

#[test]
fn requirer_sending_20000_valid_csrs_over_the_limit_costs_only_the_limits_verifications() {
    let ca = Ca::new("provider-ca");
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    // Distinct, valid CSRs fill every entry that is read; the rest repeat them (never read).
    let distinct: Vec<String> = (0..40)
        .map(|i| entry(&csr(&format!("h{i}.example.com"), &key), false))
        .collect();
    let hostile: Vec<String> = distinct.iter().cycle().take(20_000).cloned().collect();
    let good = csr("good.example.com", &key);
    let limit = 5;
    let config = ProviderConfig::new("certificates")
        .unwrap()
        .with_certificate_limit(CertificateLimit::PerRelation(limit));
    let cap = config.entries_read_per_databag();
    assert_eq!(cap, 16, "twice the limit, at least 16");
    let counting = Counting::default();
    let mut local = BTreeMap::new();

    let evil = [bag(&hostile)];
    let mut provider = Provider::view(&world(&evil, &good, &local), &config, &counting);
    provider.reconcile();
    let outstanding = provider.outstanding_certificate_requests(Some(&evil_relation()));
    assert_eq!(outstanding.len(), limit);
    assert_eq!(
        provider
            .outstanding_certificate_requests(Some(&good_relation()))
            .len(),
        1
    );
    assert_eq!(
        counting.take(),
        limit + 1,
        "one verification per certificate the limit leaves room for, and the benign one"
    );
    assert_eq!(
        provider.requests_over_limit(Some(&evil_relation())),
        cap - limit
    );
    issue_and_apply(&mut provider, &ca, &mut local);
    // (Publishing checks each new chain's order: not a request's cost.)
    counting.take();

    // Steady state: the answered requests are recognised by key, the rest wait unverified.
    let mut provider = Provider::view(&world(&evil, &good, &local), &config, &counting);
    provider.reconcile();
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    assert_eq!(counting.take(), 0, "no signature is checked again");
    let plan = provider.plan();
    assert!(plan.databag_writes.is_empty());
    assert_eq!(plan.logs.len(), 1, "{:#?}", plan.logs);
    let summary = &plan.logs[0].message;
    assert!(
        summary.starts_with("relation certificates:1: ")
            && summary.contains(&format!(
                "{} request(s) over the certificate limit",
                cap - limit
            ))
            && summary.contains("bytes after the first 16 entries of a databag not read"),
        "{summary}"
    );
    assert_eq!(
        provider.issued_certificates(Some(&evil_relation())).len(),
        limit
    );
}

#[test]
fn requirer_asking_for_a_ca_certificate_gets_an_error_entry_unless_ca_requests_are_offered() {
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let ca_request = csr("sub-ca.example.com", &key);
    let good = csr("good.example.com", &key);
    let evil = [bag(&[entry(&ca_request, true)])];
    let refuse = ca_requests(CaRequests::Refuse);
    let counting = Counting::default();
    let mut local = BTreeMap::new();

    let mut provider = Provider::view(&world(&evil, &good, &local), &refuse, &counting);
    provider.reconcile();
    assert!(
        provider
            .outstanding_certificate_requests(Some(&evil_relation()))
            .is_empty()
    );
    assert_eq!(
        counting.take(),
        1,
        "the refused CA request is not even verified"
    );
    let logs = issue_and_apply(&mut provider, &Ca::new("provider-ca"), &mut local);
    let errors = error_entries(&local, evil_relation());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["error"]["message"], CA_REQUEST_REFUSED);
    assert_eq!(errors[0]["error"]["code"], 999);
    assert_eq!(errors[0]["csr"], ca_request.as_str());
    assert_eq!(lines(&logs, LogLevel::Warning, CA_REQUEST_REFUSED), 1);

    // Refused again: logged no more.
    let mut provider = Provider::view(&world(&evil, &good, &local), &refuse, backend());
    provider.reconcile();
    let plan = provider.plan();
    assert!(plan.databag_writes.is_empty());
    assert_eq!(lines(&plan.logs, LogLevel::Warning, CA_REQUEST_REFUSED), 0);

    // The operator allows CA requests: the error entry goes, the request is outstanding.
    let offer = ca_requests(CaRequests::Offer);
    let mut provider = Provider::view(&world(&evil, &good, &local), &offer, backend());
    provider.reconcile();
    let outstanding = provider.outstanding_certificate_requests(Some(&evil_relation()));
    assert_eq!(outstanding.len(), 1);
    assert!(outstanding[0].is_ca);
    assert!(provider.request_errors(Some(&evil_relation())).is_empty());
}

/// Soak seed 106043: a CA request was served while CA requests were offered; the operator then
/// refused them and the CA was replaced. The revocation makes the request outstanding again and
/// the policy refuses it: its error entry goes out in that same hook, not one hook later.
#[test]
fn a_ca_request_whose_certificate_is_revoked_after_ca_requests_were_refused_is_refused_in_that_hook()
 {
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let ca_request = csr("sub-ca.example.com", &key);
    let good = csr("good.example.com", &key);
    let evil = [bag(&[entry(&ca_request, true)])];
    let offer = ca_requests(CaRequests::Offer);
    let refuse = ca_requests(CaRequests::Refuse);
    let mut local = BTreeMap::new();
    let mut provider = Provider::view(&world(&evil, &good, &local), &offer, backend());
    provider.reconcile();
    issue_and_apply(&mut provider, &Ca::new("first-ca"), &mut local);
    assert_eq!(
        provider.issued_certificates(Some(&evil_relation())).len(),
        1
    );

    // CA requests refused from now on: the certificate already issued stands.
    let mut provider = Provider::view(&world(&evil, &good, &local), &refuse, backend());
    provider.reconcile();
    assert!(provider.plan().databag_writes.is_empty());

    // The CA is replaced: everything is revoked, and the CA request is refused in this hook.
    let mut provider = Provider::view(&world(&evil, &good, &local), &refuse, backend());
    provider.reconcile();
    provider.revoke_all_certificates().unwrap();
    assert!(
        provider
            .outstanding_certificate_requests(Some(&evil_relation()))
            .is_empty()
    );
    let logs = issue_and_apply(&mut provider, &Ca::new("second-ca"), &mut local);
    let errors = error_entries(&local, evil_relation());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["error"]["message"], CA_REQUEST_REFUSED);
    assert_eq!(errors[0]["csr"], ca_request.as_str());
    assert_eq!(lines(&logs, LogLevel::Warning, CA_REQUEST_REFUSED), 1);

    // The next hook has nothing left to change.
    let mut provider = Provider::view(&world(&evil, &good, &local), &refuse, backend());
    provider.reconcile();
    let plan = provider.plan();
    assert!(plan.databag_writes.is_empty(), "{:#?}", plan.databag_writes);
}

#[test]
fn requirer_stuffing_huge_csr_texts_and_malformed_entries_is_counted_not_echoed() {
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let valid = csr("fine.example.com", &key);
    let huge = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----",
        "A".repeat(MAX_REQUEST_PEM_LEN)
    );
    let evil = [bag(&[
        entry(&huge, false),
        "42".to_owned(),
        "{}".to_owned(),
        r#"{"ca": true}"#.to_owned(),
        entry(&valid, false),
    ])];
    let good = csr("good.example.com", &key);
    let mut provider = Provider::view(
        &world(&evil, &good, &BTreeMap::new()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    assert_eq!(
        provider
            .outstanding_certificate_requests(Some(&evil_relation()))
            .len(),
        1
    );
    assert!(
        provider.request_errors(Some(&evil_relation())).is_empty(),
        "the huge text is never echoed"
    );
    let plan = provider.plan();
    assert_eq!(plan.logs.len(), 1, "{:#?}", plan.logs);
    let summary = &plan.logs[0].message;
    assert!(
        summary.contains(&format!(
            "1 CSR(s) longer than {MAX_REQUEST_PEM_LEN} bytes not read"
        )),
        "{summary}"
    );
    assert!(
        summary.contains("3 malformed entries ignored (first: unit evil/0:"),
        "{summary}"
    );
    assert!(summary.len() < 1_000, "{summary}");
}

#[test]
fn requirer_smuggling_names_into_the_subject_gets_an_error_entry_and_no_certificate() {
    let read = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../tls-certificates-crypto/tests/fixtures/peer-csrs/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let smuggled = [
        read("repeated_cn_newline_nul.csr.pem"),
        read("unknown_dc.csr.pem"),
        read("bmp_nul_cn.csr.pem"),
    ];
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let good = csr("good.example.com", &key);
    let evil = [bag(&smuggled
        .iter()
        .map(|p| entry(p, false))
        .collect::<Vec<_>>())];
    let mut local = BTreeMap::new();
    let mut provider = Provider::view(
        &world(&evil, &good, &local),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    assert!(
        provider
            .outstanding_certificate_requests(Some(&evil_relation()))
            .is_empty()
    );
    issue_and_apply(&mut provider, &Ca::new("provider-ca"), &mut local);
    assert!(
        provider
            .issued_certificates(Some(&evil_relation()))
            .is_empty()
    );
    assert_eq!(
        provider.issued_certificates(Some(&good_relation())).len(),
        1
    );
    let errors = error_entries(&local, evil_relation());
    let messages: Vec<&str> = errors
        .iter()
        .map(|e| e["error"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    for (message, expected) in messages.iter().zip([
        "common_name appears more than once",
        "unknown attribute type 0.9.2342.19200300.100.1.25",
        "common_name: contains control characters",
    ]) {
        assert!(message.starts_with(INVALID_CSR), "{message}");
        assert!(message.contains(expected), "{message}");
        assert!(
            !message.contains('\0') && !message.contains('\n'),
            "{message:?}"
        );
    }
}

#[test]
fn requirer_spreading_large_invalid_csrs_over_many_units_cannot_grow_our_databag_without_bound() {
    // 200 units, each with one invalid CSR just under the length read: 3 MB of text that the
    // entry cap alone (10 000 without a limit) would echo back in our error entries.
    let large = |i: usize| {
        entry(
            &format!(
                "-----BEGIN CERTIFICATE REQUEST-----\nMIIB{i:08}{}\n-----END CERTIFICATE REQUEST-----",
                "A".repeat(MAX_REQUEST_PEM_LEN - 100)
            ),
            false,
        )
    };
    let evil: Vec<Databag> = (0..200).map(|i| bag(&[large(i)])).collect();
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let good = csr("good.example.com", &key);
    let ca = Ca::new("provider-ca");
    let mut local = BTreeMap::new();
    for _ in 0..2 {
        let mut provider = Provider::view(
            &world(&evil, &good, &local),
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        provider.reconcile();
        let logs = issue_and_apply(&mut provider, &ca, &mut local);
        assert!(
            logs.iter().all(|l| l.message.len() < 4_096),
            "no log line echoes the texts"
        );
    }
    let published = local[&evil_relation()]["request_errors"].len();
    assert!(
        published <= MAX_ERROR_BYTES_PER_RELATION + 64 * 1024,
        "error entries of {published} bytes"
    );
    let answered = error_entries(&local, evil_relation()).len();
    assert!(answered > 0 && answered < 200, "{answered} error entries");
    assert!(
        local[&good_relation()].contains_key("certificates"),
        "the other relation is served"
    );
}
