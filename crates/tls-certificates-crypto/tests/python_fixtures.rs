//! Golden data from the real Python library (`interop/fixtures/python-reference/`): every PEM
//! is parsed by every compiled-in backend and must report what `manifest.json` says the Python
//! library sees. Without a backend there is nothing to run.
#![cfg(any(feature = "ring", feature = "openssl"))]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tls_certificates_crypto::{CryptoBackend, Error, IssueProfile, KeyType, Validity};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/fixtures/python-reference")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

fn manifest() -> Value {
    serde_json::from_str(&read("manifest.json")).unwrap()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn opt_str(value: &Value) -> Option<&str> {
    value.as_str()
}

fn check_key_type(file: &str, key_type: KeyType, public_key: &Value) {
    match public_key["algorithm"].as_str() {
        Some("rsa") => assert_eq!(
            key_type,
            KeyType::Rsa {
                bits: u32::try_from(public_key["bits"].as_u64().unwrap()).unwrap()
            },
            "{file}"
        ),
        Some("ecdsa") => {
            assert_eq!(public_key["curve"], "secp256r1", "{file}");
            assert_eq!(key_type, KeyType::EcdsaP256, "{file}");
        }
        other => panic!("{file}: unexpected algorithm {other:?}"),
    }
}

fn given_every_python_pem_when_parsed_then_attributes_match_the_manifest(
    backend: &dyn CryptoBackend,
) {
    let manifest = manifest();
    let files = manifest["files"].as_object().unwrap();
    let mut checked = 0;
    for (name, entry) in files {
        if !name.ends_with(".pem") {
            continue;
        }
        let pem = read(name);
        let spki_sha256 = |der: &[u8]| backend.sha256_hex(der).unwrap();
        match entry["kind"].as_str().unwrap() {
            "private_key" => {
                let key = backend.load_private_key(&pem).unwrap();
                check_key_type(name, key.key_type(), &entry["public_key"]);
                assert_eq!(
                    spki_sha256(key.public_key().spki_der()),
                    entry["public_key"]["spki_sha256"],
                    "{name}"
                );
                let exported = backend.export_private_key(&key).unwrap();
                assert_eq!(
                    exported.expose_secret(),
                    pem.trim_end(),
                    "{name}: same PEM back"
                );
            }
            "csr" => {
                let csr = backend.parse_csr(&pem).unwrap();
                let view = &entry["lib_view"];
                let a = csr.attributes();
                assert_eq!(a.common_name(), opt_str(&view["common_name"]), "{name}");
                assert_eq!(
                    a.sans_dns().iter().cloned().collect::<BTreeSet<_>>(),
                    strings(&view["sans_dns"]),
                    "{name}"
                );
                assert_eq!(
                    a.sans_ip()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<BTreeSet<_>>(),
                    strings(&view["sans_ip"]),
                    "{name}"
                );
                assert_eq!(a.sans_oid().clone(), strings(&view["sans_oid"]), "{name}");
                assert_eq!(a.email_address(), opt_str(&view["email_address"]), "{name}");
                assert_eq!(a.organization(), opt_str(&view["organization"]), "{name}");
                assert_eq!(
                    a.organizational_unit(),
                    opt_str(&view["organizational_unit"]),
                    "{name}"
                );
                assert_eq!(a.country_name(), opt_str(&view["country_name"]), "{name}");
                assert_eq!(
                    a.state_or_province_name(),
                    opt_str(&view["state_or_province_name"]),
                    "{name}"
                );
                assert_eq!(a.locality_name(), opt_str(&view["locality_name"]), "{name}");
                assert_eq!(
                    a.add_unique_id_to_subject_name(),
                    view["has_unique_identifier"].as_bool().unwrap(),
                    "{name}"
                );
                assert!(!a.is_ca());
                let subject: Vec<(String, String)> = entry["subject"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| {
                        (
                            n["oid"].as_str().unwrap().to_owned(),
                            n["value"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                let ours: Vec<(String, String)> = csr
                    .subject()
                    .attributes()
                    .iter()
                    .map(|n| (n.oid.clone(), n.value.clone()))
                    .collect();
                assert_eq!(ours, subject, "{name}: subject in DER order");
                check_key_type(name, csr.public_key().key_type(), &entry["public_key"]);
                assert_eq!(
                    spki_sha256(csr.public_key().spki_der()),
                    entry["public_key"]["spki_sha256"]
                );
                // The library's secret-label hash is over its canonical PEM: ours must agree.
                assert_eq!(
                    backend.sha256_hex(csr.pem().as_str().as_bytes()).unwrap(),
                    entry["lib_sha256_hex"],
                    "{name}: canonical PEM"
                );
                assert_eq!(csr.pem().as_str(), pem.trim_end());
            }
            "certificate" => {
                let cert = backend.parse_certificate(&pem).unwrap();
                let view = &entry["lib_view"];
                assert_eq!(cert.common_name(), opt_str(&view["common_name"]), "{name}");
                assert_eq!(cert.is_ca(), view["is_ca"].as_bool().unwrap(), "{name}");
                assert_eq!(
                    cert.sans_dns().iter().cloned().collect::<BTreeSet<_>>(),
                    strings(&view["sans_dns"]),
                    "{name}"
                );
                assert_eq!(
                    cert.sans_ip()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<BTreeSet<_>>(),
                    strings(&view["sans_ip"]),
                    "{name}"
                );
                assert_eq!(
                    cert.sans_oid().iter().cloned().collect::<BTreeSet<_>>(),
                    strings(&view["sans_oid"]),
                    "{name}"
                );
                check_key_type(name, cert.public_key().key_type(), &entry["public_key"]);
                assert_eq!(
                    spki_sha256(cert.public_key().spki_der()),
                    entry["public_key"]["spki_sha256"]
                );
                assert_eq!(
                    backend.sha256_hex(cert.der()).unwrap(),
                    entry["fingerprint_sha256"],
                    "{name}"
                );
                assert_eq!(
                    hex::encode(cert.serial()).trim_start_matches('0'),
                    entry["serial_hex"],
                    "{name}"
                );
                let when =
                    |v: &Value| OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap();
                assert_eq!(cert.not_before(), when(&entry["not_before"]), "{name}");
                assert_eq!(cert.not_after(), when(&entry["not_after"]), "{name}");
                for ext in entry["extensions"].as_array().unwrap() {
                    let key_id = || hex::decode(ext["key_identifier"].as_str().unwrap()).unwrap();
                    match ext["oid"].as_str().unwrap() {
                        "2.5.29.14" => {
                            assert_eq!(cert.subject_key_identifier(), Some(key_id().as_slice()));
                        }
                        "2.5.29.35" => {
                            assert_eq!(cert.authority_key_identifier(), Some(key_id().as_slice()));
                        }
                        "2.5.29.17" => {
                            let of = |ty: &str| -> Vec<String> {
                                ext["names"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .filter(|n| n["type"] == ty)
                                    .map(|n| n["value"].as_str().unwrap().to_owned())
                                    .collect()
                            };
                            assert_eq!(cert.sans_dns(), of("DNSName").as_slice(), "{name}");
                            assert_eq!(
                                cert.sans_ip()
                                    .iter()
                                    .map(ToString::to_string)
                                    .collect::<Vec<_>>(),
                                of("IPAddress"),
                                "{name}"
                            );
                            assert_eq!(cert.sans_oid(), of("RegisteredID").as_slice());
                            assert_eq!(cert.sans_email(), of("RFC822Name").as_slice());
                        }
                        _ => {}
                    }
                }
                assert_eq!(cert.pem().as_str(), pem.trim_end());
            }
            "pem_bundle" => {
                let chain = backend.parse_certificates(&pem).unwrap();
                assert_eq!(chain.len(), entry["members"].as_array().unwrap().len());
                let in_order = backend.check_chain_order(&chain);
                if entry["chain_has_valid_order"].as_bool().unwrap() {
                    in_order.unwrap();
                } else {
                    assert!(
                        matches!(in_order, Err(Error::ChainOutOfOrder { index: 0, next: 1 })),
                        "{name}: {in_order:?}"
                    );
                }
            }
            other => panic!("{name}: unknown kind {other}"),
        }
        checked += 1;
    }
    let on_disk = std::fs::read_dir(fixtures())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".pem"))
        })
        .count();
    assert_eq!(
        checked, on_disk,
        "every PEM fixture is described and checked"
    );
    assert_eq!(checked, 16);
}

fn given_python_material_when_matched_then_keys_csrs_and_certificates_pair_up(
    backend: &dyn CryptoBackend,
) {
    let key = backend.load_private_key(&read("private_key.pem")).unwrap();
    let csr = backend.parse_csr(&read("csr.pem")).unwrap();
    let cert = backend.parse_certificate(&read("certificate.pem")).unwrap();
    let ca = backend
        .parse_certificate(&read("ca_certificate.pem"))
        .unwrap();
    assert!(csr.matches_key(&key) && cert.matches_key(&key) && csr.matches_certificate(&cert));
    assert!(!ca.matches_key(&key));
    backend.verify_issued_by(&cert, &ca).unwrap();
    backend.verify_issued_by(&ca, &ca).unwrap();

    let ec_key = backend
        .load_private_key(&read("ec_private_key.pem"))
        .unwrap();
    let ec_csr = backend.parse_csr(&read("ec_csr.pem")).unwrap();
    let ec_cert = backend
        .parse_certificate(&read("ec_certificate.pem"))
        .unwrap();
    assert!(ec_csr.matches_key(&ec_key) && ec_cert.matches_key(&ec_key));
    assert!(!ec_csr.matches_key(&key));
    backend.verify_issued_by(&ec_cert, &ca).unwrap();

    // The issuer defect: the leaf under the intermediate names the root as its issuer.
    let intermediate = backend
        .parse_certificate(&read("ca_request_certificate.pem"))
        .unwrap();
    let bad_leaf = backend
        .parse_certificate(&read("intermediate_leaf_certificate.pem"))
        .unwrap();
    assert!(matches!(
        backend.verify_issued_by(&bad_leaf, &intermediate),
        Err(Error::IssuerMismatch)
    ));
    assert_eq!(bad_leaf.issuer(), ca.subject());
}

fn given_python_ca_when_we_issue_then_our_chains_are_in_order(backend: &dyn CryptoBackend) {
    let validity = Validity::starting_at(OffsetDateTime::now_utc(), time::Duration::days(90));
    let root_key = backend
        .load_private_key(&read("ca_private_key.pem"))
        .unwrap();
    let root = backend
        .parse_certificate(&read("ca_certificate.pem"))
        .unwrap();
    let root_authority = backend.load_authority(&root_key, root.clone()).unwrap();
    let csr = backend.parse_csr(&read("csr.pem")).unwrap();
    let leaf = root_authority
        .issue(&csr, &IssueProfile::leaf(validity))
        .unwrap();
    backend
        .check_chain_order(&[leaf.clone(), root.clone()])
        .unwrap();
    // Python's CA has no AuthorityKeyIdentifier of its own, but it has an SKI: our AKI uses it.
    assert_eq!(
        leaf.authority_key_identifier(),
        root.subject_key_identifier()
    );

    // The same intermediate the Python library mis-issued under: we name it correctly.
    let intermediate_key = backend
        .load_private_key(&read("ca_request_private_key.pem"))
        .unwrap();
    let intermediate = backend
        .parse_certificate(&read("ca_request_certificate.pem"))
        .unwrap();
    let intermediate_authority = backend
        .load_authority(&intermediate_key, intermediate.clone())
        .unwrap();
    let leaf_csr = backend
        .parse_csr(&read("intermediate_leaf_csr.pem"))
        .unwrap();
    let good_leaf = intermediate_authority
        .issue(&leaf_csr, &IssueProfile::leaf(validity))
        .unwrap();
    backend
        .check_chain_order(&[good_leaf, intermediate, root])
        .unwrap();
}

macro_rules! fixture_tests {
    ($backend:expr) => {
        #[test]
        fn given_every_python_pem_when_parsed_then_attributes_match_the_manifest() {
            super::given_every_python_pem_when_parsed_then_attributes_match_the_manifest($backend);
        }
        #[test]
        fn given_python_material_when_matched_then_keys_csrs_and_certificates_pair_up() {
            super::given_python_material_when_matched_then_keys_csrs_and_certificates_pair_up(
                $backend,
            );
        }
        #[test]
        fn given_python_ca_when_we_issue_then_our_chains_are_in_order() {
            super::given_python_ca_when_we_issue_then_our_chains_are_in_order($backend);
        }
    };
}

#[cfg(feature = "ring")]
mod ring_backend {
    fixture_tests!(tls_certificates_crypto::ring::backend());
}

#[cfg(feature = "openssl")]
mod openssl_backend {
    fixture_tests!(tls_certificates_crypto::openssl::backend());
}
