//! End-to-end scenarios: the `tls-certificates` binary run as a process, with both backends.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const BACKENDS: [&str; 2] = ["ring", "openssl"];

/// Runs the binary with `args`.
fn tls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tls-certificates"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary, asserts success and returns stdout.
fn ok(args: &[&str]) -> String {
    let output = tls(args);
    assert!(
        output.status.success(),
        "tls-certificates {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Runs the binary, asserts a clean failure (exit code 1 or 2, one `error:` line, no panic) and
/// returns stderr.
fn fails(args: &[&str]) -> String {
    let output = tls(args);
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert!(
        !output.status.success(),
        "tls-certificates {args:?} should fail"
    );
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "{args:?}: exit status {:?}, stderr {stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("error:"),
        "{args:?}: message should start with `error:`: {stderr}"
    );
    stderr
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn path(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

fn fixture(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/fixtures/python-reference");
    let file: PathBuf = dir.join(name);
    assert!(
        file.is_file(),
        "missing Python reference fixture {}",
        file.display()
    );
    file.to_string_lossy().into_owned()
}

/// Makes a root CA (RSA-2048) in `dir`: returns (key path, certificate path).
fn root_ca(dir: &TempDir, backend: &str) -> (String, String) {
    let key = path(dir, "root.key");
    let cert = path(dir, "root.pem");
    ok(&["key", "generate", "--backend", backend, "--out", &key]);
    ok(&[
        "ca",
        "create",
        "--backend",
        backend,
        "--key",
        &key,
        "--common-name",
        "Test Root",
        "--organization",
        "Example",
        "--out",
        &cert,
    ]);
    (key, cert)
}

#[test]
fn given_each_backend_when_key_csr_ca_sign_inspect_and_verify_then_the_leaf_has_the_requested_attributes()
 {
    for backend in BACKENDS {
        let dir = TempDir::new().unwrap();
        let (ca_key, ca_cert) = root_ca(&dir, backend);
        let leaf_key = path(&dir, "leaf.key");
        let csr = path(&dir, "leaf.csr");
        let leaf = path(&dir, "leaf.pem");
        ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--algorithm",
            "p256",
            "--out",
            &leaf_key,
        ]);
        ok(&[
            "csr",
            "create",
            "--backend",
            backend,
            "--key",
            &leaf_key,
            "--common-name",
            "unit-0.example.com",
            "--san-dns",
            "unit-0.example.com",
            "--san-dns",
            "Example.COM",
            "--san-ip",
            "192.0.2.10",
            "--san-ip",
            "2001:db8:0::10",
            "--san-oid",
            "1.3.6.1.4.1.32473.1.2",
            "--email",
            "ops@example.com",
            "--organization",
            "Org",
            "--organizational-unit",
            "Unit",
            "--country",
            "GB",
            "--state",
            "England",
            "--locality",
            "London",
            "--out",
            &csr,
        ]);
        ok(&[
            "cert",
            "sign",
            "--backend",
            backend,
            "--csr",
            &csr,
            "--ca-cert",
            &ca_cert,
            "--ca-key",
            &ca_key,
            "--validity-days",
            "30",
            "--out",
            &leaf,
        ]);

        let csr_view = json(&ok(&["inspect", "--backend", backend, &csr]));
        assert_eq!(csr_view["kind"], "csr", "{backend}");
        assert_eq!(csr_view["common_name"], "unit-0.example.com");
        assert_eq!(
            csr_view["sans_dns"],
            serde_json::json!(["example.com", "unit-0.example.com"])
        );
        assert_eq!(
            csr_view["sans_ip"],
            serde_json::json!(["192.0.2.10", "2001:db8::10"])
        );
        assert_eq!(
            csr_view["sans_oid"],
            serde_json::json!(["1.3.6.1.4.1.32473.1.2"])
        );
        assert_eq!(csr_view["email_address"], "ops@example.com");
        assert_eq!(csr_view["country_name"], "GB");
        assert_eq!(csr_view["has_unique_identifier"], true);
        assert_eq!(csr_view["public_key"]["key_type"], "ecdsa-p256");

        let cert_view = json(&ok(&["inspect", "--backend", backend, &leaf]));
        let ca_view = json(&ok(&["inspect", "--backend", backend, &ca_cert]));
        assert_eq!(cert_view["kind"], "certificate", "{backend}");
        assert_eq!(cert_view["is_ca"], false);
        assert_eq!(cert_view["common_name"], "unit-0.example.com");
        assert_eq!(
            cert_view["issuer"], ca_view["subject"],
            "issuer is the CA's subject"
        );
        assert_eq!(
            cert_view["authority_key_identifier"],
            ca_view["subject_key_identifier"]
        );
        assert_eq!(cert_view["public_key"], csr_view["public_key"]);
        assert_eq!(cert_view["validity_days"], 30);
        assert_eq!(ca_view["is_ca"], true);
        assert!(
            cert_view["serial_hex"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert!(
            cert_view["not_after"]
                .as_str()
                .is_some_and(|s| s.ends_with('Z'))
        );

        let verdict = ok(&["verify-chain", "--backend", backend, &leaf, &ca_cert]);
        assert!(verdict.contains("in order"), "{verdict}");
        let stderr = fails(&["verify-chain", "--backend", backend, &ca_cert, &leaf]);
        assert!(
            stderr.contains("certificate 0"),
            "names the index: {stderr}"
        );
    }
}

#[test]
fn given_root_and_intermediate_when_signing_a_leaf_with_chain_then_the_bundle_verifies_in_order() {
    for backend in BACKENDS {
        let dir = TempDir::new().unwrap();
        let (root_key, root_cert) = root_ca(&dir, backend);
        let inter_key = path(&dir, "inter.key");
        let inter_csr = path(&dir, "inter.csr");
        let inter = path(&dir, "inter-chain.pem");
        let leaf_key = path(&dir, "leaf.key");
        let leaf_csr = path(&dir, "leaf.csr");
        let bundle = path(&dir, "bundle.pem");
        ok(&["key", "generate", "--backend", backend, "--out", &inter_key]);
        ok(&[
            "csr",
            "create",
            "--backend",
            backend,
            "--key",
            &inter_key,
            "--common-name",
            "Intermediate",
            "--out",
            &inter_csr,
        ]);
        ok(&[
            "cert",
            "sign",
            "--backend",
            backend,
            "--csr",
            &inter_csr,
            "--ca-cert",
            &root_cert,
            "--ca-key",
            &root_key,
            "--ca",
            "--chain",
            "--out",
            &inter,
        ]);
        ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--algorithm",
            "ed25519",
            "--out",
            &leaf_key,
        ]);
        ok(&[
            "csr",
            "create",
            "--backend",
            backend,
            "--key",
            &leaf_key,
            "--san-dns",
            "leaf.example.com",
            "--out",
            &leaf_csr,
        ]);
        let signed = json(&ok(&[
            "cert",
            "sign",
            "--backend",
            backend,
            "--csr",
            &leaf_csr,
            "--ca-cert",
            &inter,
            "--ca-key",
            &inter_key,
            "--chain",
            "--json",
        ]));
        let chain = signed["chain"].as_array().expect("chain array");
        assert_eq!(chain.len(), 3, "{backend}: leaf, intermediate, root");
        ok(&[
            "cert",
            "sign",
            "--backend",
            backend,
            "--csr",
            &leaf_csr,
            "--ca-cert",
            &inter,
            "--ca-key",
            &inter_key,
            "--chain",
            "--out",
            &bundle,
        ]);

        let verdict = json(&ok(&[
            "verify-chain",
            "--backend",
            backend,
            "--json",
            &bundle,
        ]));
        assert_eq!(verdict["in_order"], true, "{backend}: {verdict}");
        assert_eq!(verdict["certificates"], 3);
        let listed = json(&ok(&["inspect", "--backend", backend, &bundle]));
        let listed = listed
            .as_array()
            .expect("a bundle is inspected as an array");
        assert_eq!(listed[1]["is_ca"], true);
        assert_eq!(listed[1]["common_name"], "Intermediate");
        assert_eq!(listed[0]["issuer"], listed[1]["subject"]);
    }
}

#[test]
fn given_a_csr_from_one_backend_when_the_other_signs_it_then_each_parses_the_result() {
    let dir = TempDir::new().unwrap();
    let (ca_key, ca_cert) = root_ca(&dir, "openssl");
    let key = path(&dir, "k.pem");
    let csr = path(&dir, "c.csr");
    let cert = path(&dir, "c.pem");
    ok(&["key", "generate", "--backend", "ring", "--out", &key]);
    ok(&[
        "csr",
        "create",
        "--backend",
        "ring",
        "--key",
        &key,
        "--common-name",
        "cross",
        "--out",
        &csr,
    ]);
    ok(&[
        "cert",
        "sign",
        "--backend",
        "openssl",
        "--csr",
        &csr,
        "--ca-cert",
        &ca_cert,
        "--ca-key",
        &ca_key,
        "--out",
        &cert,
    ]);
    let by_ring = json(&ok(&["inspect", "--backend", "ring", &cert]));
    let by_openssl = json(&ok(&["inspect", "--backend", "openssl", &cert]));
    assert_eq!(by_ring["backend"], "ring");
    assert_eq!(by_openssl["backend"], "openssl");
    for field in [
        "subject",
        "issuer",
        "serial_hex",
        "not_before",
        "not_after",
        "public_key",
        "fingerprint_sha256",
    ] {
        assert_eq!(by_ring[field], by_openssl[field], "{field}");
    }
    ok(&["verify-chain", "--backend", "ring", &cert, &ca_cert]);
}

#[cfg(unix)]
#[test]
fn given_a_symlink_at_the_output_path_when_a_key_is_written_then_the_link_is_replaced_not_followed()
{
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let victim = path(&dir, "victim.txt");
    std::fs::write(&victim, "untouched").unwrap();
    let key = path(&dir, "key.pem");
    std::os::unix::fs::symlink(&victim, &key).unwrap();
    ok(&["key", "generate", "--algorithm", "p256", "--out", &key]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    let meta = std::fs::symlink_metadata(&key).unwrap();
    assert!(meta.file_type().is_file(), "the symlink was followed");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[cfg(unix)]
#[test]
fn given_an_existing_world_readable_file_when_a_key_is_written_there_then_it_becomes_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let key = path(&dir, "key.pem");
    std::fs::write(&key, "old").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    for backend in BACKENDS {
        ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--algorithm",
            "p384",
            "--out",
            &key,
        ]);
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{backend}");
        assert!(
            std::fs::read_to_string(&key)
                .unwrap()
                .starts_with("-----BEGIN EC PRIVATE KEY-----")
        );
    }
}

#[test]
fn given_a_private_key_when_inspected_or_generated_as_json_then_no_secret_is_printed() {
    for backend in BACKENDS {
        let dir = TempDir::new().unwrap();
        let key = path(&dir, "key.pem");
        let described = ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--json",
            "--out",
            &key,
        ]);
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(
            pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
            "PKCS#1 like Python"
        );
        let inspected = ok(&["inspect", "--backend", backend, &key]);
        for text in [&described, &inspected] {
            assert!(!text.contains("PRIVATE KEY"), "{backend}: {text}");
            // No line of the secret's base64 body leaks.
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                assert!(!text.contains(line), "{backend}: secret line leaked");
            }
            let view = json(text);
            assert_eq!(view["kind"], "private_key");
            assert_eq!(view["key_type"], "rsa-2048");
            assert_eq!(view["public_key"]["bits"], 2048);
        }
        let stderr = fails(&["key", "generate", "--backend", backend, "--json"]);
        assert!(stderr.contains("--out"), "{stderr}");
    }
}

#[test]
fn given_key_generate_without_out_then_pem_goes_to_stdout() {
    let out = ok(&["key", "generate", "--algorithm", "ed25519"]);
    assert!(out.starts_with("-----BEGIN PRIVATE KEY-----"), "{out}");
    assert!(out.ends_with("-----END PRIVATE KEY-----\n"));
}

#[test]
fn given_bad_inputs_when_running_then_exit_is_non_zero_with_a_one_line_message() {
    let dir = TempDir::new().unwrap();
    let garbage = path(&dir, "garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let truncated_key = path(&dir, "truncated.key");
    std::fs::write(
        &truncated_key,
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    let missing = path(&dir, "missing.pem");
    let directory = dir.path().to_string_lossy().into_owned();
    for backend in BACKENDS {
        let (ca_key, ca_cert) = root_ca(&dir, backend);
        let leaf_key = path(&dir, "leaf.key");
        let csr = path(&dir, "leaf.csr");
        let leaf = path(&dir, "leaf.pem");
        ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--algorithm",
            "p256",
            "--out",
            &leaf_key,
        ]);
        ok(&[
            "csr",
            "create",
            "--backend",
            backend,
            "--key",
            &leaf_key,
            "--common-name",
            "x",
            "--out",
            &csr,
        ]);
        ok(&[
            "cert",
            "sign",
            "--backend",
            backend,
            "--csr",
            &csr,
            "--ca-cert",
            &ca_cert,
            "--ca-key",
            &ca_key,
            "--out",
            &leaf,
        ]);

        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec!["inspect", &missing], "missing.pem"),
            (vec!["inspect", &garbage], "garbage.pem"),
            (vec!["inspect", &directory], "is a directory"),
            (
                vec![
                    "csr",
                    "create",
                    "--key",
                    &truncated_key,
                    "--common-name",
                    "x",
                ],
                "truncated.key",
            ),
            (
                vec!["csr", "create", "--key", &garbage, "--common-name", "x"],
                "garbage.pem",
            ),
            (vec!["csr", "create", "--key", &leaf_key], "common name"),
            (
                vec!["csr", "create", "--key", &leaf_key, "--san-ip", "300.1.2.3"],
                "sans_ip",
            ),
            (
                vec![
                    "csr",
                    "create",
                    "--key",
                    &leaf_key,
                    "--common-name",
                    "x",
                    "--country",
                    "GBR",
                ],
                "country",
            ),
            (
                vec![
                    "csr",
                    "create",
                    "--key",
                    &leaf_key,
                    "--san-oid",
                    "not.an.oid",
                ],
                "sans_oid",
            ),
            // A leaf is not a CA.
            (
                vec![
                    "cert",
                    "sign",
                    "--csr",
                    &csr,
                    "--ca-cert",
                    &leaf,
                    "--ca-key",
                    &leaf_key,
                ],
                "not a certificate authority",
            ),
            // The CA certificate with somebody else's key.
            (
                vec![
                    "cert",
                    "sign",
                    "--csr",
                    &csr,
                    "--ca-cert",
                    &ca_cert,
                    "--ca-key",
                    &leaf_key,
                ],
                "does not match",
            ),
            (
                vec![
                    "cert",
                    "sign",
                    "--csr",
                    &leaf,
                    "--ca-cert",
                    &ca_cert,
                    "--ca-key",
                    &ca_key,
                ],
                "CSR",
            ),
            (vec!["verify-chain", &garbage], "garbage.pem"),
            (vec!["verify-chain", &csr], "leaf.csr"),
            (
                vec!["ca", "create", "--key", &garbage, "--common-name", "x"],
                "garbage.pem",
            ),
        ];
        for (args, expected) in cases {
            let mut full = args.clone();
            full.extend(["--backend", backend]);
            let stderr = fails(&full);
            assert_eq!(
                stderr.trim_end().lines().count(),
                1,
                "{full:?}: one line: {stderr}"
            );
            assert!(
                stderr.to_lowercase().contains(&expected.to_lowercase()),
                "{full:?}: expected {expected:?} in {stderr}"
            );
        }
    }
}

#[test]
fn given_invalid_options_when_parsing_then_usage_errors_exit_2() {
    for args in [
        vec!["key", "generate", "--algorithm", "rsa1024"],
        vec!["key", "generate", "--backend", "boringssl"],
        vec![
            "cert",
            "sign",
            "--csr",
            "a",
            "--ca-cert",
            "b",
            "--ca-key",
            "c",
            "--validity-days",
            "0",
        ],
        vec!["verify-chain"],
        vec!["frobnicate"],
    ] {
        let output = tls(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
    }
}

#[test]
fn given_python_reference_pems_when_inspected_then_the_library_view_matches_the_manifest() {
    let manifest: Value = json(&std::fs::read_to_string(fixture("manifest.json")).unwrap());
    let files = &manifest["files"];
    for backend in BACKENDS {
        for name in [
            "csr.pem",
            "csr_no_unique_id.pem",
            "ec_csr.pem",
            "ca_request_csr.pem",
        ] {
            let view = json(&ok(&["inspect", "--backend", backend, &fixture(name)]));
            let expected = &files[name]["lib_view"];
            for (field, value) in expected.as_object().expect("lib_view object") {
                assert_eq!(&view[field], value, "{backend} {name} {field}");
            }
            assert_eq!(
                view["lib_sha256_hex"], files[name]["lib_sha256_hex"],
                "{backend} {name}"
            );
            assert_eq!(
                view["public_key"]["spki_sha256"],
                files[name]["public_key"]["spki_sha256"]
            );
            assert_eq!(
                view["subject_rfc4514"], files[name]["subject_rfc4514"],
                "{backend} {name}"
            );
        }
        for name in [
            "certificate.pem",
            "ca_certificate.pem",
            "ca_request_certificate.pem",
            "ec_certificate.pem",
        ] {
            let view = json(&ok(&["inspect", "--backend", backend, &fixture(name)]));
            let file = &files[name];
            assert_eq!(view["serial_hex"], file["serial_hex"], "{backend} {name}");
            assert_eq!(
                view["fingerprint_sha256"], file["fingerprint_sha256"],
                "{backend} {name}"
            );
            assert_eq!(
                view["public_key"]["spki_sha256"],
                file["public_key"]["spki_sha256"]
            );
            for field in ["common_name", "is_ca", "sans_oid"] {
                assert_eq!(
                    view[field], file["lib_view"][field],
                    "{backend} {name} {field}"
                );
            }
        }
        for name in ["private_key.pem", "ec_private_key.pem"] {
            let view = json(&ok(&["inspect", "--backend", backend, &fixture(name)]));
            assert_eq!(
                view["public_key"]["spki_sha256"], files[name]["public_key"]["spki_sha256"],
                "{backend} {name}"
            );
        }
        ok(&["verify-chain", "--backend", backend, &fixture("chain.pem")]);
        // The Python library names the root as the leaf's issuer: out of order at index 0.
        let stderr = fails(&[
            "verify-chain",
            "--backend",
            backend,
            &fixture("intermediate_chain.pem"),
        ]);
        assert!(stderr.contains("certificate 0"), "{backend}: {stderr}");
        let verdict = tls(&[
            "verify-chain",
            "--backend",
            backend,
            "--json",
            &fixture("intermediate_chain.pem"),
        ]);
        assert_eq!(verdict.status.code(), Some(1));
        let verdict = json(&String::from_utf8_lossy(&verdict.stdout));
        assert_eq!(verdict["in_order"], false);
        assert_eq!(verdict["index"], 0);
        assert_eq!(verdict["next"], 1);
    }
}

#[test]
fn given_a_key_on_stdin_when_creating_a_ca_request_as_json_then_it_reads_like_a_databag_entry() {
    use std::io::Write as _;
    use std::process::Stdio;
    for backend in BACKENDS {
        let key = ok(&[
            "key",
            "generate",
            "--backend",
            backend,
            "--algorithm",
            "p256",
        ]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tls-certificates"))
            .args([
                "csr",
                "create",
                "--backend",
                backend,
                "--key",
                "-",
                "--common-name",
                "Sub CA",
                "--ca",
                "--no-unique-id",
                "--json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(key.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let view = json(&String::from_utf8(output.stdout).unwrap());
        assert_eq!(view["ca"], true, "{backend}");
        assert_eq!(view["has_unique_identifier"], false);
        assert_eq!(view["unique_identifier"], Value::Null);
        assert_eq!(view["subject_rfc4514"], "CN=Sub CA");
        assert!(
            view["pem"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
        );
    }
}
