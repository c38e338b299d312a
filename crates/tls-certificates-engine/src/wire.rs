//! The relation-data wire format (interface v1): `tls-certificates-schema`'s types, decoded
//! tolerantly (one malformed entry is reported and skipped) and encoded byte-exactly as the
//! Python library's `json.dumps` does, by the schema's own encoders
//! ([`RequirerData::encode_requests`], [`ProviderData::encode_certificates`],
//! [`ProviderData::encode_request_errors`]).
//!
//! The engine holds entries as the schema's types (PEMs as `PemCsr` / `PemCertificate`), so
//! nothing is re-wrapped or re-checked on the way out.

use tls_certificates_schema::v1::{
    CertificateSigningRequest, ProviderCertificate, ProviderData, RequestError, RequirerData,
};
pub use tls_certificates_schema::v1::{ErrorCode, ProviderCapabilities, ProviderError};
use tls_certificates_schema::{DatabagSource, PemCsr};

use crate::Error;

/// A one-key databag view, so decoding one value does not copy it.
struct One<'a>(&'static str, &'a str);

impl DatabagSource for One<'_> {
    fn value(&self, key: &str) -> Option<&str> {
        (key == self.0).then_some(self.1)
    }
}

fn issues(list: Vec<tls_certificates_schema::Error>) -> Vec<String> {
    list.into_iter().map(|e| e.to_string()).collect()
}

/// Checks the shape of a PEM CSR given by the charm.
pub(crate) fn csr_pem(text: &str) -> Result<PemCsr, Error> {
    PemCsr::new(text).map_err(|e| Error::MalformedPem {
        reason: e.to_string(),
    })
}

/// The requests of a requirer databag value. A `null` or missing `ca` is read as `false` and
/// kept as `Some(false)`, so a re-encoded entry always writes a boolean `ca`.
pub(crate) fn decode_csrs(raw: &str) -> (Vec<CertificateSigningRequest>, Vec<String>) {
    let decoded = RequirerData::decode(&One(RequirerData::KEY, raw));
    let entries = decoded
        .value
        .certificate_signing_requests
        .into_iter()
        .map(|e| {
            let ca = e.is_ca();
            CertificateSigningRequest::new(e.certificate_signing_request, ca)
        })
        .collect();
    (entries, issues(decoded.issues))
}

fn provider(key: &'static str, raw: &str) -> (ProviderData, Vec<String>) {
    let decoded = ProviderData::decode(&One(key, raw));
    (decoded.value, issues(decoded.issues))
}

pub(crate) fn decode_certificates(raw: &str) -> (Vec<ProviderCertificate>, Vec<String>) {
    let (data, bad) = provider(ProviderData::CERTIFICATES_KEY, raw);
    (data.certificates, bad)
}

pub(crate) fn decode_request_errors(raw: &str) -> (Vec<RequestError>, Vec<String>) {
    let (data, bad) = provider(ProviderData::REQUEST_ERRORS_KEY, raw);
    (data.request_errors, bad)
}

pub(crate) fn decode_capabilities(raw: &str) -> Result<ProviderCapabilities, String> {
    let (data, bad) = provider(ProviderData::CAPABILITIES_KEY, raw);
    match (data.capabilities, bad.into_iter().next()) {
        (Some(c), None) => Ok(c),
        (_, Some(problem)) => Err(problem),
        (None, None) => Err("no capabilities".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference"
    );

    fn fixture(name: &str) -> serde_json::Map<String, Value> {
        let path = format!("{FIXTURES}/{name}");
        let text = std::fs::read_to_string(&path).unwrap();
        match serde_json::from_str(&text).unwrap() {
            Value::Object(o) => o,
            _ => panic!("{path} is not an object"),
        }
    }

    #[test]
    fn given_python_requirer_databag_when_decoded_and_encoded_then_bytes_are_identical() {
        let bag = fixture("requirer_app_databag.json");
        let raw = bag[RequirerData::KEY].as_str().unwrap();
        let (entries, bad) = decode_csrs(raw);
        assert!(bad.is_empty());
        assert_eq!(entries.len(), 2);
        assert_eq!(
            RequirerData::encode_requests(&entries).as_deref(),
            Some(raw)
        );
    }

    #[test]
    fn given_python_provider_databags_when_round_tripped_then_bytes_are_identical() {
        for name in [
            "provider_databag.json",
            "provider_databag_app.json",
            "provider_databag_revoked.json",
            "provider_databag_error.json",
            "provider_databag_capabilities.json",
        ] {
            let bag = fixture(name);
            if let Some(raw) = bag
                .get(ProviderData::CERTIFICATES_KEY)
                .and_then(Value::as_str)
            {
                let (entries, bad) = decode_certificates(raw);
                assert!(bad.is_empty(), "{name}: {bad:?}");
                assert_eq!(
                    ProviderData::encode_certificates(&entries).as_deref(),
                    Some(raw),
                    "{name}"
                );
            }
            if let Some(raw) = bag
                .get(ProviderData::REQUEST_ERRORS_KEY)
                .and_then(Value::as_str)
            {
                let (entries, bad) = decode_request_errors(raw);
                assert!(bad.is_empty(), "{name}: {bad:?}");
                assert_eq!(
                    ProviderData::encode_request_errors(&entries).as_deref(),
                    Some(raw),
                    "{name}"
                );
            }
            if let Some(raw) = bag
                .get(ProviderData::CAPABILITIES_KEY)
                .and_then(Value::as_str)
            {
                let caps = decode_capabilities(raw).unwrap();
                assert_eq!(caps.encode(), raw, "{name}");
            }
        }
    }

    #[test]
    fn given_one_malformed_entry_when_decoded_then_the_others_are_kept() {
        let raw = r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nA\n-----END CERTIFICATE REQUEST-----", "ca": "false"}, 42, {"ca": true}, {"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nB\n-----END CERTIFICATE REQUEST-----", "ca": "true"}]"#;
        let (good, bad) = decode_csrs(raw);
        assert_eq!(good.len(), 2);
        assert!(!good[0].is_ca());
        assert!(good[1].is_ca());
        assert_eq!(bad.len(), 2);
    }

    #[test]
    fn given_null_or_missing_ca_when_decoded_and_encoded_then_written_as_false() {
        let raw = r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nA\n-----END CERTIFICATE REQUEST-----", "ca": null}, {"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nB\n-----END CERTIFICATE REQUEST-----"}]"#;
        let (entries, bad) = decode_csrs(raw);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.ca == Some(false)));
        let encoded = RequirerData::encode_requests(&entries).unwrap();
        assert_eq!(encoded.matches(r#""ca": false"#).count(), 2, "{encoded}");
        assert!(!encoded.contains("null"), "{encoded}");
    }

    #[test]
    fn given_garbage_when_decoded_then_reported_not_panicking() {
        // An empty value is how Juju spells "absent": no entries, nothing to report.
        assert_eq!(decode_certificates("").0.len(), 0);
        for raw in ["{", "null", "\"x\"", "[[[]]]", "{\"a\": 1}"] {
            let (good, bad) = decode_certificates(raw);
            assert!(good.is_empty());
            assert!(!bad.is_empty(), "{raw}");
            let _ = decode_capabilities(raw);
            let _ = decode_request_errors(raw);
        }
    }
}
