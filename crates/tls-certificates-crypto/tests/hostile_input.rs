//! Hostile input: relation data comes from peers, so every parser must answer with a typed
//! error, never a panic.

use proptest::prelude::*;
use tls_certificates_crypto::{CryptoBackend, Error};

const CSR: &str = include_str!("../../../interop/fixtures/python-reference/csr.pem");
const CERT: &str = include_str!("../../../interop/fixtures/python-reference/certificate.pem");
const KEY: &str = include_str!("../../../interop/fixtures/python-reference/private_key.pem");
const EC_KEY: &str = include_str!("../../../interop/fixtures/python-reference/ec_private_key.pem");

fn backends() -> Vec<&'static dyn CryptoBackend> {
    vec![
        #[cfg(feature = "ring")]
        tls_certificates_crypto::ring::backend(),
        #[cfg(feature = "openssl")]
        tls_certificates_crypto::openssl::backend(),
    ]
}

/// Feeds `input` to every parser of every backend; returns nothing, must not panic.
fn parse_everything(input: &str) {
    for backend in backends() {
        let _ = backend.parse_csr(input);
        let _ = backend.parse_certificate(input);
        let _ = backend.parse_certificates(input);
        let _ = backend.load_private_key(input);
    }
}

fn parse_der_everything(input: &[u8]) {
    for backend in backends() {
        let _ = backend.parse_csr_der(input);
        let _ = backend.parse_certificate_der(input);
    }
}

fn body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[test]
fn given_garbage_text_when_parsed_then_invalid_pem() {
    for backend in backends() {
        for input in ["", "hello", "-----BEGIN CERTIFICATE-----\n", "\0\0\0"] {
            assert!(
                matches!(backend.parse_csr(input), Err(Error::InvalidPem { .. })),
                "{input:?}"
            );
            assert!(matches!(
                backend.parse_certificate(input),
                Err(Error::InvalidPem { .. })
            ));
            assert!(matches!(
                backend.load_private_key(input),
                Err(Error::InvalidPem { .. })
            ));
        }
    }
}

#[test]
fn given_wrong_label_when_parsed_then_invalid_pem() {
    for backend in backends() {
        assert!(matches!(
            backend.parse_csr(CERT),
            Err(Error::InvalidPem { .. })
        ));
        assert!(matches!(
            backend.parse_certificate(CSR),
            Err(Error::InvalidPem { .. })
        ));
        assert!(matches!(
            backend.load_private_key(CSR),
            Err(Error::InvalidPem { .. })
        ));
        let relabelled = CSR.replace("CERTIFICATE REQUEST", "CERTIFICATE");
        assert!(matches!(
            backend.parse_certificate(&relabelled),
            Err(Error::MalformedCertificate { .. })
        ));
        let ec_as_rsa = EC_KEY.replace("EC PRIVATE KEY", "RSA PRIVATE KEY");
        assert!(backend.load_private_key(&ec_as_rsa).is_err());
    }
}

#[test]
fn given_truncated_pem_when_parsed_then_typed_error() {
    for backend in backends() {
        for cut in [30, CSR.len() / 2, CSR.len() - 30] {
            let truncated = CSR.get(..cut).unwrap();
            assert!(backend.parse_csr(truncated).is_err(), "cut at {cut}");
        }
        // Drop a whole base64 line: valid PEM framing, truncated DER.
        let mut lines: Vec<&str> = CERT.lines().collect();
        lines.remove(3);
        let short = lines.join("\n");
        assert!(matches!(
            backend.parse_certificate(&short),
            Err(Error::MalformedCertificate { .. }) | Err(Error::InvalidPem { .. })
        ));
        let mut lines: Vec<&str> = KEY.lines().collect();
        lines.remove(5);
        assert!(backend.load_private_key(&lines.join("\n")).is_err());
    }
}

#[test]
fn given_truncated_der_when_parsed_then_typed_error() {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(body(CSR))
        .unwrap();
    for backend in backends() {
        backend.parse_csr_der(&der).unwrap();
        for cut in [0, 1, 2, 10, der.len() / 2, der.len() - 1] {
            assert!(
                matches!(
                    backend.parse_csr_der(der.get(..cut).unwrap()),
                    Err(Error::MalformedCsr { .. })
                ),
                "cut at {cut}"
            );
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(matches!(
            backend.parse_csr_der(&trailing),
            Err(Error::MalformedCsr { .. })
        ));
    }
}

#[test]
fn given_oversized_input_when_parsed_then_input_too_large() {
    let huge = format!("{}{}", "A".repeat(2 << 20), CSR);
    for backend in backends() {
        assert!(matches!(
            backend.parse_csr(&huge),
            Err(Error::InputTooLarge { .. })
        ));
        assert!(matches!(
            backend.parse_certificates(&huge),
            Err(Error::InputTooLarge { .. })
        ));
        assert!(matches!(
            backend.load_private_key(&huge),
            Err(Error::InputTooLarge { .. })
        ));
        assert!(matches!(
            backend.parse_certificate_der(&vec![0x30; 2 << 20]),
            Err(Error::InputTooLarge { .. })
        ));
    }
}

#[test]
fn given_every_single_byte_flip_of_a_csr_when_parsed_then_never_accepted_with_other_content() {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(body(CSR))
        .unwrap();
    for backend in backends() {
        let original = backend.parse_csr_der(&der).unwrap();
        for i in 0..der.len() {
            let mut flipped = der.clone();
            flipped[i] ^= 0x01;
            if let Ok(csr) = backend.parse_csr_der(&flipped) {
                // Only a flip the signature cannot see (none in DER) may parse; it must then
                // read the same attributes.
                assert_eq!(csr.attributes(), original.attributes(), "flip at {i}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(input in "\\PC{0,400}") {
        parse_everything(&input);
    }

    #[test]
    fn random_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse_der_everything(&input);
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&input);
        for label in ["CERTIFICATE REQUEST", "CERTIFICATE", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"] {
            parse_everything(&format!("-----BEGIN {label}-----\n{b64}\n-----END {label}-----\n"));
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(index in 0usize..4000, byte in any::<u8>()) {
        use base64::Engine as _;
        for pem in [CSR, CERT, KEY, EC_KEY] {
            let mut der = base64::engine::general_purpose::STANDARD.decode(body(pem)).unwrap();
            let i = index % der.len();
            der[i] = byte;
            parse_der_everything(&der);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
            let label = pem.lines().next().unwrap().trim_start_matches("-----BEGIN ").trim_end_matches("-----");
            parse_everything(&format!("-----BEGIN {label}-----\n{b64}\n-----END {label}-----"));
        }
    }
}
