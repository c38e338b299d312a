//! Feeds arbitrary text as PEM to the OpenSSL backend's key, CSR and certificate parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(pem) = std::str::from_utf8(data) else {
        return;
    };
    let backend = tls_certificates_crypto::openssl::backend();
    let _ = backend.load_private_key(pem);
    let _ = backend.parse_csr(pem);
    let _ = backend.parse_certificate(pem);
    let _ = backend.parse_certificates(pem);
});
