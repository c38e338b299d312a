//! Reading CSRs and certificates with `x509-parser` into the crate's values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use time::OffsetDateTime;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

use super::oids::{OID_SAN, dotted, signature_algorithm_for};
use super::{Certificate, Csr, DistinguishedName, NameAttribute};
use crate::CertificateRequestAttributesBuilder as Builder;
use crate::der;
use crate::name::{OID_C, OID_CN, OID_EMAIL, OID_L, OID_O, OID_OU, OID_ST, OID_UNIQUE_ID};
use crate::{CertificatePem, CertificateRequestAttributes, CryptoBackend, Error, PublicKey};

pub(super) fn malformed_csr(reason: impl Into<String>) -> Error {
    Error::MalformedCsr {
        reason: reason.into(),
    }
}

pub(super) fn malformed_certificate(reason: impl Into<String>) -> Error {
    Error::MalformedCertificate {
        reason: reason.into(),
    }
}

impl DistinguishedName {
    fn from_x509(name: &X509Name<'_>) -> Self {
        let attributes = name
            .iter_attributes()
            .map(|attribute| NameAttribute {
                oid: dotted(attribute.attr_type()).into_owned(),
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
pub(super) fn ip_from_octets(octets: &[u8]) -> Option<IpAddr> {
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
pub(super) struct ParsedSans {
    dns: Vec<String>,
    ip: Vec<IpAddr>,
    oid: Vec<String>,
    email: Vec<String>,
    /// Kinds of the names this crate does not model, e.g. `URI`.
    other: Vec<String>,
}

pub(super) fn parse_sans(extension: &X509Extension<'_>) -> Result<ParsedSans, String> {
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
            GeneralName::RegisteredID(oid) => sans.oid.push(dotted(oid).into_owned()),
            GeneralName::RFC822Name(email) => sans.email.push((*email).to_owned()),
            GeneralName::Invalid(_, _) => return Err("invalid general name in SAN".into()),
            GeneralName::URI(_) => sans.other.push("URI".to_owned()),
            GeneralName::OtherName(oid, _) => sans.other.push(format!("otherName {}", dotted(oid))),
            GeneralName::DirectoryName(_) => sans.other.push("directoryName".to_owned()),
            GeneralName::X400Address(_) => sans.other.push("x400Address".to_owned()),
            GeneralName::EDIPartyName(_) => sans.other.push("ediPartyName".to_owned()),
        }
    }
    Ok(sans)
}

/// How [`csr_from_der`] establishes that a CSR's key belongs to whoever sent it.
#[derive(Clone, Copy)]
pub(super) enum Possession<'k> {
    /// A peer's CSR: its self-signature must verify (proof of possession).
    Verify,
    /// A CSR of ours: its public key must be this one, whose private half we hold, so the
    /// self-signature proves nothing and is not checked.
    OwnKey(&'k PublicKey),
}

/// Parses CSR DER, checks possession of its key as `possession` says and reconstructs its
/// attributes.
pub(super) fn csr_from_der(
    backend: &dyn CryptoBackend,
    der: Vec<u8>,
    possession: Possession<'_>,
) -> Result<Csr, Error> {
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
        &dotted(&request.signature_algorithm.algorithm),
        public_key.key_type,
    )?;
    match possession {
        Possession::Verify => backend.verify(
            &public_key,
            algorithm,
            info.raw,
            &request.signature_value.data,
        )?,
        Possession::OwnKey(own) if *own == public_key => {}
        Possession::OwnKey(_) => {
            return Err(Error::KeyMismatch {
                what: "certificate signing request",
            });
        }
    }

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
        let oid = dotted(&extension.oid);
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
    Ok(Csr {
        pem: OnceLock::new(),
        der,
        attributes,
        subject,
        unique_identifier,
        public_key,
    })
}

/// Parses certificate DER into a [`Certificate`] (signature not checked: see
/// `verify_issued_by`).
pub(super) fn certificate_from_der(der: Vec<u8>) -> Result<Certificate, Error> {
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
    let signature_oid = dotted(&cert.signature_algorithm.algorithm).into_owned();
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
