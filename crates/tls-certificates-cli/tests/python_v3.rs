//! `tls-certificates databag decode --side ...` on the databags the real v3 charm library wrote
//! (LIBPATCH 17 and 27, `interop/fixtures/python-v3/`): no issue, and the content the v3
//! library itself reads back (`v3.NN.expect.json`), with either crypto backend.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

const BACKENDS: [&str; 2] = ["ring", "openssl"];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/fixtures/python-v3")
        .join(name)
}

fn read(name: &str) -> Value {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// `databag decode --backend <backend> --side <side> <file>`, as JSON.
fn decode(backend: &str, side: &str, name: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_tls-certificates"))
        .args(["databag", "decode", "--backend", backend, "--side", side])
        .arg(fixture(name))
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{backend} {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// The CLI's decoded content in the v3 library's read-back shape.
fn as_v3_reads_it(content: &Value) -> Value {
    if let Some(requests) = content.get("certificate_signing_requests") {
        let requests: Vec<Value> = requests
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                json!({
                    "csr": r["certificate_signing_request"],
                    "is_ca": r["ca"].as_bool().unwrap_or(false),
                })
            })
            .collect();
        json!({ "requests": requests })
    } else {
        let certificates: Vec<Value> = content["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!({
                    "ca": c["ca"],
                    "certificate": c["certificate"],
                    "chain": c["chain"],
                    "csr": c["certificate_signing_request"],
                    "revoked": c["revoked"].as_bool().unwrap_or(false),
                })
            })
            .collect();
        json!({ "certificates": certificates })
    }
}

#[test]
fn the_cli_decodes_every_v3_databag_as_the_v3_library_reads_it_back() {
    for patch in [17, 27] {
        let expect = read(&format!("v3.{patch}.expect.json"));
        let expect = expect.as_object().unwrap();
        assert_eq!(expect.len(), 4, "v3.{patch}: four golden databags");
        for backend in BACKENDS {
            for (name, wanted) in expect {
                let side = if name.starts_with("requirer") {
                    "requirer"
                } else {
                    "provider"
                };
                let decoded = decode(backend, side, name);
                assert_eq!(decoded["issues"], json!([]), "{backend} {name}");
                assert_eq!(
                    &as_v3_reads_it(&decoded["content"]),
                    wanted,
                    "{backend} {name}"
                );
            }
        }
    }
}
