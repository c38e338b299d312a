//! `ProcessHookTools` against a recording fake of every hook tool: the exact argv and stdin of
//! each method, the secret files, error classification and malformed output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use juju_hook_tools::{
    CommandRunner, Error, HookTools, LogLevel, MAX_ARG_BYTES, MAX_STATUS_BYTES, Member, NewSecret,
    ProcessHookTools, ReadMode, RelationId, RotatePolicy, SecretContent, SecretId, SecretLookup,
    SecretOwner, SecretRef, SecretUpdate, StatusKind, SystemRunner, Target, UnitName,
};
use serde_json::{Value, json};
use time::macros::datetime;

const TOOLS: &[&str] = &[
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "is-leader",
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-remove",
    "secret-info-get",
    "secret-ids",
    "secret-grant",
    "secret-revoke",
    "status-set",
    "application-version-set",
    "juju-log",
    "config-get",
    "action-get",
    "action-set",
    "action-fail",
    "action-log",
];

/// A temp dir with the fake symlinked under every tool name, and the tools pointed at it.
struct Fake {
    dir: tempfile::TempDir,
    tools: ProcessHookTools,
}

/// One recorded tool run.
#[derive(Debug)]
struct Call {
    tool: String,
    args: Vec<String>,
    stdin: String,
    files: serde_json::Map<String, Value>,
}

impl Fake {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fake = Path::new(env!("CARGO_BIN_EXE_fake-hook-tool"));
        for tool in TOOLS {
            std::os::unix::fs::symlink(fake, dir.path().join(tool)).unwrap();
        }
        std::fs::create_dir(dir.path().join("responses")).unwrap();
        let tools = ProcessHookTools::with_tool_dir(dir.path());
        Self { dir, tools }
    }

    /// The tools of unit `unit` (so they know which application databag is this unit's own).
    fn for_unit(mut self, name: &str) -> Self {
        self.tools = ProcessHookTools::with_tool_dir(self.dir.path()).for_unit(&unit(name));
        self
    }

    fn respond(&self, tool: &str, response: Value) {
        let path = self
            .dir
            .path()
            .join("responses")
            .join(format!("{tool}.json"));
        std::fs::write(path, response.to_string()).unwrap();
    }

    fn stdout(&self, tool: &str, stdout: &str) {
        self.respond(tool, json!({ "stdout": stdout }));
    }

    fn fail(&self, tool: &str, code: u8, stderr: &str) {
        self.respond(tool, json!({ "code": code, "stderr": stderr }));
    }

    fn calls(&self) -> Vec<Call> {
        let Ok(log) = std::fs::read_to_string(self.dir.path().join("calls.jsonl")) else {
            return Vec::new();
        };
        log.lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line).unwrap();
                Call {
                    tool: v["tool"].as_str().unwrap().to_owned(),
                    args: v["args"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_owned())
                        .collect(),
                    stdin: v["stdin"].as_str().unwrap().to_owned(),
                    files: v["files"].as_object().unwrap().clone(),
                }
            })
            .collect()
    }

    /// The only call made so far.
    fn only_call(&self) -> Call {
        let mut calls = self.calls();
        assert_eq!(calls.len(), 1, "expected exactly one tool call: {calls:?}");
        calls.remove(0)
    }

    fn assert_only_call(&self, tool: &str, args: &[&str]) -> Call {
        let call = self.only_call();
        assert_eq!(call.tool, tool);
        assert_eq!(call.args, args);
        call
    }
}

fn rel(endpoint: &str, number: u32) -> RelationId {
    RelationId::new(endpoint, number).unwrap()
}

fn unit(name: &str) -> UnitName {
    UnitName::parse(name).unwrap()
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn secret_id() -> SecretId {
    SecretId::parse("secret:cs8m0bqi1tasq7ahb0j0").unwrap()
}

// --- relations ---

#[test]
fn given_two_relations_when_relation_ids_then_argv_and_parsed_ids() {
    let fake = Fake::new();
    fake.stdout("relation-ids", r#"["certificates:7","certificates:9"]"#);
    let ids = fake.tools.relation_ids("certificates").unwrap();
    assert_eq!(ids, vec![rel("certificates", 7), rel("certificates", 9)]);
    fake.assert_only_call("relation-ids", &["certificates", "--format=json"]);
}

#[test]
fn given_units_in_scope_when_relation_list_then_argv_and_units() {
    let fake = Fake::new();
    fake.stdout("relation-list", r#"["provider/0","provider/1"]"#);
    let units = fake.tools.relation_list(&rel("certificates", 7)).unwrap();
    assert_eq!(units, vec![unit("provider/0"), unit("provider/1")]);
    fake.assert_only_call("relation-list", &["--format=json", "-r", "certificates:7"]);
}

#[test]
fn given_remote_app_when_relation_remote_app_then_argv_uses_app_flag() {
    let fake = Fake::new();
    fake.stdout("relation-list", r#""provider""#);
    let app = fake
        .tools
        .relation_remote_app(&rel("certificates", 7))
        .unwrap();
    assert_eq!(app.as_deref(), Some("provider"));
    fake.assert_only_call(
        "relation-list",
        &["--format=json", "--app", "-r", "certificates:7"],
    );
}

#[test]
fn given_empty_remote_app_name_when_relation_remote_app_then_none() {
    let fake = Fake::new();
    fake.stdout("relation-list", r#""""#);
    assert_eq!(
        fake.tools
            .relation_remote_app(&rel("certificates", 7))
            .unwrap(),
        None
    );
}

#[test]
fn given_unit_databag_when_relation_get_unit_then_argv_reads_all_keys() {
    let fake = Fake::new();
    fake.stdout(
        "relation-get",
        r#"{"csr":"x","private-address":"10.0.0.1"}"#,
    );
    let got = fake
        .tools
        .relation_get(&rel("certificates", 7), Member::Unit(&unit("provider/0")))
        .unwrap();
    assert_eq!(got, bag(&[("csr", "x"), ("private-address", "10.0.0.1")]));
    fake.assert_only_call(
        "relation-get",
        &["--format=json", "-r", "certificates:7", "-", "provider/0"],
    );
}

#[test]
fn given_app_databag_when_relation_get_app_then_argv_has_app_flag() {
    let fake = Fake::new();
    fake.stdout("relation-get", "{}");
    let got = fake
        .tools
        .relation_get(&rel("certificates", 7), Member::App("provider"))
        .unwrap();
    assert!(got.is_empty());
    fake.assert_only_call(
        "relation-get",
        &[
            "--format=json",
            "-r",
            "certificates:7",
            "--app",
            "-",
            "provider",
        ],
    );
}

#[test]
fn given_null_output_when_relation_get_then_empty_databag() {
    let fake = Fake::new();
    fake.stdout("relation-get", "null");
    let got = fake
        .tools
        .relation_get(&rel("certificates", 7), Member::App("provider"))
        .unwrap();
    assert!(got.is_empty());
}

#[test]
fn given_unit_delta_when_relation_set_then_json_goes_on_stdin() {
    let fake = Fake::new();
    let delta = bag(&[("certificate_signing_requests", "[]"), ("gone", "")]);
    fake.tools
        .relation_set(&rel("certificates", 7), Target::Unit, &delta)
        .unwrap();
    let call = fake.assert_only_call("relation-set", &["-r", "certificates:7", "--file", "-"]);
    let sent: BTreeMap<String, String> = serde_json::from_str(&call.stdin).unwrap();
    assert_eq!(sent, delta);
}

#[test]
fn given_app_delta_when_relation_set_then_argv_has_app_flag() {
    let fake = Fake::new();
    let delta = bag(&[("certificates", "[]")]);
    fake.tools
        .relation_set(&rel("certificates", 7), Target::App, &delta)
        .unwrap();
    let call = fake.assert_only_call(
        "relation-set",
        &["-r", "certificates:7", "--app", "--file", "-"],
    );
    assert_eq!(call.stdin, r#"{"certificates":"[]"}"#);
}

#[test]
fn given_non_leader_when_relation_set_app_then_permission_denied_with_stderr() {
    let fake = Fake::new();
    fake.fail("relation-set", 1, "ERROR cannot write relation settings\n");
    let err = fake
        .tools
        .relation_set(&rel("certificates", 7), Target::App, &bag(&[("k", "v")]))
        .unwrap_err();
    match err {
        Error::PermissionDenied { tool, stderr } => {
            assert_eq!(tool, "relation-set");
            assert_eq!(stderr, "ERROR cannot write relation settings");
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
}

// --- leadership ---

#[test]
fn given_leader_when_is_leader_then_true() {
    let fake = Fake::new();
    fake.stdout("is-leader", "true\n");
    assert!(fake.tools.is_leader().unwrap());
    fake.assert_only_call("is-leader", &["--format=json"]);
}

#[test]
fn given_minion_when_is_leader_then_false() {
    let fake = Fake::new();
    fake.stdout("is-leader", "false");
    assert!(!fake.tools.is_leader().unwrap());
}

// --- secrets ---

#[test]
fn given_full_new_secret_when_secret_add_then_values_only_in_private_files_and_id_trimmed() {
    let fake = Fake::new();
    fake.stdout("secret-add", "secret:cs8m0bqi1tasq7ahb0j0\n");
    let secret = NewSecret {
        content: SecretContent::from_pairs([
            ("certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n"),
            ("csr", "CSR-PEM"),
        ])
        .unwrap(),
        label: Some("tls-certificate-0".to_owned()),
        description: Some("my cert".to_owned()),
        expire: Some(datetime!(2026-01-02 03:04:05 +02:00)),
        rotate: Some(RotatePolicy::Daily),
        owner: SecretOwner::Unit,
    };
    let id = fake.tools.secret_add(&secret).unwrap();
    assert_eq!(id.as_str(), "secret:cs8m0bqi1tasq7ahb0j0");

    let call = fake.only_call();
    assert_eq!(call.tool, "secret-add");
    let dir = secret_dir(&call);
    assert_eq!(
        call.args,
        vec![
            "--label".to_owned(),
            "tls-certificate-0".to_owned(),
            "--description".to_owned(),
            "my cert".to_owned(),
            "--expire".to_owned(),
            "2026-01-02T01:04:05Z".to_owned(),
            "--rotate".to_owned(),
            "daily".to_owned(),
            "--owner".to_owned(),
            "unit".to_owned(),
            format!("certificate#file={}", dir.join("certificate").display()),
            format!("csr#file={}", dir.join("csr").display()),
        ]
    );
    assert_secret_files(
        &call,
        &[
            ("certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n"),
            ("csr", "CSR-PEM"),
        ],
    );
    assert!(
        !dir.exists(),
        "the secret temp dir must be removed afterwards"
    );
    assert!(
        call.args
            .iter()
            .all(|a| !a.contains("MIIB") && !a.contains("CSR-PEM")),
        "no secret value may appear on argv"
    );
}

#[test]
fn given_minimal_new_secret_when_secret_add_then_only_owner_and_files() {
    let fake = Fake::new();
    fake.stdout(
        "secret-add",
        "  secret://0b7f1c2e-uuid/cs8m0bqi1tasq7ahb0j0\n",
    );
    let secret = NewSecret {
        content: SecretContent::from_pairs([("private-key", "KEY")]).unwrap(),
        ..NewSecret::default()
    };
    let id = fake.tools.secret_add(&secret).unwrap();
    assert_eq!(id.as_str(), "secret://0b7f1c2e-uuid/cs8m0bqi1tasq7ahb0j0");
    assert_eq!(id, secret_id(), "ids compare by xid");
    let call = fake.only_call();
    let dir = secret_dir(&call);
    assert_eq!(
        call.args,
        vec![
            "--owner".to_owned(),
            "application".to_owned(),
            format!("private-key#file={}", dir.join("private-key").display()),
        ]
    );
    assert_secret_files(&call, &[("private-key", "KEY")]);
    assert!(!dir.exists());
}

#[test]
fn given_empty_content_when_secret_add_then_invalid_input_and_no_tool_runs() {
    let fake = Fake::new();
    let err = fake.tools.secret_add(&NewSecret::default()).unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref tool, .. } if tool == "secret-add"),
        "{err:?}"
    );
    assert!(fake.calls().is_empty());
}

#[test]
fn given_garbage_output_when_secret_add_then_malformed_output() {
    let fake = Fake::new();
    fake.stdout("secret-add", "oops not an id\n");
    let secret = NewSecret {
        content: SecretContent::from_pairs([("private-key", "KEY")]).unwrap(),
        ..NewSecret::default()
    };
    let err = fake.tools.secret_add(&secret).unwrap_err();
    assert!(
        matches!(err, Error::MalformedOutput { ref tool, .. } if tool == "secret-add"),
        "{err:?}"
    );
}

#[test]
fn given_failing_secret_add_when_called_then_error_and_files_still_removed() {
    let fake = Fake::new();
    fake.fail("secret-add", 1, "ERROR this unit is not the leader\n");
    let secret = NewSecret {
        content: SecretContent::from_pairs([("private-key", "KEY")]).unwrap(),
        ..NewSecret::default()
    };
    let err = fake.tools.secret_add(&secret).unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert!(!secret_dir(&fake.only_call()).exists());
}

#[test]
fn given_id_when_secret_get_tracked_then_argv_and_content() {
    let fake = Fake::new();
    fake.stdout("secret-get", r#"{"private-key":"KEY"}"#);
    let content = fake
        .tools
        .secret_get(SecretRef::Id(&secret_id()), ReadMode::Tracked)
        .unwrap();
    assert_eq!(content.get("private-key"), Some("KEY"));
    fake.assert_only_call(
        "secret-get",
        &["--format=json", "secret:cs8m0bqi1tasq7ahb0j0"],
    );
}

#[test]
fn given_label_when_secret_get_refresh_then_argv() {
    let fake = Fake::new();
    fake.stdout("secret-get", r#"{"csr":"C"}"#);
    fake.tools
        .secret_get(SecretRef::Label("lbl"), ReadMode::Refresh)
        .unwrap();
    fake.assert_only_call(
        "secret-get",
        &["--format=json", "--label", "lbl", "--refresh"],
    );
}

#[test]
fn given_id_and_label_when_secret_get_peek_then_argv() {
    let fake = Fake::new();
    fake.stdout("secret-get", r#"{"csr":"C"}"#);
    fake.tools
        .secret_get(SecretRef::IdAndLabel(&secret_id(), "lbl"), ReadMode::Peek)
        .unwrap();
    fake.assert_only_call(
        "secret-get",
        &[
            "--format=json",
            "secret:cs8m0bqi1tasq7ahb0j0",
            "--label",
            "lbl",
            "--peek",
        ],
    );
}

#[test]
fn given_missing_secret_when_secret_get_then_not_found() {
    let fake = Fake::new();
    fake.fail("secret-get", 1, "ERROR secret \"lbl\" not found\n");
    let err = fake
        .tools
        .secret_get(SecretRef::Label("lbl"), ReadMode::Tracked)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.tool(), Some("secret-get"));
}

#[test]
fn given_non_string_values_when_secret_get_then_malformed_output() {
    let fake = Fake::new();
    fake.stdout("secret-get", r#"{"csr": 5}"#);
    let err = fake
        .tools
        .secret_get(SecretRef::Label("lbl"), ReadMode::Tracked)
        .unwrap_err();
    assert!(matches!(err, Error::MalformedOutput { .. }), "{err:?}");
}

#[test]
fn given_unexpected_shapes_when_secret_get_then_error_does_not_quote_the_output() {
    for output in [
        r#""SUPER-SECRET""#,
        r#"["SUPER-SECRET"]"#,
        r#"{"csr": ["SUPER-SECRET"]}"#,
    ] {
        let fake = Fake::new();
        fake.stdout("secret-get", output);
        let err = fake
            .tools
            .secret_get(SecretRef::Label("lbl"), ReadMode::Tracked)
            .unwrap_err();
        assert!(matches!(err, Error::MalformedOutput { .. }), "{err:?}");
        assert!(
            !format!("{err} {err:?}").contains("SUPER-SECRET"),
            "{err:?}"
        );
    }
}

#[test]
fn given_invalid_key_in_output_when_secret_get_then_malformed_output() {
    let fake = Fake::new();
    fake.stdout("secret-get", r#"{"ca": "x"}"#);
    let err = fake
        .tools
        .secret_get(SecretRef::Label("lbl"), ReadMode::Tracked)
        .unwrap_err();
    assert!(matches!(err, Error::MalformedOutput { .. }), "{err:?}");
}

#[test]
fn given_full_update_when_secret_set_then_one_call_carries_everything() {
    let fake = Fake::new();
    let update = SecretUpdate {
        content: Some(SecretContent::from_pairs([("certificate", "NEW")]).unwrap()),
        label: Some("new-label".to_owned()),
        description: Some("d".to_owned()),
        expire: Some(datetime!(2030-05-06 07:08:09 UTC)),
        rotate: Some(RotatePolicy::Never),
    };
    fake.tools.secret_set(&secret_id(), &update).unwrap();
    let call = fake.only_call();
    assert_eq!(call.tool, "secret-set");
    let dir = secret_dir(&call);
    assert_eq!(
        call.args,
        vec![
            "--label".to_owned(),
            "new-label".to_owned(),
            "--description".to_owned(),
            "d".to_owned(),
            "--expire".to_owned(),
            "2030-05-06T07:08:09Z".to_owned(),
            "--rotate".to_owned(),
            "never".to_owned(),
            "secret:cs8m0bqi1tasq7ahb0j0".to_owned(),
            format!("certificate#file={}", dir.join("certificate").display()),
        ]
    );
    assert_secret_files(&call, &[("certificate", "NEW")]);
    assert!(!dir.exists());
}

#[test]
fn given_metadata_only_update_when_secret_set_then_no_files() {
    let fake = Fake::new();
    let update = SecretUpdate {
        expire: Some(datetime!(2030-05-06 07:08:09 UTC)),
        ..SecretUpdate::default()
    };
    fake.tools.secret_set(&secret_id(), &update).unwrap();
    let call = fake.assert_only_call(
        "secret-set",
        &[
            "--expire",
            "2030-05-06T07:08:09Z",
            "secret:cs8m0bqi1tasq7ahb0j0",
        ],
    );
    assert!(call.files.is_empty());
}

#[test]
fn given_empty_content_when_secret_set_then_invalid_input() {
    let fake = Fake::new();
    let update = SecretUpdate {
        content: Some(SecretContent::new()),
        ..SecretUpdate::default()
    };
    let err = fake.tools.secret_set(&secret_id(), &update).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(fake.calls().is_empty());
}

#[test]
fn given_revision_when_secret_remove_then_argv_has_revision() {
    let fake = Fake::new();
    fake.tools.secret_remove(&secret_id(), Some(3)).unwrap();
    fake.assert_only_call(
        "secret-remove",
        &["secret:cs8m0bqi1tasq7ahb0j0", "--revision", "3"],
    );
}

#[test]
fn given_no_revision_when_secret_remove_then_whole_secret() {
    let fake = Fake::new();
    fake.tools.secret_remove(&secret_id(), None).unwrap();
    fake.assert_only_call("secret-remove", &["secret:cs8m0bqi1tasq7ahb0j0"]);
}

#[test]
fn given_full_info_when_secret_info_get_by_id_then_all_fields_parsed() {
    let fake = Fake::new();
    fake.stdout(
        "secret-info-get",
        r#"{"cs8m0bqi1tasq7ahb0j0":{"revision":3,"label":"l","owner":"unit","description":"d",
            "rotation":"weekly","expiry":"2026-01-02T03:04:05Z","rotates":"2026-01-09T03:04:05Z",
            "access":[{"target":"application-x","scope":"relation-1","role":"view"}]}}"#,
    );
    let info = fake
        .tools
        .secret_info_get(SecretLookup::Id(&secret_id()))
        .unwrap();
    fake.assert_only_call(
        "secret-info-get",
        &["--format=json", "secret:cs8m0bqi1tasq7ahb0j0"],
    );
    assert_eq!(info.id, secret_id());
    assert_eq!(info.label.as_deref(), Some("l"));
    assert_eq!(info.revision, 3);
    assert_eq!(info.owner, SecretOwner::Unit);
    assert_eq!(info.description.as_deref(), Some("d"));
    assert_eq!(info.rotation, Some(RotatePolicy::Weekly));
    assert_eq!(info.expiry, Some(datetime!(2026-01-02 03:04:05 UTC)));
    assert_eq!(info.rotates, Some(datetime!(2026-01-09 03:04:05 UTC)));
}

#[test]
fn given_sparse_info_when_secret_info_get_by_label_then_optional_fields_absent() {
    let fake = Fake::new();
    fake.stdout(
        "secret-info-get",
        r#"{"cs8m0bqi1tasq7ahb0j0":{"revision":1,"owner":"application"}}"#,
    );
    let info = fake
        .tools
        .secret_info_get(SecretLookup::Label("l"))
        .unwrap();
    fake.assert_only_call("secret-info-get", &["--format=json", "--label", "l"]);
    assert_eq!(info.owner, SecretOwner::Application);
    assert_eq!((info.label, info.expiry, info.rotation), (None, None, None));
}

#[test]
fn given_two_secrets_or_none_in_output_when_secret_info_get_then_malformed_output() {
    let fake = Fake::new();
    for output in [
        "{}",
        r#"{"a1":{"revision":1,"owner":"unit"},"b2":{"revision":1,"owner":"unit"}}"#,
        r#"{"a1":{"revision":-1,"owner":"unit"}}"#,
        r#"{"a1":{"revision":1,"owner":"nobody"}}"#,
        r#"{"a1":{"revision":1,"owner":"unit","expiry":"tomorrow"}}"#,
        r#"["a1"]"#,
    ] {
        fake.stdout("secret-info-get", output);
        let err = fake
            .tools
            .secret_info_get(SecretLookup::Label("l"))
            .unwrap_err();
        assert!(
            matches!(err, Error::MalformedOutput { .. }),
            "{output}: {err:?}"
        );
    }
}

#[test]
fn given_bare_and_uri_ids_when_secret_ids_then_both_parse() {
    let fake = Fake::new();
    fake.stdout(
        "secret-ids",
        r#"["cs8m0bqi1tasq7ahb0j0","secret:d0000000000000000000"]"#,
    );
    let ids = fake.tools.secret_ids().unwrap();
    fake.assert_only_call("secret-ids", &["--format=json"]);
    assert_eq!(ids[0], secret_id());
    assert_eq!(ids[0].as_str(), "secret:cs8m0bqi1tasq7ahb0j0");
    assert_eq!(ids[1].xid(), "d0000000000000000000");
}

#[test]
fn given_relation_when_secret_grant_then_argv() {
    let fake = Fake::new();
    fake.tools
        .secret_grant(&secret_id(), &rel("certificates", 7), None)
        .unwrap();
    fake.assert_only_call(
        "secret-grant",
        &[
            "--relation",
            "certificates:7",
            "secret:cs8m0bqi1tasq7ahb0j0",
        ],
    );
}

#[test]
fn given_unit_when_secret_grant_then_argv_has_unit() {
    let fake = Fake::new();
    fake.tools
        .secret_grant(&secret_id(), &rel("certificates", 7), Some(&unit("req/1")))
        .unwrap();
    fake.assert_only_call(
        "secret-grant",
        &[
            "--relation",
            "certificates:7",
            "--unit",
            "req/1",
            "secret:cs8m0bqi1tasq7ahb0j0",
        ],
    );
}

#[test]
fn given_unit_when_secret_revoke_then_argv() {
    let fake = Fake::new();
    fake.tools
        .secret_revoke(&secret_id(), &rel("certificates", 7), Some(&unit("req/1")))
        .unwrap();
    fake.assert_only_call(
        "secret-revoke",
        &[
            "--relation",
            "certificates:7",
            "--unit",
            "req/1",
            "secret:cs8m0bqi1tasq7ahb0j0",
        ],
    );
}

// --- status, logs, config ---

#[test]
fn given_unit_status_when_status_set_then_argv_with_double_dash() {
    let fake = Fake::new();
    fake.tools
        .status_set(Target::Unit, StatusKind::Blocked, "-missing relation")
        .unwrap();
    fake.assert_only_call(
        "status-set",
        &["--application=false", "blocked", "--", "-missing relation"],
    );
}

#[test]
fn given_app_status_when_status_set_then_application_true() {
    let fake = Fake::new();
    fake.tools
        .status_set(Target::App, StatusKind::Active, "")
        .unwrap();
    fake.assert_only_call("status-set", &["--application=true", "active", "--", ""]);
}

#[test]
fn given_version_when_application_version_set_then_argv() {
    let fake = Fake::new();
    fake.tools.application_version_set("1.2.3").unwrap();
    fake.assert_only_call("application-version-set", &["--", "1.2.3"]);
}

#[test]
fn given_each_level_when_juju_log_then_argv() {
    for (level, word) in [
        (LogLevel::Trace, "TRACE"),
        (LogLevel::Debug, "DEBUG"),
        (LogLevel::Info, "INFO"),
        (LogLevel::Warning, "WARNING"),
        (LogLevel::Error, "ERROR"),
    ] {
        let fake = Fake::new();
        fake.tools.juju_log(level, "--dangerous message").unwrap();
        fake.assert_only_call(
            "juju-log",
            &["--log-level", word, "--", "--dangerous message"],
        );
    }
}

#[test]
fn given_config_when_config_get_then_map() {
    let fake = Fake::new();
    fake.stdout("config-get", r#"{"common_name":"banana","count":3}"#);
    let config = fake.tools.config_get().unwrap();
    fake.assert_only_call("config-get", &["--format=json"]);
    assert_eq!(config["common_name"], json!("banana"));
    assert_eq!(config["count"], json!(3));
}

#[test]
fn given_null_config_when_config_get_then_empty_map() {
    let fake = Fake::new();
    fake.stdout("config-get", "null");
    assert!(fake.tools.config_get().unwrap().is_empty());
}

#[test]
fn given_list_output_when_config_get_then_malformed_output() {
    let fake = Fake::new();
    fake.stdout("config-get", "[1]");
    let err = fake.tools.config_get().unwrap_err();
    assert!(
        matches!(err, Error::MalformedOutput { ref tool, .. } if tool == "config-get"),
        "{err:?}"
    );
}

// --- actions ---

#[test]
fn given_params_when_action_get_then_value() {
    let fake = Fake::new();
    fake.stdout("action-get", r#"{"accept-tos":true,"nested":{"a":1}}"#);
    let params = fake.tools.action_get().unwrap();
    fake.assert_only_call("action-get", &["--format=json"]);
    assert_eq!(params, json!({"accept-tos": true, "nested": {"a": 1}}));
}

#[test]
fn given_results_when_action_set_then_key_value_argv_in_key_order() {
    let fake = Fake::new();
    fake.tools
        .action_set(&bag(&[("ca.pem", "PEM"), ("chain-0", "a=b")]))
        .unwrap();
    fake.assert_only_call("action-set", &["ca.pem=PEM", "chain-0=a=b"]);
}

#[test]
fn given_invalid_or_reserved_keys_when_action_set_then_invalid_input_and_no_call() {
    let fake = Fake::new();
    for key in [
        "Upper",
        "stdout",
        "stderr-encoding",
        "a..b",
        "-lead",
        "trail-",
        ".x",
        "",
    ] {
        let err = fake.tools.action_set(&bag(&[(key, "v")])).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{key:?}: {err:?}"
        );
    }
    assert!(fake.calls().is_empty());
}

#[test]
fn given_message_when_action_fail_then_argv() {
    let fake = Fake::new();
    fake.tools.action_fail("-no certificate").unwrap();
    fake.assert_only_call("action-fail", &["--", "-no certificate"]);
}

#[test]
fn given_message_when_action_log_then_argv() {
    let fake = Fake::new();
    fake.tools.action_log("working").unwrap();
    fake.assert_only_call("action-log", &["--", "working"]);
}

// --- error classification and malformed output ---

#[test]
fn given_tool_failures_when_called_then_classified_by_exit_code_and_stderr() {
    let cases: &[(u8, &str, &str)] = &[
        (1, "ERROR secret not found", "NotFound"),
        (
            2,
            "ERROR invalid value \"x:9\" for option -r: relation not found",
            "NotFound",
        ),
        (1, "ERROR permission denied", "PermissionDenied"),
        (1, "ERROR access denied", "PermissionDenied"),
        (1, "ERROR this unit is not the leader", "PermissionDenied"),
        (
            1,
            "ERROR cannot write relation settings",
            "PermissionDenied",
        ),
        (2, "ERROR flag provided but not defined: -x", "Usage"),
        (1, "ERROR connection is shut down", "Failed"),
        (7, "boom", "Failed"),
    ];
    for &(code, stderr, expected) in cases {
        let fake = Fake::new();
        fake.fail("is-leader", code, stderr);
        let err = fake.tools.is_leader().unwrap_err();
        let kind = match &err {
            Error::NotFound { .. } => "NotFound",
            Error::PermissionDenied { .. } => "PermissionDenied",
            Error::Usage { .. } => "Usage",
            Error::Failed { code: c, .. } => {
                assert_eq!(*c, i32::from(code));
                "Failed"
            }
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(kind, expected, "{stderr}");
        assert_eq!(err.tool(), Some("is-leader"));
        assert!(err.to_string().contains(stderr), "{err}");
    }
}

#[test]
fn given_tool_killed_by_signal_when_called_then_terminated() {
    let fake = Fake::new();
    fake.respond("is-leader", json!({ "abort": true }));
    let err = fake.tools.is_leader().unwrap_err();
    assert!(
        matches!(err, Error::Terminated { ref tool, .. } if tool == "is-leader"),
        "{err:?}"
    );
}

#[test]
fn given_missing_tool_when_called_then_spawn_error_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let tools = ProcessHookTools::with_tool_dir(dir.path());
    let err = tools.is_leader().unwrap_err();
    assert!(
        matches!(err, Error::Spawn { ref tool, .. } if tool == "is-leader"),
        "{err:?}"
    );
}

#[test]
fn given_malformed_outputs_when_parsing_then_typed_errors_not_panics() {
    let r = rel("certificates", 7);
    expect_malformed("relation-ids", "not json", |t| {
        t.relation_ids("c").map(drop)
    });
    expect_malformed("relation-ids", r#"["nocolon"]"#, |t| {
        t.relation_ids("c").map(drop)
    });
    expect_malformed("relation-ids", "[7]", |t| t.relation_ids("c").map(drop));
    expect_malformed("relation-list", r#"["no-slash"]"#, |t| {
        t.relation_list(&r).map(drop)
    });
    expect_malformed("relation-list", r#"{"a":1}"#, |t| {
        t.relation_remote_app(&r).map(drop)
    });
    expect_malformed("relation-get", r#"{"k":1}"#, |t| {
        t.relation_get(&r, Member::App("a")).map(drop)
    });
    expect_malformed("is-leader", "yes", |t| t.is_leader().map(drop));
    expect_malformed("is-leader", "", |t| t.is_leader().map(drop));
    expect_malformed("secret-ids", r#"["BAD ID"]"#, |t| t.secret_ids().map(drop));
    expect_malformed("action-get", "{", |t| t.action_get().map(drop));
}

/// Given `tool` printing `output`, `call` fails with `MalformedOutput` naming that tool.
fn expect_malformed(
    tool: &str,
    output: &str,
    call: impl FnOnce(&ProcessHookTools) -> Result<(), Error>,
) {
    let fake = Fake::new();
    fake.stdout(tool, output);
    match call(&fake.tools) {
        Err(Error::MalformedOutput { tool: t, .. }) => assert_eq!(t, tool, "{output}"),
        other => panic!("{tool} {output:?}: expected MalformedOutput, got {other:?}"),
    }
}

// --- helpers for secret files ---

/// The temp dir holding a call's `#file=` arguments (all in one dir).
fn secret_dir(call: &Call) -> PathBuf {
    let dirs: Vec<PathBuf> = call
        .files
        .values()
        .map(|f| {
            Path::new(f["path"].as_str().unwrap())
                .parent()
                .unwrap()
                .to_path_buf()
        })
        .collect();
    assert!(!dirs.is_empty(), "no #file= arguments in {call:?}");
    assert!(
        dirs.windows(2).all(|w| w[0] == w[1]),
        "one temp dir per call: {dirs:?}"
    );
    dirs[0].clone()
}

/// Each key's file held exactly the value, with mode 0600 in a 0700 dir, while the tool ran.
fn assert_secret_files(call: &Call, expected: &[(&str, &str)]) {
    assert_eq!(call.files.len(), expected.len(), "{call:?}");
    for (key, value) in expected {
        let file = &call.files[*key];
        assert_eq!(file["content"], json!(value), "{key}");
        assert_eq!(file["mode"], json!("600"), "{key}");
        assert_eq!(file["dir_mode"], json!("700"), "{key}");
    }
}

// --- peer text on the command line ---

/// What a hostile peer can put in a message: 200 000 characters, newlines that forge log
/// lines, a terminal escape, a NUL.
fn hostile_text() -> String {
    format!(
        "refused\nERROR unit-ca-0: forged line\u{1b}[2J\0{}",
        "A".repeat(200_000)
    )
}

#[test]
fn an_argument_past_max_arg_strlen_does_not_even_start_a_tool() {
    // The premise of the bounds: Linux refuses one argv string of 128 KiB or more (E2BIG).
    let fake = Fake::new();
    let runner = SystemRunner::with_tool_dir(fake.dir.path());
    let err = runner
        .run("juju-log", &["x".repeat(140_000)], None)
        .unwrap_err();
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
    assert!(fake.calls().is_empty());
}

#[test]
fn a_200_000_character_peer_message_reaches_every_message_tool_bounded_on_one_line() {
    let fake = Fake::new();
    let text = hostile_text();
    fake.tools.juju_log(LogLevel::Warning, &text).unwrap();
    fake.tools
        .status_set(Target::Unit, StatusKind::Blocked, &text)
        .unwrap();
    fake.tools.action_fail(&text).unwrap();
    fake.tools.action_log(&text).unwrap();
    fake.tools.application_version_set(&text).unwrap();
    let calls = fake.calls();
    let tools: Vec<&str> = calls.iter().map(|c| c.tool.as_str()).collect();
    assert_eq!(
        tools,
        [
            "juju-log",
            "status-set",
            "action-fail",
            "action-log",
            "application-version-set"
        ]
    );
    for call in &calls {
        let message = call.args.last().unwrap();
        let bound = match call.tool.as_str() {
            "status-set" | "application-version-set" => MAX_STATUS_BYTES,
            _ => MAX_ARG_BYTES,
        };
        assert!(message.len() <= bound, "{}: {}", call.tool, message.len());
        assert!(
            message.starts_with("refused\\nERROR unit-ca-0: forged line\\u{1b}[2J\\0AAA"),
            "{}: {}",
            call.tool,
            &message[..60]
        );
        assert!(!message.chars().any(char::is_control), "{}", call.tool);
        assert!(message.ends_with("more bytes]"), "{}", call.tool);
    }
}

#[test]
fn a_failing_juju_log_is_best_effort_through_log() {
    let fake = Fake::new();
    fake.fail("juju-log", 1, "ERROR connection is shut down\n");
    // Nothing to unwrap: `log` cannot fail the hook.
    fake.tools.log(LogLevel::Error, "the hook goes on");
    assert_eq!(fake.only_call().tool, "juju-log");
}

#[test]
fn ninety_nine_certificates_of_results_are_set_in_several_runs_under_arg_max() {
    let fake = Fake::new();
    let entry = "C".repeat(7_000);
    let results: BTreeMap<String, String> = (0..99)
        .map(|i| (format!("certificates.{i}"), format!("{i}:{entry}")))
        .collect();
    fake.tools.action_set(&results).unwrap();
    let calls = fake.calls();
    assert!(calls.len() > 1, "{} runs", calls.len());
    let mut set = BTreeMap::new();
    for call in &calls {
        assert_eq!(call.tool, "action-set");
        let bytes: usize = call.args.iter().map(|a| a.len() + 1 + 8).sum();
        assert!(bytes <= 96 * 1024, "{bytes}");
        for arg in &call.args {
            let (key, value) = arg.split_once('=').unwrap();
            assert!(
                set.insert(key.to_owned(), value.to_owned()).is_none(),
                "{key} twice"
            );
        }
    }
    assert_eq!(set, results);
}

#[test]
fn an_action_result_too_long_for_one_argument_or_with_a_nul_is_refused_before_anything_is_set() {
    let fake = Fake::new();
    let too_long = bag(&[("a", "ok"), ("certificates", &"C".repeat(MAX_ARG_BYTES))]);
    let err = fake.tools.action_set(&too_long).unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref reason, .. } if reason.contains("split")),
        "{err:?}"
    );
    let nul = bag(&[("a", "ok"), ("b", "x\0y")]);
    let err = fake.tools.action_set(&nul).unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref reason, .. } if reason.contains("NUL")),
        "{err:?}"
    );
    assert!(fake.calls().is_empty());
    // A PEM keeps its newlines: values are not escaped.
    fake.tools
        .action_set(&bag(&[(
            "ca-certificate",
            "-----BEGIN X-----\nAA\n-----END X-----",
        )]))
        .unwrap();
    fake.assert_only_call(
        "action-set",
        &["ca-certificate=-----BEGIN X-----\nAA\n-----END X-----"],
    );
}

// --- relations that are gone ---

/// `relation-get` of a remote databag on a relation whose other side was removed (a
/// cross-model relation after `juju remove-saas --force`): Juju 3.6 answers `permission denied`.
#[test]
fn reading_a_remote_databag_of_a_gone_relation_is_relation_gone_not_permission_denied() {
    let fake = Fake::new().for_unit("web/0");
    fake.fail("relation-get", 1, "ERROR permission denied\n");
    let r = rel("certificates", 7);
    let err = fake
        .tools
        .relation_get(
            &r,
            Member::Unit(&unit("remote-0a1b2c3d4e5f46078899aabbccddeeff/0")),
        )
        .unwrap_err();
    assert!(err.is_relation_gone() && err.is_not_found(), "{err:?}");
    let err = fake.tools.relation_get(&r, Member::App("ca")).unwrap_err();
    assert!(err.is_relation_gone(), "{err:?}");
    // Neither needed to ask about leadership.
    assert!(fake.calls().iter().all(|c| c.tool == "relation-get"));
}

#[test]
fn writing_our_unit_databag_of_a_gone_relation_is_relation_gone() {
    let fake = Fake::new();
    fake.fail("relation-set", 1, "ERROR permission denied\n");
    let err = fake
        .tools
        .relation_set(&rel("certificates", 7), Target::Unit, &bag(&[("k", "v")]))
        .unwrap_err();
    assert!(err.is_relation_gone(), "{err:?}");
}

/// `ops`'s exception: a non-leader may not read or write its own application's databag, so
/// `permission denied` is a refusal there, not a gone relation.
#[test]
fn a_follower_touching_its_own_app_databag_is_refused_but_a_leader_there_finds_it_gone() {
    for leader in [false, true] {
        let fake = Fake::new().for_unit("web/0");
        fake.stdout("is-leader", if leader { "true" } else { "false" });
        fake.fail("relation-get", 1, "ERROR permission denied\n");
        fake.fail("relation-set", 1, "ERROR permission denied\n");
        let r = rel("certificates", 7);
        let read = fake.tools.relation_get(&r, Member::App("web")).unwrap_err();
        let write = fake
            .tools
            .relation_set(&r, Target::App, &bag(&[("k", "v")]))
            .unwrap_err();
        for err in [read, write] {
            assert_eq!(err.is_relation_gone(), leader, "leader {leader}: {err:?}");
            assert_eq!(
                err.is_permission_denied(),
                !leader,
                "leader {leader}: {err:?}"
            );
        }
    }
}

#[test]
fn without_knowing_its_app_a_follower_keeps_permission_denied_on_app_databags() {
    let fake = Fake::new();
    fake.stdout("is-leader", "false");
    fake.fail("relation-get", 1, "ERROR permission denied\n");
    let err = fake
        .tools
        .relation_get(&rel("certificates", 7), Member::App("ca"))
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
}

#[test]
fn a_non_leader_app_write_refusal_stays_permission_denied_without_a_leadership_check() {
    let fake = Fake::new();
    fake.fail("relation-set", 1, "ERROR cannot write relation settings\n");
    let err = fake
        .tools
        .relation_set(&rel("certificates", 7), Target::App, &bag(&[("k", "v")]))
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert_eq!(fake.only_call().tool, "relation-set");
}

#[test]
fn relation_not_found_from_any_relation_tool_is_relation_gone() {
    let r = rel("certificates", 9);
    for stderr in [
        "ERROR invalid value \"certificates:9\" for option -r: relation not found\n",
        "ERROR relation 9 not found\n",
    ] {
        let fake = Fake::new();
        for tool in ["relation-get", "relation-set", "relation-list"] {
            fake.fail(tool, 2, stderr);
        }
        let errors = [
            fake.tools.relation_list(&r).unwrap_err(),
            fake.tools
                .relation_get(&r, Member::Unit(&unit("ca/0")))
                .unwrap_err(),
            fake.tools
                .relation_set(&r, Target::Unit, &bag(&[("k", "v")]))
                .unwrap_err(),
        ];
        for err in errors {
            assert!(err.is_relation_gone(), "{stderr}: {err:?}");
        }
        // As ops answers: a relation that is gone has no remote application.
        assert_eq!(fake.tools.relation_remote_app(&r).unwrap(), None);
    }
    // A secret, key or settings that is not found stays NotFound.
    let fake = Fake::new();
    fake.fail(
        "relation-get",
        1,
        "ERROR cannot read settings for unit \"ca/0\" in relation 9: settings not found\n",
    );
    let err = fake
        .tools
        .relation_get(&r, Member::Unit(&unit("ca/0")))
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
