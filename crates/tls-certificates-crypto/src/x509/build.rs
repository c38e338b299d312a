//! DER building: names, extensions, `tbsCertificate` and the signed envelope, plus the random
//! serials, UUIDs and key identifiers that go into them.

use core::ops::Range;
use std::net::IpAddr;

use super::Validity;
use super::oids::OID_BASIC_CONSTRAINTS;
use crate::der::{self, context_constructed, context_primitive, nested};
use crate::name::{OID_C, OID_CN, OID_EMAIL, OID_L, OID_O, OID_OU, OID_ST, OID_UNIQUE_ID};
use crate::{
    CertificateRequestAttributes, CryptoBackend, DigestAlgorithm, Error, PublicKey, Signer,
};

/// RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits.
pub(super) fn key_identifier(
    backend: &dyn CryptoBackend,
    key: &PublicKey,
) -> Result<Vec<u8>, Error> {
    backend.digest(DigestAlgorithm::Sha1, &key.key_bits)
}

/// 20 random bytes, top bit cleared, never zero: a positive serial of at most 159 bits.
pub(super) fn random_serial(backend: &dyn CryptoBackend) -> Result<[u8; 20], Error> {
    let mut serial = [0u8; 20];
    loop {
        backend.fill_random(&mut serial)?;
        if let Some(first) = serial.first_mut() {
            *first &= 0x7f;
        }
        if serial.iter().any(|&b| b != 0) {
            return Ok(serial);
        }
    }
}

/// A random UUID4 in its text form, from the backend's randomness.
pub(super) fn random_uuid4(backend: &dyn CryptoBackend) -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    backend.fill_random(&mut bytes)?;
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let hex = hex::encode(bytes);
    let part = |r: Range<usize>| hex.get(r).unwrap_or_default();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    ))
}

/// Writes the subject Name for `attributes` in the Python library's order (CN,
/// x500UniqueIdentifier, O, OU, emailAddress, C, ST, L), one attribute per RDN.
pub(super) fn encode_name(
    out: &mut Vec<u8>,
    attributes: &CertificateRequestAttributes,
    unique_id: Option<&str>,
) -> Result<(), Error> {
    let entries: [(&str, u8, Option<&str>); 8] = [
        (OID_CN, der::UTF8_STRING, attributes.common_name.as_deref()),
        (OID_UNIQUE_ID, der::UTF8_STRING, unique_id),
        (OID_O, der::UTF8_STRING, attributes.organization.as_deref()),
        (
            OID_OU,
            der::UTF8_STRING,
            attributes.organizational_unit.as_deref(),
        ),
        (
            OID_EMAIL,
            der::IA5_STRING,
            attributes.email_address.as_deref(),
        ),
        (
            OID_C,
            der::PRINTABLE_STRING,
            attributes.country_name.as_deref(),
        ),
        (
            OID_ST,
            der::UTF8_STRING,
            attributes.state_or_province_name.as_deref(),
        ),
        (OID_L, der::UTF8_STRING, attributes.locality_name.as_deref()),
    ];
    nested(out, der::SEQUENCE, |out| {
        for (oid, tag, value) in entries {
            if let Some(value) = value {
                nested(out, der::SET, |out| {
                    nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
                        der::oid(out, oid)?;
                        der::tlv(out, tag, value.as_bytes());
                        Ok(())
                    })
                })?;
            }
        }
        Ok(())
    })
}

/// Writes one `Extension`; `value` writes the extnValue contents.
pub(super) fn extension(
    out: &mut Vec<u8>,
    oid: &str,
    critical: bool,
    value: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    nested(out, der::SEQUENCE, |out| {
        der::oid(out, oid)?;
        if critical {
            der::boolean(out, true);
        }
        nested(out, der::OCTET_STRING, value)
    })
}

/// What a BasicConstraints extension says.
#[derive(Clone, Copy)]
pub(super) enum Constraints {
    /// CA:FALSE (the DER default: an empty SEQUENCE).
    EndEntity,
    /// CA:TRUE, with a pathLenConstraint when `Some`.
    Ca { path_length: Option<u8> },
}

pub(super) fn basic_constraints(out: &mut Vec<u8>, constraints: Constraints) -> Result<(), Error> {
    extension(out, OID_BASIC_CONSTRAINTS, true, |out| {
        nested(out, der::SEQUENCE, |out| {
            if let Constraints::Ca { path_length } = constraints {
                der::boolean(out, true);
                if let Some(length) = path_length {
                    der::unsigned_integer(out, &[length]);
                }
            }
        });
        Ok(())
    })
}

/// Writes a KeyUsage BIT STRING with the given named bits set (DER: trailing zeros dropped).
pub(super) fn key_usage_bits(out: &mut Vec<u8>, bits: &[u8]) {
    let value: u16 = bits.iter().fold(0, |acc, &b| acc | (0x8000 >> b));
    let [high, low] = value.to_be_bytes();
    let unused = value.trailing_zeros().min(15) as u8;
    if low == 0 {
        der::tlv(out, der::BIT_STRING, &[unused.saturating_sub(8), high]);
    } else {
        der::tlv(out, der::BIT_STRING, &[unused, high, low]);
    }
}

/// Subject alternative names to encode, in the order DNS, IP, registered ID, rfc822.
pub(super) struct Sans<'a> {
    pub(super) dns: Vec<&'a str>,
    pub(super) ip: Vec<IpAddr>,
    pub(super) oid: Vec<&'a str>,
    pub(super) email: Vec<&'a str>,
}

impl Sans<'_> {
    pub(super) fn is_empty(&self) -> bool {
        self.dns.is_empty() && self.ip.is_empty() && self.oid.is_empty() && self.email.is_empty()
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        nested(out, der::SEQUENCE, |out| {
            for dns in &self.dns {
                der::tlv(out, context_primitive(2), dns.as_bytes());
            }
            for ip in &self.ip {
                match ip {
                    IpAddr::V4(v4) => der::tlv(out, context_primitive(7), &v4.octets()),
                    IpAddr::V6(v6) => der::tlv(out, context_primitive(7), &v6.octets()),
                }
            }
            for oid in &self.oid {
                der::tlv(out, context_primitive(8), &der::oid_content(oid)?);
            }
            for email in &self.email {
                der::tlv(out, context_primitive(1), email.as_bytes());
            }
            Ok(())
        })
    }
}

/// Writes a `tbsCertificate`.
pub(super) fn tbs_certificate(
    serial: &[u8],
    algorithm_der: &[u8],
    issuer_der: &[u8],
    validity: Validity,
    subject_der: &[u8],
    spki_der: &[u8],
    extensions: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<Vec<u8>, Error> {
    if validity.not_after <= validity.not_before {
        return Err(Error::Encoding {
            what: "validity",
            reason: "not_after is not after not_before".into(),
        });
    }
    let mut tbs = Vec::with_capacity(issuer_der.len() + subject_der.len() + spki_der.len() + 512);
    nested(&mut tbs, der::SEQUENCE, |out| -> Result<(), Error> {
        nested(out, context_constructed(0), |out| {
            der::unsigned_integer(out, &[2]);
        });
        der::unsigned_integer(out, serial);
        out.extend_from_slice(algorithm_der);
        out.extend_from_slice(issuer_der);
        nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
            der::time(out, validity.not_before)?;
            der::time(out, validity.not_after)
        })?;
        out.extend_from_slice(subject_der);
        out.extend_from_slice(spki_der);
        nested(out, context_constructed(3), |out| {
            nested(out, der::SEQUENCE, extensions)
        })
    })?;
    Ok(tbs)
}

/// Signs `to_be_signed` and wraps it as `SEQUENCE { tbs, algorithm, BIT STRING signature }`.
pub(super) fn sign_to_der(
    signer: &dyn Signer,
    algorithm_der: &[u8],
    to_be_signed: Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let signature = signer.sign(&to_be_signed)?;
    let mut out =
        Vec::with_capacity(to_be_signed.len() + algorithm_der.len() + signature.len() + 16);
    nested(&mut out, der::SEQUENCE, |out| {
        out.extend_from_slice(&to_be_signed);
        out.extend_from_slice(algorithm_der);
        der::bit_string(out, &signature);
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::oids::{
        KU_CRL_SIGN, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, KU_KEY_ENCIPHERMENT,
    };

    fn key_usage(bits: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        key_usage_bits(&mut out, bits);
        out
    }

    #[test]
    fn given_profiles_when_key_usage_encoded_then_der_named_bit_lists() {
        // RSA leaf: digitalSignature + keyEncipherment.
        assert_eq!(
            key_usage(&[KU_DIGITAL_SIGNATURE, KU_KEY_ENCIPHERMENT]),
            [0x03, 0x02, 0x05, 0xa0]
        );
        // EC leaf: digitalSignature.
        assert_eq!(key_usage(&[KU_DIGITAL_SIGNATURE]), [0x03, 0x02, 0x07, 0x80]);
        // CA request: keyCertSign + cRLSign.
        assert_eq!(
            key_usage(&[KU_KEY_CERT_SIGN, KU_CRL_SIGN]),
            [0x03, 0x02, 0x01, 0x06]
        );
        // Self-signed CA.
        assert_eq!(
            key_usage(&[KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, KU_CRL_SIGN]),
            [0x03, 0x02, 0x01, 0x86]
        );
        // decipherOnly (bit 8) needs a second byte.
        assert_eq!(key_usage(&[8]), [0x03, 0x03, 0x07, 0x00, 0x80]);
    }

    #[test]
    fn given_dates_around_2050_when_encoded_then_utc_or_generalized_time() {
        let mut out = Vec::new();
        let t = time::macros::datetime!(2049-12-31 23:59:59 UTC);
        der::time(&mut out, t).unwrap_or_default();
        assert_eq!(out.first(), Some(&der::UTC_TIME));
        assert_eq!(out.get(2..), Some(&b"491231235959Z"[..]));
        out.clear();
        let t = time::macros::datetime!(2050-01-01 00:00:00 +02:00);
        der::time(&mut out, t).unwrap_or_default();
        // That is still 2049 in UTC: UTCTime.
        assert_eq!(out.first(), Some(&der::UTC_TIME));
        assert_eq!(out.get(2..), Some(&b"491231220000Z"[..]));
        out.clear();
        let t = time::macros::datetime!(2050-01-01 00:00:00 UTC);
        der::time(&mut out, t).unwrap_or_default();
        assert_eq!(out.first(), Some(&der::GENERALIZED_TIME));
        assert_eq!(out.get(2..), Some(&b"20500101000000Z"[..]));
    }
}
