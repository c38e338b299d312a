//! Behaviour specific to the `openssl` backend, at the primitive level.
//!
//! The shared conformance suite covers what every backend must do; this file covers what only
//! matters for OpenSSL: its signatures are what ring (and X.509) expect, keys move between the
//! backends, Ed25519 is available, and hostile signature input never panics.
#![cfg(feature = "openssl")]

use tls_certificates_crypto::{
    CryptoBackend, DigestAlgorithm, Error, FipsStatus, KeyAlgorithm, KeyType, SignatureAlgorithm,
};

const MESSAGE: &[u8] = b"tbsCertificate stand-in: the bytes a CA signs";

fn openssl() -> &'static dyn CryptoBackend {
    tls_certificates_crypto::openssl::backend()
}

fn sign_and_verify(signing: &dyn CryptoBackend, verifying: &dyn CryptoBackend) {
    for algorithm in KeyAlgorithm::ALL {
        let key = signing.generate_key(algorithm).unwrap();
        let signer = signing.signer(&key).unwrap();
        let signature = signer.sign(MESSAGE).unwrap();

        verifying
            .verify(key.public_key(), signer.algorithm(), MESSAGE, &signature)
            .unwrap_or_else(|e| {
                panic!(
                    "{} signature ({algorithm}) rejected by {}: {e}",
                    signing.name(),
                    verifying.name()
                )
            });
    }
}

#[test]
fn given_the_openssl_backend_then_it_names_itself_and_is_not_fips() {
    assert_eq!(openssl().name(), "openssl");
    assert_eq!(openssl().fips_status(), FipsStatus::NotFips);
}

#[test]
fn given_every_algorithm_when_generated_then_the_key_has_that_type() {
    for algorithm in KeyAlgorithm::ALL {
        let key = openssl().generate_key(algorithm).unwrap();
        assert_eq!(key.key_type(), algorithm.key_type());
        assert_eq!(key.public_key().key_type(), algorithm.key_type());
    }
}

#[test]
fn given_two_generated_keys_then_they_differ() {
    let a = openssl().generate_key(KeyAlgorithm::Rsa2048).unwrap();
    let b = openssl().generate_key(KeyAlgorithm::Rsa2048).unwrap();
    assert_ne!(a.public_key(), b.public_key());
}

#[test]
fn given_an_openssl_signature_when_verified_by_openssl_then_it_verifies() {
    sign_and_verify(openssl(), openssl());
}

#[test]
fn given_each_key_type_then_the_signer_uses_the_x509_algorithm_of_the_contract() {
    let expected = [
        (KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        (KeyAlgorithm::Rsa3072, SignatureAlgorithm::RsaPkcs1Sha256),
        (KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaP256Sha256),
        (KeyAlgorithm::EcdsaP384, SignatureAlgorithm::EcdsaP384Sha384),
        (KeyAlgorithm::Ed25519, SignatureAlgorithm::Ed25519),
    ];
    for (algorithm, signature_algorithm) in expected {
        let key = openssl().generate_key(algorithm).unwrap();
        let signer = openssl().signer(&key).unwrap();
        assert_eq!(signer.algorithm(), signature_algorithm, "{algorithm}");
        assert_eq!(signer.public_key(), key.public_key());
    }
}

#[test]
fn given_an_ecdsa_signature_then_it_is_a_der_sequence_of_two_integers() {
    let key = openssl().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let signature = openssl().signer(&key).unwrap().sign(MESSAGE).unwrap();
    // ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (what X.509 carries), not r || s.
    assert_eq!(signature.first(), Some(&0x30));
    assert_eq!(usize::from(signature[1]) + 2, signature.len());
    assert_eq!(signature.get(2), Some(&0x02));
}

#[test]
fn given_an_ed25519_key_then_openssl_signs_deterministically_with_64_byte_signatures() {
    let key = openssl().generate_key(KeyAlgorithm::Ed25519).unwrap();
    let signer = openssl().signer(&key).unwrap();
    let first = signer.sign(MESSAGE).unwrap();
    assert_eq!(first.len(), 64);
    assert_eq!(first, signer.sign(MESSAGE).unwrap());
}

#[test]
fn given_a_signature_when_the_message_or_signature_is_altered_then_verification_fails() {
    for algorithm in KeyAlgorithm::ALL {
        let key = openssl().generate_key(algorithm).unwrap();
        let signer = openssl().signer(&key).unwrap();
        let signature = signer.sign(MESSAGE).unwrap();

        let other_message = openssl().verify(
            key.public_key(),
            signer.algorithm(),
            b"another message",
            &signature,
        );
        assert!(
            matches!(other_message, Err(Error::SignatureInvalid)),
            "{algorithm}"
        );

        let mut flipped = signature.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        let altered = openssl().verify(key.public_key(), signer.algorithm(), MESSAGE, &flipped);
        assert!(
            matches!(altered, Err(Error::SignatureInvalid)),
            "{algorithm}"
        );
    }
}

#[test]
fn given_garbage_or_truncated_signatures_when_verified_then_invalid_and_no_panic() {
    for algorithm in KeyAlgorithm::ALL {
        let key = openssl().generate_key(algorithm).unwrap();
        let signer = openssl().signer(&key).unwrap();
        let signature = signer.sign(MESSAGE).unwrap();
        let garbage: [&[u8]; 4] = [
            &[],
            &[0x30],
            &[0xff; 600],
            &signature[..signature.len() / 2],
        ];
        for bad in garbage {
            let result = openssl().verify(key.public_key(), signer.algorithm(), MESSAGE, bad);
            assert!(
                matches!(result, Err(Error::SignatureInvalid)),
                "{algorithm}, {} bytes: {result:?}",
                bad.len()
            );
        }
    }
}

#[test]
fn given_a_signature_algorithm_that_does_not_fit_the_key_then_verification_fails() {
    let key = openssl().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let signature = openssl().signer(&key).unwrap().sign(MESSAGE).unwrap();
    for wrong in [
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
        SignatureAlgorithm::Ed25519,
    ] {
        let result = openssl().verify(key.public_key(), wrong, MESSAGE, &signature);
        assert!(matches!(result, Err(Error::SignatureInvalid)), "{wrong:?}");
    }
}

#[test]
fn given_a_signer_when_debug_printed_then_no_key_material_is_shown() {
    let key = openssl().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let signer = openssl().signer(&key).unwrap();
    let printed = format!("{signer:?} {key:?}");
    assert!(printed.contains("[redacted]"), "{printed}");
    assert!(!printed.to_lowercase().contains("pkcs8"), "{printed}");
}

#[test]
fn given_known_inputs_then_digests_match_the_standard_test_vectors() {
    let sha1 = openssl().digest(DigestAlgorithm::Sha1, b"abc").unwrap();
    assert_eq!(
        hex::encode(sha1),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    let sha256 = openssl().digest(DigestAlgorithm::Sha256, b"abc").unwrap();
    assert_eq!(
        hex::encode(sha256),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn given_buffers_of_any_size_when_filled_with_random_then_they_are_filled() {
    let mut empty = [];
    openssl().fill_random(&mut empty).unwrap();

    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    openssl().fill_random(&mut a).unwrap();
    openssl().fill_random(&mut b).unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);

    // Bigger than the backend's internal chunk: the tail must be filled too.
    let mut big = vec![0u8; (1 << 20) + 4096];
    openssl().fill_random(&mut big).unwrap();
    assert!(big[big.len() - 4096..].iter().any(|&b| b != 0));
}

#[test]
fn given_rsa_keys_then_the_key_type_reports_the_modulus_size() {
    for (algorithm, bits) in [(KeyAlgorithm::Rsa2048, 2048), (KeyAlgorithm::Rsa4096, 4096)] {
        let key = openssl().generate_key(algorithm).unwrap();
        assert_eq!(key.key_type(), KeyType::Rsa { bits });
    }
}

#[cfg(feature = "ring")]
mod with_ring {
    use super::*;

    fn ring() -> &'static dyn CryptoBackend {
        tls_certificates_crypto::ring::backend()
    }

    #[test]
    fn given_an_openssl_signature_when_verified_by_ring_then_it_verifies() {
        sign_and_verify(openssl(), ring());
    }

    #[test]
    fn given_a_ring_signature_when_verified_by_openssl_then_it_verifies() {
        sign_and_verify(ring(), openssl());
    }

    #[test]
    fn given_an_openssl_key_when_ring_signs_with_it_then_openssl_verifies() {
        for algorithm in KeyAlgorithm::ALL {
            let key = openssl().generate_key(algorithm).unwrap();
            let signer = ring().signer(&key).unwrap();
            let signature = signer.sign(MESSAGE).unwrap();
            openssl()
                .verify(key.public_key(), signer.algorithm(), MESSAGE, &signature)
                .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        }
    }

    #[test]
    fn given_a_ring_key_when_openssl_signs_with_it_then_ring_verifies() {
        for algorithm in KeyAlgorithm::ALL {
            let key = ring().generate_key(algorithm).unwrap();
            let signer = openssl().signer(&key).unwrap();
            let signature = signer.sign(MESSAGE).unwrap();
            ring()
                .verify(key.public_key(), signer.algorithm(), MESSAGE, &signature)
                .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        }
    }

    #[test]
    fn given_the_same_input_then_both_backends_compute_the_same_digests() {
        let data = b"subject public key bits";
        for algorithm in [DigestAlgorithm::Sha1, DigestAlgorithm::Sha256] {
            assert_eq!(
                openssl().digest(algorithm, data).unwrap(),
                ring().digest(algorithm, data).unwrap()
            );
        }
    }
}
