//! One entry of the provider's `certificates` list.

use serde::Serialize;
use serde::de::MapAccess;

use crate::fast::{FastEntry, NullableBool, NullableCertificates, read_members, required};
use crate::json::ObjectWriter;
use crate::lax::Fields;
use crate::{Error, PemCertificate, PemCsr};

/// One issued certificate in the provider's `certificates` list.
///
/// On the wire: `{"ca", "certificate_signing_request", "certificate", "chain", "revoked"}`, with
/// `chain` and `revoked` left out when `None`. A v3 provider's extra
/// `recommended_expiry_notification_time` is accepted and ignored.
#[derive(Clone, Debug, Eq, Hash, PartialEq, Serialize)]
pub struct ProviderCertificate {
    /// The CA that signed the certificate.
    pub ca: PemCertificate,
    /// The request this answers: the join key back to the requirer's entry.
    pub certificate_signing_request: PemCsr,
    /// The issued certificate.
    pub certificate: PemCertificate,
    /// The chain, leaf first then up to the root; Python v4 providers always write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Vec<PemCertificate>>,
    /// Whether the certificate was revoked (`revoke_all_certificates` writes `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
}

impl ProviderCertificate {
    /// Whether the certificate is marked revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked.unwrap_or(false)
    }

    pub(crate) fn decode(fields: &Fields<'_>) -> Result<Self, Error> {
        Ok(Self {
            ca: fields.certificate("ca")?,
            certificate_signing_request: fields.csr("certificate_signing_request")?,
            certificate: fields.certificate("certificate")?,
            chain: fields.opt_certificate_list("chain")?,
            revoked: fields.opt_bool("revoked")?,
        })
    }

    /// About the length of what [`Self::write`] writes (a little more for PEMs, whose only
    /// escapes are a newline every 64 characters), to size a buffer up front.
    pub(super) fn encoded_len_estimate(&self) -> usize {
        let pem = |text: &str| text.len() + text.len() / 32 + 8;
        let chain = self.chain.iter().flatten().map(|c| pem(c.as_str()) + 2);
        // The member names, separators and `revoked`.
        128 + pem(self.ca.as_str())
            + pem(self.certificate_signing_request.as_str())
            + pem(self.certificate.as_str())
            + chain.sum::<usize>()
    }

    pub(super) fn write(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object.str("ca", self.ca.as_str());
        object.str(
            "certificate_signing_request",
            self.certificate_signing_request.as_str(),
        );
        object.str("certificate", self.certificate.as_str());
        object.opt_str_list(
            "chain",
            self.chain
                .as_ref()
                .map(|chain| chain.iter().map(PemCertificate::as_str)),
        );
        object.opt_bool("revoked", self.revoked);
        object.close();
    }
}

impl FastEntry for ProviderCertificate {
    const FIELDS: &'static [&'static str] = &[
        "ca",
        "certificate_signing_request",
        "certificate",
        "chain",
        "revoked",
    ];

    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut ca = None;
        let mut csr = None;
        let mut certificate = None;
        let mut chain = None;
        let mut revoked = None;
        read_members(map, Self::FIELDS, |index, map| {
            Ok(match index {
                0 => {
                    ca = PemCertificate::from_string(map.next_value()?).ok();
                    ca.is_some()
                }
                1 => {
                    csr = PemCsr::from_string(map.next_value()?).ok();
                    csr.is_some()
                }
                2 => {
                    certificate = PemCertificate::from_string(map.next_value()?).ok();
                    certificate.is_some()
                }
                3 => {
                    chain = map.next_value_seed(NullableCertificates)?;
                    true
                }
                _ => {
                    revoked = map.next_value_seed(NullableBool)?;
                    true
                }
            })
        })?;
        Ok(Self {
            ca: required(ca)?,
            certificate_signing_request: required(csr)?,
            certificate: required(certificate)?,
            chain,
            revoked,
        })
    }
}
