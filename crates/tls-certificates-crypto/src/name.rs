//! Distinguished names: the subject attributes this crate knows, their upper bounds, how their
//! values are decoded, and the subject policy applied to every CSR it parses (see the crate
//! docs, "Subject policy", for the rules and why a CSR is refused rather than re-encoded).

use x509_parser::asn1_rs::{Class, Tag};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::Error;

pub(crate) const OID_CN: &str = "2.5.4.3";
pub(crate) const OID_UNIQUE_ID: &str = "2.5.4.45";
pub(crate) const OID_O: &str = "2.5.4.10";
pub(crate) const OID_OU: &str = "2.5.4.11";
pub(crate) const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
pub(crate) const OID_C: &str = "2.5.4.6";
pub(crate) const OID_ST: &str = "2.5.4.8";
pub(crate) const OID_L: &str = "2.5.4.7";

/// One subject attribute type: its OID, the attribute name used in errors (the
/// [`crate::CertificateRequestAttributes`] field) and its upper bound in characters.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct SubjectAttribute {
    pub(crate) oid: &'static str,
    pub(crate) field: &'static str,
    pub(crate) max_chars: usize,
}

/// The subject attributes a CSR may carry, with their upper bounds:
/// RFC 5280 Appendix A `ub-common-name` 64, `ub-organization-name` 64,
/// `ub-organizational-unit-name` 64, `ub-emailaddress-length` 255, `ub-country-name-alpha-length`
/// 2, `ub-state-name` 128, `ub-locality-name` 128. X.520 defines x500UniqueIdentifier as a BIT
/// STRING without a bound; the Python library writes a 36-character UUID, and 64 is allowed.
pub(crate) const SUBJECT_ATTRIBUTES: [SubjectAttribute; 8] = [
    SubjectAttribute {
        oid: OID_CN,
        field: "common_name",
        max_chars: 64,
    },
    SubjectAttribute {
        oid: OID_UNIQUE_ID,
        field: "x500_unique_identifier",
        max_chars: 64,
    },
    SubjectAttribute {
        oid: OID_O,
        field: "organization",
        max_chars: 64,
    },
    SubjectAttribute {
        oid: OID_OU,
        field: "organizational_unit",
        max_chars: 64,
    },
    SubjectAttribute {
        oid: OID_EMAIL,
        field: "email_address",
        max_chars: 255,
    },
    SubjectAttribute {
        oid: OID_C,
        field: "country_name",
        max_chars: 2,
    },
    SubjectAttribute {
        oid: OID_ST,
        field: "state_or_province_name",
        max_chars: 128,
    },
    SubjectAttribute {
        oid: OID_L,
        field: "locality_name",
        max_chars: 128,
    },
];

/// The upper bound (in characters) of the attribute named `field`, if it has one.
pub(crate) fn max_chars(field: &str) -> Option<usize> {
    SUBJECT_ATTRIBUTES
        .iter()
        .find(|a| a.field == field)
        .map(|a| a.max_chars)
}

/// Checks a text value against the policy of `field`: not longer than its bound, no control
/// character. The value itself never appears in the error (it may be huge or hostile).
pub(crate) fn check_text(field: &'static str, value: &str) -> Result<(), Error> {
    if let Some(max) = max_chars(field) {
        // Counting stops past the bound: a hostile value costs at most `max + 1` steps.
        let chars = value.chars().take(max + 1).count();
        if chars > max {
            return Err(Error::InvalidAttribute {
                field,
                reason: format!(
                    "longer than {max} characters ({} bytes; RFC 5280 upper bound)",
                    value.len()
                ),
            });
        }
    }
    if value.chars().any(char::is_control) {
        return Err(Error::InvalidAttribute {
            field,
            reason: "contains control characters".into(),
        });
    }
    Ok(())
}

/// Decodes a directory string value: UTF8String, PrintableString, IA5String, BMPString
/// (UTF-16BE) or UniversalString (UCS-4BE), universal class, primitive. `None` for any other
/// type or an encoding that does not decode.
pub(crate) fn decode_string(attribute: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = attribute.attr_value();
    if value.class() != Class::Universal || value.header.is_constructed() {
        return None;
    }
    let data = value.data;
    match value.tag() {
        Tag::Utf8String => core::str::from_utf8(data).ok().map(str::to_owned),
        // X.680 41.4: letters, digits, space and ' ( ) + , - . / : = ?
        Tag::PrintableString => data
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(b))
            .then(|| String::from_utf8_lossy(data).into_owned()),
        Tag::Ia5String => data
            .is_ascii()
            .then(|| String::from_utf8_lossy(data).into_owned()),
        Tag::BmpString => {
            if data.len() % 2 != 0 {
                return None;
            }
            let units = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        Tag::UniversalString => {
            if data.len() % 4 != 0 {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

/// The text form of an attribute value for display: the decoded string, else `#` and the hex
/// of the value's DER (RFC 4514's form for values that are not strings).
pub(crate) fn display_value(attribute: &AttributeTypeAndValue<'_>) -> String {
    decode_string(attribute)
        .unwrap_or_else(|| format!("#{}", hex::encode(attribute.attr_value().data)))
}

/// A CSR subject that passed the policy: each known attribute's decoded value, at most once.
#[derive(Debug, Default)]
pub(crate) struct CheckedSubject {
    values: Vec<(&'static str, String)>,
}

impl CheckedSubject {
    /// The value of the attribute with this OID.
    pub(crate) fn value(&self, oid: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(o, _)| *o == oid)
            .map(|(_, v)| v.as_str())
    }
}

fn refused(reason: impl Into<String>) -> Error {
    Error::InvalidAttribute {
        field: "subject",
        reason: reason.into(),
    }
}

/// Applies the subject policy (see the module docs) to a CSR's subject.
///
/// # Errors
/// [`Error::InvalidAttribute`] naming the rule the subject breaks: field `subject` for a
/// multi-valued RDN, an unknown or repeated attribute type, or an unsupported string type;
/// the attribute's own field for an empty, over-long or control-character value.
pub(crate) fn check_csr_subject(name: &X509Name<'_>) -> Result<CheckedSubject, Error> {
    let mut checked = CheckedSubject::default();
    for rdn in name.iter_rdn() {
        let mut attributes = rdn.iter();
        let (Some(attribute), None) = (attributes.next(), attributes.next()) else {
            return Err(refused(
                "a relative distinguished name holds several attributes",
            ));
        };
        let oid = crate::x509::oids::dotted(attribute.attr_type());
        let Some(known) = SUBJECT_ATTRIBUTES.iter().find(|a| a.oid == oid) else {
            return Err(refused(format!("unknown attribute type {oid}")));
        };
        if checked.value(known.oid).is_some() {
            return Err(refused(format!("{} appears more than once", known.field)));
        }
        let value = match decode_string(attribute) {
            Some(text) => text,
            None if known.oid == OID_UNIQUE_ID
                && attribute.attr_value().tag() == Tag::BitString
                && attribute.attr_value().class() == Class::Universal =>
            {
                // X.520's own type: bounded in bytes, shown as hex (no text to check).
                let bits = attribute.attr_value().data;
                if bits.is_empty() || bits.len() > known.max_chars {
                    return Err(Error::InvalidAttribute {
                        field: known.field,
                        reason: format!(
                            "BIT STRING empty or longer than {} bytes",
                            known.max_chars
                        ),
                    });
                }
                checked
                    .values
                    .push((known.oid, format!("#{}", hex::encode(bits))));
                continue;
            }
            None => {
                return Err(refused(format!(
                    "{} is not a UTF8String, PrintableString, IA5String, BMPString or UniversalString that decodes, with only the characters its type allows (tag {})",
                    known.field,
                    attribute.attr_value().tag().0
                )));
            }
        };
        if value.is_empty() {
            return Err(Error::InvalidAttribute {
                field: known.field,
                reason: "empty".into(),
            });
        }
        check_text(known.field, &value)?;
        checked.values.push((known.oid, value));
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_is_the_rfc_5280_one() {
        let bounds: Vec<(&str, usize)> = SUBJECT_ATTRIBUTES
            .iter()
            .map(|a| (a.field, a.max_chars))
            .collect();
        assert_eq!(
            bounds,
            [
                ("common_name", 64),
                ("x500_unique_identifier", 64),
                ("organization", 64),
                ("organizational_unit", 64),
                ("email_address", 255),
                ("country_name", 2),
                ("state_or_province_name", 128),
                ("locality_name", 128),
            ]
        );
    }

    #[test]
    fn bounds_count_characters_not_bytes_and_errors_never_echo_the_value() {
        assert!(check_text("common_name", &"é".repeat(64)).is_ok());
        let long = "x".repeat(140_000);
        let err = check_text("common_name", &long).unwrap_err().to_string();
        assert!(err.contains("longer than 64 characters"), "{err}");
        assert!(err.len() < 200, "{err}");
        assert!(check_text("organization", "a\u{0}b").is_err());
        assert!(check_text("locality_name", "a\u{85}b").is_err());
        assert!(check_text("locality_name", &"L".repeat(128)).is_ok());
    }
}
