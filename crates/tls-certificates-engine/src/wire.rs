//! The relation-data wire format (interface v1), through `tls-certificates-schema`: decoded
//! tolerantly (one malformed entry is reported and skipped) and encoded byte-exactly as the
//! Python library's `json.dumps` does.
//!
//! The engine keeps PEM text as `String`s internally; every string it encodes either came out
//! of a schema decode, out of the crypto backend, or was checked with [`csr_pem`] at the API
//! boundary, so re-wrapping it into the schema's PEM newtypes cannot fail in practice (and is
//! still reported as a typed error if it does).

use tls_certificates_schema::v1::{
    CertificateSigningRequest, ProviderCertificate, ProviderData, RequestError, RequirerData,
};
pub use tls_certificates_schema::v1::{ErrorCode, ProviderCapabilities, ProviderError};
use tls_certificates_schema::{DatabagSource, PemCertificate, PemCsr};

use crate::Error;

/// One requirer entry.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct CsrEntry {
    pub(crate) csr: String,
    pub(crate) ca: bool,
}

/// One provider `certificates` entry.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct CertificateEntry {
    pub(crate) ca: String,
    pub(crate) csr: String,
    pub(crate) certificate: String,
    pub(crate) chain: Option<Vec<String>>,
    pub(crate) revoked: Option<bool>,
}

/// One `request_errors` entry.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct ErrorEntry {
    pub(crate) csr: String,
    pub(crate) error: ProviderError,
}

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
pub(crate) fn csr_pem(text: &str) -> Result<String, Error> {
    PemCsr::new(text)
        .map(PemCsr::into_string)
        .map_err(|e| Error::MalformedPem {
            reason: e.to_string(),
        })
}

pub(crate) fn decode_csrs(raw: &str) -> (Vec<CsrEntry>, Vec<String>) {
    let decoded = RequirerData::decode(&One(RequirerData::KEY, raw));
    let entries = decoded
        .value
        .certificate_signing_requests
        .into_iter()
        .map(|e| CsrEntry {
            ca: e.is_ca(),
            csr: e.certificate_signing_request.into_string(),
        })
        .collect();
    (entries, issues(decoded.issues))
}

fn provider(key: &'static str, raw: &str) -> (ProviderData, Vec<String>) {
    let decoded = ProviderData::decode(&One(key, raw));
    (decoded.value, issues(decoded.issues))
}

pub(crate) fn decode_certificates(raw: &str) -> (Vec<CertificateEntry>, Vec<String>) {
    let (data, bad) = provider(ProviderData::CERTIFICATES_KEY, raw);
    let entries = data
        .certificates
        .into_iter()
        .map(|c| CertificateEntry {
            ca: c.ca.into_string(),
            csr: c.certificate_signing_request.into_string(),
            certificate: c.certificate.into_string(),
            chain: c
                .chain
                .map(|chain| chain.into_iter().map(PemCertificate::into_string).collect()),
            revoked: c.revoked,
        })
        .collect();
    (entries, bad)
}

pub(crate) fn decode_request_errors(raw: &str) -> (Vec<ErrorEntry>, Vec<String>) {
    let (data, bad) = provider(ProviderData::REQUEST_ERRORS_KEY, raw);
    let entries = data
        .request_errors
        .into_iter()
        .map(|e| ErrorEntry {
            csr: e.csr.into_string(),
            error: e.error,
        })
        .collect();
    (entries, bad)
}

pub(crate) fn decode_capabilities(raw: &str) -> Result<ProviderCapabilities, String> {
    let (data, bad) = provider(ProviderData::CAPABILITIES_KEY, raw);
    match (data.capabilities, bad.into_iter().next()) {
        (Some(c), None) => Ok(c),
        (_, Some(problem)) => Err(problem),
        (None, None) => Err("no capabilities".to_owned()),
    }
}

fn encoding(e: tls_certificates_schema::Error) -> Error {
    Error::MalformedPem {
        reason: e.to_string(),
    }
}

/// `None` when the list is empty: the key is then deleted, as the Python library does.
pub(crate) fn encode_csrs(entries: &[CsrEntry]) -> Result<Option<String>, Error> {
    let list = entries
        .iter()
        .map(|e| {
            Ok(CertificateSigningRequest::new(
                PemCsr::new(&e.csr).map_err(encoding)?,
                e.ca,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(RequirerData::encode_requests(&list))
}

pub(crate) fn encode_certificates(entries: &[CertificateEntry]) -> Result<Option<String>, Error> {
    let list = entries
        .iter()
        .map(|e| {
            Ok(ProviderCertificate {
                ca: PemCertificate::new(&e.ca).map_err(encoding)?,
                certificate_signing_request: PemCsr::new(&e.csr).map_err(encoding)?,
                certificate: PemCertificate::new(&e.certificate).map_err(encoding)?,
                chain: e
                    .chain
                    .as_ref()
                    .map(|chain| {
                        chain
                            .iter()
                            .map(|c| PemCertificate::new(c).map_err(encoding))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?,
                revoked: e.revoked,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ProviderData::encode_certificates(&list))
}

pub(crate) fn encode_request_errors(entries: &[ErrorEntry]) -> Result<Option<String>, Error> {
    let list = entries
        .iter()
        .map(|e| {
            Ok(RequestError {
                csr: PemCsr::new(&e.csr).map_err(encoding)?,
                error: e.error.clone(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ProviderData::encode_request_errors(&list))
}

pub(crate) fn encode_capabilities(c: &ProviderCapabilities) -> String {
    c.encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/python-reference"
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
        assert_eq!(encode_csrs(&entries).unwrap().as_deref(), Some(raw));
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
                    encode_certificates(&entries).unwrap().as_deref(),
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
                    encode_request_errors(&entries).unwrap().as_deref(),
                    Some(raw),
                    "{name}"
                );
            }
            if let Some(raw) = bag
                .get(ProviderData::CAPABILITIES_KEY)
                .and_then(Value::as_str)
            {
                let caps = decode_capabilities(raw).unwrap();
                assert_eq!(encode_capabilities(&caps), raw, "{name}");
            }
        }
    }

    #[test]
    fn given_one_malformed_entry_when_decoded_then_the_others_are_kept() {
        let raw = r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nA\n-----END CERTIFICATE REQUEST-----", "ca": "false"}, 42, {"ca": true}, {"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nB\n-----END CERTIFICATE REQUEST-----", "ca": "true"}]"#;
        let (good, bad) = decode_csrs(raw);
        assert_eq!(good.len(), 2);
        assert!(!good[0].ca);
        assert!(good[1].ca);
        assert_eq!(bad.len(), 2);
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
