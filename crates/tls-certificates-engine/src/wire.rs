//! The relation-data wire format (interface v1), decoded tolerantly and encoded byte-exactly as
//! the Python library's `json.dumps` does (separators `", "` / `": "`, `ensure_ascii`, model
//! field order, defaults omitted).
//!
//! Decoding is per entry: one malformed entry is reported and skipped, the others are kept.

use serde_json::Value;

/// Requirer databag key.
pub(crate) const CSRS_KEY: &str = "certificate_signing_requests";
/// Provider app databag keys.
pub(crate) const CERTIFICATES_KEY: &str = "certificates";
pub(crate) const REQUEST_ERRORS_KEY: &str = "request_errors";
pub(crate) const CAPABILITIES_KEY: &str = "capabilities";

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

/// The `error` object of a `request_errors` entry.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct CertificateError {
    /// Numeric code: 101 IP not allowed, 102 domain not allowed, 103 wildcard not allowed,
    /// 201 server not available, 999 other.
    pub code: i64,
    /// Symbolic name, e.g. `DOMAIN_NOT_ALLOWED`.
    pub name: String,
    /// Human-readable message.
    pub message: String,
    /// Optional reason.
    pub reason: Option<String>,
    /// Optional provider name.
    pub provider: Option<String>,
    /// Optional endpoint.
    pub endpoint: Option<String>,
}

/// One `request_errors` entry.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct ErrorEntry {
    pub(crate) csr: String,
    pub(crate) error: CertificateError,
}

/// What a provider advertises (`capabilities`); every field optional, `None` means unknown.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub struct ProviderCapabilities {
    /// Whether IP SANs are supported.
    pub supports_ip_sans: Option<bool>,
    /// Whether wildcard DNS names are supported.
    pub supports_wildcard_dns: Option<bool>,
    /// Whether subdomains are supported.
    pub supports_subdomain: Option<bool>,
    /// Whether CA certificates can be requested.
    pub supports_ca_certificates: Option<bool>,
    /// Allowed domains.
    pub allowed_domains: Option<Vec<String>>,
    /// Provider type hint (`acme`, `vault`, `self-signed`, ...).
    pub provider_type: Option<String>,
}

fn lax_bool(v: Option<&Value>) -> Result<Option<bool>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "off" | "0" => Ok(Some(false)),
            _ => Err(format!("not a boolean: {s:?}")),
        },
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(other) => Err(format!("not a boolean: {other}")),
    }
}

fn string_field(obj: &serde_json::Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("field {key:?} is not a string")),
        None => Err(format!("field {key:?} is missing")),
    }
}

fn opt_string_field(
    obj: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("field {key:?} is not a string")),
    }
}

/// Decodes a JSON array value; each element through `entry`. Returns the good entries and one
/// message per bad entry (or one for the whole value if it is not a JSON array).
fn decode_list<T>(
    raw: &str,
    entry: impl Fn(&serde_json::Map<String, Value>) -> Result<T, String>,
) -> (Vec<T>, Vec<String>) {
    let value: Value = match serde_json::from_str(raw) {
        Ok(v) => v,
        Err(e) => return (Vec::new(), vec![format!("not valid JSON: {e}")]),
    };
    let Value::Array(items) = value else {
        return (Vec::new(), vec!["not a JSON array".to_owned()]);
    };
    let mut good = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let result = match item {
            Value::Object(obj) => entry(obj),
            _ => Err("not a JSON object".to_owned()),
        };
        match result {
            Ok(e) => good.push(e),
            Err(reason) => bad.push(format!("entry {index}: {reason}")),
        }
    }
    (good, bad)
}

pub(crate) fn decode_csrs(raw: &str) -> (Vec<CsrEntry>, Vec<String>) {
    decode_list(raw, |obj| {
        Ok(CsrEntry {
            csr: string_field(obj, "certificate_signing_request")?,
            ca: lax_bool(obj.get("ca"))?.unwrap_or(false),
        })
    })
}

pub(crate) fn decode_certificates(raw: &str) -> (Vec<CertificateEntry>, Vec<String>) {
    decode_list(raw, |obj| {
        let chain = match obj.get("chain") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
                        _ => Err("chain element is not a string".to_owned()),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err("field \"chain\" is not an array".to_owned()),
        };
        Ok(CertificateEntry {
            ca: string_field(obj, "ca")?,
            csr: string_field(obj, "certificate_signing_request")?,
            certificate: string_field(obj, "certificate")?,
            chain,
            revoked: lax_bool(obj.get("revoked"))?,
        })
    })
}

pub(crate) fn decode_request_errors(raw: &str) -> (Vec<ErrorEntry>, Vec<String>) {
    decode_list(raw, |obj| {
        // The implementation writes "csr"; the published schema says
        // "certificate_signing_request": accept both.
        let csr = string_field(obj, "csr")
            .or_else(|_| string_field(obj, "certificate_signing_request"))?;
        let Some(Value::Object(err)) = obj.get("error") else {
            return Err("field \"error\" is missing or not an object".to_owned());
        };
        let code = err
            .get("code")
            .and_then(Value::as_i64)
            .ok_or_else(|| "field \"error.code\" is missing or not an integer".to_owned())?;
        Ok(ErrorEntry {
            csr,
            error: CertificateError {
                code,
                name: string_field(err, "name")?,
                message: string_field(err, "message")?,
                reason: opt_string_field(err, "reason")?,
                provider: opt_string_field(err, "provider")?,
                endpoint: opt_string_field(err, "endpoint")?,
            },
        })
    })
}

pub(crate) fn decode_capabilities(raw: &str) -> Result<ProviderCapabilities, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("not a JSON object".to_owned());
    };
    let allowed_domains = match obj.get("allowed_domains") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        ),
        Some(_) => return Err("allowed_domains is not an array".to_owned()),
    };
    Ok(ProviderCapabilities {
        supports_ip_sans: lax_bool(obj.get("supports_ip_sans"))?,
        supports_wildcard_dns: lax_bool(obj.get("supports_wildcard_dns"))?,
        supports_subdomain: lax_bool(obj.get("supports_subdomain"))?,
        supports_ca_certificates: lax_bool(obj.get("supports_ca_certificates"))?,
        allowed_domains,
        provider_type: opt_string_field(&obj, "provider_type")?,
    })
}

// ---- encoding, byte-exact with Python's json.dumps defaults ----

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }
    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        push_str(self.out, key);
        self.out.push_str(": ");
        self.out
    }
    fn string(&mut self, key: &str, value: &str) {
        let out = self.key(key);
        push_str(out, value);
    }
    fn bool(&mut self, key: &str, value: bool) {
        let out = self.key(key);
        out.push_str(if value { "true" } else { "false" });
    }
    fn strings(&mut self, key: &str, values: &[String]) {
        let out = self.key(key);
        out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_str(out, v);
        }
        out.push(']');
    }
    fn close(self) {
        self.out.push('}');
    }
}

fn encode_list<T>(items: &[T], entry: impl Fn(&mut String, &T)) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        entry(&mut out, item);
    }
    out.push(']');
    Some(out)
}

/// `None` when the list is empty: the key is then deleted, as the Python library does.
pub(crate) fn encode_csrs(entries: &[CsrEntry]) -> Option<String> {
    encode_list(entries, |out, e| {
        let mut o = Obj::open(out);
        o.string("certificate_signing_request", &e.csr);
        o.bool("ca", e.ca);
        o.close();
    })
}

pub(crate) fn encode_certificates(entries: &[CertificateEntry]) -> Option<String> {
    encode_list(entries, |out, e| {
        let mut o = Obj::open(out);
        o.string("ca", &e.ca);
        o.string("certificate_signing_request", &e.csr);
        o.string("certificate", &e.certificate);
        if let Some(chain) = &e.chain {
            o.strings("chain", chain);
        }
        if let Some(revoked) = e.revoked {
            o.bool("revoked", revoked);
        }
        o.close();
    })
}

pub(crate) fn encode_request_errors(entries: &[ErrorEntry]) -> Option<String> {
    encode_list(entries, |out, e| {
        let mut o = Obj::open(out);
        o.string("csr", &e.csr);
        let inner = o.key("error");
        let mut err = Obj::open(inner);
        let mut code = String::new();
        code.push_str(&e.error.code.to_string());
        {
            let out = err.key("code");
            out.push_str(&code);
        }
        err.string("name", &e.error.name);
        err.string("message", &e.error.message);
        for (k, v) in [
            ("reason", &e.error.reason),
            ("provider", &e.error.provider),
            ("endpoint", &e.error.endpoint),
        ] {
            if let Some(v) = v {
                err.string(k, v);
            }
        }
        err.close();
        o.close();
    })
}

pub(crate) fn encode_capabilities(c: &ProviderCapabilities) -> String {
    let mut out = String::new();
    let mut o = Obj::open(&mut out);
    for (k, v) in [
        ("supports_ip_sans", c.supports_ip_sans),
        ("supports_wildcard_dns", c.supports_wildcard_dns),
        ("supports_subdomain", c.supports_subdomain),
        ("supports_ca_certificates", c.supports_ca_certificates),
    ] {
        if let Some(v) = v {
            o.bool(k, v);
        }
    }
    if let Some(d) = &c.allowed_domains {
        o.strings("allowed_domains", d);
    }
    if let Some(t) = &c.provider_type {
        o.string("provider_type", t);
    }
    o.close();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let raw = bag[CSRS_KEY].as_str().unwrap();
        let (entries, bad) = decode_csrs(raw);
        assert!(bad.is_empty());
        assert_eq!(entries.len(), 2);
        assert_eq!(encode_csrs(&entries).as_deref(), Some(raw));
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
            if let Some(raw) = bag.get(CERTIFICATES_KEY).and_then(Value::as_str) {
                let (entries, bad) = decode_certificates(raw);
                assert!(bad.is_empty(), "{name}: {bad:?}");
                assert_eq!(
                    encode_certificates(&entries).as_deref(),
                    Some(raw),
                    "{name}"
                );
            }
            if let Some(raw) = bag.get(REQUEST_ERRORS_KEY).and_then(Value::as_str) {
                let (entries, bad) = decode_request_errors(raw);
                assert!(bad.is_empty(), "{name}: {bad:?}");
                assert_eq!(
                    encode_request_errors(&entries).as_deref(),
                    Some(raw),
                    "{name}"
                );
            }
            if let Some(raw) = bag.get(CAPABILITIES_KEY).and_then(Value::as_str) {
                let caps = decode_capabilities(raw).unwrap();
                assert_eq!(encode_capabilities(&caps), raw, "{name}");
            }
        }
    }

    #[test]
    fn given_one_malformed_entry_when_decoded_then_the_others_are_kept() {
        let raw = r#"[{"certificate_signing_request": "A", "ca": "false"}, 42, {"ca": true}, {"certificate_signing_request": "B", "ca": "true"}]"#;
        let (good, bad) = decode_csrs(raw);
        assert_eq!(
            good,
            vec![
                CsrEntry {
                    csr: "A".into(),
                    ca: false
                },
                CsrEntry {
                    csr: "B".into(),
                    ca: true
                }
            ]
        );
        assert_eq!(bad.len(), 2);
    }

    #[test]
    fn given_garbage_when_decoded_then_reported_not_panicking() {
        for raw in ["", "{", "null", "\"x\"", "[[[]]]", "{\"a\": 1}"] {
            let (good, bad) = decode_certificates(raw);
            assert!(good.is_empty());
            assert!(!bad.is_empty(), "{raw}");
            let _ = decode_capabilities(raw);
            let _ = decode_request_errors(raw);
        }
    }

    #[test]
    fn given_non_ascii_when_encoded_then_escaped_like_python() {
        let out = encode_csrs(&[CsrEntry {
            csr: "é\u{1F600}".into(),
            ca: true,
        }])
        .unwrap();
        assert_eq!(
            out,
            r#"[{"certificate_signing_request": "\u00e9\ud83d\ude00", "ca": true}]"#
        );
    }
}
