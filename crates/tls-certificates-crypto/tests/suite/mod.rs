//! The conformance suite, written once: every function takes the backend under test.
//!
//! `tests/conformance.rs` instantiates it for each compiled-in backend.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, CriticalExtension, CryptoBackend, Csr, Error,
    IssueProfile, KeyAlgorithm, KeyType, PrivateKey, Validity,
};
use x509_parser::prelude::{FromDer, X509Certificate};

pub(crate) const CN: &str = "2.5.4.3";
pub(crate) const UNIQUE_ID: &str = "2.5.4.45";

/// Every attribute the Python library knows, set.
pub(crate) fn rich_attributes() -> CertificateRequestAttributes {
    CertificateRequestAttributes::builder()
        .common_name("unit-0.Example.com")
        .san_dns("unit-0.example.com")
        .san_dns("*.Peer.example.com")
        .san_ip("192.0.2.10")
        .san_ip("2001:db8:0:0::10")
        .san_oid("1.3.6.1.4.1.32473.1.2")
        .email_address("tls@example.com")
        .organization("Example Org")
        .organizational_unit("Wire Compatibility")
        .country_name("GB")
        .state_or_province_name("England")
        .locality_name("London")
        .build()
        .unwrap()
}

pub(crate) fn simple_attributes(cn: &str) -> CertificateRequestAttributes {
    CertificateRequestAttributes::builder()
        .common_name(cn)
        .san_dns(cn)
        .build()
        .unwrap()
}

pub(crate) fn validity(days: i64) -> Validity {
    Validity::starting_at(OffsetDateTime::now_utc(), Duration::days(days))
}

pub(crate) const SIGNING_ALGORITHMS: [KeyAlgorithm; 4] = [
    KeyAlgorithm::Rsa2048,
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Ed25519,
];

/// A root CA with `algorithm` keys.
pub(crate) fn root_ca(
    backend: &dyn CryptoBackend,
    algorithm: KeyAlgorithm,
) -> (PrivateKey, Certificate) {
    let key = backend.generate_key(algorithm).unwrap();
    let attributes = CertificateRequestAttributes::builder()
        .common_name("Test Root CA")
        .organization("Example Org")
        .build()
        .unwrap();
    let ca = backend
        .create_self_signed_ca(&key, &attributes, validity(3650))
        .unwrap();
    (key, ca)
}

fn extension_flags(der: &[u8]) -> Vec<(String, bool)> {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.extensions()
        .iter()
        .map(|e| (e.oid.to_id_string(), e.critical))
        .collect()
}

fn parsed<T>(der: &[u8], f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    f(&cert)
}

pub(crate) fn given_each_algorithm_when_key_generated_then_export_reloads_the_same_key(
    backend: &dyn CryptoBackend,
) {
    for algorithm in KeyAlgorithm::ALL {
        let key = backend.generate_key(algorithm).unwrap();
        assert_eq!(key.key_type(), algorithm.key_type(), "{algorithm}");
        let pem = backend.export_private_key(&key).unwrap();
        let label = match algorithm.key_type() {
            KeyType::Rsa { .. } => "-----BEGIN RSA PRIVATE KEY-----\n",
            KeyType::EcdsaP256 | KeyType::EcdsaP384 => "-----BEGIN EC PRIVATE KEY-----\n",
            _ => "-----BEGIN PRIVATE KEY-----\n",
        };
        assert!(pem.expose_secret().starts_with(label), "{algorithm}");
        assert!(!pem.expose_secret().ends_with('\n'));
        let reloaded = backend.load_private_key(pem.expose_secret()).unwrap();
        assert_eq!(reloaded.public_key(), key.public_key(), "{algorithm}");
        assert_eq!(
            backend.export_private_key(&reloaded).unwrap(),
            pem,
            "{algorithm}: export is stable"
        );
        let debug = format!("{key:?} {pem:?}");
        assert!(debug.contains("redacted"));
        assert!(!debug.contains("BEGIN"));
    }
}

pub(crate) fn given_each_signing_key_when_message_signed_then_only_the_exact_message_verifies(
    backend: &dyn CryptoBackend,
) {
    for algorithm in SIGNING_ALGORITHMS {
        let key = backend.generate_key(algorithm).unwrap();
        let signer = backend.signer(&key).unwrap();
        let signature = signer.sign(b"message").unwrap();
        backend
            .verify(key.public_key(), signer.algorithm(), b"message", &signature)
            .unwrap();
        assert!(matches!(
            backend.verify(key.public_key(), signer.algorithm(), b"massage", &signature),
            Err(Error::SignatureInvalid)
        ));
        // A signer's Debug never shows key material.
        let debug = format!("{signer:?}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}

pub(crate) fn given_known_input_when_digested_then_standard_vectors(backend: &dyn CryptoBackend) {
    assert_eq!(
        backend.sha256_hex(b"abc").unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex::encode(
            backend
                .digest(tls_certificates_crypto::DigestAlgorithm::Sha1, b"abc")
                .unwrap()
        ),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    backend.fill_random(&mut a).unwrap();
    backend.fill_random(&mut b).unwrap();
    assert_ne!(a, b);
}

pub(crate) fn given_all_attributes_when_csr_created_then_a_peer_reads_the_same_attributes(
    backend: &dyn CryptoBackend,
) {
    let attributes = rich_attributes();
    for algorithm in SIGNING_ALGORITHMS {
        let key = backend.generate_key(algorithm).unwrap();
        let csr = backend.create_csr(&key, &attributes).unwrap();
        assert_eq!(csr.attributes(), &attributes, "{algorithm}");
        assert!(csr.matches_key(&key));
        let reparsed = backend.parse_csr(csr.pem().as_str()).unwrap();
        assert_eq!(reparsed.attributes(), &attributes);
        assert_eq!(reparsed.der(), csr.der());
        assert_eq!(reparsed.pem(), csr.pem());

        let oids: Vec<&str> = csr
            .subject()
            .attributes()
            .iter()
            .map(|a| a.oid.as_str())
            .collect();
        assert_eq!(
            oids,
            [
                CN,
                UNIQUE_ID,
                "2.5.4.10",
                "2.5.4.11",
                "1.2.840.113549.1.9.1",
                "2.5.4.6",
                "2.5.4.8",
                "2.5.4.7"
            ]
        );
        let uid = csr.unique_identifier().unwrap();
        assert_eq!(uid.len(), 36);
        assert_eq!(uid.as_bytes()[14], b'4', "UUID version 4: {uid}");
        assert!(matches!(uid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        // The common name keeps its case; DNS names are lower-cased.
        assert_eq!(csr.subject().value(CN), Some("unit-0.Example.com"));
        assert!(csr.attributes().sans_dns().contains("*.peer.example.com"));
        assert!(
            csr.attributes()
                .sans_ip()
                .contains(&"2001:db8::10".parse::<IpAddr>().unwrap())
        );
    }
}

pub(crate) fn given_no_unique_id_when_csr_created_then_subject_has_none_and_csrs_are_deterministic_for_rsa(
    backend: &dyn CryptoBackend,
) {
    let key = backend.generate_key(KeyAlgorithm::Rsa2048).unwrap();
    let attributes = CertificateRequestAttributes::builder()
        .common_name("a.example.com")
        .add_unique_id_to_subject_name(false)
        .build()
        .unwrap();
    let first = backend.create_csr(&key, &attributes).unwrap();
    let second = backend.create_csr(&key, &attributes).unwrap();
    assert_eq!(first.unique_identifier(), None);
    assert_eq!(first.attributes(), &attributes);
    assert_eq!(
        first.pem(),
        second.pem(),
        "RSA PKCS#1 v1.5 is deterministic"
    );

    let with_id = simple_attributes("a.example.com");
    let a = backend.create_csr(&key, &with_id).unwrap();
    let b = backend.create_csr(&key, &with_id).unwrap();
    assert_ne!(a.pem(), b.pem(), "a fresh unique id makes every CSR new");
    assert_eq!(a.attributes(), b.attributes());
}

pub(crate) fn given_critical_extension_when_csr_created_then_it_reads_back(
    backend: &dyn CryptoBackend,
) {
    let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    // A private-arc extension whose value is a DER NULL.
    let extension = CriticalExtension::new("1.3.6.1.4.1.32473.99", vec![0x05, 0x00]).unwrap();
    let attributes = CertificateRequestAttributes::builder()
        .common_name("ext.example.com")
        .additional_critical_extension(extension.clone())
        .build()
        .unwrap();
    let csr = backend.create_csr(&key, &attributes).unwrap();
    assert_eq!(
        csr.attributes().additional_critical_extensions(),
        &[extension]
    );

    let san_clash = CertificateRequestAttributes::builder()
        .common_name("x")
        .additional_critical_extension(CriticalExtension::new("2.5.29.17", vec![0x30, 0]).unwrap())
        .build()
        .unwrap();
    assert!(matches!(
        backend.create_csr(&key, &san_clash),
        Err(Error::InvalidAttribute { .. })
    ));
}

pub(crate) fn given_reformatted_pem_when_parsed_then_same_csr(backend: &dyn CryptoBackend) {
    let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = backend
        .create_csr(&key, &simple_attributes("fmt.example.com"))
        .unwrap();
    let body: String = csr
        .pem()
        .as_str()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let wrapped76: Vec<String> = body
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let wrapped = |width: usize, separator: &str| {
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(width)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----",
            lines.join(separator)
        )
    };
    // Parsed as they are, each of these is one strict block but not the canonical text.
    assert_eq!(wrapped(64, "\n"), csr.pem().as_str());
    let variants = [
        wrapped(76, "\n"),
        wrapped(4, "\n"),
        wrapped(64, "\n\n"),
        wrapped(64, "\r\n"),
        wrapped(63, "\n"),
        format!("{}\n", csr.pem()),
        format!("{}\n\n\n", csr.pem()),
        csr.pem().as_str().replace('\n', "\r\n"),
        format!(
            "Certificate request:\n  subject: whatever\n-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            wrapped76.join("\n")
        ),
    ];
    for variant in variants {
        let parsed = backend.parse_csr(&variant).unwrap();
        assert_eq!(
            parsed.pem(),
            csr.pem(),
            "canonical re-encoding of {variant:?}"
        );
    }
}

/// Root CA + leaf for every pair of key types; checks the whole profile.
pub(crate) fn given_ca_of_each_key_type_when_leaf_issued_then_profile_and_chain_hold(
    backend: &dyn CryptoBackend,
) {
    let attributes = rich_attributes();
    for ca_algorithm in SIGNING_ALGORITHMS {
        let (ca_key, ca_cert) = root_ca(backend, ca_algorithm);
        assert!(ca_cert.is_ca());
        assert_eq!(ca_cert.issuer(), ca_cert.subject());
        assert_eq!(
            ca_cert.subject_key_identifier(),
            Some(
                backend
                    .digest(
                        tls_certificates_crypto::DigestAlgorithm::Sha1,
                        &subject_public_key_bits(ca_cert.der())
                    )
                    .unwrap()
                    .as_slice()
            )
        );
        assert!(ca_cert.subject().value(UNIQUE_ID).is_some());
        backend.verify_issued_by(&ca_cert, &ca_cert).unwrap();
        let flags = extension_flags(ca_cert.der());
        assert!(flags.contains(&("2.5.29.19".into(), true)));
        assert!(flags.contains(&("2.5.29.15".into(), true)));
        parsed(ca_cert.der(), |c| {
            let ku = c.key_usage().unwrap().unwrap().value;
            assert!(ku.key_cert_sign() && ku.crl_sign() && ku.digital_signature());
        });

        let authority = backend.load_authority(&ca_key, ca_cert.clone()).unwrap();
        for leaf_algorithm in SIGNING_ALGORITHMS {
            let leaf_key = backend.generate_key(leaf_algorithm).unwrap();
            let csr = backend.create_csr(&leaf_key, &attributes).unwrap();
            let before = OffsetDateTime::now_utc();
            let leaf = authority
                .issue(&csr, &IssueProfile::leaf(validity(365)))
                .unwrap();
            check_leaf(backend, &leaf, &csr, &ca_cert, &leaf_key, before);
        }
    }
}

fn subject_public_key_bits(der: &[u8]) -> Vec<u8> {
    parsed(der, |c| c.public_key().subject_public_key.data.to_vec())
}

pub(crate) fn check_leaf(
    backend: &dyn CryptoBackend,
    leaf: &Certificate,
    csr: &Csr,
    ca: &Certificate,
    leaf_key: &PrivateKey,
    issued_after: OffsetDateTime,
) {
    assert_eq!(leaf.issuer(), ca.subject(), "issuer = CA subject");
    assert_eq!(leaf.subject(), csr.subject(), "subject = CSR subject");
    assert!(!leaf.is_ca());
    assert!(leaf.matches_key(leaf_key));
    assert!(csr.matches_certificate(leaf));
    assert_eq!(leaf.common_name(), csr.subject().value(CN));
    let attributes = csr.attributes();
    assert_eq!(
        leaf.sans_dns(),
        attributes
            .sans_dns()
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .as_slice()
    );
    assert_eq!(
        leaf.sans_ip(),
        attributes
            .sans_ip()
            .iter()
            .copied()
            .collect::<Vec<_>>()
            .as_slice()
    );
    assert_eq!(
        leaf.sans_oid(),
        attributes
            .sans_oid()
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .as_slice()
    );
    assert_eq!(
        leaf.sans_email(),
        attributes.email_address().map(str::to_owned).as_slice()
    );
    assert_eq!(
        leaf.authority_key_identifier(),
        ca.subject_key_identifier(),
        "AKI = CA SKI"
    );
    assert_eq!(leaf.subject_key_identifier().map(<[u8]>::len), Some(20));
    assert!(leaf.serial().len() <= 20 && !leaf.serial().is_empty());
    if leaf.serial().len() == 20 {
        assert!(leaf.serial()[0] < 0x80, "159-bit positive serial");
    }
    assert!(leaf.not_before() < issued_after, "back-dated not_before");
    assert!(leaf.not_after() > issued_after + Duration::days(364));
    backend.verify_issued_by(leaf, ca).unwrap();
    backend
        .check_chain_order(&[leaf.clone(), ca.clone()])
        .unwrap();
    assert!(matches!(
        backend.check_chain_order(&[ca.clone(), leaf.clone()]),
        Err(Error::ChainOutOfOrder { index: 0, next: 1 })
    ));
    let flags = extension_flags(leaf.der());
    assert!(flags.contains(&("2.5.29.19".into(), true)), "{flags:?}");
    assert!(flags.contains(&("2.5.29.15".into(), true)), "{flags:?}");
    assert!(flags.contains(&("2.5.29.37".into(), false)), "{flags:?}");
    assert!(flags.contains(&("2.5.29.17".into(), false)), "{flags:?}");
    parsed(leaf.der(), |c| {
        let ku = c.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature());
        assert_eq!(
            ku.key_encipherment(),
            matches!(leaf_key.key_type(), KeyType::Rsa { .. })
        );
        assert!(!ku.key_cert_sign());
        let eku = c.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.server_auth && eku.client_auth);
        assert_eq!(c.version(), x509_parser::x509::X509Version::V3);
    });
    let reparsed = backend.parse_certificate(leaf.pem().as_str()).unwrap();
    assert_eq!(reparsed.der(), leaf.der());
    assert_eq!(reparsed.pem(), leaf.pem());
}

pub(crate) fn given_root_when_intermediate_issued_then_three_level_chain_validates(
    backend: &dyn CryptoBackend,
) {
    let (root_key, root) = root_ca(backend, KeyAlgorithm::Rsa2048);
    let root_authority = backend.load_authority(&root_key, root.clone()).unwrap();

    let intermediate_key = backend.generate_key(KeyAlgorithm::EcdsaP384).unwrap();
    let intermediate_attributes = CertificateRequestAttributes::builder()
        .common_name("Test Intermediate CA")
        .is_ca(true)
        .build()
        .unwrap();
    let intermediate_csr = backend
        .create_csr(&intermediate_key, &intermediate_attributes)
        .unwrap();
    let intermediate = root_authority
        .issue(&intermediate_csr, &IssueProfile::ca(validity(1825)))
        .unwrap();
    assert!(intermediate.is_ca());
    // An issued CA may sign leaves only; the self-signed root is not constrained.
    assert_eq!(intermediate.path_length_constraint(), Some(0));
    assert_eq!(root.path_length_constraint(), None);
    parsed(intermediate.der(), |c| {
        let bc = c.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca);
        assert_eq!(bc.value.path_len_constraint, Some(0));
        let ku = c.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign());
        assert!(c.extended_key_usage().unwrap().is_none());
    });

    let intermediate_authority = backend
        .load_authority(&intermediate_key, intermediate.clone())
        .unwrap();
    let leaf_key = backend.generate_key(KeyAlgorithm::Rsa2048).unwrap();
    let leaf_csr = backend
        .create_csr(&leaf_key, &simple_attributes("leaf.example.com"))
        .unwrap();
    let before = OffsetDateTime::now_utc();
    let leaf = intermediate_authority
        .issue(&leaf_csr, &IssueProfile::leaf(validity(365)))
        .unwrap();
    check_leaf(backend, &leaf, &leaf_csr, &intermediate, &leaf_key, before);
    assert_eq!(leaf.issuer(), intermediate.subject());
    assert_ne!(leaf.issuer(), root.subject());
    backend
        .check_chain_order(&[leaf.clone(), intermediate.clone(), root.clone()])
        .unwrap();
    assert!(matches!(
        backend.check_chain_order(&[leaf.clone(), root.clone(), intermediate]),
        Err(Error::ChainOutOfOrder { index: 0, next: 1 })
    ));
    assert!(matches!(
        backend.verify_issued_by(&leaf, &root),
        Err(Error::IssuerMismatch)
    ));
}

pub(crate) fn given_wrong_key_or_leaf_when_loading_authority_then_refused(
    backend: &dyn CryptoBackend,
) {
    let (ca_key, ca) = root_ca(backend, KeyAlgorithm::EcdsaP256);
    let other = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    assert!(matches!(
        backend.load_authority(&other, ca.clone()),
        Err(Error::KeyMismatch { .. })
    ));
    let authority = backend.load_authority(&ca_key, ca).unwrap();
    let csr = backend
        .create_csr(&other, &simple_attributes("leaf.example.com"))
        .unwrap();
    let leaf = authority
        .issue(&csr, &IssueProfile::leaf(validity(30)))
        .unwrap();
    assert!(matches!(
        backend.load_authority(&other, leaf),
        Err(Error::NotCertificateAuthority)
    ));
}

/// An RSA key whose parts do not belong together is refused when loaded, never used to sign:
/// the modulus of another key, or a corrupted CRT coefficient (which a sign-and-verify test
/// would not see: OpenSSL checks each CRT result and falls back to d when it is wrong).
pub(crate) fn given_an_rsa_key_whose_parts_do_not_belong_together_when_loaded_then_refused(
    backend: &dyn CryptoBackend,
) {
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::STANDARD;
    let pkcs1 = |key: &PrivateKey| -> Vec<u8> {
        let pem = backend.export_private_key(key).unwrap();
        let body: String = (pem.expose_secret().lines())
            .filter(|line| !line.starts_with("-----"))
            .collect();
        base64.decode(body).unwrap()
    };
    let pem = |der: &[u8]| pem_of("RSA PRIVATE KEY", der);
    let a = pkcs1(&backend.generate_key(KeyAlgorithm::Rsa2048).unwrap());
    let b = pkcs1(&backend.generate_key(KeyAlgorithm::Rsa2048).unwrap());
    backend.load_private_key(&pem(&a)).unwrap();

    // RSAPrivateKey ::= SEQUENCE { 0, n, e, d, p, q, dP, dQ, qInv }: after the 4-byte
    // SEQUENCE header and the 3-byte version, n is an INTEGER of 257 bytes (a leading zero).
    const N_HEADER: [u8; 4] = [0x02, 0x82, 0x01, 0x01];
    assert_eq!(a[7..11], N_HEADER, "test assumes n right after the version");
    assert_eq!(b[7..11], N_HEADER, "test assumes n right after the version");
    let mut other_modulus = a.clone();
    other_modulus[11..268].copy_from_slice(&b[11..268]);
    let mut corrupted_coefficient = a;
    *corrupted_coefficient.last_mut().unwrap() ^= 0x01;

    for (what, der) in [
        ("another key's modulus", other_modulus),
        ("a corrupted CRT coefficient", corrupted_coefficient),
    ] {
        let err = backend.load_private_key(&pem(&der)).unwrap_err();
        assert!(matches!(err, Error::MalformedKey { .. }), "{what}: {err:?}");
    }
}

pub(crate) fn given_same_csr_issued_twice_then_serials_differ(backend: &dyn CryptoBackend) {
    let (ca_key, ca) = root_ca(backend, KeyAlgorithm::Ed25519);
    let authority = backend.load_authority(&ca_key, ca).unwrap();
    let key = backend.generate_key(KeyAlgorithm::Ed25519).unwrap();
    let csr = backend
        .create_csr(&key, &simple_attributes("twice.example.com"))
        .unwrap();
    let profile = IssueProfile::leaf(validity(30));
    let a = authority.issue(&csr, &profile).unwrap();
    let b = authority.issue(&csr, &profile).unwrap();
    assert_ne!(a.serial(), b.serial());
    assert_eq!(a.subject_key_identifier(), b.subject_key_identifier());
}

pub(crate) fn given_empty_validity_when_issuing_then_refused(backend: &dyn CryptoBackend) {
    let (ca_key, ca) = root_ca(backend, KeyAlgorithm::EcdsaP256);
    let now = OffsetDateTime::now_utc();
    let bad = Validity {
        not_before: now,
        not_after: now,
    };
    assert!(matches!(
        backend.create_self_signed_ca(&ca_key, &simple_attributes("x"), bad),
        Err(Error::Encoding { .. })
    ));
    let authority = backend.load_authority(&ca_key, ca).unwrap();
    let csr = backend
        .create_csr(&ca_key, &simple_attributes("y"))
        .unwrap();
    assert!(authority.issue(&csr, &IssueProfile::leaf(bad)).is_err());
}

pub(crate) fn given_corrupted_csr_signature_when_parsed_then_rejected(backend: &dyn CryptoBackend) {
    for algorithm in SIGNING_ALGORITHMS {
        let key = backend.generate_key(algorithm).unwrap();
        let csr = backend
            .create_csr(&key, &simple_attributes("tamper.example.com"))
            .unwrap();
        let mut der = csr.der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        let err = backend.parse_csr_der(&der).unwrap_err();
        assert!(matches!(err, Error::SignatureInvalid), "{algorithm}: {err}");

        // Tamper with the signed content instead: the common name's first letter.
        let mut der = csr.der().to_vec();
        let pos = der
            .windows(6)
            .position(|w| w == b"tamper")
            .expect("common name in DER");
        der[pos] = b'T';
        let err = backend.parse_csr_der(&der).unwrap_err();
        assert!(matches!(err, Error::SignatureInvalid), "{algorithm}: {err}");
    }
}

/// Our own CSR read back (`parse_own_csr`) parses to what `parse_csr` reads, is refused for
/// another key, and is not refused for its self-signature: only a peer's CSR needs that proof.
pub(crate) fn given_our_own_csr_when_parsed_with_its_key_then_read_without_signature_check(
    backend: &dyn CryptoBackend,
) {
    let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let other = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = backend.create_csr(&key, &rich_attributes()).unwrap();
    let pem = csr.pem().as_str();

    let own = backend.parse_own_csr(pem, &key).unwrap();
    let peer = backend.parse_csr(pem).unwrap();
    assert_eq!(own.der(), peer.der());
    assert_eq!(own.attributes(), peer.attributes());
    assert_eq!(own.public_key(), key.public_key());

    let err = backend.parse_own_csr(pem, &other).unwrap_err();
    assert!(matches!(err, Error::KeyMismatch { .. }), "{err:?}");

    let mut der = csr.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = backend.parse_csr_der(&der).unwrap_err();
    assert!(matches!(tampered, Error::SignatureInvalid), "{tampered:?}");
    let reencoded = backend.parse_own_csr(&pem_of("CERTIFICATE REQUEST", &der), &key);
    assert!(reencoded.is_ok(), "{reencoded:?}");
}

/// `der` as PEM with the given label (64-character lines).
fn pem_of(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = (0..body.len())
        .step_by(64)
        .map(|i| &body[i..(i + 64).min(body.len())])
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub(crate) fn given_tampered_certificate_when_verified_then_rejected(backend: &dyn CryptoBackend) {
    let (ca_key, ca) = root_ca(backend, KeyAlgorithm::Rsa2048);
    let authority = backend.load_authority(&ca_key, ca.clone()).unwrap();
    let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = backend
        .create_csr(&key, &simple_attributes("cert.example.com"))
        .unwrap();
    let leaf = authority
        .issue(&csr, &IssueProfile::leaf(validity(30)))
        .unwrap();
    let mut der = leaf.der().to_vec();
    let pos = der.windows(4).position(|w| w == b"cert").unwrap();
    der[pos] = b'C';
    let tampered = backend.parse_certificate_der(&der).unwrap();
    assert!(matches!(
        backend.verify_issued_by(&tampered, &ca),
        Err(Error::SignatureInvalid)
    ));
}

pub(crate) fn given_validity_past_2049_when_ca_created_then_dates_round_trip(
    backend: &dyn CryptoBackend,
) {
    let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let not_before = time::macros::datetime!(2048-06-01 12:00:00 UTC);
    let not_after = time::macros::datetime!(2080-06-01 12:00:00 UTC);
    let ca = backend
        .create_self_signed_ca(
            &key,
            &simple_attributes("long.example.com"),
            Validity {
                not_before,
                not_after,
            },
        )
        .unwrap();
    assert_eq!(ca.not_before(), not_before);
    assert_eq!(ca.not_after(), not_after);
}

/// Instantiates the suite for a backend expression.
#[macro_export]
macro_rules! conformance_suite {
    ($backend:expr) => {
        use $crate::suite;

        #[test]
        fn given_each_algorithm_when_key_generated_then_export_reloads_the_same_key() {
            suite::given_each_algorithm_when_key_generated_then_export_reloads_the_same_key($backend);
        }
        #[test]
        fn given_each_signing_key_when_message_signed_then_only_the_exact_message_verifies() {
            suite::given_each_signing_key_when_message_signed_then_only_the_exact_message_verifies($backend);
        }
        #[test]
        fn given_known_input_when_digested_then_standard_vectors() {
            suite::given_known_input_when_digested_then_standard_vectors($backend);
        }
        #[test]
        fn given_all_attributes_when_csr_created_then_a_peer_reads_the_same_attributes() {
            suite::given_all_attributes_when_csr_created_then_a_peer_reads_the_same_attributes($backend);
        }
        #[test]
        fn given_no_unique_id_when_csr_created_then_subject_has_none_and_csrs_are_deterministic_for_rsa() {
            suite::given_no_unique_id_when_csr_created_then_subject_has_none_and_csrs_are_deterministic_for_rsa($backend);
        }
        #[test]
        fn given_critical_extension_when_csr_created_then_it_reads_back() {
            suite::given_critical_extension_when_csr_created_then_it_reads_back($backend);
        }
        #[test]
        fn given_reformatted_pem_when_parsed_then_same_csr() {
            suite::given_reformatted_pem_when_parsed_then_same_csr($backend);
        }
        #[test]
        fn given_ca_of_each_key_type_when_leaf_issued_then_profile_and_chain_hold() {
            suite::given_ca_of_each_key_type_when_leaf_issued_then_profile_and_chain_hold($backend);
        }
        #[test]
        fn given_root_when_intermediate_issued_then_three_level_chain_validates() {
            suite::given_root_when_intermediate_issued_then_three_level_chain_validates($backend);
        }
        #[test]
        fn given_wrong_key_or_leaf_when_loading_authority_then_refused() {
            suite::given_wrong_key_or_leaf_when_loading_authority_then_refused($backend);
        }
        #[test]
        fn given_an_rsa_key_whose_parts_do_not_belong_together_when_loaded_then_refused() {
            suite::given_an_rsa_key_whose_parts_do_not_belong_together_when_loaded_then_refused($backend);
        }
        #[test]
        fn given_same_csr_issued_twice_then_serials_differ() {
            suite::given_same_csr_issued_twice_then_serials_differ($backend);
        }
        #[test]
        fn given_empty_validity_when_issuing_then_refused() {
            suite::given_empty_validity_when_issuing_then_refused($backend);
        }
        #[test]
        fn given_corrupted_csr_signature_when_parsed_then_rejected() {
            suite::given_corrupted_csr_signature_when_parsed_then_rejected($backend);
        }
        #[test]
        fn given_validity_past_2049_when_ca_created_then_dates_round_trip() {
            suite::given_validity_past_2049_when_ca_created_then_dates_round_trip($backend);
        }
        #[test]
        fn given_our_own_csr_when_parsed_with_its_key_then_read_without_signature_check() {
            suite::given_our_own_csr_when_parsed_with_its_key_then_read_without_signature_check($backend);
        }
        #[test]
        fn given_tampered_certificate_when_verified_then_rejected() {
            suite::given_tampered_certificate_when_verified_then_rejected($backend);
        }
    };
}
