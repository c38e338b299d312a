//! What goes in a certificate: the 13 attributes of the Python library's
//! `CertificateRequestAttributes`, parsed and canonicalised at construction.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::Error;

/// The attributes of a certificate request.
///
/// Built with [`CertificateRequestAttributes::builder`], which validates (at least a common name
/// or one SAN, like the Python library) and canonicalises (IP addresses in their standard text
/// form, DNS names lower-cased, empty strings treated as absent), so two requests for the same
/// thing always compare equal and a request never churns.
///
/// Attributes read back from a CSR ([`crate::Csr::attributes`]) reflect that CSR as the Python
/// library's `CertificateRequestAttributes.from_csr` does; `is_ca` is then `false` because it
/// travels in relation data, not in the CSR.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CertificateRequestAttributes {
    pub(crate) common_name: Option<String>,
    pub(crate) sans_dns: BTreeSet<String>,
    pub(crate) sans_ip: BTreeSet<IpAddr>,
    pub(crate) sans_oid: BTreeSet<String>,
    pub(crate) email_address: Option<String>,
    pub(crate) organization: Option<String>,
    pub(crate) organizational_unit: Option<String>,
    pub(crate) country_name: Option<String>,
    pub(crate) state_or_province_name: Option<String>,
    pub(crate) locality_name: Option<String>,
    pub(crate) is_ca: bool,
    pub(crate) add_unique_id_to_subject_name: bool,
    pub(crate) additional_critical_extensions: Vec<CriticalExtension>,
}

/// An extra critical extension to put in a CSR: its OID (dotted) and DER-encoded value.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CriticalExtension {
    pub(crate) oid: String,
    pub(crate) value: Vec<u8>,
}

impl CriticalExtension {
    /// A critical extension with the dotted `oid` and DER `value` (the extnValue contents).
    ///
    /// # Errors
    /// [`Error::InvalidAttribute`] if `oid` is not a canonical dotted OID.
    pub fn new(oid: &str, value: Vec<u8>) -> Result<Self, Error> {
        Ok(Self {
            oid: canonical_oid("additional_critical_extensions", oid)?,
            value,
        })
    }

    /// The extension's OID, dotted.
    pub fn oid(&self) -> &str {
        &self.oid
    }

    /// The DER-encoded extension value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

impl CertificateRequestAttributes {
    /// Starts building attributes. The unique identifier is added to the subject by default.
    pub fn builder() -> CertificateRequestAttributesBuilder {
        CertificateRequestAttributesBuilder::default()
    }

    /// The same attributes with `is_ca` set to `is_ca`.
    #[must_use]
    pub fn with_is_ca(mut self, is_ca: bool) -> Self {
        self.is_ca = is_ca;
        self
    }

    /// Common name (CN).
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }
    /// DNS subject alternative names, lower-case.
    pub fn sans_dns(&self) -> &BTreeSet<String> {
        &self.sans_dns
    }
    /// IP subject alternative names.
    pub fn sans_ip(&self) -> &BTreeSet<IpAddr> {
        &self.sans_ip
    }
    /// Registered-ID (OID) subject alternative names, dotted.
    pub fn sans_oid(&self) -> &BTreeSet<String> {
        &self.sans_oid
    }
    /// Subject email address.
    pub fn email_address(&self) -> Option<&str> {
        self.email_address.as_deref()
    }
    /// Organization (O).
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }
    /// Organizational unit (OU).
    pub fn organizational_unit(&self) -> Option<&str> {
        self.organizational_unit.as_deref()
    }
    /// Country (C), two letters.
    pub fn country_name(&self) -> Option<&str> {
        self.country_name.as_deref()
    }
    /// State or province (ST).
    pub fn state_or_province_name(&self) -> Option<&str> {
        self.state_or_province_name.as_deref()
    }
    /// Locality (L).
    pub fn locality_name(&self) -> Option<&str> {
        self.locality_name.as_deref()
    }
    /// Whether this is a request for a CA certificate.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }
    /// Whether a random x500UniqueIdentifier is put in the subject (default `true`).
    pub fn add_unique_id_to_subject_name(&self) -> bool {
        self.add_unique_id_to_subject_name
    }
    /// Extra critical extensions.
    pub fn additional_critical_extensions(&self) -> &[CriticalExtension] {
        &self.additional_critical_extensions
    }
}

/// Builder for [`CertificateRequestAttributes`]. Inputs are checked in [`Self::build`].
#[derive(Clone, Debug)]
pub struct CertificateRequestAttributesBuilder {
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
    is_ca: bool,
    add_unique_id_to_subject_name: bool,
    additional_critical_extensions: Vec<CriticalExtension>,
}

impl Default for CertificateRequestAttributesBuilder {
    fn default() -> Self {
        Self {
            common_name: None,
            sans_dns: Vec::new(),
            sans_ip: Vec::new(),
            sans_oid: Vec::new(),
            email_address: None,
            organization: None,
            organizational_unit: None,
            country_name: None,
            state_or_province_name: None,
            locality_name: None,
            is_ca: false,
            add_unique_id_to_subject_name: true,
            additional_critical_extensions: Vec::new(),
        }
    }
}

impl CertificateRequestAttributesBuilder {
    /// Sets the common name.
    pub fn common_name(mut self, value: impl Into<String>) -> Self {
        self.common_name = Some(value.into());
        self
    }
    /// Adds a DNS SAN.
    pub fn san_dns(mut self, value: impl Into<String>) -> Self {
        self.sans_dns.push(value.into());
        self
    }
    /// Adds DNS SANs.
    pub fn sans_dns<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.sans_dns.extend(values.into_iter().map(Into::into));
        self
    }
    /// Adds an IP SAN (text form; parsed in [`Self::build`]).
    pub fn san_ip(mut self, value: impl Into<String>) -> Self {
        self.sans_ip.push(value.into());
        self
    }
    /// Adds IP SANs.
    pub fn sans_ip<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.sans_ip.extend(values.into_iter().map(Into::into));
        self
    }
    /// Adds a registered-ID SAN (dotted OID).
    pub fn san_oid(mut self, value: impl Into<String>) -> Self {
        self.sans_oid.push(value.into());
        self
    }
    /// Adds registered-ID SANs.
    pub fn sans_oid<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.sans_oid.extend(values.into_iter().map(Into::into));
        self
    }
    /// Sets the subject email address.
    pub fn email_address(mut self, value: impl Into<String>) -> Self {
        self.email_address = Some(value.into());
        self
    }
    /// Sets the organization.
    pub fn organization(mut self, value: impl Into<String>) -> Self {
        self.organization = Some(value.into());
        self
    }
    /// Sets the organizational unit.
    pub fn organizational_unit(mut self, value: impl Into<String>) -> Self {
        self.organizational_unit = Some(value.into());
        self
    }
    /// Sets the two-letter country code.
    pub fn country_name(mut self, value: impl Into<String>) -> Self {
        self.country_name = Some(value.into());
        self
    }
    /// Sets the state or province.
    pub fn state_or_province_name(mut self, value: impl Into<String>) -> Self {
        self.state_or_province_name = Some(value.into());
        self
    }
    /// Sets the locality.
    pub fn locality_name(mut self, value: impl Into<String>) -> Self {
        self.locality_name = Some(value.into());
        self
    }
    /// Requests a CA certificate.
    pub fn is_ca(mut self, value: bool) -> Self {
        self.is_ca = value;
        self
    }
    /// Whether to add a random x500UniqueIdentifier to the subject (default `true`; leave it on
    /// when requesting over the relation, or renewal cannot produce a new CSR).
    pub fn add_unique_id_to_subject_name(mut self, value: bool) -> Self {
        self.add_unique_id_to_subject_name = value;
        self
    }
    /// Adds an extra critical extension.
    pub fn additional_critical_extension(mut self, extension: CriticalExtension) -> Self {
        self.additional_critical_extensions.push(extension);
        self
    }

    /// Validates and canonicalises.
    ///
    /// # Errors
    /// [`Error::MissingIdentity`] without a common name and SANs; [`Error::InvalidAttribute`] for
    /// an unparseable IP address or OID, a country that is not two letters, a DNS name or text
    /// attribute with control characters, or a subject attribute longer than its RFC 5280 upper
    /// bound (common name, organization and organizational unit 64 characters, state and
    /// locality 128, email address 255).
    pub fn build(self) -> Result<CertificateRequestAttributes, Error> {
        let text = |field: &'static str, v: Option<String>| -> Result<Option<String>, Error> {
            match v {
                Some(s) if s.is_empty() => Ok(None),
                Some(s) => crate::name::check_text(field, &s).map(|()| Some(s)),
                None => Ok(None),
            }
        };
        let sans_dns = self
            .sans_dns
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| canonical_dns(&s))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let sans_ip = self
            .sans_ip
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.trim()
                    .parse::<IpAddr>()
                    .map_err(|e| Error::InvalidAttribute {
                        field: "sans_ip",
                        reason: format!("{}: {e}", shown(&s)),
                    })
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        let sans_oid = self
            .sans_oid
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| canonical_oid("sans_oid", &s))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let country_name = text("country_name", self.country_name)?;
        if let Some(c) = &country_name
            && (c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
        {
            return Err(Error::InvalidAttribute {
                field: "country_name",
                reason: format!("{} is not a two-letter country code", shown(c)),
            });
        }
        let email_address = text("email_address", self.email_address)?;
        if let Some(e) = &email_address
            && !e.is_ascii()
        {
            return Err(Error::InvalidAttribute {
                field: "email_address",
                reason: "must be ASCII (IA5String)".into(),
            });
        }
        let attributes = CertificateRequestAttributes {
            common_name: text("common_name", self.common_name)?,
            sans_dns,
            sans_ip,
            sans_oid,
            email_address,
            organization: text("organization", self.organization)?,
            organizational_unit: text("organizational_unit", self.organizational_unit)?,
            country_name,
            state_or_province_name: text("state_or_province_name", self.state_or_province_name)?,
            locality_name: text("locality_name", self.locality_name)?,
            is_ca: self.is_ca,
            add_unique_id_to_subject_name: self.add_unique_id_to_subject_name,
            additional_critical_extensions: self.additional_critical_extensions,
        };
        if attributes.common_name.is_none()
            && attributes.sans_dns.is_empty()
            && attributes.sans_ip.is_empty()
            && attributes.sans_oid.is_empty()
        {
            return Err(Error::MissingIdentity);
        }
        Ok(attributes)
    }
}

/// A value for an error message: quoted and escaped, cut after 64 characters (values come
/// from peers and may be huge).
fn shown(value: &str) -> String {
    const MAX: usize = 64;
    let mut cut: String = value.chars().take(MAX).collect();
    if cut.len() < value.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// Lower-cases a DNS name and rejects characters that can never appear in one.
pub(crate) fn canonical_dns(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if !name.is_ascii() || name.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(Error::InvalidAttribute {
            field: "sans_dns",
            reason: format!("{} is not an ASCII DNS name", shown(name)),
        });
    }
    Ok(name.to_ascii_lowercase())
}

/// Checks a dotted OID (at least two arcs, decimal, no leading zeros) and returns it trimmed.
pub(crate) fn canonical_oid(field: &'static str, oid: &str) -> Result<String, Error> {
    let oid = oid.trim();
    let arcs: Vec<&str> = oid.split('.').collect();
    let ok = arcs.len() >= 2
        && arcs.iter().all(|a| {
            !a.is_empty()
                && a.len() <= 20
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a.len() == 1 || !a.starts_with('0'))
        })
        && match (arcs.first(), arcs.get(1)) {
            (Some(&("0" | "1")), Some(second)) => second.parse::<u8>().is_ok_and(|n| n < 40),
            (Some(&"2"), Some(_)) => true,
            _ => false,
        };
    if ok {
        Ok(oid.to_owned())
    } else {
        Err(Error::InvalidAttribute {
            field,
            reason: format!("{} is not a dotted object identifier", shown(oid)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_equivalent_spellings_when_built_then_attributes_compare_equal() {
        let a = CertificateRequestAttributes::builder()
            .common_name("Host")
            .san_dns("Unit-0.Example.COM")
            .san_ip("2001:db8:0:0::10")
            .san_ip(" 10.0.0.1 ")
            .organization("")
            .build();
        let b = CertificateRequestAttributes::builder()
            .common_name("Host")
            .sans_dns(["unit-0.example.com", "unit-0.example.com"])
            .sans_ip(["10.0.0.1", "2001:db8::10"])
            .build();
        assert_eq!(a.ok(), b.ok());
    }

    #[test]
    fn given_nothing_to_name_when_built_then_missing_identity() {
        let result = CertificateRequestAttributes::builder()
            .organization("Org")
            .common_name("")
            .build();
        assert!(matches!(result, Err(Error::MissingIdentity)));
    }

    #[test]
    fn given_invalid_values_when_built_then_the_field_is_named() {
        let field = |b: CertificateRequestAttributesBuilder| match b.common_name("x").build() {
            Err(Error::InvalidAttribute { field, .. }) => field,
            other => panic!("expected InvalidAttribute, got {other:?}"),
        };
        let b = CertificateRequestAttributes::builder;
        assert_eq!(field(b().country_name("GBR")), "country_name");
        assert_eq!(field(b().san_ip("10.0.0.256")), "sans_ip");
        assert_eq!(field(b().san_oid("1.40.3")), "sans_oid");
        assert_eq!(field(b().san_oid("3.1")), "sans_oid");
        assert_eq!(field(b().san_oid("1.2.03")), "sans_oid");
        assert_eq!(field(b().san_dns("a b.example.com")), "sans_dns");
        assert_eq!(field(b().email_address("é@example.com")), "email_address");
        assert_eq!(field(b().locality_name("a\nb")), "locality_name");
        // RFC 5280 upper bounds: what a provider of ours would refuse is never built.
        assert_eq!(field(b().organization("o".repeat(65))), "organization");
        assert_eq!(field(b().locality_name("l".repeat(129))), "locality_name");
        assert!(b().common_name("c".repeat(64)).build().is_ok());
        // Errors quote at most 64 characters of a value.
        let long = b()
            .common_name("x")
            .san_dns(format!("{} x", "a".repeat(10_000)))
            .build();
        let message = long.unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
        assert!(matches!(
            b().common_name("c".repeat(65)).build(),
            Err(Error::InvalidAttribute {
                field: "common_name",
                ..
            })
        ));
    }

    #[test]
    fn given_valid_oids_when_checked_then_accepted() {
        for oid in ["2.5.29.17", "1.3.6.1.4.1.32473.1.2", "2.999.1", "0.39"] {
            assert_eq!(canonical_oid("sans_oid", oid).ok().as_deref(), Some(oid));
        }
    }
}
