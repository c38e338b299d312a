//! Provider scenarios (the intent of the Python library's provider tests, python-library.md §5.2).

mod common;

use std::collections::BTreeMap;

use common::*;
use time::Duration;
use tls_certificates_crypto::{IssueProfile, KeyAlgorithm, Validity};
use tls_certificates_engine::provider::{
    NewCertificate, Provider, ProviderConfig, ProviderObservation, ProviderRelation, RequestSource,
};
use tls_certificates_engine::{Databag, Error, ErrorCode, ProviderError};

fn csr_bag(csrs: &[(String, bool)]) -> Databag {
    let list: Vec<_> = csrs
        .iter()
        .map(|(pem, ca)| serde_json::json!({"certificate_signing_request": pem, "ca": ca}))
        .collect();
    Databag::from([(
        "certificate_signing_requests".to_owned(),
        serde_json::to_string(&list).unwrap(),
    )])
}

fn new_csr(cn: &str) -> String {
    let b = backend();
    let key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    b.create_csr(&key, &attrs(cn))
        .unwrap()
        .pem()
        .as_str()
        .to_owned()
}

fn observation(
    unit_csrs: &[(String, bool)],
    app_csrs: &[(String, bool)],
    local: Databag,
) -> ProviderObservation {
    ProviderObservation {
        is_leader: true,
        relations: vec![ProviderRelation {
            id: rel(),
            remote_app: if app_csrs.is_empty() {
                Databag::new()
            } else {
                csr_bag(app_csrs)
            },
            remote_units: BTreeMap::from([("req/0".to_owned(), csr_bag(unit_csrs))]),
            local_app: local,
        }],
    }
}

fn issue_all(provider: &mut Provider<'_>, ca: &Ca) {
    issue_every(provider, ca, 1);
}

/// Issues a certificate for every `step`-th outstanding request (1: all of them).
fn issue_every(provider: &mut Provider<'_>, ca: &Ca, step: usize) {
    let b = backend();
    let authority = b.load_authority(&ca.key, ca.certificate.clone()).unwrap();
    let outstanding: Vec<_> = provider
        .outstanding_certificate_requests(None)
        .into_iter()
        .cloned()
        .collect();
    for r in outstanding.into_iter().step_by(step) {
        let c = authority
            .issue(
                &r.csr,
                &IssueProfile::leaf(Validity::starting_at(T0, Duration::days(30))),
            )
            .unwrap();
        provider
            .set_relation_certificate(NewCertificate {
                relation_id: r.relation_id,
                csr_pem: r.csr_pem.clone(),
                certificate: c.clone(),
                ca: ca.certificate.clone(),
                chain: vec![c, ca.certificate.clone()],
            })
            .unwrap();
    }
}

fn applied(local: &mut Databag, provider: &Provider<'_>) {
    for w in provider.plan().databag_writes {
        match w.value {
            Some(v) => local.insert(w.key, v),
            None => local.remove(&w.key),
        };
    }
}

#[test]
fn given_unit_and_app_csrs_when_observed_then_both_are_outstanding() {
    let (u, a) = (new_csr("unit.example.com"), new_csr("app.example.com"));
    let obs = observation(&[(u.clone(), false)], &[(a.clone(), true)], Databag::new());
    let provider = Provider::view(
        &obs,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let outstanding = provider.outstanding_certificate_requests(None);
    assert_eq!(outstanding.len(), 2);
    assert!(
        outstanding
            .iter()
            .any(|r| r.source == RequestSource::App && r.is_ca && r.csr_pem == a)
    );
    assert!(
        outstanding
            .iter()
            .any(|r| r.source == RequestSource::Unit("req/0".into()) && !r.is_ca && r.csr_pem == u)
    );
}

#[test]
fn given_certificates_set_when_observed_again_then_nothing_outstanding_and_no_write() {
    let ca = Ca::new("ca");
    let csrs = vec![
        (new_csr("a.example.com"), false),
        (new_csr("b.example.com"), false),
    ];
    let mut local = Databag::new();
    let mut provider = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &ca);
    applied(&mut local, &provider);
    let raw = &local["certificates"];
    assert!(
        raw.starts_with("[{\"ca\": \"-----BEGIN CERTIFICATE-----"),
        "{raw}"
    );
    assert_eq!(provider.issued_certificates(None).len(), 2);
    let mut again = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    again.reconcile();
    assert!(again.outstanding_certificate_requests(None).is_empty());
    assert!(
        again.plan().databag_writes.is_empty(),
        "no write when nothing changed"
    );
}

#[test]
fn given_csr_removed_by_requirer_when_reconciled_then_unsolicited_certificate_is_removed() {
    let ca = Ca::new("ca");
    let csrs = vec![(new_csr("a.example.com"), false)];
    let mut local = Databag::new();
    let mut provider = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &ca);
    applied(&mut local, &provider);
    let gone = Provider::view(
        &observation(&[], &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    assert_eq!(gone.unsolicited_certificates(None).len(), 1);
    let mut gone = gone;
    gone.reconcile();
    assert!(gone.unsolicited_certificates(None).is_empty());
    let plan = gone.plan();
    assert_eq!(plan.databag_writes.len(), 1);
    assert_eq!(
        plan.databag_writes[0].value, None,
        "empty list deletes the key"
    );
}

#[test]
fn given_csr_with_bad_signature_when_reconciled_then_error_entry_not_outstanding() {
    let good = new_csr("a.example.com");
    // Flip one base64 character inside the signature (the last line of the body).
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let last = lines.len() - 2;
    let line = &mut lines[last];
    let i = line.len() / 2;
    let c = line.as_bytes()[i];
    let replacement = if c == b'A' { "B" } else { "A" };
    line.replace_range(i..=i, replacement);
    let tampered = lines.join("\n");
    let mut provider = Provider::view(
        &observation(&[(tampered.clone(), false)], &[], Databag::new()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    assert_eq!(provider.invalid_requests(None).len(), 1);
    provider.reconcile();
    let errors = provider.request_errors(None);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error.code, ErrorCode::Other);
    assert_eq!(errors[0].csr, tampered);
}

#[test]
fn given_revoke_all_when_observed_then_requests_are_outstanding_again() {
    let ca = Ca::new("ca");
    let csrs = vec![(new_csr("a.example.com"), false)];
    let mut local = Databag::new();
    let mut provider = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &ca);
    provider.revoke_all_certificates().unwrap();
    applied(&mut local, &provider);
    assert!(local["certificates"].ends_with("\"revoked\": true}]"));
    let mut again = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    assert_eq!(again.outstanding_certificate_requests(None).len(), 1);
    assert!(again.issued_certificates(None).is_empty());
    issue_all(&mut again, &Ca::new("new-ca"));
    applied(&mut local, &again);
    assert!(
        !local["certificates"].contains("revoked"),
        "re-issue replaces the revoked entry"
    );
}

#[test]
fn given_certificates_of_a_lost_ca_when_revoking_what_no_held_ca_issued_then_only_those_are_outstanding_again()
 {
    let lost = Ca::new("lost-ca");
    let current = Ca::new("current-ca");
    let csrs = vec![
        (new_csr("a.example.com"), false),
        (new_csr("b.example.com"), false),
    ];
    let mut local = Databag::new();
    // a.example.com was issued by the CA an operator removed, b.example.com by the current one.
    let mut provider = Provider::view(
        &observation(&csrs[..1], &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &lost);
    applied(&mut local, &provider);
    let mut provider = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &current);
    applied(&mut local, &provider);

    let mut provider = Provider::view(
        &observation(&csrs, &[], local.clone()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let held = [&current.certificate, &lost.certificate];
    assert_eq!(provider.certificates_not_issued_by(&held), 0);
    assert_eq!(provider.certificates_not_issued_by(&held[..1]), 1);
    assert_eq!(
        provider
            .revoke_certificates_not_issued_by(&held[..1])
            .unwrap(),
        1
    );
    let outstanding = provider.outstanding_certificate_requests(None);
    assert_eq!(outstanding.len(), 1);
    assert_eq!(
        outstanding[0].csr.attributes().common_name(),
        Some("a.example.com")
    );
    assert_eq!(provider.certificates_not_issued_by(&held[..1]), 0);
    issue_all(&mut provider, &current);
    applied(&mut local, &provider);
    assert!(!local["certificates"].contains("revoked"));

    let mut follower = observation(&csrs, &[], local.clone());
    follower.is_leader = false;
    let mut provider = Provider::view(
        &follower,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    assert!(matches!(
        provider.revoke_certificates_not_issued_by(&held[..1]),
        Err(Error::NotLeader { .. })
    ));
}

#[test]
fn given_error_then_certificate_when_set_then_only_one_of_them_remains() {
    let ca = Ca::new("ca");
    let csr = new_csr("a.example.com");
    let mut provider = Provider::view(
        &observation(&[(csr.clone(), false)], &[], Databag::new()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let error = ProviderError::new(ErrorCode::DomainNotAllowed, "m");
    provider
        .set_relation_error(rel(), &csr, error.clone())
        .unwrap();
    assert_eq!(provider.request_errors(None).len(), 1);
    issue_all(&mut provider, &ca);
    assert!(provider.request_errors(None).is_empty());
    assert_eq!(provider.issued_certificates(None).len(), 1);
    provider.set_relation_error(rel(), &csr, error).unwrap();
    assert!(provider.issued_certificates(None).is_empty());
}

#[test]
fn given_non_leader_when_publishing_then_refused_and_nothing_written() {
    let csr = new_csr("a.example.com");
    let mut obs = observation(&[(csr.clone(), false)], &[], Databag::new());
    obs.is_leader = false;
    let mut provider = Provider::view(
        &obs,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    assert!(matches!(
        provider.revoke_all_certificates(),
        Err(Error::NotLeader { .. })
    ));
    let error = ProviderError::new(ErrorCode::Other, "m");
    assert!(matches!(
        provider.set_relation_error(rel(), &csr, error),
        Err(Error::NotLeader { .. })
    ));
    assert!(provider.plan().databag_writes.is_empty());
}

#[test]
fn given_unknown_relation_or_empty_chain_when_publishing_then_typed_errors() {
    let ca = Ca::new("ca");
    let csr = new_csr("a.example.com");
    let mut provider = Provider::view(
        &observation(&[(csr.clone(), false)], &[], Databag::new()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let request = provider.outstanding_certificate_requests(None)[0].clone();
    let authority = backend()
        .load_authority(&ca.key, ca.certificate.clone())
        .unwrap();
    let c = authority
        .issue(
            &request.csr,
            &IssueProfile::leaf(Validity::starting_at(T0, Duration::days(1))),
        )
        .unwrap();
    let new = |relation_id, chain| NewCertificate {
        relation_id,
        csr_pem: csr.clone(),
        certificate: c.clone(),
        ca: ca.certificate.clone(),
        chain,
    };
    assert!(matches!(
        provider.set_relation_certificate(new(rel(), vec![])),
        Err(Error::EmptyChain)
    ));
    assert!(matches!(
        provider.set_relation_certificate(new(relation(99), vec![c.clone()])),
        Err(Error::UnknownRelation { .. })
    ));
}

#[test]
fn given_capabilities_when_reconciled_then_published_once() {
    let caps = tls_certificates_engine::ProviderCapabilities::default();
    let mut provider = Provider::view(
        &observation(&[], &[], Databag::new()),
        &ProviderConfig::new("certificates")
            .unwrap()
            .with_capabilities(caps.clone()),
        backend(),
    );
    provider.reconcile();
    let mut local = Databag::new();
    applied(&mut local, &provider);
    assert_eq!(local["capabilities"], "{}");
    let mut again = Provider::view(
        &observation(&[], &[], local),
        &ProviderConfig::new("certificates")
            .unwrap()
            .with_capabilities(caps),
        backend(),
    );
    again.reconcile();
    assert!(again.plan().databag_writes.is_empty());
}

#[test]
fn given_python_provider_databag_when_observed_then_nothing_outstanding_and_nothing_rewritten() {
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference"
    );
    let read = |name: &str| -> Databag {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{fixtures}/{name}")).unwrap())
                .unwrap();
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    };
    let obs = ProviderObservation {
        is_leader: true,
        relations: vec![ProviderRelation {
            id: rel(),
            remote_app: Databag::new(),
            remote_units: BTreeMap::from([(
                "peer-requirer/0".to_owned(),
                read("requirer_unit_databag.json"),
            )]),
            local_app: read("provider_databag.json"),
        }],
    };
    let mut provider = Provider::view(
        &obs,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    assert_eq!(provider.certificate_requests(None).len(), 1);
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    assert!(provider.plan().databag_writes.is_empty());
}

#[test]
fn given_our_own_certificates_value_unreadable_when_planning_then_it_is_never_overwritten() {
    let csr = new_csr("a.example.com");
    let local = Databag::from([("certificates".to_owned(), "{not json".to_owned())]);
    let mut provider = Provider::view(
        &observation(&[(csr, false)], &[], local),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    issue_all(&mut provider, &Ca::new("ca"));
    let plan = provider.plan();
    assert!(plan.databag_writes.iter().all(|w| w.key != "certificates"));
    assert!(
        plan.logs
            .iter()
            .any(|l| l.message.contains("not overwriting certificates"))
    );
}

#[test]
fn given_published_certificate_for_another_key_when_observed_then_request_is_outstanding_again() {
    let b = backend();
    let ca = Ca::new("ca");
    let csr = new_csr("a.example.com");
    // Someone published, for this CSR, a certificate of a different key.
    let other_key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let other_csr = b.create_csr(&other_key, &attrs("a.example.com")).unwrap();
    let authority = b.load_authority(&ca.key, ca.certificate.clone()).unwrap();
    let wrong = authority
        .issue(
            &other_csr,
            &IssueProfile::leaf(Validity::starting_at(T0, Duration::days(1))),
        )
        .unwrap();
    let local = Databag::from([(
        "certificates".to_owned(),
        serde_json::json!([{ "ca": ca.certificate.pem().as_str(), "certificate_signing_request": csr, "certificate": wrong.pem().as_str(), "chain": [wrong.pem().as_str(), ca.certificate.pem().as_str()] }]).to_string(),
    )]);
    let provider = Provider::view(
        &observation(&[(csr.clone(), false)], &[], local),
        &ProviderConfig::new("certificates").unwrap(),
        b,
    );
    let outstanding = provider.outstanding_certificate_requests(None);
    assert_eq!(outstanding.len(), 1);
    assert_eq!(outstanding[0].csr_pem, csr);
}

/// `good` with one base64 character of its signature flipped.
fn tampered(good: &str) -> String {
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let last = lines.len() - 2;
    let line = &mut lines[last];
    let i = line.len() / 2;
    let replacement = if line.as_bytes()[i] == b'A' { "B" } else { "A" };
    line.replace_range(i..=i, replacement);
    lines.join("\n")
}

/// Three relations of 60 units, each unit with one CSR; the tenth unit of each relation sends
/// a tampered one, the twentieth a malformed entry besides its CSR (logged when observed).
fn many_relations() -> ProviderObservation {
    let relations = (0..3_u32)
        .map(|r| ProviderRelation {
            remote_units: (0..60)
                .map(|u| {
                    let csr = new_csr(&format!("u{u}.r{r}.example.com"));
                    let csr = if u == 9 { tampered(&csr) } else { csr };
                    let mut entries = vec![(csr, false)];
                    if u == 19 {
                        entries.push(("not pem".to_owned(), false));
                    }
                    (format!("req{r}/{u:02}"), csr_bag(&entries))
                })
                .collect(),
            ..ProviderRelation::new(relation(10 + r))
        })
        .collect();
    ProviderObservation {
        is_leader: true,
        relations,
    }
}

/// What a hook sees and decides, in a comparable form.
fn summary(provider: &mut Provider<'_>) -> Vec<String> {
    let mut out: Vec<String> = provider
        .outstanding_certificate_requests(None)
        .iter()
        .map(|r| format!("outstanding {} {:?} {}", r.relation_id, r.source, r.csr_pem))
        .collect();
    out.extend(
        provider
            .invalid_requests(None)
            .iter()
            .map(|r| format!("invalid {} {}", r.relation_id, r.csr_pem)),
    );
    provider.reconcile();
    let plan = provider.plan();
    out.extend(
        plan.databag_writes
            .iter()
            .map(|w| format!("write {} {} {:?}", w.relation_id, w.key, w.value)),
    );
    out.extend(plan.logs.iter().map(|l| format!("log {}", l.message)));
    out
}

/// The same hook, observing one relation at a time (never on several threads), concatenated.
fn summary_one_relation_at_a_time(observation: &ProviderObservation) -> Vec<String> {
    let mut out = Vec::new();
    let mut writes = Vec::new();
    let mut logs = Vec::new();
    for relation in &observation.relations {
        let single = ProviderObservation {
            is_leader: true,
            relations: vec![relation.clone()],
        };
        let mut provider = Provider::view(
            &single,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        for line in summary(&mut provider) {
            if line.starts_with("write") {
                writes.push(line);
            } else if line.starts_with("log") {
                logs.push(line);
            } else {
                out.push(line);
            }
        }
    }
    let (outstanding, invalid): (Vec<_>, Vec<_>) =
        out.into_iter().partition(|l| l.starts_with("outstanding"));
    // A hook logs what it observed (every relation) before what it reconciled.
    let (observed, reconciled): (Vec<_>, Vec<_>) = logs
        .into_iter()
        .partition(|l| l.starts_with("log ignoring"));
    [outstanding, invalid, writes, observed, reconciled].concat()
}

#[test]
fn given_many_relations_and_requests_when_observed_then_same_plan_as_one_relation_at_a_time() {
    let mut observation = many_relations();
    // Fresh: 180 signatures to check, spread over the cores; results in relation, unit order.
    let expected = summary_one_relation_at_a_time(&observation);
    let mut provider = Provider::view(
        &observation,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let fresh = summary(&mut provider);
    assert_eq!(fresh, expected);
    assert_eq!(
        fresh
            .iter()
            .filter(|l| l.starts_with("outstanding"))
            .count(),
        177
    );
    assert!(
        fresh[0].starts_with("outstanding certificates:10 Unit(\"req0/00\")"),
        "{}",
        fresh[0]
    );
    assert!(
        fresh[176].starts_with("outstanding certificates:12 Unit(\"req2/59\")"),
        "{}",
        fresh[176]
    );
    // Answer everything, then observe the steady state: the relations' data is over the
    // threshold from which relations are read on several cores.
    issue_all(&mut provider, &Ca::new("ca"));
    for write in provider.plan().databag_writes {
        let relation = observation
            .relations
            .iter_mut()
            .find(|r| r.id == write.relation_id)
            .unwrap();
        relation.local_app.insert(write.key, write.value.unwrap());
    }
    let published: usize = observation
        .relations
        .iter()
        .map(|r| r.local_app["certificates"].len())
        .sum();
    assert!(published > 256 * 1024, "{published} bytes");
    let expected = summary_one_relation_at_a_time(&observation);
    let steady = summary(&mut Provider::view(
        &observation,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    ));
    assert_eq!(steady, expected);
    assert!(
        steady.iter().all(|l| !l.starts_with("outstanding")),
        "{steady:?}"
    );
    // Two hooks over the same data decide the same.
    assert_eq!(
        summary(&mut Provider::view(
            &observation,
            &ProviderConfig::new("certificates").unwrap(),
            backend()
        )),
        steady
    );
}

#[test]
fn given_one_hook_when_certificates_are_set_revoked_and_replaced_then_outstanding_follows_each_change()
 {
    let ca = Ca::new("ca");
    let csrs = vec![
        (new_csr("a.example.com"), false),
        (new_csr("b.example.com"), false),
    ];
    let mut provider = Provider::view(
        &observation(&csrs, &[], Databag::new()),
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    assert_eq!(provider.outstanding_certificate_requests(None).len(), 2);
    issue_all(&mut provider, &ca);
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    provider.revoke_all_certificates().unwrap();
    assert_eq!(provider.outstanding_certificate_requests(None).len(), 2);
    issue_all(&mut provider, &ca);
    assert!(provider.outstanding_certificate_requests(None).is_empty());
    // An error for a replaces its certificate: a is outstanding again, b is not.
    provider
        .set_relation_error(
            rel(),
            &csrs[0].0,
            ProviderError::new(ErrorCode::Other, "refused"),
        )
        .unwrap();
    let outstanding = provider.outstanding_certificate_requests(None);
    assert_eq!(outstanding.len(), 1);
    assert_eq!(outstanding[0].csr_pem, csrs[0].0);
}

/// Issues one certificate for `csr` and returns what was published and the local databag.
fn issued_once(csr: &str, ca: &Ca) -> (NewCertificate, Databag) {
    let b = backend();
    let authority = b.load_authority(&ca.key, ca.certificate.clone()).unwrap();
    let obs = observation(&[(csr.to_owned(), false)], &[], Databag::new());
    let mut provider = Provider::view(&obs, &ProviderConfig::new("certificates").unwrap(), b);
    let request = provider.outstanding_certificate_requests(None)[0].clone();
    let certificate = authority
        .issue(
            &request.csr,
            &IssueProfile::leaf(Validity::starting_at(T0, Duration::days(30))),
        )
        .unwrap();
    let new = NewCertificate {
        relation_id: rel(),
        csr_pem: request.csr_pem,
        certificate: certificate.clone(),
        ca: ca.certificate.clone(),
        chain: vec![certificate, ca.certificate.clone()],
    };
    provider.set_relation_certificate(new.clone()).unwrap();
    let mut local = Databag::new();
    applied(&mut local, &provider);
    (new, local)
}

#[test]
fn given_our_value_as_we_wrote_it_when_the_same_certificate_is_set_again_then_nothing_is_written() {
    let ca = Ca::new("ca");
    let csr = new_csr("a.example.com");
    let (new, local) = issued_once(&csr, &ca);
    let obs = observation(&[(csr, false)], &[], local);
    let mut provider = Provider::view(
        &obs,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.reconcile();
    assert!(provider.plan().databag_writes.is_empty());
    // A change that leaves the entries as they were writes nothing either.
    provider.set_relation_certificate(new).unwrap();
    assert!(provider.plan().databag_writes.is_empty());
    // Real changes to the value as observed are written: a revocation ...
    let mut provider = Provider::view(
        &obs,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.revoke_all_certificates().unwrap();
    let writes = provider.plan().databag_writes;
    assert_eq!(writes.len(), 1);
    assert!(
        writes[0]
            .value
            .as_deref()
            .unwrap()
            .ends_with("\"revoked\": true}]")
    );
    // ... and a certificate for a new request, added to the one already there.
    let mut two = obs.clone();
    let b = new_csr("b.example.com");
    two.relations[0]
        .remote_units
        .insert("req/1".to_owned(), csr_bag(&[(b.clone(), false)]));
    let mut provider = Provider::view(
        &two,
        &ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    issue_all(&mut provider, &ca);
    let writes = provider.plan().databag_writes;
    assert_eq!(writes.len(), 1);
    let value = writes[0].value.as_deref().unwrap();
    assert!(value.starts_with(&obs.relations[0].local_app["certificates"][..100]));
    assert!(value.contains(&serde_json::to_string(&b).unwrap()));
}

#[test]
fn given_our_value_written_differently_when_observed_then_it_is_rewritten_in_the_canonical_form() {
    let ca = Ca::new("ca");
    let csr = new_csr("a.example.com");
    let (_, local) = issued_once(&csr, &ca);
    let canonical = local["certificates"].clone();
    let entry = canonical
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap()
        .to_owned();
    for (variant, expected) in [
        // Other spacing and escapes: the same entries, so the canonical text is written.
        (
            canonical.replace("[{", "[ {").replace('/', "\\/"),
            canonical.clone(),
        ),
        // The same CSR twice: the later entry wins, the list is written without the repeat.
        (format!("[{entry}, {entry}]"), canonical.clone()),
    ] {
        let mut bag = Databag::new();
        bag.insert("certificates".to_owned(), variant.clone());
        let obs = observation(&[(csr.clone(), false)], &[], bag);
        let mut provider = Provider::view(
            &obs,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        assert!(provider.outstanding_certificate_requests(None).is_empty());
        provider.reconcile();
        let writes = provider.plan().databag_writes;
        assert_eq!(writes.len(), 1, "{variant}");
        assert_eq!(writes[0].value.as_deref(), Some(expected.as_str()));
    }
}

/// A unit databag as the Python library and this crate write it (the canonical form, read
/// without a JSON parser), where `csr_bag` writes compact JSON (read by the tolerant decoder).
fn canonical_csr_bag(csr: &str) -> Databag {
    Databag::from([(
        "certificate_signing_requests".to_owned(),
        format!(
            "[{{\"certificate_signing_request\": {}, \"ca\": false}}]",
            serde_json::to_string(csr).unwrap()
        ),
    )])
}

/// `lines` without those about `relation`.
fn without(lines: Vec<String>, relation: &str) -> Vec<String> {
    lines
        .into_iter()
        .filter(|l| !l.contains(relation))
        .collect()
}

/// One application's 300 units on one relation, read alone, has its databags decoded and its
/// answered requests recognised on several cores; beside a relation whose data makes the hook
/// read relations side by side, the same relation is read on one core. Both hooks decide the
/// same, fresh and in the steady state.
#[test]
fn given_one_big_relation_when_read_alone_or_beside_another_then_the_same_decisions() {
    let csrs: Vec<String> = (0..300)
        .map(|u| new_csr(&format!("u{u}.big.example.com")))
        .collect();
    let mut big = ProviderRelation {
        remote_units: (0..300)
            .map(|u| {
                let bag = match u {
                    9 => canonical_csr_bag(&tampered(&csrs[u])),
                    19 => csr_bag(&[(csrs[u].clone(), false), ("not pem".to_owned(), false)]),
                    // The same CSR as unit 1: one request.
                    50 => canonical_csr_bag(&csrs[1]),
                    u if u % 2 == 0 => canonical_csr_bag(&csrs[u]),
                    u => csr_bag(&[(csrs[u].clone(), false)]),
                };
                (format!("app/{u:03}"), bag)
            })
            .collect(),
        ..ProviderRelation::new(relation(20))
    };
    // Over the threshold from which relations are read side by side, on its own.
    let filler = ProviderRelation {
        remote_units: BTreeMap::from([(
            "other/0".to_owned(),
            csr_bag(&[("x".repeat(300 * 1024), false)]),
        )]),
        ..ProviderRelation::new(relation(21))
    };
    let config = ProviderConfig::new("certificates").unwrap();
    let hooks = |big: &ProviderRelation| {
        let alone = ProviderObservation {
            is_leader: true,
            relations: vec![big.clone()],
        };
        let beside = ProviderObservation {
            is_leader: true,
            relations: vec![big.clone(), filler.clone()],
        };
        (
            summary(&mut Provider::view(&alone, &config, backend())),
            without(
                summary(&mut Provider::view(&beside, &config, backend())),
                "certificates:21",
            ),
        )
    };
    let (alone, beside) = hooks(&big);
    assert_eq!(alone, beside);
    let outstanding = alone
        .iter()
        .filter(|l| l.starts_with("outstanding"))
        .count();
    // 300 units, less the tampered CSR and unit 50's repeat of unit 1's.
    assert_eq!(outstanding, 298, "{alone:?}");
    assert!(alone.iter().any(|l| l.starts_with("invalid")), "{alone:?}");

    // Answer every other outstanding request: the rest stay outstanding.
    let mut provider = Provider::view(
        &ProviderObservation {
            is_leader: true,
            relations: vec![big.clone()],
        },
        &config,
        backend(),
    );
    provider.reconcile();
    issue_every(&mut provider, &Ca::new("ca"), 2);
    applied(&mut big.local_app, &provider);
    let (alone, beside) = hooks(&big);
    assert_eq!(alone, beside);
    let outstanding = alone
        .iter()
        .filter(|l| l.starts_with("outstanding"))
        .count();
    assert_eq!(outstanding, 149, "{alone:?}");
}
