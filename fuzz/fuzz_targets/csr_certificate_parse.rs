//! Wraps arbitrary bytes as DER in PEM (`CERTIFICATE REQUEST` and `CERTIFICATE`) and parses them
//! with both backends, so the fuzzer explores the X.509 parsers rather than the PEM layer.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----"));
    out
}

fuzz_target!(|der: &[u8]| {
    let csr = pem("CERTIFICATE REQUEST", der);
    let certificate = pem("CERTIFICATE", der);
    for backend in [tls_certificates_crypto::ring::backend(), tls_certificates_crypto::openssl::backend()] {
        let _ = backend.parse_csr(&csr);
        let _ = backend.parse_certificate(&certificate);
    }
});
