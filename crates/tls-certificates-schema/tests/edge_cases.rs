//! Byte equality with Python's `json.dumps` on content the captured fixtures do not exercise:
//! non-ASCII and astral characters, DEL and control characters, `"ca": null`, `"revoked": false`,
//! empty `chain` and `allowed_domains`, unknown error codes. The expected bytes were produced by
//! Python's `json.dumps` over dicts in the models' field order, with default fields left out.

use std::collections::BTreeMap;

use tls_certificates_schema::Databag;
use tls_certificates_schema::v1::{ErrorCode, ProviderData, RequirerData};

fn edge_cases() -> BTreeMap<String, Databag> {
    serde_json::from_str(include_str!("fixtures/python_encoded_edge_cases.json")).unwrap()
}

#[test]
fn given_python_encoded_edge_cases_when_decoded_and_reencoded_then_bytes_are_identical() {
    let cases = edge_cases();
    let provider_bag = &cases["provider"];
    let provider = ProviderData::decode(provider_bag);
    assert!(provider.is_clean(), "{:?}", provider.issues);
    for (key, value) in provider.value.encode().iter() {
        assert_eq!(value, provider_bag.get(key).map(String::as_str), "{key}");
    }

    let requirer_bag = &cases["requirer"];
    let requirer = RequirerData::decode(requirer_bag);
    assert!(requirer.is_clean(), "{:?}", requirer.issues);
    assert_eq!(
        requirer.value.encode().change(RequirerData::KEY),
        Some(requirer_bag.get(RequirerData::KEY).map(String::as_str))
    );
}

#[test]
fn given_python_encoded_edge_cases_when_decoded_then_falsy_and_unknown_values_survive() {
    let provider = ProviderData::decode(&edge_cases()["provider"]).value;
    assert_eq!(provider.certificates[0].revoked, Some(false));
    assert_eq!(provider.certificates[0].chain, Some(vec![]));
    assert_eq!(provider.certificates[1].chain, None);
    let error = &provider.request_errors[0].error;
    assert_eq!(error.code.code(), 777);
    assert!(matches!(error.code, ErrorCode::Unknown(_)));
    assert_eq!(error.message, "café 🔒 \"quoted\" \\ tab\t");
    let capabilities = provider.capabilities.unwrap();
    assert_eq!(capabilities.allowed_domains, Some(vec![]));
    assert_eq!(
        capabilities.provider_type.as_deref(),
        Some("été 😀\u{7f}\u{1}")
    );
}
