//! The requirer's databag.

use serde::Serialize;
use serde::de::MapAccess;
use serde_json::Value;

use super::{check_decoded_form, decode_list, decode_raw_list, from_decoded_form};
use crate::fast::{FastEntry, NullableBool, read_members, required};
use crate::json::{ObjectWriter, write_list};
use crate::lax::Fields;
use crate::{DatabagSource, DatabagUpdate, Decoded, Error, PemCsr};

/// One certificate request in the requirer's databag.
///
/// On the wire: `{"certificate_signing_request": "<PEM>", "ca": false}`.
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct CertificateSigningRequest {
    /// The CSR, in PEM.
    pub certificate_signing_request: PemCsr,
    /// Whether a CA certificate is requested. The Python model types it `bool | None` *without*
    /// a default, so it is always written (`null` for `None`).
    ///
    /// **Decoding choice:** the Python library (pydantic v2) rejects the *whole* databag when an
    /// entry lacks `ca`. We read a missing `ca` as `None` ("not a CA request"), as pydantic v1
    /// and the v3 JSON schema did, so one old-style entry costs nothing. See [`Self::is_ca`].
    pub ca: Option<bool>,
}

impl CertificateSigningRequest {
    /// A request for a certificate; `is_ca` asks for a CA certificate.
    pub fn new(certificate_signing_request: PemCsr, is_ca: bool) -> Self {
        Self {
            certificate_signing_request,
            ca: Some(is_ca),
        }
    }

    /// Whether a CA certificate is requested (`ca` is `true`; `null` or missing means no).
    pub fn is_ca(&self) -> bool {
        self.ca.unwrap_or(false)
    }

    pub(crate) fn decode(fields: &Fields<'_>) -> Result<Self, Error> {
        Ok(Self {
            certificate_signing_request: fields.csr("certificate_signing_request")?,
            ca: fields.opt_bool("ca")?,
        })
    }

    fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object.str(
            "certificate_signing_request",
            self.certificate_signing_request.as_str(),
        );
        object.nullable_bool("ca", self.ca);
        object.close();
    }
}

impl FastEntry for CertificateSigningRequest {
    const FIELDS: &'static [&'static str] = &["certificate_signing_request", "ca"];

    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut csr = None;
        let mut ca = None;
        read_members(map, Self::FIELDS, |index, map| {
            Ok(if index == 0 {
                csr = PemCsr::from_string(map.next_value()?).ok();
                csr.is_some()
            } else {
                ca = map.next_value_seed(NullableBool)?;
                true
            })
        })?;
        Ok(Self {
            certificate_signing_request: required(csr)?,
            ca,
        })
    }
}

/// The requirer's databag (unit or app; the same model is used for both).
///
/// Serializes (with serde) to the *decoded form*: the databag with every value parsed, as in
/// the `*.decoded.json` fixtures. [`RequirerData::encode`] produces the wire form.
#[derive(Clone, Debug, Default, Eq, PartialEq, Serialize)]
pub struct RequirerData {
    /// The certificate requests. Empty means the key is absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificate_signing_requests: Vec<CertificateSigningRequest>,
}

impl RequirerData {
    /// The databag key holding the requests.
    pub const KEY: &'static str = "certificate_signing_requests";

    /// Decodes a requirer databag, tolerating what the Python library tolerates (unknown keys,
    /// `"true"`/`"false"` strings as booleans) and skipping, with a reported issue, each
    /// malformed entry.
    pub fn decode(databag: &(impl DatabagSource + ?Sized)) -> Decoded<Self> {
        let mut issues = Vec::new();
        let certificate_signing_requests = decode_raw_list(
            databag,
            Self::KEY,
            &mut issues,
            CertificateSigningRequest::decode,
        );
        Decoded {
            value: Self {
                certificate_signing_requests,
            },
            issues,
        }
    }

    /// Decodes the *decoded form* of a requirer databag: a JSON object whose values are already
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
        let certificate_signing_requests = decode_list(
            value(Self::KEY),
            Self::KEY,
            &mut issues,
            CertificateSigningRequest::decode,
        );
        Decoded {
            value: Self {
                certificate_signing_requests,
            },
            issues,
        }
    }

    /// The value of [`Self::KEY`] exactly as the Python library writes it, or `None` when there
    /// is no request (the key must then be deleted).
    pub fn encode_requests(requests: &[CertificateSigningRequest]) -> Option<String> {
        if requests.is_empty() {
            return None;
        }
        let mut out = String::new();
        write_list(&mut out, requests, |out, request| request.write(out));
        Some(out)
    }

    /// Reads the first `cap` requests of a `certificate_signing_requests` value written exactly
    /// as [`Self::encode_requests`] writes them (as this crate and the Python library write
    /// it), with the number of bytes after them, which are not read (0 when the list ends
    /// within the cap). `None` for any other text, which [`Self::decode`] reads tolerantly,
    /// and for a value longer than [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN).
    ///
    /// A provider reads thousands of requests per hook; this reads them without a JSON
    /// parser's intermediate buffers, and gives the same requests [`Self::decode`] would.
    pub fn decode_canonical_requests(
        text: &str,
        cap: usize,
    ) -> Option<(Vec<CertificateSigningRequest>, usize)> {
        if text.len() > crate::MAX_VALUE_LEN {
            return None;
        }
        super::canonical::requests(text, cap)
    }

    /// The update to write to the requirer's databag: [`Self::KEY`] set, or deleted when there
    /// is no request. No other key is touched.
    pub fn encode(&self) -> DatabagUpdate {
        let mut update = DatabagUpdate::new();
        update.set(
            Self::KEY,
            Self::encode_requests(&self.certificate_signing_requests),
        );
        update
    }
}
