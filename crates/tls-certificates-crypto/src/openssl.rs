//! The `openssl` backend: every primitive through the [`openssl`](https://docs.rs/openssl) crate.
//!
//! Get it with [`backend()`] and pass it wherever a `&dyn CryptoBackend` is wanted; all the
//! X.509 work (CSRs, issuance, parsing, chains) is the crate's shared code on top of these
//! primitives, so certificates look the same whichever backend made them.
//!
//! ```
//! use tls_certificates_crypto::{KeyAlgorithm, KeyType};
//!
//! let backend = tls_certificates_crypto::openssl::backend();
//! let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
//! assert_eq!(key.key_type(), KeyType::EcdsaP256);
//! # Ok::<(), tls_certificates_crypto::Error>(())
//! ```
//!
//! # Which OpenSSL
//!
//! * By default the crate links the **system** OpenSSL (found through `pkg-config`; on Debian
//!   install `libssl-dev`). This is what FIPS deployments want: the OS vendor's validated
//!   OpenSSL.
//! * Feature `vendored` builds OpenSSL from source instead (the `openssl-src` crate, currently
//!   OpenSSL 3.6) and links it statically.
//! * Feature `fips` adds `fips_backend()`: the same primitives restricted to OpenSSL's FIPS
//!   provider (see its docs and `docs/fips.md`).
//!
//! The version matters for speed: OpenSSL 3.0 (e.g. Debian's) generates RSA keys markedly more
//! slowly than OpenSSL 3.6 (the `vendored` build); signing and verification are comparable
//! (figures in `benches/README.md` in the source repository).
//!
//! # What each primitive does
//!
//! * Key generation calls OpenSSL directly (`Rsa::generate` with e = 65537, `EcKey::generate`,
//!   `PKey::generate_ed25519`) and only adds the PKCS#8 and SPKI encodings, so it costs what
//!   calling OpenSSL directly costs. In FIPS mode it goes through `EVP_PKEY_keygen` instead, so
//!   it runs inside the FIPS provider (a slower path on OpenSSL 3.0).
//! * Loading a PKCS#8 key (v1, or v2 as ring writes Ed25519 keys) parses it and checks that its
//!   halves belong together, so a key whose public half does not match its private half is
//!   refused. An RSA key outside FIPS mode is checked by arithmetic on its components (n = p·q,
//!   the CRT exponents and coefficient, d against them): a few microseconds, where a signature
//!   with a freshly loaded key costs about two signatures (OpenSSL sets up its blinding on the
//!   first private-key operation). EC keys, and every key in FIPS mode (RSA ones after the
//!   arithmetic), get a pairwise consistency test (sign, verify with the key's own public half)
//!   inside the provider.
//! * A key generated or loaded by this backend carries its decoded OpenSSL `PKey`, so a
//!   [`Signer`] (and with it `create_csr`, `load_authority`) neither decodes nor checks it
//!   again; a key from another backend is decoded once per signer. A signer signs many times: RSA
//!   PKCS#1 v1.5 with SHA-256, ECDSA P-256/SHA-256 and P-384/SHA-384 (DER-encoded
//!   `ECDSA-Sig-Value`, what X.509 carries), Ed25519.
//! * Randomness is `RAND_bytes`; digests are OpenSSL's SHA-1/SHA-256.
//!
//! No OpenSSL type appears in this module's public API; OpenSSL errors are kept as the boxed
//! source of [`Error::Backend`].

#[cfg(feature = "fips")]
mod fips;
mod pkcs8;

use core::fmt;

use ::openssl::bn::{BigNum, BigNumContext};
use ::openssl::ec::{EcGroup, EcKey};
use ::openssl::error::ErrorStack;
use ::openssl::hash::{MessageDigest, hash};
use ::openssl::nid::Nid;
use ::openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private};
use ::openssl::pkey_ctx::PkeyCtx;
use ::openssl::rsa::Rsa;
use zeroize::Zeroizing;

#[cfg(feature = "fips")]
#[cfg_attr(docsrs, doc(cfg(feature = "fips")))]
pub use self::fips::fips_backend;
use crate::{
    CryptoBackend, DigestAlgorithm, Error, FipsStatus, KeyAlgorithm, KeyType, PrivateKey,
    PublicKey, SignatureAlgorithm, Signer,
};

use crate::key::{NativeKey, OID_RSA_ENCRYPTION, RSA_MAX_BITS, RSA_MIN_BITS};

/// `RAND_bytes` takes an `int` length; fill big buffers in chunks well below that.
const RANDOM_CHUNK: usize = 1 << 20;

/// The `openssl` backend, with the plain (non-FIPS) policy.
///
/// # Examples
///
/// ```
/// let backend = tls_certificates_crypto::openssl::backend();
/// assert_eq!(backend.name(), "openssl");
/// ```
pub fn backend() -> &'static dyn CryptoBackend {
    static BACKEND: OpensslBackend = OpensslBackend {
        policy: Policy::Default,
    };
    &BACKEND
}

/// The backend: OpenSSL primitives under a [`Policy`].
#[derive(Debug)]
pub(crate) struct OpensslBackend {
    policy: Policy,
}

/// What the backend is allowed to do.
#[derive(Clone, Copy, Debug)]
enum Policy {
    /// Everything the crate supports.
    Default,
    /// Only FIPS-approved choices, with the OpenSSL FIPS provider loaded.
    #[cfg_attr(
        not(any(feature = "fips", test)),
        expect(dead_code, reason = "only built with `fips` (and in tests)")
    )]
    Fips {
        /// Whether the loaded FIPS module offers Ed25519 as approved.
        ed25519_approved: bool,
    },
}

impl OpensslBackend {
    /// `key` with `pkey`, its decoded form, for this backend's later `signer` calls.
    fn keep(&self, key: PrivateKey, pkey: PKey<Private>) -> PrivateKey {
        key.with_native(NativeKey::Openssl {
            backend: self.name(),
            pkey,
        })
    }

    /// The OpenSSL key to sign with: the one `key` carries when this backend (same policy)
    /// decoded it, else `key`'s PKCS#8 decoded now.
    fn signing_key(&self, key: &PrivateKey) -> Result<PKey<Private>, Error> {
        match &key.native {
            // Decoded (and, when loaded, checked) by this very backend and policy.
            Some(NativeKey::Openssl { backend, pkey }) if *backend == self.name() => {
                Ok(pkey.clone())
            }
            // Another backend's key, or one made before this process chose FIPS mode.
            _ => Ok(self.decode_pkcs8(&key.pkcs8_der)?.0),
        }
    }

    /// Decodes PKCS#8 into OpenSSL, with the public key a v2 input carried.
    ///
    /// Outside FIPS mode an RSA key in PKCS#8 v1 goes straight to OpenSSL's PKCS#1 decoder
    /// (`d2i_RSAPrivateKey`, ~2 µs) instead of OpenSSL 3's generic decoder framework (~340 µs
    /// for the same key on this project's machine); everything else, and everything in FIPS
    /// mode, takes the generic decoder (so FIPS keys are decoded inside the FIPS provider).
    fn decode_pkcs8(&self, der: &[u8]) -> Result<(PKey<Private>, Option<Vec<u8>>), Error> {
        if let (Policy::Default, Some(pkcs1)) = (self.policy, rsa_pkcs8_v1_private_key(der)) {
            let pkey = Rsa::private_key_from_der(pkcs1)
                .and_then(PKey::from_rsa)
                .map_err(|e| Error::MalformedKey {
                    reason: format!("openssl rejected the PKCS#8 key: {e}"),
                })?;
            return Ok((pkey, None));
        }
        parse_pkcs8(der)
    }

    /// Builds our [`PrivateKey`] (PKCS#8 DER + public key) from an OpenSSL key.
    ///
    /// Outside FIPS mode an RSA key is encoded by OpenSSL's PKCS#1 encoders and wrapped here
    /// (the same bytes as OpenSSL's PKCS#8 and SPKI encoders write, ~10 µs against ~220 µs).
    fn private_key(&self, pkey: &PKeyRef<Private>, key_type: KeyType) -> Result<PrivateKey, Error> {
        if let (Policy::Default, KeyType::Rsa { .. }) = (self.policy, key_type) {
            let failed = backend_error("key encoding");
            let rsa = pkey.rsa().map_err(&failed)?;
            let pkcs1 = Zeroizing::new(rsa.private_key_to_der().map_err(&failed)?);
            let public = rsa.public_key_to_der_pkcs1().map_err(&failed)?;
            let spki_der = crate::key::spki_der(OID_RSA_ENCRYPTION, None, &public)?;
            let public_key = PublicKey::from_spki_der(&spki_der)?;
            return if public_key.key_type == key_type {
                Ok(PrivateKey::from_parts(
                    crate::key::pkcs8_from_pkcs1(&pkcs1)?,
                    public_key,
                ))
            } else {
                Err(mismatched_public_key(public_key.key_type, key_type))
            };
        }
        private_key(pkey, key_type)
    }

    /// Refuses a key type the policy does not allow, before any work.
    fn check_key_type(&self, key_type: KeyType) -> Result<(), Error> {
        match (self.policy, key_type) {
            (Policy::Fips { .. }, KeyType::Rsa { bits }) if bits < RSA_MIN_BITS => {
                Err(Error::NotApproved {
                    what: format!("rsa-{bits} key (fips requires at least {RSA_MIN_BITS} bits)"),
                })
            }
            (
                Policy::Fips {
                    ed25519_approved: false,
                },
                KeyType::Ed25519,
            ) => Err(Error::NotApproved {
                what: "ed25519 (the loaded fips module does not approve eddsa)".to_owned(),
            }),
            (_, KeyType::Rsa { bits }) if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) => {
                Err(Error::UnsupportedAlgorithm {
                    algorithm: format!(
                        "rsa-{bits} (supported: {RSA_MIN_BITS} to {RSA_MAX_BITS} bits)"
                    ),
                })
            }
            _ => Ok(()),
        }
    }
}

impl CryptoBackend for OpensslBackend {
    fn name(&self) -> &'static str {
        match self.policy {
            Policy::Default => "openssl",
            Policy::Fips { .. } => "openssl-fips",
        }
    }

    fn generate_key(&self, algorithm: KeyAlgorithm) -> Result<PrivateKey, Error> {
        let key_type = algorithm.key_type();
        self.check_key_type(key_type)?;
        let pkey = match self.policy {
            Policy::Default => generate_direct(key_type),
            Policy::Fips { .. } => generate_in_provider(key_type),
        }
        .map_err(backend_error("key generation"))?;
        let key = self.private_key(&pkey, key_type)?;
        Ok(self.keep(key, pkey))
    }

    fn load_pkcs8(&self, der: Zeroizing<Vec<u8>>) -> Result<PrivateKey, Error> {
        let (pkey, embedded_public_key) = self.decode_pkcs8(&der)?;
        let key_type = key_type_of(&pkey)?;
        self.check_key_type(key_type)?;
        match (self.policy, key_type) {
            (Policy::Default, KeyType::Rsa { .. }) => check_rsa_components(&pkey, key_type)?,
            // FIPS mode keeps its pairwise test, which does not see corrupted CRT components.
            (Policy::Fips { .. }, KeyType::Rsa { .. }) => {
                check_rsa_components(&pkey, key_type)?;
                check_private_key(&pkey, key_type)?;
            }
            _ => check_private_key(&pkey, key_type)?,
        }
        // Re-encode rather than keep the caller's bytes: OpenSSL's canonical PKCS#8 (v1, public
        // key included for EC) is what every backend reads.
        let key = self.private_key(&pkey, key_type)?;
        match embedded_public_key {
            Some(bits) if bits != key.public_key.key_bits => Err(Error::MalformedKey {
                reason: format!(
                    "the public key in the {key_type} PKCS#8 does not match its private key"
                ),
            }),
            // Decoded and checked: the key carries the decoded form, so signing with it never
            // pays for the decoder or the check again.
            _ => Ok(self.keep(key, pkey)),
        }
    }

    fn signer(&self, key: &PrivateKey) -> Result<Box<dyn Signer>, Error> {
        self.check_key_type(key.key_type)?;
        let pkey = self.signing_key(key)?;
        let algorithm = signature_algorithm(key.key_type);
        Ok(Box::new(OpensslSigner {
            pkey,
            public_key: key.public_key.clone(),
            algorithm,
        }))
    }

    fn verify(
        &self,
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.check_key_type(public_key.key_type)?;
        let digest = verification_digest(public_key.key_type, algorithm)?;
        let rejected = |e: ErrorStack| Error::MalformedKey {
            reason: format!("openssl rejected the public key: {e}"),
        };
        let pkey = match (self.policy, public_key.key_type) {
            // OpenSSL 3's generic decoder costs ~100 µs per key, 50x the RSA-specific one.
            (Policy::Default, KeyType::Rsa { .. }) => {
                Rsa::public_key_from_der(&public_key.spki_der)
                    .and_then(PKey::from_rsa)
                    .map_err(rejected)?
            }
            _ => PKey::public_key_from_der(&public_key.spki_der).map_err(rejected)?,
        };
        if verify_with(&pkey, digest, message, signature) {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), Error> {
        for chunk in dest.chunks_mut(RANDOM_CHUNK) {
            ::openssl::rand::rand_bytes(chunk).map_err(backend_error("random"))?;
        }
        Ok(())
    }

    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
        let md = match algorithm {
            DigestAlgorithm::Sha1 => MessageDigest::sha1(),
            DigestAlgorithm::Sha256 => MessageDigest::sha256(),
        };
        let digest = hash(md, data).map_err(backend_error("digest"))?;
        Ok(digest.to_vec())
    }

    fn fips_status(&self) -> FipsStatus {
        match self.policy {
            Policy::Default => FipsStatus::NotFips,
            Policy::Fips { .. } => FipsStatus::Active,
        }
    }
}

/// A key parsed into OpenSSL once, signing many messages.
struct OpensslSigner {
    pkey: PKey<Private>,
    public_key: PublicKey,
    algorithm: SignatureAlgorithm,
}

impl Signer for OpensslSigner {
    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let failed = backend_error("signing");
        let mut signer = match signing_digest(self.algorithm) {
            Some(md) => ::openssl::sign::Signer::new(md, &self.pkey),
            None => ::openssl::sign::Signer::new_without_digest(&self.pkey),
        }
        .map_err(&failed)?;
        signer.sign_oneshot_to_vec(message).map_err(&failed)
    }
}

impl fmt::Debug for OpensslSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpensslSigner")
            .field("algorithm", &self.algorithm)
            .field("public_key", &self.public_key)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Maps an OpenSSL error stack to [`Error::Backend`] for `operation`.
fn backend_error(operation: &'static str) -> impl Fn(ErrorStack) -> Error {
    move |stack| Error::Backend {
        operation,
        source: Box::new(stack),
    }
}

/// Generates a key the way a direct OpenSSL caller does: `Rsa::generate` (e = 65537),
/// `EcKey::generate`, `PKey::generate_ed25519`.
///
/// Measured with Debian's OpenSSL 3.0 (60 interleaved runs): RSA-2048 through
/// `EVP_PKEY_keygen` has a median of ~313 ms against ~197 ms for `Rsa::generate`, so the
/// plain backend uses the direct calls.
fn generate_direct(key_type: KeyType) -> Result<PKey<Private>, ErrorStack> {
    match key_type {
        KeyType::Rsa { bits } => PKey::from_rsa(Rsa::generate(bits)?),
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            let group = EcGroup::from_curve_name(curve_nid(key_type))?;
            PKey::from_ec_key(EcKey::generate(&group)?)
        }
        KeyType::Ed25519 => PKey::generate_ed25519(),
    }
}

/// Generates a key through `EVP_PKEY_keygen`, i.e. inside the active provider: what FIPS mode
/// needs, since the legacy `RSA_generate_key_ex` / `EC_KEY_generate_key` run in libcrypto,
/// outside the FIPS module boundary.
fn generate_in_provider(key_type: KeyType) -> Result<PKey<Private>, ErrorStack> {
    match key_type {
        KeyType::Rsa { bits } => {
            let mut ctx = PkeyCtx::new_id(Id::RSA)?;
            ctx.keygen_init()?;
            ctx.set_rsa_keygen_bits(bits)?;
            ctx.keygen()
        }
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            let mut ctx = PkeyCtx::new_id(Id::EC)?;
            ctx.keygen_init()?;
            ctx.set_ec_paramgen_curve_nid(curve_nid(key_type))?;
            ctx.keygen()
        }
        KeyType::Ed25519 => PKey::generate_ed25519(),
    }
}

/// The OpenSSL curve of an ECDSA key type (P-384 for anything else; callers pass EC types only).
fn curve_nid(key_type: KeyType) -> Nid {
    match key_type {
        KeyType::EcdsaP256 => Nid::X9_62_PRIME256V1,
        _ => Nid::SECP384R1,
    }
}

/// Builds our [`PrivateKey`] (PKCS#8 DER + public key) from an OpenSSL key.
fn private_key(pkey: &PKeyRef<Private>, key_type: KeyType) -> Result<PrivateKey, Error> {
    let failed = backend_error("key encoding");
    let pkcs8_der = Zeroizing::new(pkey.private_key_to_pkcs8().map_err(&failed)?);
    let spki_der = pkey.public_key_to_der().map_err(&failed)?;
    let public_key = PublicKey::from_spki_der(&spki_der)?;
    if public_key.key_type != key_type {
        return Err(mismatched_public_key(public_key.key_type, key_type));
    }
    Ok(PrivateKey::from_parts(pkcs8_der, public_key))
}

/// The error for a key whose public half is of another type (or size) than its private half.
fn mismatched_public_key(public: KeyType, private: KeyType) -> Error {
    Error::MalformedKey {
        reason: format!("public key is {public} but the private key is {private}"),
    }
}

/// The PKCS#1 `RSAPrivateKey` inside `der` when `der` is a PKCS#8 v1 RSA key (`None` for
/// anything else, which then goes to OpenSSL's generic decoder).
fn rsa_pkcs8_v1_private_key(der: &[u8]) -> Option<&[u8]> {
    let body = crate::der::single(der, crate::der::SEQUENCE)?;
    let mut reader = crate::der::Reader::new(body);
    if reader.small_integer()? != 0 {
        return None;
    }
    let mut algorithm = crate::der::Reader::new(reader.expect(crate::der::SEQUENCE)?);
    let oid = algorithm.expect(crate::der::OID)?;
    if crate::der::oid_to_string(oid)? != OID_RSA_ENCRYPTION {
        return None;
    }
    let private_key = reader.expect(crate::der::OCTET_STRING)?;
    // Attributes or anything else after the key: let the generic decoder judge it.
    reader.is_empty().then_some(private_key)
}

/// Parses PKCS#8 (v1, or v2 as ring writes Ed25519 keys) into OpenSSL, with the public key a
/// v2 input carried.
fn parse_pkcs8(der: &[u8]) -> Result<(PKey<Private>, Option<Vec<u8>>), Error> {
    let v1 = pkcs8::v2_to_v1(der)?;
    let bytes: &[u8] = v1.as_ref().map_or(der, |key| &key.der);
    let pkey = PKey::private_key_from_pkcs8(bytes).map_err(|e| Error::MalformedKey {
        reason: format!("openssl rejected the PKCS#8 key: {e}"),
    })?;
    Ok((pkey, v1.and_then(|key| key.embedded_public_key)))
}

/// The key type of an OpenSSL key, refusing types and curves this crate does not support.
fn key_type_of<T: HasPublic>(pkey: &PKeyRef<T>) -> Result<KeyType, Error> {
    match pkey.id() {
        Id::RSA => Ok(KeyType::Rsa { bits: pkey.bits() }),
        Id::EC => {
            let ec = pkey.ec_key().map_err(backend_error("reading an ec key"))?;
            match ec.group().curve_name() {
                Some(Nid::X9_62_PRIME256V1) => Ok(KeyType::EcdsaP256),
                Some(Nid::SECP384R1) => Ok(KeyType::EcdsaP384),
                Some(other) => Err(Error::UnsupportedAlgorithm {
                    algorithm: format!(
                        "ec curve {}",
                        other.short_name().unwrap_or("without a short name")
                    ),
                }),
                None => Err(Error::UnsupportedAlgorithm {
                    algorithm: "ec key with explicit curve parameters".to_owned(),
                }),
            }
        }
        Id::ED25519 => Ok(KeyType::Ed25519),
        other => Err(Error::UnsupportedAlgorithm {
            algorithm: format!("openssl key type {}", other.as_raw()),
        }),
    }
}

/// Checks that a loaded key's private and public halves belong together: a pairwise
/// consistency test (sign, then verify with the key's own public half), run by the provider.
///
/// Cheaper than `RSA_check_key` (no primality tests) and, unlike it, done inside the provider,
/// so it also holds in FIPS mode.
fn check_private_key(pkey: &PKeyRef<Private>, key_type: KeyType) -> Result<(), Error> {
    if key_type == KeyType::Ed25519 {
        // An Ed25519 PKCS#8 holds only the seed; the public key is derived from it.
        return Ok(());
    }
    const PAIRWISE_MESSAGE: &[u8] = b"tls-certificates pairwise consistency test";
    let digest = signing_digest(signature_algorithm(key_type));
    let failed = backend_error("pairwise key check");
    let mut signer = match digest {
        Some(md) => ::openssl::sign::Signer::new(md, pkey),
        None => ::openssl::sign::Signer::new_without_digest(pkey),
    }
    .map_err(&failed)?;
    let signature = signer
        .sign_oneshot_to_vec(PAIRWISE_MESSAGE)
        .map_err(&failed)?;
    if verify_with(pkey, digest, PAIRWISE_MESSAGE, &signature) {
        Ok(())
    } else {
        Err(Error::MalformedKey {
            reason: format!("the private and public halves of the {key_type} key do not match"),
        })
    }
}

/// Checks that an RSA key's components belong together, by arithmetic: n = p·q,
/// e·dP ≡ 1 (mod p − 1), e·dQ ≡ 1 (mod q − 1), qInv·q ≡ 1 (mod p), and d ≡ dP (mod p − 1),
/// d ≡ dQ (mod q − 1).
///
/// This is stricter than a pairwise signature test: OpenSSL signs with the CRT components, checks
/// the result with (n, e) and silently falls back to d when the check fails, so a key with a
/// corrupted p, q, dP, dQ or qInv but a correct d passes a sign-and-verify test. Primality of p
/// and q is not tested (`RSA_check_key` does, at the cost of milliseconds): the key is this
/// charm's own, and a corrupted one fails these congruences. The intermediates live in
/// OpenSSL's secure heap and are cleared when dropped.
fn check_rsa_components(pkey: &PKeyRef<Private>, key_type: KeyType) -> Result<(), Error> {
    let failed = backend_error("rsa key check");
    let rsa = pkey.rsa().map_err(&failed)?;
    let mismatched = |what: &str| Error::MalformedKey {
        reason: format!("the {key_type} key's {what} do not match"),
    };
    let (Some(p), Some(q), Some(dp), Some(dq), Some(qinv)) =
        (rsa.p(), rsa.q(), rsa.dmp1(), rsa.dmq1(), rsa.iqmp())
    else {
        return Err(Error::MalformedKey {
            reason: format!("the {key_type} key lacks its prime factors or CRT components"),
        });
    };
    let mut ctx = BigNumContext::new_secure().map_err(&failed)?;
    let mut product = BigNum::new_secure().map_err(&failed)?;
    product.checked_mul(p, q, &mut ctx).map_err(&failed)?;
    if product != *rsa.n() {
        return Err(mismatched("modulus and prime factors"));
    }
    let one = BigNum::from_u32(1).map_err(&failed)?;
    let mut qinv_q = BigNum::new_secure().map_err(&failed)?;
    qinv_q.mod_mul(qinv, q, p, &mut ctx).map_err(&failed)?;
    if qinv_q != one {
        return Err(mismatched("CRT coefficient and prime factors"));
    }
    for (prime, crt_exponent) in [(p, dp), (q, dq)] {
        let mut order = BigNum::new_secure().map_err(&failed)?;
        order.checked_sub(prime, &one).map_err(&failed)?;
        let mut e_dp = BigNum::new_secure().map_err(&failed)?;
        e_dp.mod_mul(rsa.e(), crt_exponent, &order, &mut ctx)
            .map_err(&failed)?;
        let mut d_reduced = BigNum::new_secure().map_err(&failed)?;
        d_reduced
            .nnmod(rsa.d(), &order, &mut ctx)
            .map_err(&failed)?;
        if e_dp != one {
            return Err(mismatched("public exponent and CRT exponents"));
        }
        if d_reduced != *crt_exponent {
            return Err(mismatched("private exponent and CRT exponents"));
        }
    }
    Ok(())
}

/// The signature algorithm a key of `key_type` signs with.
fn signature_algorithm(key_type: KeyType) -> SignatureAlgorithm {
    match key_type {
        KeyType::EcdsaP256 => SignatureAlgorithm::EcdsaP256Sha256,
        KeyType::EcdsaP384 => SignatureAlgorithm::EcdsaP384Sha384,
        KeyType::Ed25519 => SignatureAlgorithm::Ed25519,
        KeyType::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
    }
}

/// The digest to sign with (`None`: the algorithm hashes internally, Ed25519).
fn signing_digest(algorithm: SignatureAlgorithm) -> Option<MessageDigest> {
    match algorithm {
        SignatureAlgorithm::Ed25519 => None,
        SignatureAlgorithm::EcdsaP256Sha384
        | SignatureAlgorithm::EcdsaP384Sha384
        | SignatureAlgorithm::RsaPkcs1Sha384 => Some(MessageDigest::sha384()),
        SignatureAlgorithm::RsaPkcs1Sha512 => Some(MessageDigest::sha512()),
        SignatureAlgorithm::EcdsaP256Sha256
        | SignatureAlgorithm::EcdsaP384Sha256
        | SignatureAlgorithm::RsaPkcs1Sha256 => Some(MessageDigest::sha256()),
    }
}

/// The digest for verifying `algorithm` with a key of `key_type`, refusing mismatched pairs.
fn verification_digest(
    key_type: KeyType,
    algorithm: SignatureAlgorithm,
) -> Result<Option<MessageDigest>, Error> {
    let fits = match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP256Sha384 => {
            key_type == KeyType::EcdsaP256
        }
        SignatureAlgorithm::EcdsaP384Sha256 | SignatureAlgorithm::EcdsaP384Sha384 => {
            key_type == KeyType::EcdsaP384
        }
        SignatureAlgorithm::Ed25519 => key_type == KeyType::Ed25519,
        SignatureAlgorithm::RsaPkcs1Sha256
        | SignatureAlgorithm::RsaPkcs1Sha384
        | SignatureAlgorithm::RsaPkcs1Sha512 => matches!(key_type, KeyType::Rsa { .. }),
    };
    if fits {
        Ok(signing_digest(algorithm))
    } else {
        // A certificate whose signature algorithm does not fit the issuer's key is simply not
        // validly signed by it.
        Err(Error::SignatureInvalid)
    }
}

/// Verifies; any OpenSSL failure (malformed signature encoding included) counts as invalid.
fn verify_with<T: HasPublic>(
    pkey: &PKeyRef<T>,
    digest: Option<MessageDigest>,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let verifier = match digest {
        Some(md) => ::openssl::sign::Verifier::new(md, pkey),
        None => ::openssl::sign::Verifier::new_without_digest(pkey),
    };
    let verified = verifier.and_then(|mut v| v.verify_oneshot(signature, message));
    // A failed verification may leave entries on this thread's OpenSSL error queue; drain them
    // so they are not attributed to a later, unrelated operation.
    let _drained = ErrorStack::get();
    matches!(verified, Ok(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [KeyAlgorithm; 6] = KeyAlgorithm::ALL;

    fn pkcs8_of(key: &PrivateKey) -> Zeroizing<Vec<u8>> {
        key.pkcs8_der.clone()
    }

    #[test]
    fn given_a_generated_key_when_its_pkcs8_is_loaded_again_then_the_same_key_comes_back() {
        for algorithm in ALL {
            let key = backend().generate_key(algorithm).unwrap();
            let loaded = backend().load_pkcs8(pkcs8_of(&key)).unwrap();
            assert_eq!(loaded.key_type, algorithm.key_type(), "{algorithm}");
            assert_eq!(loaded.public_key, key.public_key, "{algorithm}");
            assert_eq!(
                *loaded.pkcs8_der, *key.pkcs8_der,
                "{algorithm}: canonical DER"
            );
        }
    }

    /// Whether two handles are the same OpenSSL key object (not merely equal keys).
    fn same_key(a: &PKeyRef<Private>, b: &PKeyRef<Private>) -> bool {
        core::ptr::eq(a, b)
    }

    #[test]
    fn given_a_generated_or_loaded_key_then_it_carries_the_decoded_pkey_and_signers_reuse_it() {
        for algorithm in ALL {
            let generated = backend().generate_key(algorithm).unwrap();
            let loaded = backend().load_pkcs8(pkcs8_of(&generated)).unwrap();
            for key in [&generated, &loaded] {
                let Some(NativeKey::Openssl {
                    backend: name,
                    pkey,
                }) = &key.native
                else {
                    panic!("{algorithm}: no decoded key kept");
                };
                assert_eq!(*name, "openssl");
                let plain = OpensslBackend {
                    policy: Policy::Default,
                };
                assert!(
                    same_key(&plain.signing_key(key).unwrap(), pkey),
                    "{algorithm}: the signer reuses the decoded key"
                );
                let signer = backend().signer(key).unwrap();
                let signature = signer.sign(b"m").unwrap();
                backend()
                    .verify(&key.public_key, signer.algorithm(), b"m", &signature)
                    .unwrap();
            }
            // A backend under another policy decodes the PKCS#8 itself.
            let other = OpensslBackend {
                policy: Policy::Fips {
                    ed25519_approved: true,
                },
            };
            let Some(NativeKey::Openssl { pkey, .. }) = &loaded.native else {
                unreachable!("checked above");
            };
            assert!(!same_key(&other.signing_key(&loaded).unwrap(), pkey));
        }
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_a_key_from_the_ring_backend_then_openssl_decodes_it_and_signs() {
        let ring = crate::ring::backend();
        for algorithm in ALL {
            let key = ring.generate_key(algorithm).unwrap();
            let signer = backend().signer(&key).unwrap();
            let signature = signer.sign(b"m").unwrap();
            ring.verify(&key.public_key, signer.algorithm(), b"m", &signature)
                .unwrap();
        }
    }

    #[test]
    fn given_a_generated_key_then_its_public_key_is_the_spki_that_openssl_derives() {
        for algorithm in ALL {
            let key = backend().generate_key(algorithm).unwrap();
            let pkey = PKey::private_key_from_pkcs8(&key.pkcs8_der).unwrap();
            assert_eq!(key.public_key.spki_der, pkey.public_key_to_der().unwrap());
            let expected_bits = match algorithm.key_type() {
                KeyType::EcdsaP256 => 65,
                KeyType::EcdsaP384 => 97,
                KeyType::Ed25519 => 32,
                KeyType::Rsa { bits } => usize::try_from(bits / 8).unwrap() + 14,
            };
            assert_eq!(key.public_key.key_bits.len(), expected_bits, "{algorithm}");
        }
    }

    #[test]
    fn given_keys_generated_inside_the_provider_then_they_load_and_match() {
        for algorithm in [
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
        ] {
            let key_type = algorithm.key_type();
            let pkey = generate_in_provider(key_type).unwrap();
            let key = private_key(&pkey, key_type).unwrap();
            let loaded = backend().load_pkcs8(pkcs8_of(&key)).unwrap();
            assert_eq!(loaded.public_key, key.public_key, "{algorithm}");
        }
    }

    #[test]
    fn given_an_ec_pkcs8_whose_public_key_belongs_to_another_key_when_loaded_then_it_is_refused() {
        let a = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        let b = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        // OpenSSL's EC PKCS#8 ends with `[1] { BIT STRING 00 04 x y }`: the last 65 bytes are
        // the uncompressed public point.
        let mut forged = a.pkcs8_der.to_vec();
        let start = forged.len() - 65;
        forged[start..].copy_from_slice(&b.pkcs8_der[b.pkcs8_der.len() - 65..]);
        assert_eq!(forged[start], 4, "test assumes the point is at the end");

        let err = backend().load_pkcs8(Zeroizing::new(forged)).unwrap_err();
        assert!(matches!(err, Error::MalformedKey { .. }), "{err:?}");
    }

    #[test]
    fn given_an_rsa_1024_key_when_loaded_then_it_is_refused_as_unsupported() {
        let rsa = Rsa::generate(1024).unwrap();
        let der = PKey::from_rsa(rsa).unwrap().private_key_to_pkcs8().unwrap();
        let err = backend().load_pkcs8(Zeroizing::new(der)).unwrap_err();
        assert!(matches!(err, Error::UnsupportedAlgorithm { .. }), "{err:?}");
    }

    #[test]
    fn given_a_key_on_an_unsupported_curve_when_loaded_then_it_is_refused_as_unsupported() {
        let group = EcGroup::from_curve_name(Nid::SECP521R1).unwrap();
        let pkey = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let err = backend()
            .load_pkcs8(Zeroizing::new(pkey.private_key_to_pkcs8().unwrap()))
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedAlgorithm { .. }), "{err:?}");
    }

    #[test]
    fn given_truncated_or_garbage_pkcs8_when_loaded_then_a_typed_error_and_no_panic() {
        let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        for len in 0..key.pkcs8_der.len() {
            let truncated = Zeroizing::new(key.pkcs8_der[..len].to_vec());
            let err = backend().load_pkcs8(truncated).unwrap_err();
            assert!(
                matches!(err, Error::MalformedKey { .. }),
                "len {len}: {err:?}"
            );
        }
        let err = backend()
            .load_pkcs8(Zeroizing::new(b"not a key at all".to_vec()))
            .unwrap_err();
        assert!(matches!(err, Error::MalformedKey { .. }), "{err:?}");
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_keys_from_either_backend_when_loaded_by_the_other_then_the_public_key_is_the_same() {
        let ring = crate::ring::backend();
        for algorithm in ALL {
            let ours = backend().generate_key(algorithm).unwrap();
            let in_ring = ring.load_pkcs8(pkcs8_of(&ours)).unwrap();
            assert_eq!(
                in_ring.public_key, ours.public_key,
                "openssl -> ring {algorithm}"
            );

            let theirs = ring.generate_key(algorithm).unwrap();
            let in_openssl = backend().load_pkcs8(pkcs8_of(&theirs)).unwrap();
            assert_eq!(
                in_openssl.public_key, theirs.public_key,
                "ring -> openssl {algorithm}"
            );
        }
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_ring_made_ed25519_pkcs8_v2_with_public_key_when_loaded_then_openssl_accepts_it() {
        let rng = ::ring::rand::SystemRandom::new();
        let document = ::ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = ::ring::signature::Ed25519KeyPair::from_pkcs8(document.as_ref()).unwrap();
        let key = backend()
            .load_pkcs8(Zeroizing::new(document.as_ref().to_vec()))
            .unwrap();
        use ::ring::signature::KeyPair as _;
        assert_eq!(key.public_key.key_bits, pair.public_key().as_ref());
    }
}
