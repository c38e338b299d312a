//! The operations: everything X.509 a caller does, as inherent methods of `dyn CryptoBackend`
//! (written once for every backend), and issuing from a loaded [`CertificateAuthority`].

use rustls_pki_types::pem::SectionKind;

use super::build::{
    Constraints, Sans, basic_constraints, encode_name, extension, key_identifier, key_usage_bits,
    random_serial, random_uuid4, sign_to_der, tbs_certificate,
};
use super::oids::{
    KU_CRL_SIGN, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, KU_KEY_ENCIPHERMENT, OID_AKI,
    OID_CLIENT_AUTH, OID_EXT_KEY_USAGE, OID_EXTENSION_REQUEST, OID_KEY_USAGE, OID_SAN,
    OID_SERVER_AUTH, OID_SKI, signature_algorithm_der, signature_algorithm_for,
};
use super::parse::{Possession, certificate_from_der, csr_from_der, malformed_certificate};
use super::{Certificate, Csr, IssueProfile, Validity};
use crate::der::{self, context_constructed, context_primitive, nested};
use crate::{
    CertificateRequestAttributes, CryptoBackend, DigestAlgorithm, Error, KeyType, PrivateKey,
    PrivateKeyPem, Signer,
};

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
        // Verified like a peer's: a signature gone wrong (a fault, a backend bug) is caught
        // here rather than by the provider.
        csr_from_der(self, der, Possession::Verify)
    }

    /// Parses a PEM CSR (the first `CERTIFICATE REQUEST` block) and verifies its self-signature.
    ///
    /// # Errors
    /// [`Error::InvalidPem`], [`Error::InputTooLarge`], [`Error::MalformedCsr`],
    /// [`Error::SignatureInvalid`] when the self-signature does not verify, and attribute errors
    /// ([`Error::MissingIdentity`], [`Error::InvalidAttribute`]) for CSRs the Python library
    /// would not accept either.
    pub fn parse_csr(&self, pem: &str) -> Result<Csr, Error> {
        let der = crate::pem::public_der(pem, SectionKind::Csr, "CERTIFICATE REQUEST")?;
        csr_from_der(self, der, Possession::Verify)
    }

    /// Parses a PEM CSR made for `key`, such as one read back from our own databag: the CSR's
    /// public key must be `key`'s. Since we hold that key, the self-signature proves nothing
    /// to us and is not verified (a signature verification saved); every other check of
    /// `parse_csr` is made. A peer's CSR goes through `parse_csr`.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] when the CSR is for another key; otherwise as `parse_csr`
    /// (without [`Error::SignatureInvalid`]).
    pub fn parse_own_csr(&self, pem: &str, key: &PrivateKey) -> Result<Csr, Error> {
        let der = crate::pem::public_der(pem, SectionKind::Csr, "CERTIFICATE REQUEST")?;
        csr_from_der(self, der, Possession::OwnKey(key.public_key()))
    }

    /// Parses a DER CSR and verifies its self-signature (see `parse_csr`).
    ///
    /// # Errors
    /// As `parse_csr`, without the PEM errors.
    pub fn parse_csr_der(&self, der: &[u8]) -> Result<Csr, Error> {
        crate::pem::check_size(der.len())?;
        csr_from_der(self, der.to_vec(), Possession::Verify)
    }

    /// Parses a PEM certificate (the first CERTIFICATE block).
    ///
    /// # Errors
    /// [`Error::InvalidPem`], [`Error::InputTooLarge`], [`Error::MalformedCertificate`],
    /// [`Error::MalformedKey`] for an unsupported public key.
    pub fn parse_certificate(&self, pem: &str) -> Result<Certificate, Error> {
        certificate_from_der(crate::pem::public_der(
            pem,
            SectionKind::Certificate,
            "CERTIFICATE",
        )?)
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
