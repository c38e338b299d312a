//! The provider's application databag.

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::certificate::ProviderCertificate;
use super::{canonical, check_decoded_form, decode_list, decode_raw_list, from_decoded_form};
use crate::databag::json_value;
use crate::json::{ObjectWriter, write_list};
use crate::lax::Fields;
use crate::{DatabagSource, DatabagUpdate, Decoded, Error, Location, PemCsr};

/// A refused request in the provider's `request_errors` list.
///
/// On the wire: `{"csr": "<PEM>", "error": {...}}`. The published schema names the first key
/// `certificate_signing_request`; the Python implementation writes and reads `csr`. We write
/// `csr` and read either (`csr` wins when both are present).
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct RequestError {
    /// The refused request.
    pub csr: PemCsr,
    /// Why it was refused.
    pub error: ProviderError,
}

impl RequestError {
    pub(crate) fn decode(fields: &Fields<'_>) -> Result<Self, Error> {
        let csr = if fields.optional("csr").is_some() || !fields.has("certificate_signing_request")
        {
            fields.csr("csr")?
        } else {
            fields.csr("certificate_signing_request")?
        };
        let error = fields.nested("error")?;
        Ok(Self {
            csr,
            error: ProviderError {
                code: ErrorCode::from_code(error.int("code")?),
                name: error.str("name")?.to_owned(),
                message: error.str("message")?.to_owned(),
                reason: error.opt_str("reason")?,
                provider: error.opt_str("provider")?,
                endpoint: error.opt_str("endpoint")?,
            },
        })
    }

    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object.str("csr", self.csr.as_str());
        self.error.write(object.member("error"));
        object.close();
    }
}

/// The details of a refusal (the Python `CertificateError`).
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct ProviderError {
    /// The error code.
    pub code: ErrorCode,
    /// The error name; Python providers write the code's name, e.g. `DOMAIN_NOT_ALLOWED`.
    pub name: String,
    /// A human-readable message.
    pub message: String,
    /// Why, in more detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Which provider refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's endpoint, if relevant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl ProviderError {
    /// An error with `code`, its standard name (the number, for unknown codes), `message`, and
    /// no optional details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            name: code
                .name()
                .map_or_else(|| code.code().to_string(), str::to_owned),
            message: message.into(),
            reason: None,
            provider: None,
            endpoint: None,
        }
    }

    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object.int("code", self.code.code());
        object.str("name", &self.name);
        object.str("message", &self.message);
        object.opt_str("reason", self.reason.as_deref());
        object.opt_str("provider", self.provider.as_deref());
        object.opt_str("endpoint", self.endpoint.as_deref());
        object.close();
    }
}

/// The code of a [`ProviderError`]: 1XX are problems with the CSR, 2XX with the server, 9XX
/// anything else. Codes this crate does not know are kept, not rejected.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 102: a DNS name is outside the provider's allowed domains.
    DomainNotAllowed,
    /// 101: the provider does not issue certificates with IP SANs.
    IpNotAllowed,
    /// 999: any other error.
    Other,
    /// 201: the provider's backend is not available.
    ServerNotAvailable,
    /// A code this crate does not know, kept as received.
    Unknown(UnknownErrorCode),
    /// 103: the provider does not issue wildcard certificates.
    WildcardNotAllowed,
}

/// A numeric error code that is not one of the standard ones; only [`ErrorCode::from_code`]
/// makes one, so `ErrorCode::Unknown(_)` never holds a standard code.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct UnknownErrorCode(i64);

impl UnknownErrorCode {
    /// The number.
    pub fn value(self) -> i64 {
        self.0
    }
}

impl ErrorCode {
    /// The code for a number; unknown numbers become [`ErrorCode::Unknown`].
    pub fn from_code(code: i64) -> Self {
        match code {
            101 => Self::IpNotAllowed,
            102 => Self::DomainNotAllowed,
            103 => Self::WildcardNotAllowed,
            201 => Self::ServerNotAvailable,
            999 => Self::Other,
            other => Self::Unknown(UnknownErrorCode(other)),
        }
    }

    /// The number.
    pub fn code(self) -> i64 {
        match self {
            Self::IpNotAllowed => 101,
            Self::DomainNotAllowed => 102,
            Self::WildcardNotAllowed => 103,
            Self::ServerNotAvailable => 201,
            Self::Other => 999,
            Self::Unknown(code) => code.0,
        }
    }

    /// The Python enum member name (`CertificateRequestErrorCode`), e.g. `IP_NOT_ALLOWED`;
    /// `None` for unknown codes.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::IpNotAllowed => Some("IP_NOT_ALLOWED"),
            Self::DomainNotAllowed => Some("DOMAIN_NOT_ALLOWED"),
            Self::WildcardNotAllowed => Some("WILDCARD_NOT_ALLOWED"),
            Self::ServerNotAvailable => Some("SERVER_NOT_AVAILABLE"),
            Self::Other => Some("OTHER"),
            Self::Unknown(_) => None,
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.code())
    }
}

/// What the provider says it can do (`capabilities`; charmlibs 1.10+). Every field is
/// optional; `None` means "not said".
///
/// Decoding is per field: a field with a bad value is reported and left `None`.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProviderCapabilities {
    /// Whether IP SANs are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports_ip_sans: Option<bool>,
    /// Whether wildcard DNS names are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports_wildcard_dns: Option<bool>,
    /// Whether subdomains of the allowed domains are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports_subdomain: Option<bool>,
    /// Whether CA certificates are issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports_ca_certificates: Option<bool>,
    /// The domains certificates may be issued for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_domains: Option<Vec<String>>,
    /// A hint of what the provider is, e.g. `acme`, `vault`, `self-signed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
}

impl ProviderCapabilities {
    fn decode(value: Result<Option<Value>, Error>, issues: &mut Vec<Error>) -> Option<Self> {
        let value = match value {
            Ok(value) => value?,
            Err(error) => {
                issues.push(error);
                return None;
            }
        };
        let fields = Fields::new(&value, Location::key(ProviderData::CAPABILITIES_KEY))
            .map_err(|error| issues.push(error))
            .ok()?;
        let mut field =
            |result: Result<_, Error>| result.map_err(|error| issues.push(error)).ok().flatten();
        Some(Self {
            supports_ip_sans: field(fields.opt_bool("supports_ip_sans")),
            supports_wildcard_dns: field(fields.opt_bool("supports_wildcard_dns")),
            supports_subdomain: field(fields.opt_bool("supports_subdomain")),
            supports_ca_certificates: field(fields.opt_bool("supports_ca_certificates")),
            allowed_domains: fields
                .opt_str_list("allowed_domains")
                .map_err(|error| issues.push(error))
                .ok()
                .flatten(),
            provider_type: fields
                .opt_str("provider_type")
                .map_err(|error| issues.push(error))
                .ok()
                .flatten(),
        })
    }

    /// The value of the `capabilities` key exactly as the Python library writes it.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let mut object = ObjectWriter::open(&mut out);
        object.opt_bool("supports_ip_sans", self.supports_ip_sans);
        object.opt_bool("supports_wildcard_dns", self.supports_wildcard_dns);
        object.opt_bool("supports_subdomain", self.supports_subdomain);
        object.opt_bool("supports_ca_certificates", self.supports_ca_certificates);
        object.opt_str_list(
            "allowed_domains",
            self.allowed_domains
                .as_ref()
                .map(|d| d.iter().map(String::as_str)),
        );
        object.opt_str("provider_type", self.provider_type.as_deref());
        object.close();
        out
    }
}

/// The provider's application databag.
///
/// A request appears in `certificates` or in `request_errors`, never both (the Python provider
/// keeps it that way; this type does not enforce it).
///
/// Serializes (with serde) to the *decoded form*; [`ProviderData::encode`] produces the wire form.
#[derive(Clone, Debug, Default, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProviderData {
    /// Issued certificates. Empty means the key is absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<ProviderCertificate>,
    /// Refused requests. Empty means the key is absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_errors: Vec<RequestError>,
    /// What the provider can do; `None` means the key is absent ("not advertised yet").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<ProviderCapabilities>,
}

impl ProviderData {
    /// The databag key holding the issued certificates.
    pub const CERTIFICATES_KEY: &'static str = "certificates";
    /// The databag key holding the refused requests.
    pub const REQUEST_ERRORS_KEY: &'static str = "request_errors";
    /// The databag key holding the capabilities.
    pub const CAPABILITIES_KEY: &'static str = "capabilities";

    /// The keys this side owns and writes.
    pub const KEYS: [&'static str; 3] = [
        Self::CERTIFICATES_KEY,
        Self::REQUEST_ERRORS_KEY,
        Self::CAPABILITIES_KEY,
    ];

    /// Provider data with the given content.
    pub fn new(
        certificates: Vec<ProviderCertificate>,
        request_errors: Vec<RequestError>,
        capabilities: Option<ProviderCapabilities>,
    ) -> Self {
        Self {
            certificates,
            request_errors,
            capabilities,
        }
    }

    /// Provider data with the given certificates, no errors and no capabilities.
    pub fn with_certificates(certificates: Vec<ProviderCertificate>) -> Self {
        Self {
            certificates,
            ..Self::default()
        }
    }

    /// Decodes a provider app databag, tolerating what the Python library tolerates and
    /// skipping, with a reported issue, each malformed entry. The keys are independent: invalid
    /// JSON under one key does not affect the others.
    pub fn decode(databag: &(impl DatabagSource + ?Sized)) -> Decoded<Self> {
        let mut issues = Vec::new();
        // The certificates are the bulk of the data: a typed pass when they are regular.
        let certificates = decode_raw_list(
            databag,
            Self::CERTIFICATES_KEY,
            &mut issues,
            ProviderCertificate::decode,
        );
        let request_errors = decode_list(
            json_value(databag, Self::REQUEST_ERRORS_KEY),
            Self::REQUEST_ERRORS_KEY,
            &mut issues,
            RequestError::decode,
        );
        let capabilities =
            ProviderCapabilities::decode(json_value(databag, Self::CAPABILITIES_KEY), &mut issues);
        Decoded {
            value: Self {
                certificates,
                request_errors,
                capabilities,
            },
            issues,
        }
    }

    /// Decodes the *decoded form* of a provider databag: a JSON object whose values are already
    /// parsed (what `serde_json::to_value(&data)` produces, and the `*.decoded.json` fixtures).
    pub fn from_decoded(decoded: &Value) -> Decoded<Self> {
        let mut issues = Vec::new();
        check_decoded_form(decoded, &mut issues);
        Self::decode_values(|key| from_decoded_form(decoded, key), issues)
    }

    /// Decodes from `value(key)`, the JSON document of each key, after the `issues` found so far.
    fn decode_values(
        value: impl Fn(&str) -> Result<Option<Value>, Error>,
        mut issues: Vec<Error>,
    ) -> Decoded<Self> {
        let value = Self {
            certificates: decode_list(
                value(Self::CERTIFICATES_KEY),
                Self::CERTIFICATES_KEY,
                &mut issues,
                ProviderCertificate::decode,
            ),
            request_errors: decode_list(
                value(Self::REQUEST_ERRORS_KEY),
                Self::REQUEST_ERRORS_KEY,
                &mut issues,
                RequestError::decode,
            ),
            capabilities: ProviderCapabilities::decode(value(Self::CAPABILITIES_KEY), &mut issues),
        };
        Decoded { value, issues }
    }

    /// Reads a `certificates` value that is exactly what [`Self::encode_certificates`] writes
    /// for its entries (as this crate and the Python library write it), so that encoding the
    /// entries again gives `text` back byte for byte; `None` for any other text, which
    /// [`Self::decode`] reads tolerantly. An empty list is never written, so `[]` is not
    /// canonical; nor is a value longer than [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN).
    ///
    /// It tells a provider reading back its own value that the value needs no rewrite as long
    /// as its entries do not change, without keeping a copy of it to compare against.
    pub fn decode_canonical_certificates(text: &str) -> Option<Vec<ProviderCertificate>> {
        if text.len() > crate::MAX_VALUE_LEN {
            return None;
        }
        canonical::certificates(text)
    }

    /// The value of `certificates` exactly as the Python library writes it, or `None` when the
    /// list is empty (the key must then be deleted).
    ///
    /// Takes any sequence of references (a slice, a `Vec`, or an iterator over entries held
    /// elsewhere), so callers need not clone entries into a list first.
    pub fn encode_certificates<'a>(
        certificates: impl IntoIterator<Item = &'a ProviderCertificate>,
    ) -> Option<String> {
        let certificates: Vec<&ProviderCertificate> = certificates.into_iter().collect();
        if certificates.is_empty() {
            return None;
        }
        // Sized up front: a provider's value holds megabytes, and growing it by doubling
        // copies it again and again (each time into fresh pages).
        let mut out = String::with_capacity(
            certificates
                .iter()
                .map(|certificate| certificate.encoded_len_estimate())
                .sum::<usize>()
                + 2 * certificates.len(),
        );
        write_list(&mut out, certificates, |out, certificate| {
            certificate.write(out)
        });
        Some(out)
    }

    /// The value of `request_errors` exactly as the Python library writes it, or `None` when the
    /// list is empty (the key must then be deleted).
    ///
    /// Takes any sequence of references, like [`Self::encode_certificates`].
    pub fn encode_request_errors<'a>(
        errors: impl IntoIterator<Item = &'a RequestError>,
    ) -> Option<String> {
        let mut errors = errors.into_iter().peekable();
        errors.peek()?;
        let mut out = String::new();
        write_list(&mut out, errors, |out, error| error.write(out));
        Some(out)
    }

    /// The update to write to the provider's app databag: each of [`Self::KEYS`] set, or deleted
    /// when empty/`None`. No other key is touched.
    pub fn encode(&self) -> DatabagUpdate {
        let mut update = DatabagUpdate::new();
        update.set(
            Self::CERTIFICATES_KEY,
            Self::encode_certificates(&self.certificates),
        );
        update.set(
            Self::REQUEST_ERRORS_KEY,
            Self::encode_request_errors(&self.request_errors),
        );
        update.set(
            Self::CAPABILITIES_KEY,
            self.capabilities.as_ref().map(ProviderCapabilities::encode),
        );
        update
    }
}
