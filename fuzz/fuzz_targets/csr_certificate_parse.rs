//! Parses arbitrary bytes as CSR and certificate DER with both backends, so the fuzzer explores
//! the X.509 parsers rather than the PEM layer (which `pem_parse_*` cover).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|der: &[u8]| {
    for backend in [
        tls_certificates_crypto::ring::backend(),
        tls_certificates_crypto::openssl::backend(),
    ] {
        let _ = backend.parse_csr_der(der);
        let _ = backend.parse_certificate_der(der);
    }
});
