//! X.509 on top of the backend primitives: CSRs, certificates, CAs, chains.
//!
//! DER is written by [`crate::der`] (names, extensions, TBS structures) and parsed by
//! `x509-parser`; every signature is made and checked by the selected backend, so the
//! certificate profile is the same whichever backend runs.

use core::ops::Range;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use time::{Duration, OffsetDateTime};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

use crate::CertificateRequestAttributesBuilder as Builder;
use crate::der::{self, context_constructed, context_primitive, nested};
use crate::name::{OID_C, OID_CN, OID_EMAIL, OID_L, OID_O, OID_OU, OID_ST, OID_UNIQUE_ID};
use crate::{
    CertificatePem, CertificateRequestAttributes, CryptoBackend, CsrPem, DigestAlgorithm, Error,
    KeyType, PrivateKey, PrivateKeyPem, PublicKey, SignatureAlgorithm, Signer,
};
use rustls_pki_types::pem::SectionKind;

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
    pub(crate) pem: CsrPem,
    pub(crate) der: Vec<u8>,
    pub(crate) attributes: CertificateRequestAttributes,
    pub(crate) subject: DistinguishedName,
    pub(crate) unique_identifier: Option<String>,
    pub(crate) public_key: PublicKey,
}

impl Csr {
    /// Canonical PEM.
    pub fn pem(&self) -> &CsrPem {
        &self.pem
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

/// A CA key and certificate loaded once, ready to issue many certificates.
#[derive(Debug)]
pub struct CertificateAuthority<'b> {
    pub(crate) backend: &'b dyn CryptoBackend,
    pub(crate) signer: Box<dyn Signer>,
    pub(crate) certificate: Certificate,
    /// The keyIdentifier put in issued certificates' AuthorityKeyIdentifier.
    pub(crate) key_identifier: Vec<u8>,
    /// The DER `AlgorithmIdentifier` of the CA's signature algorithm.
    pub(crate) algorithm_der: Vec<u8>,
}

impl CertificateAuthority<'_> {
    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Issues a certificate for `csr` with the crate's certificate profile.
    ///
    /// Issuer = this CA's subject (raw DER), subject and public key = the CSR's, a random
    /// positive 159-bit serial, AuthorityKeyIdentifier = the CA's key identifier,
    /// SubjectKeyIdentifier = SHA-1 of the requested key, critical BasicConstraints, a SAN with
    /// the CSR's DNS / IP / registered-ID names plus the subject email as rfc822Name, and:
    ///
    /// * leaf: KeyUsage digitalSignature (+ keyEncipherment for RSA keys), critical, and
    ///   ExtendedKeyUsage serverAuth + clientAuth;
    /// * CA: BasicConstraints CA:true with pathLenConstraint 0 (it may issue leaves, never
    ///   further CAs), KeyUsage keyCertSign + cRLSign, critical.
    ///
    /// CSR extensions are never copied: the CA decides the profile.
    ///
    /// # Errors
    /// [`Error::Encoding`] for an empty or unencodable validity window; backend errors from
    /// randomness or signing.
    pub fn issue(&self, csr: &Csr, profile: &IssueProfile) -> Result<Certificate, Error> {
        let serial = random_serial(self.backend)?;
        let subject_key_id = key_identifier(self.backend, &csr.public_key)?;
        let key_usage: &[u8] = if profile.is_ca {
            &[KU_KEY_CERT_SIGN, KU_CRL_SIGN]
        } else if matches!(csr.public_key.key_type, KeyType::Rsa { .. }) {
            &[KU_DIGITAL_SIGNATURE, KU_KEY_ENCIPHERMENT]
        } else {
            &[KU_DIGITAL_SIGNATURE]
        };
        let attributes = &csr.attributes;
        let sans = Sans {
            dns: attributes.sans_dns.iter().map(String::as_str).collect(),
            ip: attributes.sans_ip.iter().copied().collect(),
            oid: attributes.sans_oid.iter().map(String::as_str).collect(),
            email: attributes.email_address.as_deref().into_iter().collect(),
        };
        let san_critical = csr.subject.attributes.is_empty();
        let tbs = tbs_certificate(
            &serial,
            &self.algorithm_der,
            &self.certificate.subject.der,
            profile.validity,
            &csr.subject.der,
            &csr.public_key.spki_der,
            |out| {
                extension(out, OID_AKI, false, |out| {
                    nested(out, der::SEQUENCE, |out| {
                        der::tlv(out, context_primitive(0), &self.key_identifier);
                    });
                    Ok(())
                })?;
                extension(out, OID_SKI, false, |out| {
                    der::tlv(out, der::OCTET_STRING, &subject_key_id);
                    Ok(())
                })?;
                basic_constraints(
                    out,
                    if profile.is_ca {
                        // An issued CA may sign leaves, never further CAs.
                        Constraints::Ca {
                            path_length: Some(0),
                        }
                    } else {
                        Constraints::EndEntity
                    },
                )?;
                if !sans.is_empty() {
                    extension(out, OID_SAN, san_critical, |out| sans.encode(out))?;
                }
                extension(out, OID_KEY_USAGE, true, |out| {
                    key_usage_bits(out, key_usage);
                    Ok(())
                })?;
                if !profile.is_ca {
                    extension(out, OID_EXT_KEY_USAGE, false, |out| {
                        nested(out, der::SEQUENCE, |out| {
                            der::oid(out, OID_SERVER_AUTH)?;
                            der::oid(out, OID_CLIENT_AUTH)
                        })
                    })?;
                }
                Ok(())
            },
        )?;
        let der = sign_to_der(&*self.signer, &self.algorithm_der, tbs)?;
        certificate_from_der(der)
    }
}

const OID_SKI: &str = "2.5.29.14";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_SAN: &str = "2.5.29.17";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_AKI: &str = "2.5.29.35";
const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const OID_EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";

const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const OID_SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
const OID_SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";

const KU_DIGITAL_SIGNATURE: u8 = 0;
const KU_KEY_ENCIPHERMENT: u8 = 2;
const KU_KEY_CERT_SIGN: u8 = 5;
const KU_CRL_SIGN: u8 = 6;

/// The DER `AlgorithmIdentifier` for a signature algorithm.
fn signature_algorithm_der(algorithm: SignatureAlgorithm) -> Result<Vec<u8>, Error> {
    use SignatureAlgorithm as S;
    let (oid, null_params) = match algorithm {
        S::RsaPkcs1Sha256 => (OID_SHA256_WITH_RSA, true),
        S::RsaPkcs1Sha384 => (OID_SHA384_WITH_RSA, true),
        S::RsaPkcs1Sha512 => (OID_SHA512_WITH_RSA, true),
        S::EcdsaP256Sha256 | S::EcdsaP384Sha256 => (OID_ECDSA_WITH_SHA256, false),
        S::EcdsaP256Sha384 | S::EcdsaP384Sha384 => (OID_ECDSA_WITH_SHA384, false),
        S::Ed25519 => (crate::key::OID_ED25519, false),
    };
    let mut out = Vec::with_capacity(16);
    nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
        der::oid(out, oid)?;
        if null_params {
            der::tlv(out, der::NULL, &[]);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The signature algorithm for a signature OID checked with a key of `key_type`.
fn signature_algorithm_for(oid: &str, key_type: KeyType) -> Result<SignatureAlgorithm, Error> {
    use SignatureAlgorithm as S;
    Ok(match (oid, key_type) {
        (OID_SHA256_WITH_RSA, KeyType::Rsa { .. }) => S::RsaPkcs1Sha256,
        (OID_SHA384_WITH_RSA, KeyType::Rsa { .. }) => S::RsaPkcs1Sha384,
        (OID_SHA512_WITH_RSA, KeyType::Rsa { .. }) => S::RsaPkcs1Sha512,
        (OID_ECDSA_WITH_SHA256, KeyType::EcdsaP256) => S::EcdsaP256Sha256,
        (OID_ECDSA_WITH_SHA384, KeyType::EcdsaP256) => S::EcdsaP256Sha384,
        (OID_ECDSA_WITH_SHA256, KeyType::EcdsaP384) => S::EcdsaP384Sha256,
        (OID_ECDSA_WITH_SHA384, KeyType::EcdsaP384) => S::EcdsaP384Sha384,
        (crate::key::OID_ED25519, KeyType::Ed25519) => S::Ed25519,
        (oid, key_type) => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!("signature algorithm {oid} with a {key_type} key"),
            });
        }
    })
}

/// RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits.
fn key_identifier(backend: &dyn CryptoBackend, key: &PublicKey) -> Result<Vec<u8>, Error> {
    backend.digest(DigestAlgorithm::Sha1, &key.key_bits)
}

/// 20 random bytes, top bit cleared, never zero: a positive serial of at most 159 bits.
fn random_serial(backend: &dyn CryptoBackend) -> Result<[u8; 20], Error> {
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
fn random_uuid4(backend: &dyn CryptoBackend) -> Result<String, Error> {
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
fn encode_name(
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
fn extension(
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
enum Constraints {
    /// CA:FALSE (the DER default: an empty SEQUENCE).
    EndEntity,
    /// CA:TRUE, with a pathLenConstraint when `Some`.
    Ca { path_length: Option<u8> },
}

fn basic_constraints(out: &mut Vec<u8>, constraints: Constraints) -> Result<(), Error> {
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
fn key_usage_bits(out: &mut Vec<u8>, bits: &[u8]) {
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
struct Sans<'a> {
    dns: Vec<&'a str>,
    ip: Vec<IpAddr>,
    oid: Vec<&'a str>,
    email: Vec<&'a str>,
}

impl Sans<'_> {
    fn is_empty(&self) -> bool {
        self.dns.is_empty() && self.ip.is_empty() && self.oid.is_empty() && self.email.is_empty()
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
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
fn tbs_certificate(
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
fn sign_to_der(
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

fn malformed_csr(reason: impl Into<String>) -> Error {
    Error::MalformedCsr {
        reason: reason.into(),
    }
}

fn malformed_certificate(reason: impl Into<String>) -> Error {
    Error::MalformedCertificate {
        reason: reason.into(),
    }
}

impl DistinguishedName {
    fn from_x509(name: &X509Name<'_>) -> Self {
        let attributes = name
            .iter_attributes()
            .map(|attribute| NameAttribute {
                oid: attribute.attr_type().to_id_string(),
                value: crate::name::display_value(attribute),
            })
            .collect();
        Self {
            attributes,
            der: name.as_raw().to_vec(),
        }
    }
}

/// Converts an IP SAN's octets.
fn ip_from_octets(octets: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        Some(IpAddr::V4(Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(octets) {
        Some(IpAddr::V6(Ipv6Addr::from(v6)))
    } else {
        None
    }
}

/// SANs read from a SubjectAlternativeName extension.
#[derive(Default)]
struct ParsedSans {
    dns: Vec<String>,
    ip: Vec<IpAddr>,
    oid: Vec<String>,
    email: Vec<String>,
    /// Kinds of the names this crate does not model, e.g. `URI`.
    other: Vec<String>,
}

fn parse_sans(extension: &X509Extension<'_>) -> Result<ParsedSans, String> {
    let san = match extension.parsed_extension() {
        ParsedExtension::SubjectAlternativeName(san) => san,
        ParsedExtension::ParseError { error } => {
            return Err(format!("invalid subjectAltName: {error}"));
        }
        _ => return Err("invalid subjectAltName".into()),
    };
    let mut sans = ParsedSans::default();
    for name in &san.general_names {
        match name {
            GeneralName::DNSName(dns) => sans.dns.push(dns.to_ascii_lowercase()),
            GeneralName::IPAddress(octets) => sans.ip.push(
                ip_from_octets(octets).ok_or_else(|| "IP SAN is not 4 or 16 octets".to_owned())?,
            ),
            GeneralName::RegisteredID(oid) => sans.oid.push(oid.to_id_string()),
            GeneralName::RFC822Name(email) => sans.email.push((*email).to_owned()),
            GeneralName::Invalid(_, _) => return Err("invalid general name in SAN".into()),
            GeneralName::URI(_) => sans.other.push("URI".to_owned()),
            GeneralName::OtherName(oid, _) => {
                sans.other.push(format!("otherName {}", oid.to_id_string()))
            }
            GeneralName::DirectoryName(_) => sans.other.push("directoryName".to_owned()),
            GeneralName::X400Address(_) => sans.other.push("x400Address".to_owned()),
            GeneralName::EDIPartyName(_) => sans.other.push("ediPartyName".to_owned()),
        }
    }
    Ok(sans)
}

/// Parses CSR DER, verifies its self-signature with `backend` and reconstructs its attributes.
fn csr_from_der(backend: &dyn CryptoBackend, der: Vec<u8>) -> Result<Csr, Error> {
    crate::pem::check_size(der.len())?;
    let (rest, request) = X509CertificationRequest::from_der(&der)
        .map_err(|e| malformed_csr(format!("invalid DER: {e}")))?;
    if !rest.is_empty() {
        return Err(malformed_csr("trailing bytes after the CSR"));
    }
    let info = &request.certification_request_info;
    let public_key = PublicKey::from_spki_der(info.subject_pki.raw)?;
    if request.signature_value.unused_bits != 0 {
        return Err(malformed_csr("signature has unused bits"));
    }
    // The cheap checks first: a refused CSR costs no signature verification.
    crate::key::check_rsa_size(public_key.key_type)?;
    let checked = crate::name::check_csr_subject(&info.subject)?;
    let algorithm = signature_algorithm_for(
        &request.signature_algorithm.algorithm.to_id_string(),
        public_key.key_type,
    )?;
    backend.verify(
        &public_key,
        algorithm,
        info.raw,
        &request.signature_value.data,
    )?;

    let subject = DistinguishedName::from_x509(&info.subject);
    let unique_identifier = checked.value(OID_UNIQUE_ID).map(str::to_owned);
    let mut builder = CertificateRequestAttributes::builder()
        .add_unique_id_to_subject_name(unique_identifier.is_some());
    // Each subject attribute the Python `from_csr` reads, and the builder setter it goes to.
    type Set = fn(Builder, String) -> Builder;
    let subject_fields: [(&str, Set); 7] = [
        (OID_CN, |b, v| b.common_name(v)),
        (OID_O, |b, v| b.organization(v)),
        (OID_OU, |b, v| b.organizational_unit(v)),
        (OID_EMAIL, |b, v| b.email_address(v)),
        (OID_C, |b, v| b.country_name(v)),
        (OID_ST, |b, v| b.state_or_province_name(v)),
        (OID_L, |b, v| b.locality_name(v)),
    ];
    for (oid, set) in subject_fields {
        if let Some(value) = checked.value(oid) {
            builder = set(builder, value.to_owned());
        }
    }
    let extensions =
        info.iter_attributes()
            .find_map(|attribute| match attribute.parsed_attribute() {
                ParsedCriAttribute::ExtensionRequest(request) => Some(&request.extensions),
                _ => None,
            });
    for extension in extensions.into_iter().flatten() {
        let oid = extension.oid.to_id_string();
        if oid == OID_SAN {
            let sans = parse_sans(extension).map_err(malformed_csr)?;
            builder = builder
                .sans_dns(sans.dns)
                .sans_ip(sans.ip.iter().map(IpAddr::to_string))
                .sans_oid(sans.oid);
        } else if extension.critical {
            builder = builder.additional_critical_extension(crate::CriticalExtension::new(
                &oid,
                extension.value.to_vec(),
            )?);
        }
    }
    let attributes = builder.build()?;
    let pem = CsrPem(core::mem::take(&mut *crate::pem::encode(
        "CERTIFICATE REQUEST",
        &der,
    )));
    Ok(Csr {
        pem,
        der,
        attributes,
        subject,
        unique_identifier,
        public_key,
    })
}

/// Parses certificate DER into a [`Certificate`] (signature not checked: see
/// `verify_issued_by`).
fn certificate_from_der(der: Vec<u8>) -> Result<Certificate, Error> {
    crate::pem::check_size(der.len())?;
    let (rest, cert) = X509Certificate::from_der(&der)
        .map_err(|e| malformed_certificate(format!("invalid DER: {e}")))?;
    if !rest.is_empty() {
        return Err(malformed_certificate(
            "trailing bytes after the certificate",
        ));
    }
    let public_key = PublicKey::from_spki_der(cert.public_key().raw)?;
    let mut sans = ParsedSans::default();
    let mut is_ca = false;
    let mut path_length_constraint = None;
    let mut subject_key_identifier = None;
    let mut authority_key_identifier = None;
    let mut key_cert_sign_allowed = true;
    for extension in cert.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(_) => {
                sans = parse_sans(extension).map_err(malformed_certificate)?;
            }
            ParsedExtension::BasicConstraints(bc) => {
                is_ca = bc.ca;
                path_length_constraint = bc.path_len_constraint;
            }
            ParsedExtension::SubjectKeyIdentifier(id) => {
                subject_key_identifier = Some(id.0.to_vec());
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_identifier = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
            }
            ParsedExtension::KeyUsage(ku) => key_cert_sign_allowed = ku.key_cert_sign(),
            ParsedExtension::ParseError { error } => {
                return Err(malformed_certificate(format!(
                    "invalid extension {}: {error}",
                    extension.oid.to_id_string()
                )));
            }
            _ => {}
        }
    }
    let time = |t: &x509_parser::time::ASN1Time| {
        OffsetDateTime::from_unix_timestamp(t.timestamp())
            .map_err(|e| malformed_certificate(format!("validity out of range: {e}")))
    };
    let validity = cert.validity();
    let not_before = time(&validity.not_before)?;
    let not_after = time(&validity.not_after)?;
    let raw_serial = cert.raw_serial();
    let skip = raw_serial.iter().take_while(|&&b| b == 0).count();
    let serial = raw_serial.get(skip..).unwrap_or_default().to_vec();
    if cert.signature_value.unused_bits != 0 {
        return Err(malformed_certificate("signature has unused bits"));
    }
    let signature = cert.signature_value.data.to_vec();
    let signature_oid = cert.signature_algorithm.algorithm.to_id_string();
    let subject = DistinguishedName::from_x509(cert.subject());
    let issuer = DistinguishedName::from_x509(cert.issuer());
    drop(cert);

    // Locate the tbsCertificate TLV for signature checks.
    let outer = der::single(&der, der::SEQUENCE)
        .ok_or_else(|| malformed_certificate("not a DER SEQUENCE"))?;
    let header = der.len() - outer.len();
    let (_, _, tbs_whole) = der::Reader::new(outer)
        .read_raw()
        .ok_or_else(|| malformed_certificate("missing tbsCertificate"))?;
    let tbs = header..header + tbs_whole.len();

    let pem = CertificatePem(core::mem::take(&mut *crate::pem::encode(
        "CERTIFICATE",
        &der,
    )));
    Ok(Certificate {
        pem,
        der,
        subject,
        issuer,
        sans_dns: sans.dns,
        sans_ip: sans.ip,
        sans_oid: sans.oid,
        sans_email: sans.email,
        sans_other: sans.other,
        not_before,
        not_after,
        is_ca,
        path_length_constraint,
        serial,
        public_key,
        subject_key_identifier,
        authority_key_identifier,
        key_cert_sign_allowed,
        tbs,
        signature_oid,
        signature,
    })
}

/// High-level operations, written once for every backend.
impl dyn CryptoBackend + '_ {
    /// Loads a PEM private key: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#8
    /// (`PRIVATE KEY`). Leading text, CRLF and any wrapping are accepted; the first key block is
    /// used.
    ///
    /// # Errors
    /// [`Error::InvalidPem`] without a key block, [`Error::InputTooLarge`] over 1 MiB,
    /// [`Error::MalformedKey`] / [`Error::UnsupportedAlgorithm`] for keys the backend rejects.
    pub fn load_private_key(&self, pem: &str) -> Result<PrivateKey, Error> {
        let mut sections = crate::pem::decode(
            pem,
            &[
                SectionKind::RsaPrivateKey,
                SectionKind::EcPrivateKey,
                SectionKind::PrivateKey,
            ],
            "PRIVATE KEY",
        )?;
        let (kind, der) = sections.swap_remove(0);
        let pkcs8 = match kind {
            SectionKind::RsaPrivateKey => crate::key::pkcs8_from_pkcs1(&der)?,
            SectionKind::EcPrivateKey => crate::key::pkcs8_from_sec1(&der)?,
            _ => der,
        };
        self.load_pkcs8(pkcs8)
    }

    /// Exports a private key as PEM: PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for Ed25519.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] if the stored key material cannot be re-encoded.
    pub fn export_private_key(&self, key: &PrivateKey) -> Result<PrivateKeyPem, Error> {
        crate::key::export_pem(key)
    }

    /// Builds and signs a CSR for `attributes` (subject order and string types as the Python
    /// library; a random UUID4 x500UniqueIdentifier unless disabled). The SAN (non-critical)
    /// lists DNS names, IP addresses and registered IDs; the email address goes only in the
    /// subject. Additional critical extensions follow the SAN.
    ///
    /// The returned [`Csr`] is the parse of what was built, so its attributes are exactly
    /// what a peer reads (with `is_ca == false`: that flag travels in relation data).
    ///
    /// # Errors
    /// [`Error::InvalidAttribute`] if an additional critical extension reuses the SAN OID or
    /// another extension's OID; backend errors from randomness or signing.
    pub fn create_csr(
        &self,
        key: &PrivateKey,
        attributes: &CertificateRequestAttributes,
    ) -> Result<Csr, Error> {
        let extra = &attributes.additional_critical_extensions;
        for (i, ext) in extra.iter().enumerate() {
            if ext.oid == OID_SAN || extra.iter().skip(i + 1).any(|other| other.oid == ext.oid) {
                return Err(Error::InvalidAttribute {
                    field: "additional_critical_extensions",
                    reason: format!(
                        "extension {} is repeated or managed by the library",
                        ext.oid
                    ),
                });
            }
        }
        let signer = self.signer(key)?;
        let algorithm_der = signature_algorithm_der(signer.algorithm())?;
        let unique_id = if attributes.add_unique_id_to_subject_name {
            Some(random_uuid4(self)?)
        } else {
            None
        };
        let sans = Sans {
            dns: attributes.sans_dns.iter().map(String::as_str).collect(),
            ip: attributes.sans_ip.iter().copied().collect(),
            oid: attributes.sans_oid.iter().map(String::as_str).collect(),
            email: Vec::new(),
        };
        let mut info = Vec::with_capacity(key.public_key.spki_der.len() + 512);
        nested(&mut info, der::SEQUENCE, |out| -> Result<(), Error> {
            der::unsigned_integer(out, &[0]);
            encode_name(out, attributes, unique_id.as_deref())?;
            out.extend_from_slice(&key.public_key.spki_der);
            nested(out, context_constructed(0), |out| {
                if sans.is_empty() && extra.is_empty() {
                    return Ok(());
                }
                nested(out, der::SEQUENCE, |out| {
                    der::oid(out, OID_EXTENSION_REQUEST)?;
                    nested(out, der::SET, |out| {
                        nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
                            if !sans.is_empty() {
                                extension(out, OID_SAN, false, |out| sans.encode(out))?;
                            }
                            for ext in extra {
                                extension(out, &ext.oid, true, |out| {
                                    out.extend_from_slice(&ext.value);
                                    Ok(())
                                })?;
                            }
                            Ok(())
                        })
                    })
                })
            })
        })?;
        let der = sign_to_der(&*signer, &algorithm_der, info)?;
        csr_from_der(self, der)
    }

    /// Parses a PEM CSR (the first `CERTIFICATE REQUEST` block) and verifies its self-signature.
    ///
    /// # Errors
    /// [`Error::InvalidPem`], [`Error::InputTooLarge`], [`Error::MalformedCsr`],
    /// [`Error::SignatureInvalid`] when the self-signature does not verify, and attribute errors
    /// ([`Error::MissingIdentity`], [`Error::InvalidAttribute`]) for CSRs the Python library
    /// would not accept either.
    pub fn parse_csr(&self, pem: &str) -> Result<Csr, Error> {
        let mut sections = crate::pem::decode(pem, &[SectionKind::Csr], "CERTIFICATE REQUEST")?;
        let (_, der) = sections.swap_remove(0);
        csr_from_der(self, der.to_vec())
    }

    /// Parses a DER CSR and verifies its self-signature (see `parse_csr`).
    ///
    /// # Errors
    /// As `parse_csr`, without the PEM errors.
    pub fn parse_csr_der(&self, der: &[u8]) -> Result<Csr, Error> {
        crate::pem::check_size(der.len())?;
        csr_from_der(self, der.to_vec())
    }

    /// Parses a PEM certificate (the first CERTIFICATE block).
    ///
    /// # Errors
    /// [`Error::InvalidPem`], [`Error::InputTooLarge`], [`Error::MalformedCertificate`],
    /// [`Error::MalformedKey`] for an unsupported public key.
    pub fn parse_certificate(&self, pem: &str) -> Result<Certificate, Error> {
        let mut sections = crate::pem::decode(pem, &[SectionKind::Certificate], "CERTIFICATE")?;
        let (_, der) = sections.swap_remove(0);
        certificate_from_der(der.to_vec())
    }

    /// Parses a DER certificate (see `parse_certificate`).
    ///
    /// # Errors
    /// As `parse_certificate`, without the PEM errors.
    pub fn parse_certificate_der(&self, der: &[u8]) -> Result<Certificate, Error> {
        crate::pem::check_size(der.len())?;
        certificate_from_der(der.to_vec())
    }

    /// Parses every CERTIFICATE block of a PEM bundle, in order.
    ///
    /// # Errors
    /// As `parse_certificate`, for the first block that fails.
    pub fn parse_certificates(&self, pem: &str) -> Result<Vec<Certificate>, Error> {
        crate::pem::decode(pem, &[SectionKind::Certificate], "CERTIFICATE")?
            .into_iter()
            .map(|(_, der)| certificate_from_der(der.to_vec()))
            .collect()
    }

    /// Checks that `issuer` issued `certificate`: the issuer name equals the issuer's subject
    /// (DER comparison) and the signature verifies with the issuer's key.
    ///
    /// # Errors
    /// [`Error::IssuerMismatch`], [`Error::SignatureInvalid`], or
    /// [`Error::UnsupportedAlgorithm`] for a signature algorithm that does not fit the key.
    pub fn verify_issued_by(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<(), Error> {
        if certificate.issuer.der != issuer.subject.der {
            return Err(Error::IssuerMismatch);
        }
        crate::key::check_rsa_size(issuer.public_key.key_type)?;
        let algorithm =
            signature_algorithm_for(&certificate.signature_oid, issuer.public_key.key_type)?;
        let tbs = certificate
            .der
            .get(certificate.tbs.clone())
            .ok_or_else(|| malformed_certificate("tbsCertificate out of range"))?;
        self.verify(&issuer.public_key, algorithm, tbs, &certificate.signature)
    }

    /// Checks that each certificate of `chain` is issued by the next one (leaf first).
    ///
    /// # Errors
    /// [`Error::ChainOutOfOrder`] naming the first pair that does not verify.
    pub fn check_chain_order(&self, chain: &[Certificate]) -> Result<(), Error> {
        for (index, pair) in chain.windows(2).enumerate() {
            if let [certificate, issuer] = pair
                && self.verify_issued_by(certificate, issuer).is_err()
            {
                return Err(Error::ChainOutOfOrder {
                    index,
                    next: index + 1,
                });
            }
        }
        Ok(())
    }

    /// Loads a CA: checks that `key` matches `certificate` and that it is a CA allowed to sign
    /// certificates, and prepares the key for repeated signing.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`], [`Error::NotCertificateAuthority`], or backend key errors.
    pub fn load_authority(
        &self,
        key: &PrivateKey,
        certificate: Certificate,
    ) -> Result<CertificateAuthority<'_>, Error> {
        if !certificate.matches_key(key) {
            return Err(Error::KeyMismatch {
                what: "certificate",
            });
        }
        if !certificate.is_certificate_authority() {
            return Err(Error::NotCertificateAuthority);
        }
        let signer = self.signer(key)?;
        let algorithm_der = signature_algorithm_der(signer.algorithm())?;
        let key_identifier = match &certificate.subject_key_identifier {
            Some(id) => id.clone(),
            None => key_identifier(self, &certificate.public_key)?,
        };
        Ok(CertificateAuthority {
            backend: self,
            signer,
            certificate,
            key_identifier,
            algorithm_der,
        })
    }

    /// Creates a self-signed CA certificate for `key`.
    ///
    /// Subject = issuer = the attributes in the Python library's order (with a random
    /// x500UniqueIdentifier when `attributes` ask for one); extensions: SubjectKeyIdentifier,
    /// AuthorityKeyIdentifier (= SKI), BasicConstraints CA:true critical, KeyUsage
    /// digitalSignature + keyCertSign + cRLSign critical, and a SAN when the attributes name
    /// DNS / IP / registered IDs or an email address.
    ///
    /// # Errors
    /// [`Error::Encoding`] for an empty or unencodable validity window; backend errors.
    pub fn create_self_signed_ca(
        &self,
        key: &PrivateKey,
        attributes: &CertificateRequestAttributes,
        validity: Validity,
    ) -> Result<Certificate, Error> {
        let signer = self.signer(key)?;
        let algorithm_der = signature_algorithm_der(signer.algorithm())?;
        let unique_id = if attributes.add_unique_id_to_subject_name {
            Some(random_uuid4(self)?)
        } else {
            None
        };
        let mut name = Vec::with_capacity(256);
        encode_name(&mut name, attributes, unique_id.as_deref())?;
        let empty_subject = der::single(&name, der::SEQUENCE).is_some_and(<[u8]>::is_empty);
        let key_id = key_identifier(self, &key.public_key)?;
        let serial = random_serial(self)?;
        let sans = Sans {
            dns: attributes.sans_dns.iter().map(String::as_str).collect(),
            ip: attributes.sans_ip.iter().copied().collect(),
            oid: attributes.sans_oid.iter().map(String::as_str).collect(),
            email: attributes.email_address.as_deref().into_iter().collect(),
        };
        let tbs = tbs_certificate(
            &serial,
            &algorithm_der,
            &name,
            validity,
            &name,
            &key.public_key.spki_der,
            |out| {
                extension(out, OID_SKI, false, |out| {
                    der::tlv(out, der::OCTET_STRING, &key_id);
                    Ok(())
                })?;
                extension(out, OID_AKI, false, |out| {
                    nested(out, der::SEQUENCE, |out| {
                        der::tlv(out, context_primitive(0), &key_id);
                    });
                    Ok(())
                })?;
                basic_constraints(out, Constraints::Ca { path_length: None })?;
                extension(out, OID_KEY_USAGE, true, |out| {
                    key_usage_bits(out, &[KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, KU_CRL_SIGN]);
                    Ok(())
                })?;
                if !sans.is_empty() {
                    extension(out, OID_SAN, empty_subject, |out| sans.encode(out))?;
                }
                Ok(())
            },
        )?;
        let der = sign_to_der(&*signer, &algorithm_der, tbs)?;
        certificate_from_der(der)
    }

    /// SHA-256 of `data` as lower-case hex (used for secret labels).
    ///
    /// # Errors
    /// Backend digest errors.
    pub fn sha256_hex(&self, data: &[u8]) -> Result<String, Error> {
        Ok(hex::encode(self.digest(DigestAlgorithm::Sha256, data)?))
    }
}

/// The `SubjectPublicKeyInfo` DER (the whole TLV) of the first `CERTIFICATE REQUEST` or
/// `CERTIFICATE` block of `pem`, found without a full parse.
///
/// **Unverified**: this finds the SPKI bytes of a CSR or certificate without checking any
/// signature, name, extension or key, and does not say which of the two it read. It is a cheap
/// pre-check (for example "is this request already answered with a certificate for the same
/// key?"); anything it answers must be confirmed by the verifying `parse_csr` /
/// `parse_certificate` of a [`CryptoBackend`] before it is trusted. For a parsed value use
/// [`PublicKey::spki_der`].
///
/// Returns `None` for anything unexpected: no such block, malformed PEM, input over 1 MiB,
/// non-DER lengths, or a structure that is not a CSR / certificate up to its public key.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "ring")] {
/// use tls_certificates_crypto::{spki_of_pem, CertificateRequestAttributes, KeyAlgorithm};
///
/// let backend = tls_certificates_crypto::ring::backend();
/// let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
/// let attributes = CertificateRequestAttributes::builder().common_name("a").build()?;
/// let csr = backend.create_csr(&key, &attributes)?;
/// assert_eq!(spki_of_pem(csr.pem().as_str()).as_deref(), Some(key.public_key().spki_der()));
/// assert_eq!(spki_of_pem("not PEM"), None);
/// # }
/// # Ok::<(), tls_certificates_crypto::Error>(())
/// ```
pub fn spki_of_pem(pem: &str) -> Option<Vec<u8>> {
    match crate::pem::single_public(pem) {
        Some((kind, der)) => spki_of_der(kind, &der),
        None => {
            let (kind, der) =
                crate::pem::first(pem, &[SectionKind::Csr, SectionKind::Certificate])?;
            spki_of_der(kind, &der)
        }
    }
}

fn spki_of_der(kind: SectionKind, der: &[u8]) -> Option<Vec<u8>> {
    let spki = match kind {
        SectionKind::Csr => der::csr_spki(der),
        _ => der::certificate_spki(der),
    };
    spki.map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference"
    );

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn given_python_csr_and_its_certificate_when_spki_found_then_equal_and_the_parsed_key() {
        let csr = spki_of_pem(&fixture("csr.pem")).unwrap();
        let cert = spki_of_pem(&fixture("certificate.pem")).unwrap();
        assert_eq!(csr, cert);
        let other = spki_of_pem(&fixture("ec_certificate.pem")).unwrap();
        assert_ne!(other, csr);
        let ec_csr = spki_of_pem(&fixture("ec_csr.pem")).unwrap();
        assert_eq!(ec_csr, other);
        // A bundle: the first block decides; text around it and CRLF are fine.
        let chain = fixture("chain.pem");
        let first = chain
            .split_inclusive("-----END CERTIFICATE-----")
            .next()
            .unwrap();
        let bundle = format!("leading text\r\n{}\r\n", chain.replace('\n', "\r\n"));
        assert_eq!(spki_of_pem(&bundle), spki_of_pem(first));
        // Keys are not CSRs or certificates.
        assert_eq!(spki_of_pem(&fixture("private_key.pem")), None);
    }

    /// The general decoder alone (what `spki_of_pem` falls back to).
    fn spki_general(pem: &str) -> Option<Vec<u8>> {
        let (kind, der) = crate::pem::first(pem, &[SectionKind::Csr, SectionKind::Certificate])?;
        spki_of_der(kind, &der)
    }

    #[test]
    fn the_strict_public_decoder_agrees_with_the_general_one_or_declines() {
        let agree = |text: &str| {
            assert_eq!(spki_of_pem(text), spki_general(text), "{text}");
            let strict = crate::pem::single_public(text);
            if let Some((kind, der)) = &strict {
                let (general_kind, general_der) =
                    crate::pem::first(text, &[SectionKind::Csr, SectionKind::Certificate]).unwrap();
                assert_eq!(
                    (*kind, der.as_slice()),
                    (general_kind, general_der.as_slice())
                );
            }
            strict.is_some()
        };
        for name in [
            "csr.pem",
            "certificate.pem",
            "ec_certificate.pem",
            "ec_csr.pem",
        ] {
            let pem = fixture(name);
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let (begin, end) = (pem.lines().next().unwrap(), pem.lines().last().unwrap());
            let rewrapped = |width: usize, eol: &str| {
                let lines: Vec<&str> = body
                    .as_bytes()
                    .chunks(width)
                    .map(|c| core::str::from_utf8(c).unwrap())
                    .collect();
                format!("{begin}{eol}{}{eol}{end}{eol}", lines.join(eol))
            };
            // What libraries write: the fast path takes it.
            for text in [
                pem.clone(),
                format!("{pem}\n\n"),
                pem.replace('\n', "\r\n"),
                rewrapped(76, "\n"),
                rewrapped(1, "\r\n"),
                rewrapped(10_000, "\n"),
            ] {
                assert!(agree(&text), "{name}: the fast path declined\n{text}");
            }
            // Everything else: same answer, whichever path gives it.
            let mut others = vec![
                format!("text before\n{pem}"),
                format!("{pem}\n{pem}"),
                pem.replacen(end, "-----END X509 CRL-----", 1),
                pem.replace("-----\n", "-----\n "),
                pem.replacen(&body[..8], "AA*AAAAA", 1),
                pem.get(..pem.len() - 40).unwrap().to_owned(),
                format!("{}\n{end}", &pem[..pem.len() - end.len() - 6]),
            ];
            // Non-canonical padding bits.
            if let Some(i) = pem.find("=\n") {
                let mut bytes = pem.clone().into_bytes();
                bytes[i - 1] = if bytes[i - 1] == b'A' { b'B' } else { b'A' };
                others.push(String::from_utf8(bytes).unwrap());
            }
            for text in &others {
                agree(text);
            }
            assert!(!agree(&format!("text before\n{pem}")));
            assert!(!agree(&format!("{pem}\n{pem}")));
        }
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_our_csrs_and_certificates_when_spki_found_then_it_is_the_parsed_public_key() {
        let backend = crate::ring::backend();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let attributes = CertificateRequestAttributes::builder()
            .common_name("x")
            .build()
            .unwrap();
        let ca_key = backend
            .generate_key(crate::KeyAlgorithm::EcdsaP256)
            .unwrap();
        let ca = backend
            .create_self_signed_ca(
                &ca_key,
                &attributes,
                Validity::starting_at(now, Duration::days(9)),
            )
            .unwrap();
        let authority = backend.load_authority(&ca_key, ca).unwrap();
        for algorithm in [
            crate::KeyAlgorithm::Rsa2048,
            crate::KeyAlgorithm::EcdsaP384,
            crate::KeyAlgorithm::Ed25519,
        ] {
            let key = backend.generate_key(algorithm).unwrap();
            let csr = backend.create_csr(&key, &attributes).unwrap();
            let cert = authority
                .issue(
                    &csr,
                    &IssueProfile::leaf(Validity::starting_at(now, Duration::days(1))),
                )
                .unwrap();
            let expected = Some(key.public_key().spki_der());
            assert_eq!(spki_of_pem(csr.pem().as_str()).as_deref(), expected);
            assert_eq!(spki_of_pem(cert.pem().as_str()).as_deref(), expected);
            assert_eq!(der::csr_spki(csr.der()), expected);
            assert_eq!(der::certificate_spki(cert.der()), expected);
            // The walkers do not confuse the two structures.
            assert_eq!(der::csr_spki(cert.der()), None);
            assert_eq!(der::certificate_spki(csr.der()), None);
        }
    }

    #[test]
    fn given_hostile_input_when_spki_searched_then_none_and_no_panic() {
        for pem in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----",
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----\nMIQ=\n",
        ] {
            assert_eq!(spki_of_pem(pem), None, "{pem:?}");
        }
        let huge = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
            "A".repeat((1 << 20) + 4)
        );
        assert_eq!(spki_of_pem(&huge), None);
        for input in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x02, 0x30],
            &[0x30, 0x02, 0x30, 0x00],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
            &[0x3f, 0x01, 0x00],
        ] {
            assert_eq!(der::csr_spki(input), None, "{input:?}");
            assert_eq!(der::certificate_spki(input), None, "{input:?}");
        }
    }

    #[test]
    fn given_non_minimal_lengths_or_trailing_bytes_when_spki_searched_then_none() {
        let csr_pem = fixture("csr.pem");
        let (_, csr) = crate::pem::first(&csr_pem, &[SectionKind::Csr]).unwrap();
        assert!(der::csr_spki(&csr).is_some());
        // Trailing bytes after the outer SEQUENCE.
        let mut trailing = csr.to_vec();
        trailing.push(0);
        assert_eq!(der::csr_spki(&trailing), None);
        // The same CSR with its outer length in a non-minimal (one byte longer) form.
        let (_, content, _) = der::Reader::new(&csr).read_raw().unwrap();
        let mut long = vec![0x30, 0x83, 0x00];
        long.extend_from_slice(&u16::try_from(content.len()).unwrap().to_be_bytes());
        long.extend_from_slice(content);
        assert_eq!(der::csr_spki(&long), None);
        // Truncation anywhere.
        for end in 0..csr.len() {
            assert_eq!(der::csr_spki(csr.get(..end).unwrap()), None, "{end}");
        }
    }

    #[test]
    fn given_signature_oids_when_matched_to_keys_then_curve_decides_ecdsa_variant() {
        assert_eq!(
            signature_algorithm_for(OID_ECDSA_WITH_SHA256, KeyType::EcdsaP384).ok(),
            Some(SignatureAlgorithm::EcdsaP384Sha256)
        );
        assert!(signature_algorithm_for(OID_SHA256_WITH_RSA, KeyType::Ed25519).is_err());
        for alg in [
            SignatureAlgorithm::RsaPkcs1Sha256,
            SignatureAlgorithm::EcdsaP256Sha256,
            SignatureAlgorithm::EcdsaP384Sha384,
            SignatureAlgorithm::Ed25519,
        ] {
            assert!(signature_algorithm_der(alg).is_ok());
        }
    }
}
