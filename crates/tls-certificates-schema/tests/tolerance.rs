//! Decoding is as tolerant as the Python library, better where Python is fragile, and safe on
//! hostile input: typed, located issues, never a panic, bounded work.

use serde_json::json;
use tls_certificates_schema::v1::{ErrorCode, ProviderData, RequirerData};
use tls_certificates_schema::{Databag, Error, FieldProblem, MAX_VALUE_LEN, PemCsr};

const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----";
const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----";

fn bag(pairs: &[(&str, String)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn requirer_bag(entries: serde_json::Value) -> Databag {
    bag(&[("certificate_signing_requests", entries.to_string())])
}

fn certificate_entry() -> serde_json::Value {
    json!({"ca": CERT, "certificate_signing_request": CSR, "certificate": CERT, "chain": [CERT, CERT]})
}

/// The location (`key[index].field`) of every issue, as text.
fn issue_locations(issues: &[Error]) -> Vec<String> {
    issues
        .iter()
        .map(|issue| match issue {
            Error::InvalidField { at, .. } => at.to_string(),
            other => format!("{other}"),
        })
        .collect()
}

#[test]
fn given_python_lax_values_when_decoded_then_accepted_like_python() {
    let decoded = RequirerData::decode(&requirer_bag(json!([
        {"certificate_signing_request": CSR, "ca": "true", "unknown": [1, 2]},
        {"certificate_signing_request": CSR, "ca": "False"},
        {"certificate_signing_request": format!("{CSR}\n"), "ca": null},
    ])));
    assert!(decoded.is_clean(), "{:?}", decoded.issues);
    let flags: Vec<_> = decoded
        .value
        .certificate_signing_requests
        .iter()
        .map(|r| r.ca)
        .collect();
    assert_eq!(flags, [Some(true), Some(false), None]);
    // Surrounding whitespace is stripped, as Python's str(csr) does.
    assert_eq!(
        decoded.value.certificate_signing_requests[2]
            .certificate_signing_request
            .as_str(),
        CSR
    );
}

#[test]
fn given_requirer_entry_without_ca_when_decoded_then_it_is_a_non_ca_request() {
    let decoded =
        RequirerData::decode(&requirer_bag(json!([{"certificate_signing_request": CSR}])));
    assert!(decoded.is_clean());
    let request = &decoded.value.certificate_signing_requests[0];
    assert_eq!(request.ca, None);
    assert!(!request.is_ca());
}

#[test]
fn given_v3_provider_entry_when_decoded_then_expiry_hint_is_ignored() {
    let mut entry = certificate_entry();
    entry["recommended_expiry_notification_time"] = json!(168);
    entry["revoked"] = json!("yes");
    let decoded = ProviderData::decode(&bag(&[("certificates", json!([entry]).to_string())]));
    assert!(decoded.is_clean(), "{:?}", decoded.issues);
    assert!(decoded.value.certificates[0].is_revoked());
}

#[test]
fn given_request_error_keyed_like_the_published_schema_when_decoded_then_accepted() {
    let errors = json!([
        {"certificate_signing_request": CSR, "error": {"code": "101", "name": "IP_NOT_ALLOWED", "message": "no"}},
        {"csr": CSR, "error": {"code": 4242, "name": "NEW", "message": "later", "reason": null}},
    ]);
    let decoded = ProviderData::decode(&bag(&[("request_errors", errors.to_string())]));
    assert!(decoded.is_clean(), "{:?}", decoded.issues);
    let codes: Vec<_> = decoded
        .value
        .request_errors
        .iter()
        .map(|e| e.error.code)
        .collect();
    assert_eq!(codes[0], ErrorCode::IpNotAllowed);
    assert_eq!(codes[1].code(), 4242);
    assert!(matches!(codes[1], ErrorCode::Unknown(_)));
    // Unknown codes survive a round trip.
    let encoded = ProviderData::encode_request_errors(&decoded.value.request_errors).unwrap();
    assert!(encoded.contains(r#""code": 4242"#), "{encoded}");
}

#[test]
fn given_one_malformed_entry_among_good_ones_when_decoded_then_only_it_is_skipped_and_reported() {
    let decoded = RequirerData::decode(&requirer_bag(json!([
        {"certificate_signing_request": CSR, "ca": false},
        {"certificate_signing_request": 42, "ca": false},
        {"ca": true},
        {"certificate_signing_request": "not pem", "ca": false},
        {"certificate_signing_request": CSR, "ca": [true]},
        "a string, not an object",
        {"certificate_signing_request": CSR, "ca": true},
    ])));
    let kept: Vec<_> = decoded
        .value
        .certificate_signing_requests
        .iter()
        .map(|r| r.ca)
        .collect();
    assert_eq!(kept, [Some(false), Some(true)]);
    assert_eq!(
        issue_locations(&decoded.issues),
        [
            "certificate_signing_requests[1].certificate_signing_request",
            "certificate_signing_requests[2].certificate_signing_request",
            "certificate_signing_requests[3].certificate_signing_request",
            "certificate_signing_requests[4].ca",
            "certificate_signing_requests[5]",
        ]
    );
    let problems: Vec<_> = decoded
        .issues
        .iter()
        .map(|issue| match issue {
            Error::InvalidField { problem, .. } => problem.clone(),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(
        problems,
        [
            FieldProblem::UnexpectedType {
                expected: "a string",
                found: "a number"
            },
            FieldProblem::Missing,
            FieldProblem::NotPem,
            FieldProblem::UnexpectedType {
                expected: "a boolean",
                found: "an array"
            },
            FieldProblem::UnexpectedType {
                expected: "an object",
                found: "a string"
            },
        ]
    );
}

#[test]
fn given_bad_fields_in_provider_entries_when_decoded_then_each_is_located_precisely() {
    let mut bad_chain = certificate_entry();
    bad_chain["chain"] = json!([CERT, "garbage"]);
    let mut bad_revoked = certificate_entry();
    bad_revoked["revoked"] = json!("maybe");
    let certificates = json!([certificate_entry(), bad_chain, bad_revoked]);
    let errors = json!([
        {"csr": CSR, "error": {"code": 1.5, "name": "X", "message": "m"}},
        {"csr": CSR, "error": "nope"},
        {"csr": CSR, "error": {"code": 999, "name": "OTHER"}},
    ]);
    let capabilities = json!({"supports_ip_sans": "sometimes", "allowed_domains": ["a", 1], "provider_type": "acme"});
    let decoded = ProviderData::decode(&bag(&[
        ("certificates", certificates.to_string()),
        ("request_errors", errors.to_string()),
        ("capabilities", capabilities.to_string()),
    ]));
    assert_eq!(decoded.value.certificates.len(), 1);
    assert!(decoded.value.request_errors.is_empty());
    let capabilities = decoded.value.capabilities.unwrap();
    assert_eq!(capabilities.supports_ip_sans, None);
    assert_eq!(capabilities.allowed_domains, None);
    assert_eq!(capabilities.provider_type.as_deref(), Some("acme"));
    assert_eq!(
        issue_locations(&decoded.issues),
        [
            "certificates[1].chain[1]",
            "certificates[2].revoked",
            "request_errors[0].error.code",
            "request_errors[1].error",
            "request_errors[2].error.message",
            "capabilities.supports_ip_sans",
            "capabilities.allowed_domains[1]",
        ]
    );
}

#[test]
fn given_invalid_json_under_one_key_when_decoded_then_the_other_keys_still_decode() {
    let decoded = ProviderData::decode(&bag(&[
        ("certificates", "[{\"ca\": ".to_owned()),
        ("request_errors", "{\"not\": \"a list\"}".to_owned()),
        (
            "capabilities",
            json!({"provider_type": "vault"}).to_string(),
        ),
        ("unrelated", "{{{{".to_owned()),
    ]));
    assert!(decoded.value.certificates.is_empty());
    assert!(decoded.value.request_errors.is_empty());
    assert_eq!(
        decoded.value.capabilities.unwrap().provider_type.as_deref(),
        Some("vault")
    );
    assert_eq!(decoded.issues.len(), 2, "{:?}", decoded.issues);
    assert!(matches!(&decoded.issues[0], Error::InvalidJson { key, .. } if key == "certificates"));
    assert_eq!(
        decoded.issues[1].to_string(),
        "request_errors: expected an array, found an object"
    );
}

#[test]
fn given_null_or_trailing_garbage_values_when_decoded_then_reported_for_that_key() {
    let decoded =
        RequirerData::decode(&bag(&[("certificate_signing_requests", "null".to_owned())]));
    assert_eq!(decoded.issues.len(), 1);
    let decoded = RequirerData::decode(&bag(&[(
        "certificate_signing_requests",
        "[] trailing".to_owned(),
    )]));
    assert!(matches!(
        decoded.issues.as_slice(),
        [Error::InvalidJson { .. }]
    ));
}

#[test]
fn given_duplicate_json_keys_when_decoded_then_last_wins_like_python_json_loads() {
    let text = format!(
        r#"[{{"certificate_signing_request": "{}", "ca": true, "ca": false}}]"#,
        CSR.replace('\n', "\\n")
    );
    let decoded = RequirerData::decode(&bag(&[("certificate_signing_requests", text)]));
    assert!(decoded.is_clean());
    assert_eq!(
        decoded.value.certificate_signing_requests[0].ca,
        Some(false)
    );
}

#[test]
fn given_deeply_nested_json_when_decoded_then_typed_error_and_no_stack_overflow() {
    let depth = 100_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let decoded = RequirerData::decode(&bag(&[("certificate_signing_requests", text)]));
    assert!(matches!(
        decoded.issues.as_slice(),
        [Error::InvalidJson { .. }]
    ));
    // Nesting inside an entry, under a field we ignore, is bounded the same way.
    let nested = format!(r#"[{{"x": {}1{}}}]"#, "[".repeat(depth), "]".repeat(depth));
    let decoded = ProviderData::decode(&bag(&[("certificates", nested)]));
    assert!(matches!(
        decoded.issues.as_slice(),
        [Error::InvalidJson { .. }]
    ));
}

#[test]
fn given_value_over_the_size_limit_when_decoded_then_not_parsed_and_reported() {
    let huge = format!("[\"{}\"]", "A".repeat(MAX_VALUE_LEN));
    let decoded = ProviderData::decode(&bag(&[("certificates", huge)]));
    assert!(decoded.value.certificates.is_empty());
    assert!(matches!(
        decoded.issues.as_slice(),
        [Error::ValueTooLarge { key, limit, .. }] if key == "certificates" && *limit == MAX_VALUE_LEN
    ));
}

#[test]
fn given_huge_strings_under_the_limit_when_decoded_then_they_are_kept_intact() {
    let body = "A".repeat(4 * 1024 * 1024);
    let csr =
        format!("-----BEGIN CERTIFICATE REQUEST-----\n{body}\n-----END CERTIFICATE REQUEST-----");
    let decoded = RequirerData::decode(&requirer_bag(
        json!([{"certificate_signing_request": csr, "ca": false}]),
    ));
    assert!(decoded.is_clean());
    assert_eq!(
        decoded.value.certificate_signing_requests[0].certificate_signing_request,
        PemCsr::new(&csr).unwrap()
    );
}

#[test]
fn given_many_malformed_entries_when_decoded_then_each_is_reported_once() {
    let entries: Vec<_> = (0..50_000).map(|i| json!(i)).collect();
    let decoded = RequirerData::decode(&requirer_bag(json!(entries)));
    assert!(decoded.value.certificate_signing_requests.is_empty());
    assert_eq!(decoded.issues.len(), 50_000);
}

#[test]
fn given_lone_surrogate_escape_when_decoded_then_value_rejected_not_panicking() {
    // Python's json.loads accepts "\ud800"; Rust strings cannot hold it, so the key is reported.
    let decoded = RequirerData::decode(&bag(&[(
        "certificate_signing_requests",
        r#"[{"certificate_signing_request": "\ud800", "ca": false}]"#.to_owned(),
    )]));
    assert!(decoded.value.certificate_signing_requests.is_empty());
    assert_eq!(decoded.issues.len(), 1);
}

#[test]
fn given_decoded_form_that_is_not_an_object_when_read_then_reported() {
    let decoded = ProviderData::from_decoded(&json!([1, 2]));
    assert_eq!(decoded.issues.len(), 1);
    assert_eq!(decoded.value, ProviderData::default());
}

#[test]
fn given_empty_capabilities_object_when_decoded_then_present_with_nothing_said() {
    let decoded = ProviderData::decode(&bag(&[("capabilities", "{}".to_owned())]));
    assert!(decoded.is_clean());
    let capabilities = decoded.value.capabilities.clone().unwrap();
    assert_eq!(
        capabilities,
        tls_certificates_schema::v1::ProviderCapabilities::default()
    );
    // Absent and empty differ on the wire too: "{}" is written, absence deletes the key.
    assert_eq!(
        decoded.value.encode().change("capabilities"),
        Some(Some("{}"))
    );
    assert_eq!(
        ProviderData::default().encode().change("capabilities"),
        Some(None)
    );
}

#[test]
fn given_decoded_with_issues_when_made_strict_then_first_issue_is_returned() {
    let decoded = RequirerData::decode(&requirer_bag(json!([1, 2])));
    let error = decoded.into_strict().unwrap_err();
    assert_eq!(
        error.to_string(),
        "certificate_signing_requests[0]: expected an object, found a number"
    );
    let clean = RequirerData::decode(&Databag::new());
    assert_eq!(clean.into_strict().unwrap(), RequirerData::default());
}
