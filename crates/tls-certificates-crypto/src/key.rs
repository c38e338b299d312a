//! Private and public keys, backend-neutral.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

use crate::der::{self, Reader};
use crate::{Error, PrivateKeyPem};

/// A key algorithm to generate. RSA-2048 is the default (what the Python library generates).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (opt-in).
    EcdsaP256,
    /// ECDSA on NIST P-384 (opt-in).
    EcdsaP384,
    /// Ed25519 (opt-in).
    Ed25519,
    /// RSA, 2048 bits, e = 65537.
    #[default]
    Rsa2048,
    /// RSA, 3072 bits, e = 65537.
    Rsa3072,
    /// RSA, 4096 bits, e = 65537.
    Rsa4096,
}

impl KeyAlgorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Self; 6] = [
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::Ed25519,
    ];

    /// The command-line / config name: `rsa2048`, `rsa3072`, `rsa4096`, `p256`, `p384`, `ed25519`.
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "p256",
            Self::EcdsaP384 => "p384",
            Self::Ed25519 => "ed25519",
            Self::Rsa2048 => "rsa2048",
            Self::Rsa3072 => "rsa3072",
            Self::Rsa4096 => "rsa4096",
        }
    }

    /// The key type this algorithm produces.
    pub fn key_type(self) -> KeyType {
        match self {
            Self::EcdsaP256 => KeyType::EcdsaP256,
            Self::EcdsaP384 => KeyType::EcdsaP384,
            Self::Ed25519 => KeyType::Ed25519,
            Self::Rsa2048 => KeyType::Rsa { bits: 2048 },
            Self::Rsa3072 => KeyType::Rsa { bits: 3072 },
            Self::Rsa4096 => KeyType::Rsa { bits: 4096 },
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnsupportedAlgorithm {
                algorithm: s.to_owned(),
            })
    }
}

/// The type of a key (public or private).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum KeyType {
    /// ECDSA P-256.
    EcdsaP256,
    /// ECDSA P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EcdsaP256 => f.write_str("ecdsa-p256"),
            Self::EcdsaP384 => f.write_str("ecdsa-p384"),
            Self::Ed25519 => f.write_str("ed25519"),
            Self::Rsa { bits } => write!(f, "rsa-{bits}"),
        }
    }
}

/// A public key: its type and its `SubjectPublicKeyInfo` DER.
///
/// Equality compares the key type and the subject public key bits (not the SPKI bytes), so the
/// same key encoded with or without optional parameters still compares equal.
#[derive(Clone, Debug)]
pub struct PublicKey {
    pub(crate) key_type: KeyType,
    pub(crate) spki_der: Vec<u8>,
    /// Contents of the `subjectPublicKey` BIT STRING.
    pub(crate) key_bits: Vec<u8>,
}

/// A private key. The key material (PKCS#8 DER) is zeroized on drop and never printed.
///
/// A key generated or loaded by a backend also carries that backend's parsed form of it (decoded
/// and checked once, at load), which the same backend reuses for every `create_csr`,
/// `load_authority` or `signer` instead of decoding and checking the PKCS#8 again. Another
/// backend reads the PKCS#8 as before.
#[derive(Clone)]
pub struct PrivateKey {
    pub(crate) key_type: KeyType,
    pub(crate) pkcs8_der: Zeroizing<Vec<u8>>,
    pub(crate) public_key: PublicKey,
    pub(crate) native: Option<NativeKey>,
}

/// A backend's parsed form of a [`PrivateKey`], shared by the key's clones (the backend's own
/// type frees and wipes the key material when the last clone goes).
#[derive(Clone)]
pub(crate) enum NativeKey {
    /// A key parsed by the ring backend.
    #[cfg(feature = "ring")]
    Ring(std::sync::Arc<crate::ring::RingKey>),
    /// A key parsed by an OpenSSL backend, with that backend's name (`openssl`,
    /// `openssl-fips`): only the same backend, under the same policy, reuses it.
    #[cfg(feature = "openssl")]
    Openssl {
        /// `CryptoBackend::name` of the backend that decoded and checked the key.
        backend: &'static str,
        /// The decoded key (reference-counted by OpenSSL).
        pkey: ::openssl::pkey::PKey<::openssl::pkey::Private>,
    },
}

impl PublicKey {
    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The `SubjectPublicKeyInfo` DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.key_type == other.key_type && self.key_bits == other.key_bits
    }
}

impl Eq for PublicKey {}

impl PrivateKey {
    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key_type", &self.key_type)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// `rsaEncryption`.
pub(crate) const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// `id-ecPublicKey`.
pub(crate) const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// `prime256v1` / `secp256r1`.
pub(crate) const OID_CURVE_P256: &str = "1.2.840.10045.3.1.7";
/// `secp384r1`.
pub(crate) const OID_CURVE_P384: &str = "1.3.132.0.34";
/// `id-Ed25519`.
pub(crate) const OID_ED25519: &str = "1.3.101.112";

/// Smallest RSA modulus loaded, signed with or accepted in a peer's CSR or chain (what ring
/// verifies, too).
pub(crate) const RSA_MIN_BITS: u32 = 2048;

/// Largest RSA modulus loaded, signed with or accepted from a peer (bounds the work a hostile
/// key causes; ring verifies up to this size).
pub(crate) const RSA_MAX_BITS: u32 = 8192;

/// Refuses an RSA key outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`] with an error that names its
/// size, the same on every backend (ring would only say that the signature does not verify).
///
/// # Errors
/// [`Error::UnsupportedAlgorithm`], e.g. `rsa-1024 (supported: 2048 to 8192 bits)`.
pub(crate) fn check_rsa_size(key_type: KeyType) -> Result<(), Error> {
    match key_type {
        KeyType::Rsa { bits } if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) => {
            Err(Error::UnsupportedAlgorithm {
                algorithm: format!("rsa-{bits} (supported: {RSA_MIN_BITS} to {RSA_MAX_BITS} bits)"),
            })
        }
        _ => Ok(()),
    }
}

impl PrivateKey {
    /// Assembles a private key from validated PKCS#8 DER and its public key (backends call this
    /// from `generate_key` / `load_pkcs8`).
    #[cfg_attr(
        not(any(feature = "ring", feature = "openssl")),
        expect(dead_code, reason = "only backends build keys")
    )]
    pub(crate) fn from_parts(pkcs8_der: Zeroizing<Vec<u8>>, public_key: PublicKey) -> Self {
        Self {
            key_type: public_key.key_type,
            pkcs8_der,
            public_key,
            native: None,
        }
    }

    /// The same key, carrying the backend's parsed form of it (see [`NativeKey`]).
    #[cfg_attr(
        not(any(feature = "ring", feature = "openssl")),
        expect(dead_code, reason = "only backends build keys")
    )]
    pub(crate) fn with_native(mut self, native: NativeKey) -> Self {
        self.native = Some(native);
        self
    }

    /// The PKCS#8 `PrivateKeyInfo` DER. Secret.
    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8_der
    }
}

impl PublicKey {
    /// Parses a `SubjectPublicKeyInfo` DER (RSA, ECDSA P-256/P-384 or Ed25519).
    ///
    /// # Errors
    /// [`Error::MalformedKey`] for malformed DER, trailing bytes, or an unsupported key type.
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        use x509_parser::prelude::FromDer;
        use x509_parser::x509::SubjectPublicKeyInfo;

        let malformed = |reason: &str| Error::MalformedKey {
            reason: format!("public key: {reason}"),
        };
        let (rest, spki) = SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| malformed(&format!("invalid SubjectPublicKeyInfo: {e}")))?;
        if !rest.is_empty() {
            return Err(malformed("trailing bytes after SubjectPublicKeyInfo"));
        }
        let key_type = spki_key_type(&spki)?;
        Ok(Self {
            key_type,
            spki_der: spki.raw.to_vec(),
            key_bits: spki.subject_public_key.data.to_vec(),
        })
    }
}

/// The key type of a parsed `SubjectPublicKeyInfo`.
pub(crate) fn spki_key_type(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<KeyType, Error> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::RSAPublicKey;

    let malformed = |reason: String| Error::MalformedKey {
        reason: format!("public key: {reason}"),
    };
    let algorithm = crate::x509::oids::dotted(&spki.algorithm.algorithm);
    let bits: &[u8] = &spki.subject_public_key.data;
    match &*algorithm {
        OID_RSA_ENCRYPTION => {
            let (rest, rsa) = RSAPublicKey::from_der(bits)
                .map_err(|e| malformed(format!("invalid RSAPublicKey: {e}")))?;
            if !rest.is_empty() {
                return Err(malformed("trailing bytes after RSAPublicKey".into()));
            }
            let modulus_bits = unsigned_bit_length(rsa.modulus);
            if modulus_bits == 0 {
                return Err(malformed("RSA modulus is zero".into()));
            }
            Ok(KeyType::Rsa { bits: modulus_bits })
        }
        OID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| x509_parser::der_parser::oid::Oid::try_from(p.clone()).ok())
                .map(|o| crate::x509::oids::dotted(&o).into_owned())
                .ok_or_else(|| malformed("EC key without a named curve".into()))?;
            let (key_type, point_len) = match curve.as_str() {
                OID_CURVE_P256 => (KeyType::EcdsaP256, 65),
                OID_CURVE_P384 => (KeyType::EcdsaP384, 97),
                other => {
                    return Err(malformed(format!("unsupported elliptic curve {other}")));
                }
            };
            if bits.len() != point_len || bits.first() != Some(&4) {
                return Err(malformed("EC point is not an uncompressed point".into()));
            }
            Ok(key_type)
        }
        OID_ED25519 => {
            if bits.len() != 32 {
                return Err(malformed("Ed25519 key is not 32 bytes".into()));
            }
            Ok(KeyType::Ed25519)
        }
        other => Err(malformed(format!("unsupported key algorithm {other}"))),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn unsigned_bit_length(bytes: &[u8]) -> u32 {
    let trimmed = match bytes.iter().position(|&b| b != 0) {
        Some(i) => bytes.get(i..).unwrap_or_default(),
        None => return 0,
    };
    let lead = trimmed.first().map_or(0, |b| b.leading_zeros());
    u32::try_from(trimmed.len())
        .unwrap_or(u32::MAX / 8)
        .saturating_mul(8)
        .saturating_sub(lead)
}

fn malformed_key(reason: impl Into<String>) -> Error {
    Error::MalformedKey {
        reason: reason.into(),
    }
}

/// A parsed PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (borrowed). `Debug` is redacted: the
/// `privateKey` bytes are secret.
#[cfg_attr(
    not(feature = "ring"),
    expect(
        dead_code,
        reason = "only the ring backend dispatches on algorithm and curve"
    )
)]
pub(crate) struct Pkcs8<'a> {
    /// The private key algorithm, dotted.
    pub(crate) algorithm: String,
    /// The named curve for EC keys, dotted.
    pub(crate) curve: Option<String>,
    /// The `privateKey` OCTET STRING contents (PKCS#1, SEC1 or `CurvePrivateKey`).
    pub(crate) private_key: &'a [u8],
}

impl<'a> Pkcs8<'a> {
    /// Parses PKCS#8 DER (v1 or v2).
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self, Error> {
        let body = der::single(der, der::SEQUENCE)
            .ok_or_else(|| malformed_key("PKCS#8: not a DER SEQUENCE"))?;
        let mut r = Reader::new(body);
        let version = r
            .small_integer()
            .ok_or_else(|| malformed_key("PKCS#8: missing version"))?;
        if version > 1 {
            return Err(malformed_key(format!(
                "PKCS#8: unsupported version {version}"
            )));
        }
        let alg = r
            .expect(der::SEQUENCE)
            .ok_or_else(|| malformed_key("PKCS#8: missing algorithm"))?;
        let mut alg = Reader::new(alg);
        let algorithm = alg
            .expect(der::OID)
            .and_then(der::oid_to_string)
            .ok_or_else(|| malformed_key("PKCS#8: invalid algorithm identifier"))?;
        let curve = match alg.peek_tag() {
            Some(der::OID) => Some(
                alg.expect(der::OID)
                    .and_then(der::oid_to_string)
                    .ok_or_else(|| malformed_key("PKCS#8: invalid curve"))?,
            ),
            _ => None,
        };
        let private_key = r
            .expect(der::OCTET_STRING)
            .ok_or_else(|| malformed_key("PKCS#8: missing private key"))?;
        Ok(Self {
            algorithm,
            curve,
            private_key,
        })
    }
}

impl fmt::Debug for Pkcs8<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs8")
            .field("private_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Wraps a PKCS#1 `RSAPrivateKey` into PKCS#8.
pub(crate) fn pkcs8_from_pkcs1(pkcs1: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut out = Zeroizing::new(Vec::with_capacity(pkcs1.len() + 32));
    der::nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
        der::unsigned_integer(out, &[0]);
        der::nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
            der::oid(out, OID_RSA_ENCRYPTION)?;
            der::tlv(out, der::NULL, &[]);
            Ok(())
        })?;
        der::tlv(out, der::OCTET_STRING, pkcs1);
        Ok(())
    })?;
    Ok(out)
}

/// The parts of a SEC1 `ECPrivateKey`.
struct Sec1<'a> {
    private_key: &'a [u8],
    curve: Option<String>,
    public_key: Option<&'a [u8]>,
}

fn parse_sec1(sec1: &[u8]) -> Result<Sec1<'_>, Error> {
    let body = der::single(sec1, der::SEQUENCE)
        .ok_or_else(|| malformed_key("SEC1: not a DER SEQUENCE"))?;
    let mut r = Reader::new(body);
    if r.small_integer() != Some(1) {
        return Err(malformed_key("SEC1: version is not 1"));
    }
    let private_key = r
        .expect(der::OCTET_STRING)
        .ok_or_else(|| malformed_key("SEC1: missing private key"))?;
    let mut curve = None;
    let mut public_key = None;
    while !r.is_empty() {
        match r.read_raw() {
            Some((0xa0, content, _)) => {
                curve = Some(
                    der::single(content, der::OID)
                        .and_then(der::oid_to_string)
                        .ok_or_else(|| malformed_key("SEC1: parameters are not a named curve"))?,
                );
            }
            Some((0xa1, content, _)) => {
                public_key = Some(
                    der::single(content, der::BIT_STRING)
                        .and_then(|bits| bits.split_first())
                        .and_then(|(&unused, bits)| (unused == 0).then_some(bits))
                        .ok_or_else(|| malformed_key("SEC1: invalid public key"))?,
                );
            }
            _ => return Err(malformed_key("SEC1: unexpected field")),
        }
    }
    Ok(Sec1 {
        private_key,
        curve,
        public_key,
    })
}

/// Wraps a SEC1 `ECPrivateKey` (which must name its curve) into PKCS#8.
pub(crate) fn pkcs8_from_sec1(sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let parsed = parse_sec1(sec1)?;
    let curve = parsed
        .curve
        .ok_or_else(|| malformed_key("SEC1 key does not name its curve"))?;
    let mut out = Zeroizing::new(Vec::with_capacity(sec1.len() + 32));
    der::nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
        der::unsigned_integer(out, &[0]);
        der::nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
            der::oid(out, OID_EC_PUBLIC_KEY)?;
            der::oid(out, &curve)
        })?;
        der::tlv(out, der::OCTET_STRING, sec1);
        Ok(())
    })?;
    Ok(out)
}

/// Builds a `SubjectPublicKeyInfo` DER from an algorithm, optional curve and key bits.
#[cfg_attr(
    not(any(feature = "ring", feature = "openssl")),
    expect(dead_code, reason = "only backends build keys")
)]
pub(crate) fn spki_der(
    algorithm: &str,
    curve: Option<&str>,
    key_bits: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(key_bits.len() + 32);
    der::nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
        der::nested(out, der::SEQUENCE, |out| -> Result<(), Error> {
            der::oid(out, algorithm)?;
            match (algorithm, curve) {
                (OID_RSA_ENCRYPTION, _) => der::tlv(out, der::NULL, &[]),
                (_, Some(curve)) => der::oid(out, curve)?,
                (_, None) => {}
            }
            Ok(())
        })?;
        der::bit_string(out, key_bits);
        Ok(())
    })?;
    Ok(out)
}

/// Exports a key as PEM: PKCS#1 for RSA, SEC1 (with the curve and public key) for ECDSA,
/// PKCS#8 v1 for Ed25519.
pub(crate) fn export_pem(key: &PrivateKey) -> Result<PrivateKeyPem, Error> {
    let pkcs8 = Pkcs8::parse(key.pkcs8_der())?;
    let (label, der) = match key.key_type {
        KeyType::Rsa { .. } => (
            "RSA PRIVATE KEY",
            Zeroizing::new(pkcs8.private_key.to_vec()),
        ),
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            let curve = if key.key_type == KeyType::EcdsaP256 {
                OID_CURVE_P256
            } else {
                OID_CURVE_P384
            };
            let sec1 = parse_sec1(pkcs8.private_key)?;
            let mut out = Zeroizing::new(Vec::with_capacity(pkcs8.private_key.len() + 128));
            der::nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
                der::unsigned_integer(out, &[1]);
                der::tlv(out, der::OCTET_STRING, sec1.private_key);
                der::nested(out, der::context_constructed(0), |out| der::oid(out, curve))?;
                let public = sec1.public_key.unwrap_or(&key.public_key.key_bits);
                der::nested(out, der::context_constructed(1), |out| {
                    der::bit_string(out, public);
                });
                Ok(())
            })?;
            ("EC PRIVATE KEY", out)
        }
        KeyType::Ed25519 => {
            let mut out = Zeroizing::new(Vec::with_capacity(64));
            der::nested(&mut out, der::SEQUENCE, |out| -> Result<(), Error> {
                der::unsigned_integer(out, &[0]);
                der::nested(out, der::SEQUENCE, |out| der::oid(out, OID_ED25519))?;
                der::tlv(out, der::OCTET_STRING, pkcs8.private_key);
                Ok(())
            })?;
            ("PRIVATE KEY", out)
        }
    };
    Ok(PrivateKeyPem(crate::pem::encode(label, &der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_a_key_never_reallocates_so_no_unwiped_copy_is_left_behind() {
        // The largest keys we handle: a PKCS#1 RSA-4096 key is ~2.4 KB; P-384 SEC1 ~170 B.
        for len in [
            0, 100, 127, 128, 255, 256, 1_200, 2_400, 5_000, 65_535, 70_000,
        ] {
            let pkcs1 = vec![0x5e_u8; len];
            let wrapped = pkcs8_from_pkcs1(&pkcs1).unwrap();
            assert_eq!(wrapped.capacity(), len + 32, "PKCS#1 of {len} bytes");
            assert!(wrapped.len() <= wrapped.capacity());
        }
        let sec1 = [
            0x30, 0x13, 0x02, 0x01, 0x01, 0x04, 0x01, 0x07, 0xa0, 0x0b, 0x06, 0x09, 0x2b, 0x24,
            0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07,
        ];
        let wrapped = pkcs8_from_sec1(&sec1).unwrap();
        assert_eq!(wrapped.capacity(), sec1.len() + 32);
    }

    #[test]
    fn given_parsed_pkcs8_when_debug_printed_then_private_key_bytes_are_redacted() {
        let secret = [0x5e_u8, 0xc2, 0xe7, 0x5e, 0xc2, 0xe7];
        let der = pkcs8_from_pkcs1(&secret).unwrap();
        let parsed = Pkcs8::parse(&der).unwrap();
        assert_eq!(parsed.private_key, secret);
        let printed = format!("{parsed:?}");
        assert_eq!(printed, r#"Pkcs8 { private_key: "[redacted]", .. }"#);
    }
}
