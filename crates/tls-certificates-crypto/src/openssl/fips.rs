//! FIPS mode: the OpenSSL backend restricted to OpenSSL's FIPS provider (feature `fips`).

use std::sync::OnceLock;

use ::openssl::md::Md;
use ::openssl::pkey::PKey;
use ::openssl::provider::Provider;

use super::{OpensslBackend, Policy};
use crate::{CryptoBackend, Error};

/// First OpenSSL version whose FIPS provider implements FIPS 186-5 EdDSA as approved (3.5.0).
const EDDSA_APPROVED_SINCE: i64 = 0x3050_0000;

/// The `openssl` backend in FIPS mode.
///
/// The first call loads OpenSSL's `fips` provider (all algorithms) and `base` provider
/// (encoders and decoders only) into OpenSSL's default library context, which also stops
/// OpenSSL from falling back to its `default` provider, and sets `fips=yes` as the context's
/// default property query (`EVP_default_properties_enable_fips`), so every fetch in the process
/// is answered by the FIPS provider. It then proves the result:
///
/// * SHA-256 can be fetched through the default property query, and
/// * MD5 (which the FIPS provider does not have) can **not** be fetched even with `fips=no`,
///   i.e. no non-FIPS provider is active at all.
///
/// If either fails, FIPS mode is refused: this never falls back to non-FIPS algorithms. The
/// outcome is decided once per process; later calls return the same backend or the same error.
///
/// The backend then offers only approved choices and refuses the rest with
/// [`Error::NotApproved`] before doing any work: RSA keys below 2048 bits (generation, loading,
/// signing and verification) and Ed25519 unless the loaded module approves EdDSA (OpenSSL ≥ 3.5
/// and the module can generate an Ed25519 key). Signatures are RSA PKCS#1 v1.5 with SHA-256+,
/// ECDSA P-256/P-384 with SHA-256/384 (SHA-1 signatures do not exist in this API; SHA-1 is only
/// a digest for key identifiers). Randomness comes from the FIPS provider's DRBG.
///
/// # Errors
///
/// [`Error::BackendUnavailable`] naming the cause when the FIPS provider cannot be loaded (no
/// `fips.so` under `OPENSSL_MODULES`, no `fipsmodule.cnf` in the configuration, a failed
/// self-test) or when non-FIPS algorithms remain reachable.
///
/// # Examples
///
/// ```no_run
/// use tls_certificates_crypto::{FipsStatus, KeyAlgorithm};
///
/// let backend = tls_certificates_crypto::openssl::fips_backend()?;
/// assert_eq!(backend.fips_status(), FipsStatus::Active);
/// let key = backend.generate_key(KeyAlgorithm::Rsa2048)?;
/// # Ok::<(), tls_certificates_crypto::Error>(())
/// ```
pub fn fips_backend() -> Result<&'static dyn CryptoBackend, Error> {
    static FIPS: OnceLock<Result<FipsBackend, String>> = OnceLock::new();
    match FIPS.get_or_init(start) {
        Ok(fips) => Ok(&fips.backend),
        Err(reason) => Err(Error::BackendUnavailable {
            reason: reason.clone(),
        }),
    }
}

/// The FIPS backend and the providers it keeps loaded for the life of the process.
struct FipsBackend {
    backend: OpensslBackend,
    /// Held, never read: dropping a `Provider` unloads it.
    _providers: [Provider; 2],
}

/// Loads and proves the FIPS provider, or says why not.
fn start() -> Result<FipsBackend, String> {
    // `try_load` without retaining fallbacks: OpenSSL stops falling back to its `default`
    // provider only if this load succeeds, so a failed FIPS start-up leaves the plain backend
    // usable (`Provider::load` would disable the fallback even on failure).
    let fips = Provider::try_load(None, "fips", false).map_err(|e| {
        format!(
            "cannot load the openssl fips provider: {e}; set OPENSSL_MODULES to the directory \
             holding fips.so and OPENSSL_CONF to a configuration that includes its \
             fipsmodule.cnf (see docs/fips.md)"
        )
    })?;
    let base = Provider::try_load(None, "base", false)
        .map_err(|e| format!("cannot load the openssl base provider: {e}"))?;

    enable_fips_default_properties()?;

    // Everything the backend fetches uses the default property query, now `fips=yes`.
    Md::fetch(None, "SHA2-256", None).map_err(|e| {
        format!("the fips provider is loaded but sha-256 cannot be fetched with fips=yes: {e}")
    })?;
    // And no other provider may be active at all: MD5 exists only outside the FIPS provider.
    if Md::fetch(None, "MD5", Some("fips=no")).is_ok() {
        return Err(
            "non-fips algorithms are still reachable (md5 can be fetched): the openssl \
             configuration activates another provider, e.g. `default`; activate only `fips` \
             and `base`"
                .to_owned(),
        );
    }

    let ed25519_approved =
        ::openssl::version::number() >= EDDSA_APPROVED_SINCE && PKey::generate_ed25519().is_ok();
    // A failed probe leaves entries on this thread's error queue; drop them.
    let _drained = ::openssl::error::ErrorStack::get();
    Ok(FipsBackend {
        backend: OpensslBackend {
            policy: Policy::Fips { ed25519_approved },
        },
        _providers: [fips, base],
    })
}

/// Sets `fips=yes` as the default property query of OpenSSL's default library context, so every
/// algorithm fetch of this process (ours, and any other user of this libcrypto) can only be
/// answered by the FIPS provider.
#[expect(
    unsafe_code,
    reason = "the openssl crate has no safe wrapper for EVP_default_properties_enable_fips"
)]
fn enable_fips_default_properties() -> Result<(), String> {
    // SAFETY: a null `OSSL_LIB_CTX` names OpenSSL's default library context, which exists for
    // the whole life of the process (the `openssl` crate initialised the library before the
    // providers were loaded above); the call only replaces that context's default property
    // query under OpenSSL's own lock and keeps no pointer we pass.
    let enabled =
        unsafe { openssl_sys::EVP_default_properties_enable_fips(std::ptr::null_mut(), 1) };
    // SAFETY: as above; a read of the same context's default property query.
    let active =
        unsafe { openssl_sys::EVP_default_properties_is_fips_enabled(std::ptr::null_mut()) };
    if enabled == 1 && active == 1 {
        Ok(())
    } else {
        let _drained = ::openssl::error::ErrorStack::get();
        Err("openssl refused to set `fips=yes` as the default property query".to_owned())
    }
}
