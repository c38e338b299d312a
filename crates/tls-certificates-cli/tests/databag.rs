//! `databag encode|decode`: byte-exact with the Python library's fixtures, tolerant per entry.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const BACKENDS: [&str; 2] = ["ring", "openssl"];

/// Every databag fixture and the side that wrote it.
const FIXTURES: [(&str, &str); 8] = [
    ("requirer_unit_databag.json", "requirer"),
    ("requirer_app_databag.json", "requirer"),
    ("provider_databag.json", "provider"),
    ("provider_databag_app.json", "provider"),
    ("provider_databag_capabilities.json", "provider"),
    ("provider_databag_capabilities_only.json", "provider"),
    ("provider_databag_error.json", "provider"),
    ("provider_databag_revoked.json", "provider"),
];

fn fixture(name: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/fixtures/python-reference")
        .join(name);
    assert!(
        file.is_file(),
        "missing Python reference fixture {}",
        file.display()
    );
    file.to_string_lossy().into_owned()
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs the binary with `stdin` as standard input.
fn tls(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tls-certificates"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok_json(args: &[&str], stdin: &str) -> Value {
    let output = tls(args, stdin);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn given_each_python_databag_when_decoded_and_re_encoded_then_the_bytes_are_identical() {
    for backend in BACKENDS {
        for (name, side) in FIXTURES {
            let path = fixture(name);
            let decoded = ok_json(
                &[
                    "databag",
                    "decode",
                    "--backend",
                    backend,
                    "--side",
                    side,
                    &path,
                ],
                "",
            );
            assert_eq!(decoded["issues"], json!([]), "{backend} {name}");
            let content = decoded["content"].to_string();
            let encoded = ok_json(&["databag", "encode", "--side", side], &content);
            // Values are strings, so JSON equality here is byte equality of every value.
            assert_eq!(encoded, read_json(&path), "{backend} {name}");
        }
    }
}

/// Runs the binary, asserting success; returns stdout.
fn ok_stdout(args: &[&str], stdin: &str) -> String {
    let output = tls(args, stdin);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 on stdout")
}

#[test]
fn given_each_python_databag_when_decode_is_piped_into_encode_then_the_databag_comes_back() {
    for backend in BACKENDS {
        for (name, side) in FIXTURES {
            let path = fixture(name);
            let report = ok_stdout(
                &[
                    "databag",
                    "decode",
                    "--backend",
                    backend,
                    "--side",
                    side,
                    &path,
                ],
                "",
            );
            let databag = ok_stdout(&["databag", "encode", "--side", side], &report);
            let databag: Value = serde_json::from_str(&databag).unwrap();
            // Values are strings, so JSON equality here is byte equality of every value.
            assert_eq!(databag, read_json(&path), "{backend} {name}");
            // And once more through the pipe: the same report, byte for byte.
            let again = ok_stdout(
                &["databag", "decode", "--backend", backend, "--side", side],
                &databag.to_string(),
            );
            assert_eq!(again, report, "{backend} {name}");
        }
    }
}

#[test]
fn given_a_databag_with_juju_and_other_libraries_keys_when_piped_through_decode_and_encode_then_they_survive()
 {
    let mut databag = read_json(&fixture("requirer_unit_databag.json"));
    let extra = json!({
        "egress-subnets": "10.0.0.0/24",
        "ingress-address": "10.0.0.7",
        "other-library": "{\"not\": \"ours\"}",
    });
    for (key, value) in extra.as_object().unwrap() {
        databag[key] = value.clone();
    }
    let report = ok_json(
        &["databag", "decode", "--side", "requirer"],
        &databag.to_string(),
    );
    assert_eq!(report["other_keys"], extra);
    assert_eq!(report["issues"], json!([]));
    let encoded = ok_json(
        &["databag", "encode", "--side", "requirer"],
        &report.to_string(),
    );
    assert_eq!(encoded, databag);
}

#[test]
fn given_input_encode_would_lose_when_encoding_then_it_is_refused_in_one_line() {
    let provider_report = ok_stdout(
        &[
            "databag",
            "decode",
            "--side",
            "provider",
            &fixture("provider_databag.json"),
        ],
        "",
    );
    let mut content = read_json(&fixture("provider_databag.decoded.json"));
    content["certificates"][0]["recommended_expiry_notification_time"] = json!(168);
    let nested_unknown = content.to_string();
    let mut with_issues: Value = serde_json::from_str(&provider_report).unwrap();
    with_issues["issues"] =
        json!([{"kind": "schema", "message": "certificates[1]: missing field"}]);
    for (side, stdin, expected) in [
        // What the provider's `decode` printed, encoded as the requirer's.
        ("requirer", provider_report, "use --side provider"),
        // The decoded form of the other side.
        (
            "requirer",
            read_json(&fixture("provider_databag.decoded.json")).to_string(),
            "use --side provider",
        ),
        (
            "provider",
            r#"{"certificates": [], "egress-subnets": "10.0.0.0/24"}"#.to_owned(),
            "unknown key \"egress-subnets\"",
        ),
        (
            "provider",
            r#"{"content": {}, "comment": "hand-edited"}"#.to_owned(),
            "unknown key \"comment\"",
        ),
        (
            "provider",
            nested_unknown,
            "unknown key certificates[0].recommended_expiry_notification_time",
        ),
        ("provider", with_issues.to_string(), "1 issue(s)"),
        (
            "provider",
            r#"{"content": {}, "other_keys": {"certificates": "[]"}}"#.to_owned(),
            "a key of the interface",
        ),
    ] {
        let output = tls(&["databag", "encode", "--side", side], &stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdin}: {stderr}");
        assert!(output.stdout.is_empty(), "nothing printed on refusal");
        assert!(
            stderr.starts_with("error:") && stderr.contains(expected),
            "expected {expected:?}: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn given_a_databag_of_the_other_side_when_decoding_then_it_is_refused_in_one_line() {
    for (side, name, expected) in [
        ("requirer", "provider_databag.json", "use --side provider"),
        (
            "provider",
            "requirer_unit_databag.json",
            "use --side requirer",
        ),
    ] {
        let output = tls(&["databag", "decode", "--side", side, &fixture(name)], "");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with("error:") && stderr.contains(expected),
            "{stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn given_python_decoded_fixtures_when_decoding_then_content_equals_them() {
    for (name, side) in [
        ("requirer_unit_databag", "requirer"),
        ("requirer_app_databag", "requirer"),
        ("provider_databag", "provider"),
        ("provider_databag_error", "provider"),
    ] {
        let decoded = ok_json(
            &[
                "databag",
                "decode",
                "--side",
                side,
                &fixture(&format!("{name}.json")),
            ],
            "",
        );
        assert_eq!(
            decoded["content"],
            read_json(&fixture(&format!("{name}.decoded.json"))),
            "{name}"
        );
        let encoded = ok_json(
            &[
                "databag",
                "encode",
                "--side",
                side,
                &fixture(&format!("{name}.decoded.json")),
            ],
            "",
        );
        assert_eq!(
            encoded,
            read_json(&fixture(&format!("{name}.json"))),
            "{name}"
        );
    }
}

#[test]
fn given_one_malformed_entry_when_decoding_then_it_is_reported_at_its_index_and_the_rest_survive() {
    let good =
        read_json(&fixture("requirer_unit_databag.decoded.json"))["certificate_signing_requests"]
            [0]
        .clone();
    let list = json!([
        {"certificate_signing_request": 5, "ca": false},
        good,
        {"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "ca": false},
    ]);
    let databag =
        json!({"certificate_signing_requests": list.to_string(), "egress-subnets": "10.0.0.0/24"})
            .to_string();
    for backend in BACKENDS {
        let decoded = ok_json(
            &[
                "databag",
                "decode",
                "--backend",
                backend,
                "--side",
                "requirer",
            ],
            &databag,
        );
        let requests = decoded["content"]["certificate_signing_requests"]
            .as_array()
            .unwrap();
        assert_eq!(
            requests.len(),
            2,
            "{backend}: the schema-valid entries survive"
        );
        assert_eq!(requests[0], good);
        let issues = decoded["issues"].as_array().unwrap();
        assert_eq!(issues.len(), 2, "{backend}: {issues:?}");
        assert_eq!(issues[0]["kind"], "schema");
        assert_eq!(issues[0]["index"], 0);
        assert_eq!(
            issues[1]["kind"], "pem",
            "the backend rejects the garbage CSR"
        );
        assert_eq!(
            issues[1]["index"], 2,
            "index in the databag's list, not among survivors"
        );
        assert_eq!(
            issues[1]["at"],
            "certificate_signing_requests[2].certificate_signing_request"
        );

        let strict = tls(
            &[
                "databag",
                "decode",
                "--backend",
                backend,
                "--side",
                "requirer",
                "--strict",
            ],
            &databag,
        );
        assert_eq!(strict.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&strict.stderr).starts_with("error:"));
    }
}

#[test]
fn given_bad_input_when_encoding_or_decoding_then_exit_is_non_zero_with_a_message() {
    for (args, stdin, expected) in [
        (
            vec!["databag", "encode", "--side", "requirer"],
            "not json",
            "not JSON",
        ),
        (
            vec!["databag", "encode", "--side", "requirer"],
            "[]",
            "JSON object",
        ),
        (
            vec!["databag", "encode", "--side", "requirer"],
            r#"{"certificate_signing_requests": [{"ca": false}]}"#,
            "missing",
        ),
        (
            vec!["databag", "decode", "--side", "provider"],
            r#"{"certificates": []}"#,
            "not a string",
        ),
        (
            vec!["databag", "decode", "--side", "provider"],
            "",
            "not JSON",
        ),
    ] {
        let output = tls(&args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?} {stdin}: {stderr}");
        assert!(
            stderr.starts_with("error:") && stderr.contains(expected),
            "{stdin}: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn given_empty_content_when_encoding_then_no_key_is_written() {
    let encoded = ok_json(
        &["databag", "encode", "--side", "provider"],
        r#"{"certificates": []}"#,
    );
    assert_eq!(encoded, json!({}));
}
