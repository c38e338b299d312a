//! The `ring` backend: `ring` signs, verifies, digests and generates ECDSA / Ed25519 keys;
//! RustCrypto `rsa` 0.10 generates RSA keys (ring cannot), which ring then loads and signs with.
//!
//! ```
//! use tls_certificates_crypto::KeyAlgorithm;
//!
//! let backend = tls_certificates_crypto::ring::backend();
//! let key = backend.generate_key(KeyAlgorithm::Ed25519)?;
//! let signer = backend.signer(&key)?;
//! let signature = signer.sign(b"hello")?;
//! backend.verify(key.public_key(), signer.algorithm(), b"hello", &signature)?;
//! # Ok::<(), tls_certificates_crypto::Error>(())
//! ```

use core::fmt;
use std::sync::Arc;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use zeroize::Zeroizing;

use crate::key::{
    self, NativeKey, OID_CURVE_P256, OID_CURVE_P384, OID_EC_PUBLIC_KEY, OID_ED25519,
    OID_RSA_ENCRYPTION, Pkcs8,
};
use crate::{
    CryptoBackend, DigestAlgorithm, Error, KeyAlgorithm, KeyType, PrivateKey, PublicKey,
    SignatureAlgorithm, Signer,
};

mod rsa_keygen;

/// The ring backend (all state is per call).
#[derive(Debug)]
struct RingBackend {
    /// How many threads RSA key generation may use.
    keygen_threads: KeygenThreads,
}

/// How many threads RSA key generation may use.
#[derive(Clone, Copy, Debug)]
enum KeygenThreads {
    /// Every available core (at most 8); one core gets `rsa`'s own generator.
    AllCores,
    /// One: `rsa`'s own generator.
    One,
}

/// The `ring` backend.
///
/// RSA key generation searches for primes on every available core (at most 8): see
/// [`single_thread_backend`] for what changes.
pub fn backend() -> &'static dyn CryptoBackend {
    static BACKEND: RingBackend = RingBackend {
        keygen_threads: KeygenThreads::AllCores,
    };
    &BACKEND
}

/// The `ring` backend generating RSA keys on the calling thread only.
///
/// The same backend as [`backend`] (same name, same keys, same checks) except for the RSA prime
/// search: [`backend`] runs RustCrypto `rsa`'s search on several threads at once (the first
/// prime found wins), which divides the expected wall time of a key by the number of cores for
/// the same CPU time; this one calls `rsa::PrivateKey::new`. For callers that must not use more
/// than one core, and to measure the difference.
///
/// # Examples
///
/// ```
/// use tls_certificates_crypto::KeyAlgorithm;
///
/// let backend = tls_certificates_crypto::ring::single_thread_backend();
/// assert_eq!(backend.name(), "ring");
/// let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
/// # Ok::<(), tls_certificates_crypto::Error>(())
/// ```
pub fn single_thread_backend() -> &'static dyn CryptoBackend {
    static BACKEND: RingBackend = RingBackend {
        keygen_threads: KeygenThreads::One,
    };
    &BACKEND
}

fn backend_error(operation: &'static str, reason: impl fmt::Display) -> Error {
    Error::Backend {
        operation,
        source: reason.to_string().into(),
    }
}

/// ring's system randomness as a `rand_core` RNG for the `rsa` crate.
struct RingRng(SystemRandom);

/// The system random source failed.
#[derive(Debug)]
struct RandomUnavailable;

impl fmt::Display for RandomUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("system random source failed")
    }
}

impl core::error::Error for RandomUnavailable {}

impl rsa::rand_core::TryRng for RingRng {
    type Error = RandomUnavailable;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.0.fill(&mut bytes).map_err(|_| RandomUnavailable)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.0.fill(&mut bytes).map_err(|_| RandomUnavailable)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst).map_err(|_| RandomUnavailable)
    }
}

impl rsa::rand_core::TryCryptoRng for RingRng {}

/// A key parsed into ring's native form.
pub(crate) enum RingKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair, SignatureAlgorithm),
    Ed25519(Ed25519KeyPair),
}

/// Parses PKCS#8 into a ring key pair and its public key.
fn parse_pkcs8(der: &[u8]) -> Result<(RingKey, PublicKey), Error> {
    let info = Pkcs8::parse(der)?;
    let rejected = |e: ring::error::KeyRejected| Error::MalformedKey {
        reason: format!("rejected by ring: {e}"),
    };
    match (info.algorithm.as_str(), info.curve.as_deref()) {
        (OID_RSA_ENCRYPTION, _) => {
            let pair = RsaKeyPair::from_pkcs8(der).map_err(rejected)?;
            let spki = key::spki_der(OID_RSA_ENCRYPTION, None, pair.public().as_ref())?;
            Ok((RingKey::Rsa(pair), PublicKey::from_spki_der(&spki)?))
        }
        (OID_EC_PUBLIC_KEY, Some(curve @ (OID_CURVE_P256 | OID_CURVE_P384))) => {
            let (ring_alg, alg) = if curve == OID_CURVE_P256 {
                (
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    SignatureAlgorithm::EcdsaP256Sha256,
                )
            } else {
                (
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                    SignatureAlgorithm::EcdsaP384Sha384,
                )
            };
            let pair =
                EcdsaKeyPair::from_pkcs8(ring_alg, der, &SystemRandom::new()).map_err(rejected)?;
            let spki = key::spki_der(OID_EC_PUBLIC_KEY, Some(curve), pair.public_key().as_ref())?;
            Ok((RingKey::Ecdsa(pair, alg), PublicKey::from_spki_der(&spki)?))
        }
        (OID_ED25519, _) => {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?;
            let spki = key::spki_der(OID_ED25519, None, pair.public_key().as_ref())?;
            Ok((RingKey::Ed25519(pair), PublicKey::from_spki_der(&spki)?))
        }
        (algorithm, curve) => Err(Error::UnsupportedAlgorithm {
            algorithm: match curve {
                Some(curve) => format!("{algorithm} on curve {curve}"),
                None => algorithm.to_owned(),
            },
        }),
    }
}

impl CryptoBackend for RingBackend {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn generate_key(&self, algorithm: KeyAlgorithm) -> Result<PrivateKey, Error> {
        let rng = SystemRandom::new();
        let pkcs8: Zeroizing<Vec<u8>> = match algorithm {
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => {
                use rsa::pkcs1::EncodeRsaPrivateKey as _;
                let bits = match algorithm.key_type() {
                    KeyType::Rsa { bits } => bits,
                    _ => 2048,
                };
                // Nearly all the time is rsa's prime search (sieve, then Miller-Rabin base 2 +
                // Lucas, in crypto-bigint; RSA-2048 ~50 ms of CPU), run on every core
                // (`rsa_keygen`). What follows it (rsa's own validate + precompute, PKCS#1
                // encoding, ring's parse) measured ~0.25 ms in total, so it is not worth
                // bypassing (see benches/README.md).
                let threads = match self.keygen_threads {
                    KeygenThreads::AllCores => rsa_keygen::available_threads(),
                    KeygenThreads::One => 1,
                };
                let key = rsa_keygen::generate(bits, threads)?;
                let pkcs1 = key
                    .to_pkcs1_der()
                    .map_err(|e| backend_error("RSA key encoding", e))?;
                key::pkcs8_from_pkcs1(pkcs1.as_bytes())?
            }
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
                let alg = if algorithm == KeyAlgorithm::EcdsaP256 {
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING
                };
                let doc = EcdsaKeyPair::generate_pkcs8(alg, &rng)
                    .map_err(|e| backend_error("ECDSA key generation", e))?;
                Zeroizing::new(doc.as_ref().to_vec())
            }
            KeyAlgorithm::Ed25519 => {
                let doc = Ed25519KeyPair::generate_pkcs8(&rng)
                    .map_err(|e| backend_error("Ed25519 key generation", e))?;
                Zeroizing::new(doc.as_ref().to_vec())
            }
        };
        self.load_pkcs8(pkcs8)
    }

    fn load_pkcs8(&self, der: Zeroizing<Vec<u8>>) -> Result<PrivateKey, Error> {
        crate::pem::check_size(der.len())?;
        let (parsed, public_key) = parse_pkcs8(&der)?;
        // The key carries ring's parsed form, so signing with it never parses it again.
        Ok(PrivateKey::from_parts(der, public_key).with_native(NativeKey::Ring(Arc::new(parsed))))
    }

    fn signer(&self, key: &PrivateKey) -> Result<Box<dyn Signer>, Error> {
        let (parsed, public_key) = match &key.native {
            Some(NativeKey::Ring(parsed)) => (Arc::clone(parsed), key.public_key.clone()),
            // Another backend's key: parse it here.
            _ => {
                let (parsed, public_key) = parse_pkcs8(key.pkcs8_der())?;
                (Arc::new(parsed), public_key)
            }
        };
        Ok(Box::new(RingSigner {
            key: parsed,
            public_key,
            rng: SystemRandom::new(),
        }))
    }

    fn verify(
        &self,
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        use SignatureAlgorithm as S;
        let ring_alg: &dyn signature::VerificationAlgorithm =
            match (public_key.key_type(), algorithm) {
                (KeyType::Rsa { .. }, S::RsaPkcs1Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
                (KeyType::Rsa { .. }, S::RsaPkcs1Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
                (KeyType::Rsa { .. }, S::RsaPkcs1Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
                (KeyType::EcdsaP256, S::EcdsaP256Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
                (KeyType::EcdsaP256, S::EcdsaP256Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
                (KeyType::EcdsaP384, S::EcdsaP384Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
                (KeyType::EcdsaP384, S::EcdsaP384Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
                (KeyType::Ed25519, S::Ed25519) => &signature::ED25519,
                (key_type, algorithm) => {
                    return Err(Error::UnsupportedAlgorithm {
                        algorithm: format!("{algorithm:?} with a {key_type} key"),
                    });
                }
            };
        signature::UnparsedPublicKey::new(ring_alg, &public_key.key_bits)
            .verify(message, signature)
            .map_err(|_| Error::SignatureInvalid)
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), Error> {
        SystemRandom::new()
            .fill(dest)
            .map_err(|e| backend_error("random", e))
    }

    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
        let alg = match algorithm {
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
        };
        Ok(ring::digest::digest(alg, data).as_ref().to_vec())
    }
}

/// A ring key pair ready to sign.
struct RingSigner {
    key: Arc<RingKey>,
    public_key: PublicKey,
    rng: SystemRandom,
}

impl fmt::Debug for RingSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingSigner")
            .field("algorithm", &self.algorithm())
            .field("public_key", &self.public_key)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Signer for RingSigner {
    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match &*self.key {
            RingKey::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
            RingKey::Ecdsa(_, alg) => *alg,
            RingKey::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match &*self.key {
            RingKey::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &self.rng,
                    message,
                    &mut signature,
                )
                .map_err(|e| backend_error("signing", e))?;
                Ok(signature)
            }
            RingKey::Ecdsa(pair, _) => Ok(pair
                .sign(&self.rng, message)
                .map_err(|e| backend_error("signing", e))?
                .as_ref()
                .to_vec()),
            RingKey::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}
