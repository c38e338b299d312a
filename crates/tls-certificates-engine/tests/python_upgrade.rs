//! A charm switching from the Python library to ours keeps its key and certificate.

mod common;

use std::collections::BTreeMap;

use common::{backend, relation};
use time::Duration;
use tls_certificates_engine::requirer::{
    Requests, Requirer, RequirerConfig, RequirerObservation, RequirerRelation, RequirerTrigger,
    Scope,
};
use tls_certificates_engine::{ObservedSecret, SecretContent, SecretId, SecretOwner, UnitName};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../interop/fixtures/python-reference"
);

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()).unwrap()
}

fn bag(value: &serde_json::Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn secret(step_prefix: &str, id: &str) -> ObservedSecret {
    let secrets = json("secrets.json");
    let s = secrets["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"].as_str().unwrap().starts_with(step_prefix))
        .unwrap();
    ObservedSecret {
        id: SecretId::parse(id).unwrap(),
        label: s["label"].as_str().unwrap().into(),
        owner: if s["owner"] == "unit" {
            SecretOwner::Unit
        } else {
            SecretOwner::Application
        },
        content: SecretContent::from_pairs(
            s["content"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k, v.as_str().unwrap())),
        )
        .unwrap(),
        expires: s["expire"].as_str().map(|e| {
            time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339).unwrap()
        }),
    }
}

#[test]
fn given_python_library_unit_state_when_our_requirer_takes_over_then_nothing_rotates() {
    let b = backend();
    let local_unit = bag(&json("requirer_unit_databag.json"));
    let remote_app = bag(&json("provider_databag.json"));
    // The charm keeps asking for what it asked the Python library for.
    let entries: serde_json::Value =
        serde_json::from_str(&local_unit["certificate_signing_requests"]).unwrap();
    let csr = b
        .parse_csr(entries[0]["certificate_signing_request"].as_str().unwrap())
        .unwrap();
    let config = RequirerConfig::new(
        "certificates",
        Requests::Unit(vec![csr.attributes().clone()]),
    )
    .unwrap();
    let requirer = Requirer::new(config);
    let key_secret = secret("requirer UNIT relation-created", "secret:key");
    let cert_secret = secret("requirer UNIT relation-changed", "secret:cert");
    let certificate = b
        .parse_certificate(cert_secret.content.get("certificate").unwrap())
        .unwrap();
    let obs = RequirerObservation {
        unit: UnitName::parse("peer-requirer/0").unwrap(),
        is_leader: false,
        relations: vec![RequirerRelation {
            id: relation(1),
            local_unit,
            local_app: BTreeMap::new(),
            remote_app,
        }],
        secrets: vec![key_secret, cert_secret],
    };
    let now = certificate.not_before() + Duration::hours(1);
    let plan = requirer
        .plan(&obs, &RequirerTrigger::Reconcile, now, b)
        .unwrap();
    assert!(
        plan.is_quiescent(),
        "no key, CSR or certificate rotation: {plan:?}"
    );
    assert!(plan.events.is_empty(), "{:?}", plan.events);
    let view = requirer.view(&obs, now, b);
    let assigned = view.assigned_certificates(Scope::Unit);
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].certificate.der(), certificate.der());
}

/// Documents a deliberate deviation: the Python library signs leaves of an intermediate CA with
/// the *root's* name as issuer; our requirer's check (issued by the given CA) refuses them.
#[test]
fn given_python_leaf_of_an_intermediate_when_checked_then_not_issued_by_that_intermediate() {
    let b = backend();
    let read = |name: &str| std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    let leaf = b
        .parse_certificate(&read("intermediate_leaf_certificate.pem"))
        .unwrap();
    let chain = b
        .parse_certificates(&read("intermediate_chain.pem"))
        .unwrap();
    assert_eq!(chain.len(), 3);
    assert!(b.verify_issued_by(&leaf, &chain[1]).is_err());
    assert!(b.check_chain_order(&chain).is_err());
}
