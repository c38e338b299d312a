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

/// The requests of a requirer databag value, reading at most `cap` entries.
///
/// When the value is a JSON array of more than `cap` entries, only its first `cap` entries are
/// decoded; what follows them is not even scanned (its length is reported in
/// [`CappedCsrs::unread_bytes`]), so a hook's cost does not grow with what a peer appends.
/// A value in the form the Python library and this crate write is read without a JSON parser
/// (`RequirerData::decode_canonical_requests`, with the same cap). Anything that does not start
/// as such an array (invalid JSON in the first `cap` entries, another type, a value over the
/// schema's size limit) takes [`decode_csrs`], which reports it.
pub(crate) fn decode_csrs_capped(raw: &str, cap: usize) -> CappedCsrs {
    // What the Python library and this crate write reads without a JSON parser.
    if let Some((entries, unread_bytes)) = RequirerData::decode_canonical_requests(raw, cap) {
        return CappedCsrs {
            entries: entries
                .into_iter()
                .map(|e| {
                    let ca = e.is_ca();
                    CertificateSigningRequest::new(e.certificate_signing_request, ca)
                })
                .collect(),
            issues: Vec::new(),
            unread_bytes,
        };
    }
    if raw.len() <= tls_certificates_schema::MAX_VALUE_LEN
        && let Some((Some(head), unread_bytes)) = split_list(raw, cap)
    {
        let (entries, issues) = decode_csrs(&head);
        return CappedCsrs {
            entries,
            issues,
            unread_bytes,
        };
    }
    let (entries, issues) = decode_csrs(raw);
    CappedCsrs {
        entries,
        issues,
        unread_bytes: 0,
    }
}

/// What [`decode_csrs_capped`] read.
pub(crate) struct CappedCsrs {
    /// The well-formed entries among the first `cap`.
    pub(crate) entries: Vec<CertificateSigningRequest>,
    /// One line per malformed entry among the first `cap`.
    pub(crate) issues: Vec<String>,
    /// Bytes after the first `cap` entries, not read.
    pub(crate) unread_bytes: usize,
}

/// Splits a JSON array after its first `cap` entries: the text of an array of those entries,
/// and the number of bytes after them; `(None, 0)` when the array has at most `cap` entries
/// and ends there (the text is its own head). `None` when `text` does not start as a JSON
/// array of well-formed entries.
fn split_list(text: &str, cap: usize) -> Option<(Option<String>, usize)> {
    use serde_json::value::RawValue;

    let bytes = text.as_bytes();
    let skip_space = |mut i: usize| {
        while bytes
            .get(i)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            i += 1;
        }
        i
    };
    let mut at = skip_space(0);
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    at = skip_space(at + 1);
    // Entries read so far, and where the last of them ends.
    let mut read = 0usize;
    let mut head_end = at;
    let unread = if bytes.get(at) == Some(&b']') {
        at += 1;
        0
    } else {
        loop {
            if read == cap {
                break text.len() - at;
            }
            let mut entries =
                serde_json::Deserializer::from_str(text.get(at..)?).into_iter::<&RawValue>();
            entries.next()?.ok()?;
            read += 1;
            head_end = at + entries.byte_offset();
            at = skip_space(head_end);
            match bytes.get(at) {
                Some(b',') => at = skip_space(at + 1),
                Some(b']') => {
                    at += 1;
                    break 0;
                }
                _ => return None,
            }
        }
    };
    if unread == 0 {
        return (skip_space(at) == text.len()).then_some((None, 0));
    }
    // The entries read are a prefix of the array: it is closed after the last of them.
    let mut head = String::with_capacity(head_end + 1);
    head.push_str(text.get(..head_end)?);
    head.push(']');
    Some((Some(head), unread))
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
    fn given_more_entries_than_the_cap_when_decoded_then_only_the_first_are_read() {
        let entry = |i: usize| {
            format!(
                r#"{{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nA{i}\n-----END CERTIFICATE REQUEST-----", "ca": false}}"#
            )
        };
        let all: Vec<String> = (0..20_000).map(entry).collect();
        let raw = format!("[{}]", all.join(", "));
        let capped = decode_csrs_capped(&raw, 16);
        assert_eq!(capped.entries.len(), 16);
        let head = format!("[{}, ", all[..16].join(", "));
        assert_eq!(capped.unread_bytes, raw.len() - head.len());
        assert!(capped.issues.is_empty());
        assert!(
            capped.entries[15]
                .certificate_signing_request
                .as_str()
                .contains("A15")
        );
        // What follows the cap is not read at all, not even checked to be JSON.
        let cut = format!("{head}this is not JSON");
        assert_eq!(decode_csrs_capped(&cut, 16).entries.len(), 16);
        // At or under the cap: everything, exactly as the full decoder reads it.
        for small in [
            format!("[{}, 42]", all[..3].join(", ")),
            format!(" [ {} ] \n", all[0]),
            "[]".to_owned(),
        ] {
            let capped = decode_csrs_capped(&small, 16);
            let (entries, issues) = decode_csrs(&small);
            assert_eq!(
                (capped.entries, capped.issues, capped.unread_bytes),
                (entries, issues, 0),
                "{small}"
            );
        }
        // A malformed entry inside the cap is reported with its index; one after it is not read.
        let mixed = format!("[{}, 42, {}, {{}}]", entry(0), entry(1));
        let capped = decode_csrs_capped(&mixed, 3);
        assert_eq!((capped.entries.len(), capped.issues.len()), (2, 1));
        assert_eq!(capped.unread_bytes, "{}]".len());
        assert!(capped.issues[0].contains("[1]"), "{:?}", capped.issues);
        // Not an array, not JSON, or junk after the array: the full decoder reports it.
        for raw in ["{", "{\"a\": 1}", "\"x\"", "[1, 2", "[1,]", "[1] x"] {
            let capped = decode_csrs_capped(raw, 1);
            assert!(
                capped.entries.is_empty() && !capped.issues.is_empty(),
                "{raw}"
            );
        }
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
