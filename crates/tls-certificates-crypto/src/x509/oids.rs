//! Object identifiers, KeyUsage bits and signature `AlgorithmIdentifier`s, shared by the DER
//! writer and the reader.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::der::{self, nested};
use crate::{Error, KeyType, SignatureAlgorithm};

pub(super) const OID_SKI: &str = "2.5.29.14";
pub(super) const OID_KEY_USAGE: &str = "2.5.29.15";
pub(super) const OID_SAN: &str = "2.5.29.17";
pub(super) const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub(super) const OID_AKI: &str = "2.5.29.35";
pub(super) const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
pub(super) const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
pub(super) const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
pub(super) const OID_EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";

pub(super) const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
pub(super) const OID_SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
pub(super) const OID_SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
pub(super) const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
pub(super) const OID_ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";

pub(super) const KU_DIGITAL_SIGNATURE: u8 = 0;
pub(super) const KU_KEY_ENCIPHERMENT: u8 = 2;
pub(super) const KU_KEY_CERT_SIGN: u8 = 5;
pub(super) const KU_CRL_SIGN: u8 = 6;

/// Every object identifier this crate names, for [`dotted`].
const KNOWN: [&str; 28] = [
    OID_SKI,
    OID_KEY_USAGE,
    OID_SAN,
    OID_BASIC_CONSTRAINTS,
    OID_AKI,
    OID_EXT_KEY_USAGE,
    OID_SERVER_AUTH,
    OID_CLIENT_AUTH,
    OID_EXTENSION_REQUEST,
    OID_SHA256_WITH_RSA,
    OID_SHA384_WITH_RSA,
    OID_SHA512_WITH_RSA,
    OID_ECDSA_WITH_SHA256,
    OID_ECDSA_WITH_SHA384,
    crate::key::OID_RSA_ENCRYPTION,
    crate::key::OID_EC_PUBLIC_KEY,
    crate::key::OID_CURVE_P256,
    crate::key::OID_CURVE_P384,
    crate::key::OID_ED25519,
    crate::name::OID_CN,
    crate::name::OID_UNIQUE_ID,
    crate::name::OID_O,
    crate::name::OID_OU,
    crate::name::OID_EMAIL,
    crate::name::OID_C,
    crate::name::OID_ST,
    crate::name::OID_L,
    // Name constraints: not written, but a CA certificate may carry it.
    "2.5.29.30",
];

/// The dotted text of a parsed object identifier. Those this crate names are looked up by
/// their encoding (a handful of byte comparisons); others are formatted, as
/// `Oid::to_id_string` does for all of them, which showed in profiles of CSR parsing.
pub(crate) fn dotted(oid: &x509_parser::der_parser::oid::Oid<'_>) -> Cow<'static, str> {
    static TABLE: OnceLock<Vec<(Vec<u8>, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        KNOWN
            .iter()
            .filter_map(|text| Some((der::oid_content(text).ok()?, *text)))
            .collect()
    });
    let content = oid.as_bytes();
    match table.iter().find(|(known, _)| known.as_slice() == content) {
        Some((_, text)) => Cow::Borrowed(text),
        None => Cow::Owned(oid.to_id_string()),
    }
}

/// The DER `AlgorithmIdentifier` for a signature algorithm.
pub(super) fn signature_algorithm_der(algorithm: SignatureAlgorithm) -> Result<Vec<u8>, Error> {
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
pub(super) fn signature_algorithm_for(
    oid: &str,
    key_type: KeyType,
) -> Result<SignatureAlgorithm, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_known_and_unknown_oids_when_dotted_then_as_to_id_string_says() {
        use x509_parser::der_parser::oid::Oid;

        for text in KNOWN
            .iter()
            .copied()
            .chain(["1.2.3.4.5", "2.5.4.97", "1.3.6.1.4.1.311.21.7"])
        {
            let content = der::oid_content(text).unwrap();
            let oid = Oid::new(content.into());
            assert_eq!(dotted(&oid), oid.to_id_string(), "{text}");
            assert_eq!(dotted(&oid), text);
            let known = matches!(dotted(&oid), Cow::Borrowed(_));
            assert_eq!(known, KNOWN.contains(&text), "{text}");
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
