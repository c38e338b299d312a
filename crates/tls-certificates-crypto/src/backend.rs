//! The backend trait: a small set of object-safe primitives.

use core::fmt::Debug;

use zeroize::Zeroizing;

use crate::{Error, KeyAlgorithm, PrivateKey, PublicKey};

/// The cryptographic primitives a backend provides.
///
/// Everything else (CSR building, certificate issuance, parsing, chain checks) is implemented
/// once, on `dyn CryptoBackend`, on top of these primitives. Callers normally use those
/// high-level methods: `backend.create_csr(..)`, `backend.parse_certificate(..)`, ...
///
/// # X.509 operations
///
/// Inherent methods of `dyn CryptoBackend` (listed under "Implementations" below; the source is
/// `src/x509/operations.rs`):
///
/// * keys: [`load_private_key`](#method.load_private_key),
///   [`export_private_key`](#method.export_private_key);
/// * CSRs: [`create_csr`](#method.create_csr), [`parse_csr`](#method.parse_csr),
///   [`parse_csr_der`](#method.parse_csr_der);
/// * certificates: [`parse_certificate`](#method.parse_certificate),
///   [`parse_certificate_der`](#method.parse_certificate_der),
///   [`parse_certificates`](#method.parse_certificates),
///   [`verify_issued_by`](#method.verify_issued_by),
///   [`check_chain_order`](#method.check_chain_order);
/// * CAs: [`create_self_signed_ca`](#method.create_self_signed_ca),
///   [`load_authority`](#method.load_authority) (then
///   [`CertificateAuthority::issue`](crate::CertificateAuthority::issue));
/// * [`sha256_hex`](#method.sha256_hex).
///
/// Implementations must never panic, and must refuse (with a typed [`Error`]) any choice they do
/// not support or approve *before* doing work.
pub trait CryptoBackend: Debug + Send + Sync {
    /// A short stable name: `"ring"`, `"openssl"`.
    fn name(&self) -> &'static str;

    /// Generates a fresh private key.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] if the backend cannot (or may not) generate `algorithm`.
    fn generate_key(&self, algorithm: KeyAlgorithm) -> Result<PrivateKey, Error>;

    /// Validates a PKCS#8 `PrivateKeyInfo` DER and builds a [`PrivateKey`] (with its public key).
    ///
    /// PEM decoding and PKCS#1/SEC1 to PKCS#8 conversion are done by the caller
    /// (`dyn CryptoBackend::load_private_key`).
    fn load_pkcs8(&self, der: Zeroizing<Vec<u8>>) -> Result<PrivateKey, Error>;

    /// Prepares a key for repeated signing (parses it into the backend's native form once).
    fn signer(&self, key: &PrivateKey) -> Result<Box<dyn Signer>, Error>;

    /// Verifies `signature` over `message` with `public_key`.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] when the signature does not verify.
    fn verify(
        &self,
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// Fills `dest` with cryptographically secure random bytes.
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), Error>;

    /// Computes a digest of `data`.
    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error>;

    /// Whether this backend runs in FIPS mode.
    fn fips_status(&self) -> FipsStatus {
        FipsStatus::NotFips
    }
}

/// A private key loaded into a backend, ready to sign many messages.
pub trait Signer: Debug + Send + Sync {
    /// The public half of the key.
    fn public_key(&self) -> &PublicKey;

    /// The signature algorithm this signer uses (RSA: PKCS#1 v1.5 SHA-256; P-256: ECDSA SHA-256;
    /// P-384: ECDSA SHA-384; Ed25519).
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
}

/// Signature algorithms understood by the verification primitive.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA on P-256 with SHA-384.
    EcdsaP256Sha384,
    /// ECDSA on P-384 with SHA-256.
    EcdsaP384Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// RSA PKCS#1 v1.5 with SHA-256 (what the Python library uses).
    RsaPkcs1Sha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaPkcs1Sha512,
}

/// Digest algorithms.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1: only for key identifiers (RFC 5280 method 1), never for signatures.
    Sha1,
    /// SHA-256.
    Sha256,
}

/// Whether a backend runs in FIPS mode.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum FipsStatus {
    /// Only the FIPS provider's algorithms are in use.
    Active,
    /// Not a FIPS backend.
    NotFips,
}
