//! JSON views of keys, CSRs and certificates, as printed by `inspect` and by `--json`.
//!
//! Field names follow the Python library's view where one exists (`common_name`, `sans_dns`,
//! `has_unique_identifier`, ...) and the fixture manifest's names otherwise (`serial_hex`,
//! `subject_rfc4514`, `spki_sha256`, `fingerprint_sha256`, `lib_sha256_hex`), so the interop
//! suite can compare them directly. Absent values are `null`, never missing keys. Private key
//! material never appears here: a key is shown by its type and public half only.

use anyhow::Result;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tls_certificates_crypto::{
    Certificate, CryptoBackend, Csr, DigestAlgorithm, DistinguishedName, KeyType, PrivateKey,
    PublicKey,
};

/// Dotted OIDs of the subject attributes the interface uses.
pub(crate) mod oid {
    /// commonName.
    pub(crate) const COMMON_NAME: &str = "2.5.4.3";
    /// x500UniqueIdentifier.
    pub(crate) const UNIQUE_IDENTIFIER: &str = "2.5.4.45";
    /// organizationName.
    pub(crate) const ORGANIZATION: &str = "2.5.4.10";
    /// organizationalUnitName.
    pub(crate) const ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
    /// emailAddress (PKCS#9).
    pub(crate) const EMAIL_ADDRESS: &str = "1.2.840.113549.1.9.1";
    /// countryName.
    pub(crate) const COUNTRY: &str = "2.5.4.6";
    /// stateOrProvinceName.
    pub(crate) const STATE_OR_PROVINCE: &str = "2.5.4.8";
    /// localityName.
    pub(crate) const LOCALITY: &str = "2.5.4.7";
}

/// One attribute of a distinguished name.
#[derive(Debug, Serialize)]
pub(crate) struct NameEntry {
    oid: String,
    /// The attribute's long name (as `cryptography` names it), when known.
    name: Option<&'static str>,
    value: String,
}

/// The public half of a key.
#[derive(Debug, Serialize)]
pub(crate) struct PublicKeyReport {
    /// `rsa-2048`, `ecdsa-p256`, `ed25519`, ...
    key_type: String,
    /// `rsa`, `ecdsa` or `ed25519`.
    algorithm: &'static str,
    bits: u32,
    /// `secp256r1` / `secp384r1` for ECDSA.
    curve: Option<&'static str>,
    /// SHA-256 of the SubjectPublicKeyInfo DER, hex.
    spki_sha256: String,
    /// The SubjectPublicKeyInfo as `PUBLIC KEY` PEM.
    pem: String,
}

/// `inspect` of a private key: its type and public half, never the secret.
#[derive(Debug, Serialize)]
pub(crate) struct KeyReport {
    kind: &'static str,
    backend: &'static str,
    key_type: String,
    public_key: PublicKeyReport,
}

/// `inspect` of a CSR (its self-signature verified while parsing).
#[derive(Debug, Serialize)]
pub(crate) struct CsrReport {
    kind: &'static str,
    backend: &'static str,
    signature_verified: bool,
    common_name: Option<String>,
    sans_dns: Vec<String>,
    sans_ip: Vec<String>,
    sans_oid: Vec<String>,
    email_address: Option<String>,
    organization: Option<String>,
    organizational_unit: Option<String>,
    country_name: Option<String>,
    state_or_province_name: Option<String>,
    locality_name: Option<String>,
    has_unique_identifier: bool,
    unique_identifier: Option<String>,
    subject: Vec<NameEntry>,
    subject_rfc4514: String,
    public_key: PublicKeyReport,
    /// SHA-256 of the canonical PEM, hex: what the Python library uses in secret labels.
    lib_sha256_hex: String,
    pem: String,
}

/// `inspect` of a certificate.
#[derive(Debug, Serialize)]
pub(crate) struct CertificateReport {
    kind: &'static str,
    backend: &'static str,
    common_name: Option<String>,
    /// SANs in encoded order.
    sans_dns: Vec<String>,
    sans_ip: Vec<String>,
    sans_oid: Vec<String>,
    sans_email: Vec<String>,
    email_address: Option<String>,
    organization: Option<String>,
    organizational_unit: Option<String>,
    country_name: Option<String>,
    state_or_province_name: Option<String>,
    locality_name: Option<String>,
    has_unique_identifier: bool,
    unique_identifier: Option<String>,
    is_ca: bool,
    not_before: String,
    not_after: String,
    /// Whole days between `not_before` and `not_after`.
    validity_days: i64,
    /// Serial number as lower-case hex without leading zeros (Python's `format(serial, "x")`).
    serial_hex: String,
    subject: Vec<NameEntry>,
    subject_rfc4514: String,
    issuer: Vec<NameEntry>,
    issuer_rfc4514: String,
    subject_key_identifier: Option<String>,
    authority_key_identifier: Option<String>,
    public_key: PublicKeyReport,
    /// SHA-256 of the certificate DER, hex.
    fingerprint_sha256: String,
    /// SHA-256 of the canonical PEM, hex.
    lib_sha256_hex: String,
    pem: String,
}

impl KeyReport {
    /// Describes `key` by its public half.
    pub(crate) fn new(backend: &dyn CryptoBackend, key: &PrivateKey) -> Result<Self> {
        Ok(Self {
            kind: "private_key",
            backend: backend.name(),
            key_type: key.key_type().to_string(),
            public_key: PublicKeyReport::new(backend, key.public_key())?,
        })
    }
}

impl PublicKeyReport {
    fn new(backend: &dyn CryptoBackend, key: &PublicKey) -> Result<Self> {
        let (algorithm, bits, curve) = match key.key_type() {
            KeyType::EcdsaP256 => ("ecdsa", 256, Some("secp256r1")),
            KeyType::EcdsaP384 => ("ecdsa", 384, Some("secp384r1")),
            KeyType::Ed25519 => ("ed25519", 256, None),
            KeyType::Rsa { bits } => ("rsa", bits, None),
            // `KeyType` is non-exhaustive: describe future types by their display name.
            _ => ("unknown", 0, None),
        };
        Ok(Self {
            key_type: key.key_type().to_string(),
            algorithm,
            bits,
            curve,
            spki_sha256: backend.sha256_hex(key.spki_der())?,
            pem: tls_certificates_crypto::pem_from_der("PUBLIC KEY", key.spki_der()),
        })
    }
}

impl CsrReport {
    /// Describes a parsed (and therefore signature-verified) CSR.
    pub(crate) fn new(backend: &dyn CryptoBackend, csr: &Csr) -> Result<Self> {
        let attributes = csr.attributes();
        let owned = |v: Option<&str>| v.map(str::to_owned);
        Ok(Self {
            kind: "csr",
            backend: backend.name(),
            signature_verified: true,
            common_name: owned(attributes.common_name()),
            sans_dns: attributes.sans_dns().iter().cloned().collect(),
            sans_ip: attributes
                .sans_ip()
                .iter()
                .map(ToString::to_string)
                .collect(),
            sans_oid: attributes.sans_oid().iter().cloned().collect(),
            email_address: owned(attributes.email_address()),
            organization: owned(attributes.organization()),
            organizational_unit: owned(attributes.organizational_unit()),
            country_name: owned(attributes.country_name()),
            state_or_province_name: owned(attributes.state_or_province_name()),
            locality_name: owned(attributes.locality_name()),
            has_unique_identifier: csr.unique_identifier().is_some(),
            unique_identifier: owned(csr.unique_identifier()),
            subject: name_entries(csr.subject()),
            subject_rfc4514: rfc4514(csr.subject()),
            public_key: PublicKeyReport::new(backend, csr.public_key())?,
            lib_sha256_hex: backend.sha256_hex(csr.pem().as_str().as_bytes())?,
            pem: csr.pem().to_string(),
        })
    }
}

impl CertificateReport {
    /// Describes a parsed certificate.
    pub(crate) fn new(backend: &dyn CryptoBackend, certificate: &Certificate) -> Result<Self> {
        let subject = certificate.subject();
        let value = |oid: &str| subject.value(oid).map(str::to_owned);
        let unique_identifier = value(oid::UNIQUE_IDENTIFIER);
        Ok(Self {
            kind: "certificate",
            backend: backend.name(),
            common_name: value(oid::COMMON_NAME),
            sans_dns: certificate.sans_dns().to_vec(),
            sans_ip: certificate
                .sans_ip()
                .iter()
                .map(ToString::to_string)
                .collect(),
            sans_oid: certificate.sans_oid().to_vec(),
            sans_email: certificate.sans_email().to_vec(),
            email_address: value(oid::EMAIL_ADDRESS),
            organization: value(oid::ORGANIZATION),
            organizational_unit: value(oid::ORGANIZATIONAL_UNIT),
            country_name: value(oid::COUNTRY),
            state_or_province_name: value(oid::STATE_OR_PROVINCE),
            locality_name: value(oid::LOCALITY),
            has_unique_identifier: unique_identifier.is_some(),
            unique_identifier,
            is_ca: certificate.is_ca(),
            not_before: rfc3339(certificate.not_before())?,
            not_after: rfc3339(certificate.not_after())?,
            validity_days: (certificate.not_after() - certificate.not_before()).whole_days(),
            serial_hex: serial_hex(certificate.serial()),
            subject: name_entries(subject),
            subject_rfc4514: rfc4514(subject),
            issuer: name_entries(certificate.issuer()),
            issuer_rfc4514: rfc4514(certificate.issuer()),
            subject_key_identifier: certificate.subject_key_identifier().map(hex::encode),
            authority_key_identifier: certificate.authority_key_identifier().map(hex::encode),
            public_key: PublicKeyReport::new(backend, certificate.public_key())?,
            fingerprint_sha256: hex::encode(
                backend.digest(DigestAlgorithm::Sha256, certificate.der())?,
            ),
            lib_sha256_hex: backend.sha256_hex(certificate.pem().as_str().as_bytes())?,
            pem: certificate.pem().to_string(),
        })
    }
}

/// Lower-case hex of a big-endian magnitude, without leading zeros (`0` for zero).
pub(crate) fn serial_hex(serial: &[u8]) -> String {
    let hex = hex::encode(serial);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// RFC 3339 in UTC (`2026-11-28T17:56:04Z`).
pub(crate) fn rfc3339(at: OffsetDateTime) -> Result<String> {
    Ok(at.to_offset(time::UtcOffset::UTC).format(&Rfc3339)?)
}

/// The long name `cryptography` uses for an attribute OID.
fn long_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        oid::COMMON_NAME => "commonName",
        oid::UNIQUE_IDENTIFIER => "x500UniqueIdentifier",
        oid::ORGANIZATION => "organizationName",
        oid::ORGANIZATIONAL_UNIT => "organizationalUnitName",
        oid::EMAIL_ADDRESS => "emailAddress",
        oid::COUNTRY => "countryName",
        oid::STATE_OR_PROVINCE => "stateOrProvinceName",
        oid::LOCALITY => "localityName",
        "2.5.4.5" => "serialNumber",
        "2.5.4.9" => "streetAddress",
        "0.9.2342.19200300.100.1.25" => "domainComponent",
        "0.9.2342.19200300.100.1.1" => "userID",
        _ => return None,
    })
}

/// The short name RFC 4514 (and `cryptography`'s `rfc4514_string`) uses, when there is one.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        oid::COMMON_NAME => "CN",
        oid::ORGANIZATION => "O",
        oid::ORGANIZATIONAL_UNIT => "OU",
        oid::COUNTRY => "C",
        oid::STATE_OR_PROVINCE => "ST",
        oid::LOCALITY => "L",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

fn name_entries(name: &DistinguishedName) -> Vec<NameEntry> {
    name.attributes()
        .iter()
        .map(|a| NameEntry {
            oid: a.oid.clone(),
            name: long_name(&a.oid),
            value: a.value.clone(),
        })
        .collect()
}

/// RFC 4514 string as `cryptography` prints it: RDNs in reverse DER order, short names where
/// defined, dotted OIDs otherwise, special characters escaped.
pub(crate) fn rfc4514(name: &DistinguishedName) -> String {
    name.attributes()
        .iter()
        .rev()
        .map(|a| {
            let key = short_name(&a.oid).map_or_else(|| a.oid.clone(), str::to_owned);
            format!("{key}={}", escape_rfc4514(&a.value))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' | '"' | '+' | ',' | ';' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_serial_with_leading_zero_byte_when_formatted_then_python_style_hex() {
        assert_eq!(serial_hex(&[0x0f, 0x7f, 0xd6]), "f7fd6");
        assert_eq!(serial_hex(&[0x00]), "0");
        assert_eq!(serial_hex(&[]), "0");
    }

    #[test]
    fn given_special_characters_when_escaped_then_rfc4514_rules_apply() {
        assert_eq!(escape_rfc4514("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_rfc4514("#x "), "\\#x\\ ");
        assert_eq!(escape_rfc4514("plain text"), "plain text");
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_a_key_when_reported_then_its_public_key_is_canonical_pem_of_the_spki() {
        let backend = tls_certificates_crypto::ring::backend();
        let key = backend
            .generate_key(tls_certificates_crypto::KeyAlgorithm::EcdsaP256)
            .unwrap();
        let report = PublicKeyReport::new(backend, key.public_key()).unwrap();
        let lines: Vec<&str> = report.pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
        assert!(!report.pem.ends_with('\n'));
        assert_eq!(
            report.pem,
            tls_certificates_crypto::pem_from_der("PUBLIC KEY", key.public_key().spki_der())
        );
    }
}
