//! Private and public keys, backend-neutral.

use core::fmt;
use core::str::FromStr;

use zeroize::Zeroizing;

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
#[derive(Clone)]
pub struct PrivateKey {
    pub(crate) key_type: KeyType,
    pub(crate) pkcs8_der: Zeroizing<Vec<u8>>,
    pub(crate) public_key: PublicKey,
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

// Skeleton: implemented by the crypto-core work (see x509.rs); kept here so the API is visible.
#[allow(dead_code)] // Reason: skeleton, removed when implemented.
fn _api(_: &PrivateKey) -> Option<PrivateKeyPem> {
    None
}
