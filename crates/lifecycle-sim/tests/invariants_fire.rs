//! Each invariant of the checker, broken on purpose: the checker must catch it. Every scenario
//! starts from a settled model (one provider unit, one requirer unit in `unit` mode, related)
//! that passes every check, then breaks one thing behind the charms' backs.

use std::collections::BTreeMap;

use juju_sim::{Databag, Fault, SecretOwnerRef};
use lifecycle_sim::{Harness, Op, PROVIDER, REQUIRER, Violation, guarded};
use tls_certificates::crypto::KeyAlgorithm;

const UNIT: &str = "web/0";
const UNIT_KEY_LABEL: &str = "afd8c2bccf834997afce12c2706d2ede-private-key-0-certificates";

/// A settled model that passes every check.
fn settled() -> Harness {
    let mut harness = Harness::new(7).unwrap();
    harness.apply(&Op::Settle).unwrap();
    harness.settle_fault_free().unwrap();
    harness.check_always().unwrap();
    harness.check_converged().unwrap();
    harness.check_orphans().unwrap();
    harness
}

fn relation(harness: &Harness) -> u32 {
    harness.relation().expect("related")
}

fn secret_xid(harness: &Harness, label: &str) -> String {
    harness
        .model
        .secrets()
        .values()
        .find(|s| s.label.as_deref() == Some(label))
        .map(|s| s.xid.clone())
        .unwrap_or_else(|| panic!("no secret labelled {label}"))
}

fn unit_key_pem(harness: &Harness) -> String {
    let secret = &harness.model.secrets()[&secret_xid(harness, UNIT_KEY_LABEL)];
    secret.revisions[&secret.latest].content["private-key"].clone()
}

fn another_rsa_key_pem() -> String {
    let backend = tls_certificates::crypto::ring::backend();
    let key = backend.generate_key(KeyAlgorithm::Rsa2048).unwrap();
    backend
        .export_private_key(&key)
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn swap_unit_key(harness: &mut Harness) {
    let xid = secret_xid(harness, UNIT_KEY_LABEL);
    let content = Databag::from([("private-key".to_owned(), another_rsa_key_pem())]);
    harness.model.set_secret_content(&xid, content).unwrap();
}

#[test]
fn a_panic_in_the_code_under_test_is_a_violation() {
    let failure = guarded(|| panic!("a charm panicked")).unwrap_err();
    assert_eq!(
        failure.violation,
        Violation::Panic {
            message: "a charm panicked".into()
        }
    );
}

#[test]
fn a_hook_that_keeps_failing_is_caught_by_the_strict_settle() {
    let mut harness = settled();
    for _ in 0..50 {
        harness.model.inject_fault(Fault::Tool {
            tool: "config-get".into(),
            unit: Some(UNIT.into()),
        });
    }
    harness.model.update_status();
    let violation = harness.settle_strict().unwrap_err();
    assert_eq!(violation.invariant(), "settles", "{violation}");
    // The fault-free settle withdraws the faults first: the same model then settles.
    harness.settle_fault_free().unwrap();
}

#[test]
fn a_private_key_pem_in_a_databag_is_caught() {
    let mut harness = settled();
    let pem = unit_key_pem(&harness);
    let rel = relation(&harness);
    let mut bag = harness
        .model
        .unit_data(rel, UNIT)
        .cloned()
        .unwrap_or_default();
    bag.insert("debug".into(), pem);
    harness.model.set_relation_data(rel, UNIT, bag).unwrap();
    let violation = harness.check_always().unwrap_err();
    assert!(
        matches!(&violation, Violation::KeyMaterialLeaked { place } if place.contains("web/0") && place.contains("debug")),
        "{violation}"
    );
}

#[test]
fn key_material_without_its_pem_armour_in_a_databag_is_caught_too() {
    let mut harness = settled();
    let body: String = unit_key_pem(&harness)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let rel = relation(&harness);
    let bag = Databag::from([("blob".to_owned(), body)]);
    harness.model.set_relation_data(rel, PROVIDER, bag).unwrap();
    let violation = harness.check_always().unwrap_err();
    assert_eq!(violation.invariant(), "no-key-leak", "{violation}");
}

#[test]
fn a_private_key_that_changes_unasked_is_caught_and_an_asked_change_is_not() {
    let mut harness = settled();
    swap_unit_key(&mut harness);
    let violation = harness.check_always().unwrap_err();
    assert_eq!(
        violation,
        Violation::KeyChangedUnasked {
            owner: UNIT.into(),
            label: UNIT_KEY_LABEL.into()
        }
    );

    let mut harness = settled();
    harness
        .apply(&Op::Action(lifecycle_sim::Action::RegeneratePrivateKey(0)))
        .unwrap();
    harness.settle_fault_free().unwrap();
    harness.check_final().unwrap();
}

#[test]
fn certificate_attributes_that_differ_from_the_config_are_caught() {
    let mut harness = settled();
    let config = BTreeMap::from([("common-name".to_owned(), "changed.example.com".into())]);
    harness.model.set_config(REQUIRER, config).unwrap();
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(&violation, Violation::AttributesMismatch { detail, .. } if detail.contains("changed.example.com")),
        "{violation}"
    );
}

#[test]
fn a_certificate_past_its_expiry_is_caught() {
    let mut harness = settled();
    harness.model.advance_clock(time::Duration::days(91));
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::NotValidAtNow { .. }),
        "{violation}"
    );
}

#[test]
fn a_certificate_of_a_rotated_away_ca_is_caught() {
    let mut harness = settled();
    // The provider's rotate action replaces the CA; the requirer has not run since.
    let outcome = harness
        .model
        .run_action("ca/0", "rotate-private-key", serde_json::Map::new())
        .unwrap();
    assert!(outcome.failure.is_none(), "{:?}", outcome.failure);
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::NotIssuedByCurrentCa { .. }),
        "{violation}"
    );
}

#[test]
fn a_provider_without_a_ca_is_caught() {
    let mut harness = settled();
    let xid = secret_xid(&harness, self_signed_certificates::ACTIVE_CA_LABEL);
    harness.model.remove_secret(&xid).unwrap();
    assert_eq!(
        harness.check_converged().unwrap_err(),
        Violation::NoActiveCa
    );
}

#[test]
fn a_certificate_that_does_not_match_the_key_is_caught() {
    let mut harness = settled();
    swap_unit_key(&mut harness);
    harness.allow_key_change(UNIT);
    harness.check_always().unwrap();
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::KeyMismatch { .. }),
        "{violation}"
    );
}

#[test]
fn a_request_the_provider_does_not_answer_is_caught() {
    let mut harness = settled();
    let rel = relation(&harness);
    harness
        .model
        .set_relation_data(rel, PROVIDER, Databag::new())
        .unwrap();
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::RequestCount { .. }),
        "{violation}"
    );
}

#[test]
fn a_unit_without_its_certificate_file_is_caught() {
    let mut harness = settled();
    let file = harness
        .requirer_dir()
        .join("data/web-0/unit-certificate.pem");
    std::fs::remove_file(&file).unwrap();
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::MissingCertificate { .. }),
        "{violation}"
    );
}

#[test]
fn a_certificate_file_that_differs_from_the_certificate_is_caught() {
    let mut harness = settled();
    let file = harness
        .requirer_dir()
        .join("data/web-0/unit-certificate.pem");
    let current = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, current.replace("-----END", "X-----END")).unwrap();
    let violation = harness.check_converged().unwrap_err();
    assert!(
        matches!(violation, Violation::FileMismatch { .. }),
        "{violation}"
    );
}

#[test]
fn a_secret_no_state_references_is_caught() {
    let mut harness = settled();
    let content = Databag::from([("certificate".to_owned(), "x".to_owned())]);
    harness
        .model
        .add_secret(
            SecretOwnerRef::App(PROVIDER.into()),
            Some("left-behind"),
            content,
        )
        .unwrap();
    let violation = harness.check_orphans().unwrap_err();
    assert_eq!(
        violation,
        Violation::OrphanSecret {
            owner: "app ca".into(),
            label: "left-behind".into()
        }
    );
}

#[test]
fn a_secret_that_keeps_growing_revisions_is_caught() {
    let mut harness = settled();
    let xid = secret_xid(&harness, self_signed_certificates::ACTIVE_CA_LABEL);
    let secret = &harness.model.secrets()[&xid];
    let content = secret.revisions[&secret.latest].content.clone();
    for i in 0..lifecycle_sim::MAX_REVISIONS {
        let mut next = content.clone();
        next.insert("padding".into(), i.to_string());
        harness.model.set_secret_content(&xid, next).unwrap();
    }
    let violation = harness.check_orphans().unwrap_err();
    assert!(
        matches!(violation, Violation::SecretRevisionsGrow { .. }),
        "{violation}"
    );
}

#[test]
fn repeated_hooks_that_change_a_databag_are_caught() {
    let mut harness = settled();
    // Hostile content in the requirer's own databag: its next hook writes it back, so the
    // "identical" update-status hooks change the databag.
    let rel = relation(&harness);
    let bag = Databag::from([("certificate_signing_requests".to_owned(), "[]".to_owned())]);
    harness.model.set_relation_data(rel, UNIT, bag).unwrap();
    let violation = harness.check_idempotent().unwrap_err();
    assert!(
        matches!(&violation, Violation::NotIdempotent { detail } if detail.contains("web/0")),
        "{violation}"
    );
}
