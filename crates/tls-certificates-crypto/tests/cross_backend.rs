//! Cross-backend: everything one backend produces (keys, signatures, CSRs, CAs, certificates,
//! chains) is parsed and signature-verified by the other, with identical parsed attributes.
#![cfg(all(feature = "ring", feature = "openssl"))]

#[macro_use]
#[allow(
    unused_macros,
    reason = "the conformance macro is instantiated in conformance.rs"
)]
mod suite;

use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, CryptoBackend, IssueProfile, KeyAlgorithm,
};

use suite::{SIGNING_ALGORITHMS, rich_attributes, root_ca, simple_attributes, validity};

fn pairs() -> [(&'static dyn CryptoBackend, &'static dyn CryptoBackend); 2] {
    let ring = tls_certificates_crypto::ring::backend();
    let openssl = tls_certificates_crypto::openssl::backend();
    [(ring, openssl), (openssl, ring)]
}

/// Everything a [`Certificate`] reports, for equality across backends.
fn fields(c: &Certificate) -> impl PartialEq + std::fmt::Debug {
    (
        c.pem().clone(),
        c.subject().clone(),
        c.issuer().clone(),
        c.sans_dns().to_vec(),
        c.sans_ip().to_vec(),
        c.sans_oid().to_vec(),
        c.sans_email().to_vec(),
        (
            c.not_before(),
            c.not_after(),
            c.is_ca(),
            c.serial().to_vec(),
        ),
        c.public_key().clone(),
        c.subject_key_identifier().map(<[u8]>::to_vec),
        c.authority_key_identifier().map(<[u8]>::to_vec),
    )
}

#[test]
fn given_keys_from_one_backend_when_loaded_by_the_other_then_same_key_and_same_pem() {
    for (maker, reader) in pairs() {
        for algorithm in KeyAlgorithm::ALL {
            let key = maker.generate_key(algorithm).unwrap();
            let pem = maker.export_private_key(&key).unwrap();
            let loaded = reader.load_private_key(pem.expose_secret()).unwrap();
            assert_eq!(loaded.public_key(), key.public_key(), "{algorithm}");
            assert_eq!(
                loaded.public_key().spki_der(),
                key.public_key().spki_der(),
                "{algorithm}: same SPKI DER"
            );
            assert_eq!(
                reader.export_private_key(&loaded).unwrap(),
                pem,
                "{algorithm}"
            );

            if algorithm != KeyAlgorithm::Rsa3072 && algorithm != KeyAlgorithm::Rsa4096 {
                let signer = maker.signer(&key).unwrap();
                let signature = signer.sign(b"cross").unwrap();
                reader
                    .verify(key.public_key(), signer.algorithm(), b"cross", &signature)
                    .unwrap();
                let their_signer = reader.signer(&loaded).unwrap();
                assert_eq!(their_signer.algorithm(), signer.algorithm());
            }
        }
    }
}

#[test]
fn given_csrs_from_one_backend_when_parsed_by_the_other_then_identical_attributes() {
    let attributes = rich_attributes();
    for (maker, reader) in pairs() {
        for algorithm in SIGNING_ALGORITHMS {
            let key = maker.generate_key(algorithm).unwrap();
            let csr = maker.create_csr(&key, &attributes).unwrap();
            let parsed = reader.parse_csr(csr.pem().as_str()).unwrap();
            assert_eq!(parsed.attributes(), csr.attributes(), "{algorithm}");
            assert_eq!(parsed.attributes(), &attributes);
            assert_eq!(parsed.pem(), csr.pem());
            assert_eq!(parsed.subject(), csr.subject());
            assert_eq!(parsed.public_key(), csr.public_key());
            assert!(parsed.matches_key(&key));
        }
    }
}

#[test]
fn given_chains_from_one_backend_when_checked_by_the_other_then_valid_and_identical() {
    for (maker, reader) in pairs() {
        for ca_algorithm in SIGNING_ALGORITHMS {
            let (root_key, root) = root_ca(maker, ca_algorithm);
            let root_authority = maker.load_authority(&root_key, root.clone()).unwrap();

            // The intermediate's key and CSR come from the *other* backend.
            let intermediate_key = reader.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
            let intermediate_csr = reader
                .create_csr(
                    &intermediate_key,
                    &CertificateRequestAttributes::builder()
                        .common_name("Cross Intermediate")
                        .build()
                        .unwrap(),
                )
                .unwrap();
            let csr_as_maker_sees_it = maker.parse_csr(intermediate_csr.pem().as_str()).unwrap();
            let intermediate = root_authority
                .issue(&csr_as_maker_sees_it, &IssueProfile::ca(validity(365)))
                .unwrap();
            let intermediate_authority = maker
                .load_authority(&intermediate_key, intermediate.clone())
                .unwrap();
            let leaf_key = maker.generate_key(KeyAlgorithm::Rsa2048).unwrap();
            let leaf_csr = maker
                .create_csr(&leaf_key, &simple_attributes("cross.example.com"))
                .unwrap();
            let leaf = intermediate_authority
                .issue(&leaf_csr, &IssueProfile::leaf(validity(30)))
                .unwrap();

            let pem = format!("{}\n{}\n{}", leaf.pem(), intermediate.pem(), root.pem());
            let chain = reader.parse_certificates(&pem).unwrap();
            reader.check_chain_order(&chain).unwrap();
            for (ours, theirs) in [&leaf, &intermediate, &root].into_iter().zip(&chain) {
                assert_eq!(fields(ours), fields(theirs), "{ca_algorithm}");
            }
            // And the reader can carry on issuing with the maker's CA.
            let reader_authority = reader.load_authority(&root_key, chain[2].clone()).unwrap();
            let again = reader_authority
                .issue(&intermediate_csr, &IssueProfile::ca(validity(30)))
                .unwrap();
            maker
                .check_chain_order(&[maker.parse_certificate(again.pem().as_str()).unwrap(), root])
                .unwrap();
        }
    }
}
