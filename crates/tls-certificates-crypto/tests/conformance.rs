//! The conformance suite (`tests/suite`), run against every compiled-in backend.

#[macro_use]
mod suite;

#[cfg(feature = "ring")]
mod ring_backend {
    conformance_suite!(tls_certificates_crypto::ring::backend());
}

#[cfg(feature = "openssl")]
mod openssl_backend {
    conformance_suite!(tls_certificates_crypto::openssl::backend());
}
