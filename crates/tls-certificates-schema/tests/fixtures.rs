//! Every databag captured from the real Python library decodes to the expected content, and
//! re-encoding reproduces the captured value bytes exactly.

use std::path::PathBuf;

use serde_json::Value;
use tls_certificates_schema::Databag;
use tls_certificates_schema::v1::{ErrorCode, ProviderData, RequirerData};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/fixtures/python-reference")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn databag(name: &str) -> Databag {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Re-encodes `bag` and checks that the update writes every captured value byte for byte and
/// deletes exactly the owned keys the capture does not have.
fn assert_reencodes_exactly(
    bag: &Databag,
    update: &tls_certificates_schema::DatabagUpdate,
    owned: &[&str],
) {
    for key in owned {
        assert_eq!(
            update.change(key),
            Some(bag.get(*key).map(String::as_str)),
            "key {key}"
        );
    }
    let mut rewritten = bag.clone();
    update.apply_to(&mut rewritten);
    assert_eq!(&rewritten, bag);
    assert!(update.minimized_against(bag).is_empty());
}

const REQUIRER_FIXTURES: [&str; 2] = ["requirer_unit_databag.json", "requirer_app_databag.json"];
const PROVIDER_FIXTURES: [&str; 6] = [
    "provider_databag.json",
    "provider_databag_app.json",
    "provider_databag_capabilities.json",
    "provider_databag_capabilities_only.json",
    "provider_databag_error.json",
    "provider_databag_revoked.json",
];

#[test]
fn given_python_requirer_databags_when_decoded_and_reencoded_then_bytes_are_identical() {
    for name in REQUIRER_FIXTURES {
        let bag = databag(name);
        let decoded = RequirerData::decode(&bag);
        assert!(decoded.is_clean(), "{name}: {:?}", decoded.issues);
        assert!(
            !decoded.value.certificate_signing_requests.is_empty(),
            "{name}"
        );
        assert_reencodes_exactly(&bag, &decoded.value.encode(), &[RequirerData::KEY]);
    }
}

#[test]
fn given_python_app_and_unit_databags_when_decoded_and_reencoded_then_bytes_are_identical() {
    let both: std::collections::BTreeMap<String, Databag> =
        serde_json::from_str(&fixture("requirer_app_and_unit_databags.json")).unwrap();
    assert_eq!(both.keys().collect::<Vec<_>>(), ["app", "unit"]);
    for (side, bag) in &both {
        let decoded = RequirerData::decode(bag);
        assert!(decoded.is_clean(), "{side}: {:?}", decoded.issues);
        assert_eq!(
            decoded.value.certificate_signing_requests.len(),
            1,
            "{side}"
        );
        assert_reencodes_exactly(bag, &decoded.value.encode(), &[RequirerData::KEY]);
    }
}

#[test]
fn given_python_provider_databags_when_decoded_and_reencoded_then_bytes_are_identical() {
    for name in PROVIDER_FIXTURES {
        let bag = databag(name);
        let decoded = ProviderData::decode(&bag);
        assert!(decoded.is_clean(), "{name}: {:?}", decoded.issues);
        assert_reencodes_exactly(&bag, &decoded.value.encode(), &ProviderData::KEYS);
    }
}

#[test]
fn given_decoded_fixtures_when_compared_then_decode_yields_the_same_content() {
    for (raw, decoded_name) in [
        (
            "requirer_unit_databag.json",
            "requirer_unit_databag.decoded.json",
        ),
        (
            "requirer_app_databag.json",
            "requirer_app_databag.decoded.json",
        ),
    ] {
        let expected: Value = serde_json::from_str(&fixture(decoded_name)).unwrap();
        let decoded = RequirerData::decode(&databag(raw)).value;
        assert_eq!(serde_json::to_value(&decoded).unwrap(), expected, "{raw}");
        let from_decoded = RequirerData::from_decoded(&expected);
        assert!(from_decoded.is_clean());
        assert_eq!(from_decoded.value, decoded);
    }
    for (raw, decoded_name) in [
        ("provider_databag.json", "provider_databag.decoded.json"),
        (
            "provider_databag_error.json",
            "provider_databag_error.decoded.json",
        ),
    ] {
        let expected: Value = serde_json::from_str(&fixture(decoded_name)).unwrap();
        let decoded = ProviderData::decode(&databag(raw)).value;
        assert_eq!(serde_json::to_value(&decoded).unwrap(), expected, "{raw}");
        let from_decoded = ProviderData::from_decoded(&expected);
        assert!(from_decoded.is_clean());
        assert_eq!(from_decoded.value, decoded);
    }
}

#[test]
fn given_python_fixtures_when_decoded_then_fields_match_what_the_capture_describes() {
    // The app databag has two requests, the second one for a CA.
    let app = RequirerData::decode(&databag("requirer_app_databag.json")).value;
    let flags: Vec<_> = app
        .certificate_signing_requests
        .iter()
        .map(|r| r.ca)
        .collect();
    assert_eq!(flags, [Some(false), Some(true)]);

    // The provider answers the unit request: chain leaf first, then the CA; not revoked.
    let requirer = RequirerData::decode(&databag("requirer_unit_databag.json")).value;
    let provider = ProviderData::decode(&databag("provider_databag.json")).value;
    let [certificate] = provider.certificates.as_slice() else {
        panic!("expected one certificate, got {:?}", provider.certificates)
    };
    assert_eq!(
        certificate.certificate_signing_request,
        requirer.certificate_signing_requests[0].certificate_signing_request
    );
    let chain = certificate.chain.as_ref().unwrap();
    assert_eq!(chain.first(), Some(&certificate.certificate));
    assert_eq!(chain.last(), Some(&certificate.ca));
    assert_eq!(certificate.revoked, None);
    assert!(provider.capabilities.is_none());

    let revoked = ProviderData::decode(&databag("provider_databag_revoked.json")).value;
    assert!(revoked.certificates[0].is_revoked());

    let error = ProviderData::decode(&databag("provider_databag_error.json")).value;
    assert!(error.certificates.is_empty());
    let refusal = &error.request_errors[0].error;
    assert_eq!(refusal.code, ErrorCode::DomainNotAllowed);
    assert_eq!(refusal.name, "DOMAIN_NOT_ALLOWED");
    assert_eq!(refusal.provider.as_deref(), Some("peer-provider"));
    assert_eq!(refusal.endpoint, None);

    let capabilities = ProviderData::decode(&databag("provider_databag_capabilities_only.json"))
        .value
        .capabilities
        .unwrap();
    assert_eq!(capabilities.supports_ip_sans, Some(true));
    assert_eq!(capabilities.supports_wildcard_dns, Some(false));
    assert_eq!(capabilities.supports_subdomain, None);
    assert_eq!(capabilities.supports_ca_certificates, Some(true));
    assert_eq!(
        capabilities.allowed_domains.as_deref(),
        Some(&["example.com".to_owned(), "peer.example.com".to_owned()][..])
    );
    assert_eq!(capabilities.provider_type.as_deref(), Some("self-signed"));
}
