//! Databags written by the real v3 charm library (LIBPATCH 17, the last one Canonical's v3-era
//! operators carried, and 27, the final v3), golden files in `interop/fixtures/python-v3/`:
//! each decodes with no issue, to exactly what the v3 library itself reads back from it
//! (`v3.NN.expect.json`), a CA-first chain (`[ca, leaf]`, as the v3-era self-signed operator
//! wrote it) included, in the order it was written.

use std::path::PathBuf;

use serde_json::{Value, json};
use tls_certificates_schema::Databag;
use tls_certificates_schema::v1::{ProviderData, RequirerData};

const PATCHES: [u32; 2] = [17, 27];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/fixtures/python-v3")
}

fn read(name: &str) -> Value {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn databag(name: &str) -> Databag {
    serde_json::from_value(read(name)).unwrap()
}

/// Our decoding of one golden databag, in the v3 library's read-back shape.
fn as_v3_reads_it(name: &str) -> Value {
    let bag = databag(name);
    if name.starts_with("requirer") {
        let decoded = RequirerData::decode(&bag);
        assert!(decoded.is_clean(), "{name}: {:?}", decoded.issues);
        let requests: Vec<Value> = decoded
            .value
            .certificate_signing_requests
            .iter()
            .map(|r| json!({"csr": r.certificate_signing_request.as_str(), "is_ca": r.is_ca()}))
            .collect();
        json!({ "requests": requests })
    } else {
        let decoded = ProviderData::decode(&bag);
        assert!(decoded.is_clean(), "{name}: {:?}", decoded.issues);
        let certificates: Vec<Value> = decoded
            .value
            .certificates
            .iter()
            .map(|c| {
                json!({
                    "ca": c.ca.as_str(),
                    "certificate": c.certificate.as_str(),
                    "chain": c.chain.iter().flatten().map(|p| p.as_str()).collect::<Vec<_>>(),
                    "csr": c.certificate_signing_request.as_str(),
                    "revoked": c.is_revoked(),
                })
            })
            .collect();
        json!({ "certificates": certificates })
    }
}

#[test]
fn every_v3_databag_decodes_to_what_the_v3_library_reads_back() {
    for patch in PATCHES {
        let expect = read(&format!("v3.{patch}.expect.json"));
        let expect = expect.as_object().unwrap();
        assert_eq!(expect.len(), 4, "v3.{patch}: four golden databags");
        for (name, wanted) in expect {
            assert_eq!(&as_v3_reads_it(name), wanted, "{name}");
        }
    }
}

#[test]
fn the_v3_self_signed_operators_ca_first_chain_is_read_in_its_order() {
    for patch in PATCHES {
        let read_back = as_v3_reads_it(&format!("provider-app-ca-first.v3.{patch}.json"));
        for entry in read_back["certificates"].as_array().unwrap() {
            assert_eq!(entry["chain"][0], entry["ca"], "v3.{patch}");
            assert_eq!(entry["chain"][1], entry["certificate"], "v3.{patch}");
        }
    }
}
