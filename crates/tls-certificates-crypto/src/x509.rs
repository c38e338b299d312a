//! X.509 on top of the backend primitives: CSRs, certificates, CAs, chains.
//!
//! SKELETON: signatures are the contract; bodies are filled in by the crypto-core work.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use crate::{
    CertificatePem, CertificateRequestAttributes, CryptoBackend, CsrPem, Error, PrivateKey,
    PrivateKeyPem, PublicKey, Signer,
};

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
    /// Issue a CA certificate (BasicConstraints CA:true, keyCertSign + cRLSign).
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
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) is_ca: bool,
    pub(crate) serial: Vec<u8>,
    pub(crate) public_key: PublicKey,
    pub(crate) subject_key_identifier: Option<Vec<u8>>,
    pub(crate) authority_key_identifier: Option<Vec<u8>>,
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
}

impl CertificateAuthority<'_> {
    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Issues a certificate for `csr` with the profile in the crate docs.
    pub fn issue(&self, csr: &Csr, profile: &IssueProfile) -> Result<Certificate, Error> {
        let _ = (csr, profile, &self.signer, self.backend);
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }
}

/// High-level operations, written once for every backend.
impl dyn CryptoBackend + '_ {
    /// Loads a PEM private key: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#8
    /// (`PRIVATE KEY`). Leading text, CRLF and any wrapping are accepted.
    pub fn load_private_key(&self, pem: &str) -> Result<PrivateKey, Error> {
        let _ = pem;
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Exports a private key as PEM: PKCS#1 for RSA, SEC1 for ECDSA, PKCS#8 for Ed25519.
    pub fn export_private_key(&self, key: &PrivateKey) -> Result<PrivateKeyPem, Error> {
        let _ = key;
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Builds and signs a CSR for `attributes` (subject order and string types as the Python
    /// library; a random UUID4 x500UniqueIdentifier unless disabled).
    pub fn create_csr(
        &self,
        key: &PrivateKey,
        attributes: &CertificateRequestAttributes,
    ) -> Result<Csr, Error> {
        let _ = (key, attributes);
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Parses a PEM CSR and verifies its self-signature.
    pub fn parse_csr(&self, pem: &str) -> Result<Csr, Error> {
        let _ = pem;
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Parses a PEM certificate (the first CERTIFICATE block).
    pub fn parse_certificate(&self, pem: &str) -> Result<Certificate, Error> {
        let _ = pem;
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Parses every CERTIFICATE block of a PEM bundle, in order.
    pub fn parse_certificates(&self, pem: &str) -> Result<Vec<Certificate>, Error> {
        let _ = pem;
        Err(Error::UnsupportedAlgorithm {
            algorithm: "skeleton".into(),
        })
    }

    /// Checks that `issuer` issued `certificate`: names match and the signature verifies.
    pub fn verify_issued_by(&self, certificate: &Certificate, issuer: &Certificate) -> Result<(), Error> {
        let _ = (certificate, issuer);
        Err(Error::SignatureInvalid)
    }

    /// Checks that each certificate of `chain` is issued by the next one (leaf first).
    pub fn check_chain_order(&self, chain: &[Certificate]) -> Result<(), Error> {
        let _ = chain;
        Err(Error::SignatureInvalid)
    }

    /// Loads a CA: checks that `key` matches `certificate` and that it is a CA.
    pub fn load_authority(
        &self,
        key: &PrivateKey,
        certificate: Certificate,
    ) -> Result<CertificateAuthority<'_>, Error> {
        let _ = (key, certificate);
        Err(Error::NotCertificateAuthority)
    }

    /// Creates a self-signed CA certificate for `key`.
    pub fn create_self_signed_ca(
        &self,
        key: &PrivateKey,
        attributes: &CertificateRequestAttributes,
        validity: Validity,
    ) -> Result<Certificate, Error> {
        let _ = (key, attributes, validity);
        Err(Error::NotCertificateAuthority)
    }

    /// SHA-256 of `data` as lower-case hex (used for secret labels).
    pub fn sha256_hex(&self, data: &[u8]) -> Result<String, Error> {
        Ok(hex::encode(self.digest(crate::DigestAlgorithm::Sha256, data)?))
    }
}
