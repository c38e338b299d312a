//! What a requirer can put in a CSR, and what the provider's crypto does with it: the subject
//! policy (crate docs, "Subject policy"), weak keys and digests, and CSR extensions that never
//! reach a certificate. Every CSR here is correctly self-signed, so a refusal is the policy's,
//! not the signature's. Run against every compiled-in backend.

use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{
    CertificateRequestAttributes, CryptoBackend, Error, IssueProfile, KeyAlgorithm, PrivateKey,
    Validity, pem_from_der,
};
use x509_parser::prelude::{FromDer, X509Certificate};

fn backends() -> Vec<&'static dyn CryptoBackend> {
    vec![
        #[cfg(feature = "ring")]
        tls_certificates_crypto::ring::backend(),
        #[cfg(feature = "openssl")]
        tls_certificates_crypto::openssl::backend(),
    ]
}

// ---- a few lines of DER, enough to write any subject a hostile peer might ----

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const UTF8: u8 = 0x0c;
const PRINTABLE: u8 = 0x13;
const IA5: u8 = 0x16;
const BMP: u8 = 0x1e;
const UNIVERSAL: u8 = 0x1c;
const BIT_STRING: u8 = 0x03;
const T61: u8 = 0x14;

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut content = vec![u8::try_from(arcs[0] * 40 + arcs[1]).unwrap()];
    for &arc in &arcs[2..] {
        let mut groups = vec![u8::try_from(arc & 0x7f).unwrap()];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | u8::try_from(rest & 0x7f).unwrap());
            rest >>= 7;
        }
        content.extend(groups.into_iter().rev());
    }
    tlv(0x06, &content)
}

/// One attribute: (OID, string tag, value bytes).
type Attribute<'a> = (&'a str, u8, Vec<u8>);

/// A Name whose RDNs are the given groups of attributes (one attribute per RDN normally).
fn name(rdns: &[Vec<Attribute<'_>>]) -> Vec<u8> {
    let mut content = Vec::new();
    for rdn in rdns {
        let mut set = Vec::new();
        for (type_oid, tag, value) in rdn {
            set.extend(tlv(SEQUENCE, &[oid(type_oid), tlv(*tag, value)].concat()));
        }
        content.extend(tlv(SET, &set));
    }
    tlv(SEQUENCE, &content)
}

fn single(rdns: &[Attribute<'_>]) -> Vec<u8> {
    name(&rdns.iter().map(|a| vec![a.clone()]).collect::<Vec<_>>())
}

fn utf8<'a>(type_oid: &'a str, value: &str) -> Attribute<'a> {
    (type_oid, UTF8, value.as_bytes().to_vec())
}

fn bmp<'a>(type_oid: &'a str, value: &str) -> Attribute<'a> {
    (
        type_oid,
        BMP,
        value.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    )
}

const CN: &str = "2.5.4.3";
const O: &str = "2.5.4.10";
const OU: &str = "2.5.4.11";
const L: &str = "2.5.4.7";
const ST: &str = "2.5.4.8";
const EMAIL: &str = "1.2.840.113549.1.9.1";
const UNIQUE_ID: &str = "2.5.4.45";
const DC: &str = "0.9.2342.19200300.100.1.25";

/// A CSR for `subject`, correctly self-signed with a P-256 key.
fn csr(backend: &dyn CryptoBackend, key: &PrivateKey, subject: &[u8]) -> String {
    let info = tlv(
        SEQUENCE,
        &[
            tlv(0x02, &[0]),
            subject.to_vec(),
            key.public_key().spki_der().to_vec(),
            tlv(0xa0, &[]),
        ]
        .concat(),
    );
    let signature = backend.signer(key).unwrap().sign(&info).unwrap();
    let algorithm = tlv(SEQUENCE, &oid("1.2.840.10045.4.3.2"));
    let mut bits = vec![0];
    bits.extend(signature);
    let der = tlv(
        SEQUENCE,
        &[info, algorithm, tlv(BIT_STRING, &bits)].concat(),
    );
    pem_from_der("CERTIFICATE REQUEST", &der)
}

fn refusal(backend: &dyn CryptoBackend, key: &PrivateKey, subject: &[u8]) -> String {
    match backend.parse_csr(&csr(backend, key, subject)) {
        Err(e @ Error::InvalidAttribute { .. }) => e.to_string(),
        other => panic!(
            "{}: expected a subject refusal, got {other:?}",
            backend.name()
        ),
    }
}

fn each_backend(test: impl Fn(&dyn CryptoBackend, &PrivateKey)) {
    for backend in backends() {
        let key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        test(backend, &key);
    }
}

#[test]
fn requirer_repeating_the_common_name_with_a_newline_and_nul_is_refused() {
    each_backend(|backend, key| {
        let subject = single(&[
            utf8(CN, "good.example.com"),
            utf8(CN, "evil.example.com\n\u{0}admin"),
        ]);
        let message = refusal(backend, key, &subject);
        assert!(
            message.contains("common_name appears more than once"),
            "{message}"
        );
        // The second value alone is refused for its control characters.
        let subject = single(&[utf8(CN, "evil.example.com\n\u{0}admin")]);
        assert!(refusal(backend, key, &subject).contains("control characters"));
    });
}

#[test]
fn requirer_putting_characters_outside_the_printable_set_in_a_printable_string_is_refused() {
    each_backend(|backend, key| {
        for value in ["*.example.com", "admin@example.com", "a;b", "a\"b"] {
            let subject = single(&[(CN, PRINTABLE, value.as_bytes().to_vec())]);
            let message = refusal(backend, key, &subject);
            assert!(message.contains("that decodes"), "{value}: {message}");
        }
        // Every character of the set is read.
        let value = "Az09 '()+,-./:=?";
        let subject = single(&[(CN, PRINTABLE, value.as_bytes().to_vec())]);
        let parsed = backend.parse_csr(&csr(backend, key, &subject)).unwrap();
        assert_eq!(parsed.attributes().common_name(), Some(value));
    });
}

#[test]
fn requirer_adding_an_unknown_attribute_is_refused() {
    each_backend(|backend, key| {
        let subject = single(&[utf8(CN, "host.example.com"), utf8(DC, "example")]);
        let message = refusal(backend, key, &subject);
        assert!(
            message.contains("unknown attribute type 0.9.2342.19200300.100.1.25"),
            "{message}"
        );
    });
}

#[test]
fn requirer_hiding_a_nul_in_a_bmp_or_universal_string_is_refused() {
    each_backend(|backend, key| {
        let subject = single(&[bmp(CN, "host.example.com\u{0}.evil.com")]);
        assert!(refusal(backend, key, &subject).contains("control characters"));
        let ucs4: Vec<u8> = "a\u{0}b"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        let subject = single(&[(CN, UNIVERSAL, ucs4)]);
        assert!(refusal(backend, key, &subject).contains("control characters"));
        // A BMPString that does not decode (odd length, lone surrogate) is refused too.
        for bytes in [vec![0, 0x41, 0], vec![0xd8, 0x00]] {
            let subject = single(&[(CN, BMP, bytes)]);
            assert!(refusal(backend, key, &subject).contains("that decodes"));
        }
        // A clean BMPString is a directory string like any other: read, and accepted.
        let subject = single(&[bmp(CN, "Zürich.example.com")]);
        let parsed = backend.parse_csr(&csr(backend, key, &subject)).unwrap();
        assert_eq!(
            parsed.attributes().common_name(),
            Some("Zürich.example.com")
        );
    });
}

#[test]
fn requirer_sending_a_140_000_character_common_name_is_refused_without_echoing_it() {
    each_backend(|backend, key| {
        let long = "a".repeat(140_000);
        let message = refusal(backend, key, &single(&[utf8(CN, &long)]));
        assert!(message.contains("common_name"), "{message}");
        assert!(message.contains("longer than 64 characters"), "{message}");
        assert!(message.len() < 200, "the value is not echoed: {message}");
    });
}

#[test]
fn every_subject_attribute_is_bounded_by_its_rfc_5280_upper_bound() {
    each_backend(|backend, key| {
        for (type_oid, field, bound) in [
            (CN, "common_name", 64),
            (O, "organization", 64),
            (OU, "organizational_unit", 64),
            (ST, "state_or_province_name", 128),
            (L, "locality_name", 128),
        ] {
            let subject = |value: &str| {
                if type_oid == CN {
                    single(&[utf8(CN, value)])
                } else {
                    single(&[utf8(CN, "x"), utf8(type_oid, value)])
                }
            };
            // Characters, not bytes: a bound's worth of two-byte characters is fine.
            backend
                .parse_csr(&csr(backend, key, &subject(&"é".repeat(bound))))
                .unwrap_or_else(|e| panic!("{field} at {bound}: {e}"));
            let over = subject(&"e".repeat(bound + 1));
            let message = refusal(backend, key, &over);
            assert!(message.contains(field), "{message}");
        }
        let email = format!("{}@example.com", "e".repeat(244));
        assert_eq!(email.len(), 256);
        let over = single(&[utf8(CN, "x"), (EMAIL, IA5, email.into_bytes())]);
        assert!(refusal(backend, key, &over).contains("email_address"));
    });
}

#[test]
fn requirer_using_multi_valued_rdns_empty_values_or_teletex_strings_is_refused() {
    each_backend(|backend, key| {
        let multi = name(&[vec![utf8(CN, "a.example.com"), utf8(O, "Org")]]);
        assert!(refusal(backend, key, &multi).contains("several attributes"));
        let empty = single(&[utf8(CN, "a.example.com"), utf8(O, "")]);
        assert!(refusal(backend, key, &empty).contains("empty"));
        let teletex = single(&[(CN, T61, b"a.example.com".to_vec())]);
        assert!(refusal(backend, key, &teletex).contains("tag 20"));
    });
}

#[test]
fn unique_identifiers_as_python_writes_them_or_as_x520_bit_strings_are_accepted() {
    each_backend(|backend, key| {
        let python = single(&[
            utf8(CN, "a.example.com"),
            utf8(UNIQUE_ID, "0b4aa7a1-6a38-4d5e-8b07-bc0a7b3c6f2e"),
            utf8(O, "Org"),
            (EMAIL, IA5, b"admin@example.com".to_vec()),
            ("2.5.4.6", PRINTABLE, b"GB".to_vec()),
        ]);
        let parsed = backend.parse_csr(&csr(backend, key, &python)).unwrap();
        assert!(parsed.attributes().add_unique_id_to_subject_name());
        assert_eq!(
            parsed.unique_identifier(),
            Some("0b4aa7a1-6a38-4d5e-8b07-bc0a7b3c6f2e")
        );
        let bits = single(&[
            utf8(CN, "a.example.com"),
            (UNIQUE_ID, BIT_STRING, vec![0, 1, 2, 3]),
        ]);
        let parsed = backend.parse_csr(&csr(backend, key, &bits)).unwrap();
        assert_eq!(parsed.unique_identifier(), Some("#00010203"));
        // Up to 64 bytes (128 hex digits), not more.
        let long_bits = |n: usize| {
            let mut bits = vec![0];
            bits.extend(std::iter::repeat_n(0xab, n - 1));
            single(&[utf8(CN, "a.example.com"), (UNIQUE_ID, BIT_STRING, bits)])
        };
        assert!(
            backend
                .parse_csr(&csr(backend, key, &long_bits(64)))
                .is_ok()
        );
        assert!(refusal(backend, key, &long_bits(65)).contains("x500_unique_identifier"));
    });
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/peer-csrs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn subjects_smuggled_in_by_another_library_are_refused_too() {
    for backend in backends() {
        for (file, expected) in [
            (
                "repeated_cn_newline_nul.csr.pem",
                "common_name appears more than once",
            ),
            ("unknown_dc.csr.pem", "unknown attribute type"),
            ("bmp_nul_cn.csr.pem", "control characters"),
        ] {
            match backend.parse_csr(&fixture(file)) {
                Err(e @ Error::InvalidAttribute { .. }) => {
                    assert!(e.to_string().contains(expected), "{file}: {e}");
                }
                other => panic!("{}: {file}: {other:?}", backend.name()),
            }
        }
    }
}

#[test]
fn requirer_sending_an_rsa_1024_csr_is_told_the_key_size() {
    for backend in backends() {
        let message = backend
            .parse_csr(&fixture("rsa1024_sha256.csr.pem"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "unsupported algorithm: rsa-1024 (supported: 2048 to 8192 bits)",
            "{}",
            backend.name()
        );
    }
}

#[test]
fn requirer_signing_its_csr_with_sha1_or_md5_is_refused() {
    for backend in backends() {
        for (file, oid) in [
            ("rsa2048_sha1.csr.pem", "1.2.840.113549.1.1.5"),
            ("rsa2048_md5.csr.pem", "1.2.840.113549.1.1.4"),
        ] {
            match backend.parse_csr(&fixture(file)) {
                Err(Error::UnsupportedAlgorithm { algorithm }) => {
                    assert!(algorithm.contains(oid), "{algorithm}");
                }
                other => panic!("{}: {file}: {other:?}", backend.name()),
            }
        }
    }
}

#[test]
fn requirer_asking_for_ca_key_usages_and_name_constraints_in_its_csr_gets_none_of_them() {
    let now = OffsetDateTime::now_utc();
    for backend in backends() {
        let ca_key = backend.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        let ca_attributes = CertificateRequestAttributes::builder()
            .common_name("Test CA")
            .build()
            .unwrap();
        let ca = backend
            .create_self_signed_ca(
                &ca_key,
                &ca_attributes,
                Validity::starting_at(now, Duration::days(30)),
            )
            .unwrap();
        let authority = backend.load_authority(&ca_key, ca).unwrap();
        let greedy = backend.parse_csr(&fixture("extensions.csr.pem")).unwrap();
        let leaf = authority
            .issue(
                &greedy,
                &IssueProfile::leaf(Validity::starting_at(now, Duration::days(1))),
            )
            .unwrap();
        assert!(!leaf.is_ca());
        let (_, parsed) = X509Certificate::from_der(leaf.der()).unwrap();
        let extensions: Vec<String> = parsed
            .extensions()
            .iter()
            .map(|e| e.oid.to_id_string())
            .collect();
        // AKI, SKI, BasicConstraints, SAN, KeyUsage, ExtendedKeyUsage: ours, nothing else.
        assert_eq!(
            extensions,
            [
                "2.5.29.35",
                "2.5.29.14",
                "2.5.29.19",
                "2.5.29.17",
                "2.5.29.15",
                "2.5.29.37"
            ],
            "{}",
            backend.name()
        );
        let eku = parsed.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.server_auth && eku.client_auth && !eku.code_signing);
        assert!(!parsed.key_usage().unwrap().unwrap().value.key_cert_sign());
    }
}
