//! FIPS mode of the OpenSSL backend (feature `fips`), against a real OpenSSL FIPS provider.
//!
//! `scripts/fips/fips-test.sh` builds the provider and runs this file in three environments,
//! told apart by `TLS_CERTIFICATES_FIPS_EXPECT`:
//!
//! * `active`: only the `fips` and `base` providers are configured; FIPS mode must start, and
//!   every test here runs against it (approved algorithms work, the rest is refused with
//!   `Error::NotApproved`).
//! * `missing`: no FIPS provider can be found; start-up must fail with a typed error naming it.
//! * `mixed`: the `default` provider is active alongside; start-up must refuse.
//!
//! Without the variable the start-up test accepts either outcome but still requires a typed
//! error; the other tests need an active FIPS provider and fail with instructions otherwise.
#![cfg(feature = "fips")]

use tls_certificates_crypto::{
    CryptoBackend, DigestAlgorithm, Error, FipsStatus, KeyAlgorithm, KeyType,
};
use zeroize::Zeroizing;

const MESSAGE: &[u8] = b"tbsCertificate stand-in: the bytes a CA signs";

/// A 1024-bit RSA key (PKCS#8 DER, `openssl genpkey` + `openssl pkcs8 -topk8`): too small for FIPS.
const RSA_1024_PKCS8_HEX: &str = concat!(
    "30820277020100300d06092a864886f70d0101010500048202613082025d020100028181009c987923e04778",
    "ea7f66bc5f980bcf98790060581ba3898ad671e749f67bc5c121140bbfce31d3adb7e43bc1c70ab97de41bfe",
    "0ea6185db5d0c6a7602ba5b14fbbf3b63877895805eaa30d8d1e3f1c5103f37ee21a4953dccf9a4c7ddfc647",
    "32d2b93a19a34f40f851c9f638fa2ffccf27a4141ce0da35093c8ddb66afe0cc9d0203010001028180654b77",
    "e90e160d905ab3011d31044ad80d45820cdc6c0ff7a039f3ebf3262348877629177c70dcc59d93645837c1a7",
    "35590e066c4162b79379a656f4ada733a7261a12097157ce6142c3511b50b6b820b9a55314adc4ba024b7e82",
    "5bffafeb9862574395ec916d1a713a0e3f55ae587a7cd832206fe5e2b3343763cc990cd6a1024100c9bf8ef9",
    "8b2bdd1949ea6560c58c7e858a8e1762086f7b303a7c194cebfc88e1ad7af3e7f3e2639c07061867354a4aef",
    "eade951117fa189fc5d1a07b6371c609024100c6b495907646b740389c2dd6360901e885999f7484bf5b1624",
    "7da1859744e54877dc7d4bdfd2d6330a1afa76fd423824edaf2104e67e5405a984765d4f8d96f5024100a4c9",
    "3c650391ee642b85b30c9a0f2980b62d5d580b7fd3650f4032022c76f6ef2e9dd0ff52ab45a539ef769b4661",
    "ca57b0c5e18836c766b98a00b14e5769a4d102400be8d6ee09a8c362fe019e5db06f69c5ddfc0f2a94aa4373",
    "584c8f59ca6f3eaed1404de2365014b68a6c83868e3761d614c8e259c0d6e182555eb31974a32fe10241008a",
    "c83305e0029573f2e09b79a3a340f8473e29ec5900e8d412d6766c9927549c68b788c2ceb665ab05d2e713c2",
    "1947b8c338ee445155262280a031d75cc3511f",
);

fn expectation() -> Option<String> {
    std::env::var("TLS_CERTIFICATES_FIPS_EXPECT").ok()
}

/// The FIPS backend; these tests are about its behaviour, so its absence is a failure.
fn fips() -> &'static dyn CryptoBackend {
    tls_certificates_crypto::openssl::fips_backend().unwrap_or_else(|e| {
        panic!(
            "these tests need OpenSSL's FIPS provider ({e}); \
             run scripts/fips/fips-test.sh, which builds it and sets OPENSSL_CONF/OPENSSL_MODULES"
        )
    })
}

#[test]
fn given_the_environment_when_fips_mode_starts_then_the_outcome_is_the_expected_one() {
    let started = tls_certificates_crypto::openssl::fips_backend();
    match (expectation().as_deref(), started) {
        (Some("active") | None, Ok(backend)) => {
            assert_eq!(backend.fips_status(), FipsStatus::Active);
            assert_eq!(backend.name(), "openssl-fips");
        }
        (Some("missing"), Err(Error::BackendUnavailable { reason })) => {
            assert!(
                reason.contains("cannot load the openssl fips provider"),
                "{reason}"
            );
            // The failed start-up must not have broken OpenSSL for the plain backend.
            let plain = tls_certificates_crypto::openssl::backend();
            plain.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        }
        (Some("mixed"), Err(Error::BackendUnavailable { reason })) => {
            assert!(
                reason.contains("non-fips algorithms are still reachable"),
                "{reason}"
            );
        }
        (None, Err(Error::BackendUnavailable { reason })) => {
            eprintln!(
                "fips mode unavailable in this environment (typed error, as required): {reason}"
            );
        }
        (expected, outcome) => {
            panic!("expected fips start-up outcome {expected:?}, got {outcome:?}")
        }
    }
}

#[test]
fn given_fips_mode_when_started_twice_then_the_same_backend_is_returned() {
    let first = fips();
    let second = fips();
    assert!(std::ptr::addr_eq(first, second));
}

#[test]
fn given_an_rsa_1024_key_when_loaded_in_fips_mode_then_it_is_refused_as_not_approved() {
    let der = Zeroizing::new(hex::decode(RSA_1024_PKCS8_HEX).unwrap());
    let err = fips().load_pkcs8(der).unwrap_err();
    assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
    assert!(err.to_string().contains("rsa-1024"), "{err}");
}

#[test]
fn given_the_plain_backend_then_it_refuses_rsa_1024_too_but_as_unsupported() {
    let der = Zeroizing::new(hex::decode(RSA_1024_PKCS8_HEX).unwrap());
    let err = tls_certificates_crypto::openssl::backend()
        .load_pkcs8(der)
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedAlgorithm { .. }), "{err:?}");
}

#[test]
fn given_each_approved_algorithm_when_generated_signed_and_verified_in_fips_mode_then_it_works() {
    for algorithm in [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
    ] {
        let key = fips().generate_key(algorithm).unwrap();
        assert_eq!(key.key_type(), algorithm.key_type());
        let signer = fips().signer(&key).unwrap();
        let signature = signer.sign(MESSAGE).unwrap();
        fips()
            .verify(key.public_key(), signer.algorithm(), MESSAGE, &signature)
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        let refused = fips().verify(key.public_key(), signer.algorithm(), b"other", &signature);
        assert!(
            matches!(refused, Err(Error::SignatureInvalid)),
            "{algorithm}"
        );
    }
}

#[test]
fn given_ed25519_in_fips_mode_then_it_is_offered_only_if_the_module_approves_eddsa() {
    // OpenSSL's FIPS provider approves EdDSA (FIPS 186-5) from 3.5 on; the one the script builds
    // is the openssl-src version (3.6), so Ed25519 must work there, and be refused before 3.5.
    let approved = openssl::version::number() >= 0x3050_0000;
    match fips().generate_key(KeyAlgorithm::Ed25519) {
        Ok(key) => {
            assert!(
                approved,
                "ed25519 offered by a module that does not approve it"
            );
            assert_eq!(key.key_type(), KeyType::Ed25519);
            let signer = fips().signer(&key).unwrap();
            let signature = signer.sign(MESSAGE).unwrap();
            fips()
                .verify(key.public_key(), signer.algorithm(), MESSAGE, &signature)
                .unwrap();
        }
        Err(err) => {
            assert!(
                !approved,
                "ed25519 refused by a module that approves it: {err}"
            );
            assert!(matches!(err, Error::NotApproved { .. }), "{err:?}");
        }
    }
}

#[test]
fn given_fips_mode_then_randomness_and_digests_come_from_the_provider() {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    fips().fill_random(&mut a).unwrap();
    fips().fill_random(&mut b).unwrap();
    assert_ne!(a, b);
    let sha256 = fips().digest(DigestAlgorithm::Sha256, b"abc").unwrap();
    assert_eq!(
        hex::encode(sha256),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // SHA-1 stays available as a digest (key identifiers); it is never a signature algorithm.
    let sha1 = fips().digest(DigestAlgorithm::Sha1, b"abc").unwrap();
    assert_eq!(
        hex::encode(sha1),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}

#[test]
fn given_fips_mode_then_no_non_fips_algorithm_is_reachable_through_openssl() {
    fips();
    // MD5 is not in the FIPS provider: with only fips + base active it cannot be fetched.
    assert!(openssl::md::Md::fetch(None, "MD5", None).is_err());
    assert!(openssl::md::Md::fetch(None, "SHA2-256", Some("fips=yes")).is_ok());
}

#[test]
fn given_keys_from_the_plain_backend_when_used_in_fips_mode_then_they_sign_and_verify() {
    let plain = tls_certificates_crypto::openssl::backend();
    for algorithm in [KeyAlgorithm::Rsa2048, KeyAlgorithm::EcdsaP256] {
        let key = plain.generate_key(algorithm).unwrap();
        let signature = fips().signer(&key).unwrap().sign(MESSAGE).unwrap();
        let algorithm_used = plain.signer(&key).unwrap().algorithm();
        plain
            .verify(key.public_key(), algorithm_used, MESSAGE, &signature)
            .unwrap();
    }
}
