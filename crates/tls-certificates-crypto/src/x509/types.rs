//! The X.509 values: distinguished names, validity windows, issue profiles, CSRs and
//! certificates.

use core::ops::Range;
use std::net::IpAddr;
use std::sync::OnceLock;

use time::{Duration, OffsetDateTime};

use crate::{CertificatePem, CertificateRequestAttributes, CsrPem, PrivateKey, PublicKey};

/// A distinguished name, attributes in DER order (one per RDN as the Python library writes).
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct DistinguishedName {
    pub(crate) attributes: Vec<NameAttribute>,
    /// The raw DER of the Name, used for issuer/subject comparison.
    pub(crate) der: Vec<u8>,
}

/// One attribute of a distinguished name.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct NameAttribute {
    /// Dotted OID, e.g. `2.5.4.3`.
    pub oid: String,
    /// Value as text.
    pub value: String,
}

impl DistinguishedName {
    /// The attributes in DER order.
    pub fn attributes(&self) -> &[NameAttribute] {
        &self.attributes
    }

    /// The first value of the attribute with this dotted OID.
    pub fn value(&self, oid: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.oid == oid)
            .map(|a| a.value.as_str())
    }
}

/// A certificate's validity window.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Validity {
    /// Start.
    pub not_before: OffsetDateTime,
    /// End.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// How far `not_before` is back-dated to tolerate clock skew between units.
    pub const BACKDATE: Duration = Duration::minutes(1);

    /// `now - BACKDATE .. now + lifetime`.
    pub fn starting_at(now: OffsetDateTime, lifetime: Duration) -> Self {
        Self {
            not_before: now - Self::BACKDATE,
            not_after: now + lifetime,
        }
    }
}

/// How to issue a certificate from a CSR.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct IssueProfile {
    /// Issue a CA certificate (BasicConstraints CA:true with pathLenConstraint 0, keyCertSign +
    /// cRLSign).
    pub is_ca: bool,
    /// Validity window.
    pub validity: Validity,
}

impl IssueProfile {
    /// A leaf (end-entity) profile.
    pub fn leaf(validity: Validity) -> Self {
        Self {
            is_ca: false,
            validity,
        }
    }

    /// A CA (intermediate) profile.
    pub fn ca(validity: Validity) -> Self {
        Self {
            is_ca: true,
            validity,
        }
    }
}

/// A parsed certificate signing request whose self-signature has been verified.
#[derive(Clone, Debug)]
pub struct Csr {
    /// Encoded from `der` when first asked for: a provider reads thousands of peers' CSRs a
    /// hook and never needs their canonical text (it keeps the text as sent).
    pub(crate) pem: OnceLock<CsrPem>,
    pub(crate) der: Vec<u8>,
    pub(crate) attributes: CertificateRequestAttributes,
    pub(crate) subject: DistinguishedName,
    pub(crate) unique_identifier: Option<String>,
    pub(crate) public_key: PublicKey,
}

impl Csr {
    /// Canonical PEM.
    pub fn pem(&self) -> &CsrPem {
        self.pem.get_or_init(|| {
            CsrPem(core::mem::take(&mut *crate::pem::encode(
                "CERTIFICATE REQUEST",
                &self.der,
            )))
        })
    }
    /// DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The attributes, as the Python library's `CertificateRequestAttributes.from_csr(csr, False)`
    /// reconstructs them.
    pub fn attributes(&self) -> &CertificateRequestAttributes {
        &self.attributes
    }
    /// The subject.
    pub fn subject(&self) -> &DistinguishedName {
        &self.subject
    }
    /// The x500UniqueIdentifier in the subject, if any.
    pub fn unique_identifier(&self) -> Option<&str> {
        self.unique_identifier.as_deref()
    }
    /// The requested public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
    /// Whether `key` is the key this CSR was made for (any key type).
    pub fn matches_key(&self, key: &PrivateKey) -> bool {
        &self.public_key == key.public_key()
    }
    /// Whether `certificate` certifies this CSR's public key.
    pub fn matches_certificate(&self, certificate: &Certificate) -> bool {
        self.public_key == certificate.public_key
    }
}

/// A parsed certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    pub(crate) pem: CertificatePem,
    pub(crate) der: Vec<u8>,
    pub(crate) subject: DistinguishedName,
    pub(crate) issuer: DistinguishedName,
    pub(crate) sans_dns: Vec<String>,
    pub(crate) sans_ip: Vec<IpAddr>,
    pub(crate) sans_oid: Vec<String>,
    pub(crate) sans_email: Vec<String>,
    pub(crate) sans_other: Vec<String>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) is_ca: bool,
    pub(crate) path_length_constraint: Option<u32>,
    pub(crate) serial: Vec<u8>,
    pub(crate) public_key: PublicKey,
    pub(crate) subject_key_identifier: Option<Vec<u8>>,
    pub(crate) authority_key_identifier: Option<Vec<u8>>,
    /// False when a KeyUsage extension is present without keyCertSign.
    pub(crate) key_cert_sign_allowed: bool,
    /// Where the `tbsCertificate` TLV sits in `der`.
    pub(crate) tbs: Range<usize>,
    /// The outer signature algorithm, dotted.
    pub(crate) signature_oid: String,
    /// The signature value.
    pub(crate) signature: Vec<u8>,
}

impl Certificate {
    /// Canonical PEM.
    pub fn pem(&self) -> &CertificatePem {
        &self.pem
    }
    /// DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// Subject.
    pub fn subject(&self) -> &DistinguishedName {
        &self.subject
    }
    /// Issuer.
    pub fn issuer(&self) -> &DistinguishedName {
        &self.issuer
    }
    /// Subject common name.
    pub fn common_name(&self) -> Option<&str> {
        self.subject.value("2.5.4.3")
    }
    /// DNS SANs in encoded order.
    pub fn sans_dns(&self) -> &[String] {
        &self.sans_dns
    }
    /// IP SANs in encoded order.
    pub fn sans_ip(&self) -> &[IpAddr] {
        &self.sans_ip
    }
    /// Registered-ID SANs (dotted) in encoded order.
    pub fn sans_oid(&self) -> &[String] {
        &self.sans_oid
    }
    /// RFC 822 (email) SANs in encoded order.
    pub fn sans_email(&self) -> &[String] {
        &self.sans_email
    }
    /// The kinds of the SANs none of the methods above returns (`URI`, `otherName <oid>`,
    /// `directoryName`, `x400Address`, `ediPartyName`), in encoded order: this library never
    /// asks for them, so a requirer can refuse a certificate that carries one.
    pub fn sans_other(&self) -> &[String] {
        &self.sans_other
    }
    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }
    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
    /// BasicConstraints CA flag (false when absent).
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    /// BasicConstraints pathLenConstraint: how many CA certificates may follow this one in a
    /// path (`Some(0)`: it issues leaves only); `None` when absent.
    pub fn path_length_constraint(&self) -> Option<u32> {
        self.path_length_constraint
    }
    /// Whether this certificate may sign certificates: BasicConstraints CA:true, and a
    /// KeyUsage extension, when present, with keyCertSign.
    pub fn is_certificate_authority(&self) -> bool {
        self.is_ca && self.key_cert_sign_allowed
    }
    /// Serial number, big-endian magnitude bytes.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }
    /// Certified public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
    /// SubjectKeyIdentifier, if present.
    pub fn subject_key_identifier(&self) -> Option<&[u8]> {
        self.subject_key_identifier.as_deref()
    }
    /// AuthorityKeyIdentifier keyIdentifier, if present.
    pub fn authority_key_identifier(&self) -> Option<&[u8]> {
        self.authority_key_identifier.as_deref()
    }
    /// Whether `key` is this certificate's key (any key type).
    pub fn matches_key(&self, key: &PrivateKey) -> bool {
        &self.public_key == key.public_key()
    }
}
