//! The shared conformance suite (`tests/suite`), run against the OpenSSL backend in FIPS mode.
//!
//! Needs OpenSSL's FIPS provider: run `scripts/fips/fips-test.sh`. Without it every test here
//! fails with instructions (the `fips` feature promises FIPS mode; there is nothing to skip to).
#![cfg(feature = "fips")]

#[macro_use]
mod suite;

fn fips() -> &'static dyn tls_certificates_crypto::CryptoBackend {
    tls_certificates_crypto::openssl::fips_backend().unwrap_or_else(|e| {
        panic!(
            "the FIPS conformance run needs OpenSSL's FIPS provider ({e}); \
             run scripts/fips/fips-test.sh"
        )
    })
}

mod openssl_fips_backend {
    conformance_suite!(super::fips());
}
