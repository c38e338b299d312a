//! `Context::from_map`: every event kind, and typed errors for missing or malformed variables.

use std::collections::BTreeMap;
use std::path::Path;

use juju_hook_tools::{Context, Error, Event, RelationId, SecretId, UnitName};

/// The variables Juju always sets, for unit `tls-requirer/3`, dispatching `path`.
fn base(path: &str) -> BTreeMap<String, String> {
    [
        ("JUJU_DISPATCH_PATH", path),
        ("JUJU_HOOK_NAME", path.rsplit('/').next().unwrap()),
        ("JUJU_UNIT_NAME", "tls-requirer/3"),
        ("JUJU_MODEL_NAME", "dev"),
        ("JUJU_MODEL_UUID", "0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10"),
        ("JUJU_VERSION", "3.6.14"),
        (
            "JUJU_CHARM_DIR",
            "/var/lib/juju/agents/unit-tls-requirer-3/charm",
        ),
        ("JUJU_CONTEXT_ID", "tls-requirer/3-install-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut vars: BTreeMap<String, String>, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    for (k, v) in extra {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    vars
}

fn event(vars: &BTreeMap<String, String>) -> Event {
    Context::from_map(vars).unwrap().event().clone()
}

fn unit(name: &str) -> UnitName {
    UnitName::parse(name).unwrap()
}

#[test]
fn given_install_env_when_parsed_then_identity_fields_are_exposed() {
    let ctx = Context::from_map(&base("hooks/install")).unwrap();
    assert_eq!(ctx.event(), &Event::Install);
    assert_eq!(ctx.unit().as_str(), "tls-requirer/3");
    assert_eq!(ctx.app(), "tls-requirer");
    assert_eq!(ctx.unit_number(), 3);
    assert_eq!(ctx.model_name(), Some("dev"));
    assert_eq!(
        ctx.model_uuid(),
        Some("0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10")
    );
    let version = ctx.juju_version().unwrap();
    assert_eq!(version.as_str(), "3.6.14");
    assert!(version.at_least(3, 6, 0));
    assert!(!version.at_least(3, 7, 0));
    assert_eq!(
        ctx.charm_dir(),
        Some(Path::new("/var/lib/juju/agents/unit-tls-requirer-3/charm"))
    );
    assert_eq!(ctx.dispatch_path(), "hooks/install");
}

#[test]
fn given_each_simple_hook_when_parsed_then_matching_event() {
    let cases = [
        ("install", Event::Install),
        ("start", Event::Start),
        ("stop", Event::Stop),
        ("remove", Event::Remove),
        ("config-changed", Event::ConfigChanged),
        ("upgrade-charm", Event::UpgradeCharm),
        ("update-status", Event::UpdateStatus),
        ("leader-elected", Event::LeaderElected),
        ("leader-settings-changed", Event::LeaderSettingsChanged),
    ];
    for (hook, expected) in cases {
        assert_eq!(event(&base(&format!("hooks/{hook}"))), expected, "{hook}");
    }
}

#[test]
fn given_unmodelled_hooks_when_parsed_then_unknown_with_name() {
    for hook in [
        "data-storage-attached",
        "workload-pebble-ready",
        "collect-metrics",
        "-relation-changed",
    ] {
        assert_eq!(
            event(&base(&format!("hooks/{hook}"))),
            Event::Unknown(hook.to_owned())
        );
    }
}

fn relation_vars(hook: &str, remote_unit: &str) -> BTreeMap<String, String> {
    with(
        base(&format!("hooks/{hook}")),
        &[
            ("JUJU_RELATION", "tls-certificates"),
            ("JUJU_RELATION_ID", "tls-certificates:7"),
            ("JUJU_REMOTE_APP", "self-signed"),
            ("JUJU_REMOTE_UNIT", remote_unit),
        ],
    )
}

#[test]
fn given_relation_created_when_parsed_then_endpoint_from_juju_relation_and_no_remote_unit() {
    // The endpoint contains hyphens: it must come from JUJU_RELATION, not from the hook name.
    let Event::RelationCreated(rel) =
        event(&relation_vars("tls-certificates-relation-created", ""))
    else {
        panic!("not RelationCreated");
    };
    assert_eq!(
        rel.relation,
        RelationId::new("tls-certificates", 7).unwrap()
    );
    assert_eq!(rel.relation.endpoint(), "tls-certificates");
    assert_eq!(rel.remote_app.as_deref(), Some("self-signed"));
    assert_eq!(rel.remote_unit, None);
    assert_eq!(rel.departing_unit, None);
}

#[test]
fn given_relation_joined_when_parsed_then_remote_unit() {
    let vars = relation_vars("tls-certificates-relation-joined", "self-signed/0");
    let Event::RelationJoined(rel) = event(&vars) else {
        panic!("not RelationJoined");
    };
    assert_eq!(rel.remote_unit, Some(unit("self-signed/0")));
}

#[test]
fn given_unit_relation_changed_when_parsed_then_remote_unit() {
    let vars = relation_vars("tls-certificates-relation-changed", "self-signed/1");
    let parsed = event(&vars);
    assert!(matches!(parsed, Event::RelationChanged(_)));
    assert_eq!(
        parsed.relation().unwrap().remote_unit,
        Some(unit("self-signed/1"))
    );
}

#[test]
fn given_app_databag_relation_changed_when_parsed_then_no_remote_unit() {
    let vars = relation_vars("tls-certificates-relation-changed", "");
    let Event::RelationChanged(rel) = event(&vars) else {
        panic!("not RelationChanged");
    };
    assert_eq!(rel.remote_unit, None);
    assert_eq!(rel.remote_app.as_deref(), Some("self-signed"));
}

#[test]
fn given_relation_departed_when_parsed_then_departing_unit() {
    let vars = with(
        relation_vars("tls-certificates-relation-departed", "self-signed/1"),
        &[("JUJU_DEPARTING_UNIT", "self-signed/1")],
    );
    let Event::RelationDeparted(rel) = event(&vars) else {
        panic!("not RelationDeparted");
    };
    assert_eq!(rel.remote_unit, Some(unit("self-signed/1")));
    assert_eq!(rel.departing_unit, Some(unit("self-signed/1")));
}

#[test]
fn given_relation_broken_with_empty_remote_app_when_parsed_then_app_unknown() {
    let vars = with(
        relation_vars("tls-certificates-relation-broken", ""),
        &[("JUJU_REMOTE_APP", "")],
    );
    let Event::RelationBroken(rel) = event(&vars) else {
        panic!("not RelationBroken");
    };
    assert_eq!(rel.remote_app, None);
    assert_eq!(rel.remote_unit, None);
}

#[test]
fn given_departing_unit_on_other_hook_when_parsed_then_ignored() {
    let vars = with(
        relation_vars("tls-certificates-relation-changed", "self-signed/1"),
        &[("JUJU_DEPARTING_UNIT", "self-signed/1")],
    );
    assert_eq!(event(&vars).relation().unwrap().departing_unit, None);
}

#[test]
fn given_bare_relation_number_when_parsed_then_endpoint_from_juju_relation() {
    let vars = with(
        relation_vars("tls-certificates-relation-joined", "self-signed/0"),
        &[("JUJU_RELATION_ID", "7")],
    );
    assert_eq!(
        event(&vars).relation().unwrap().relation.to_string(),
        "tls-certificates:7"
    );
}

#[test]
fn given_relation_hook_without_juju_relation_when_parsed_then_missing_env() {
    let mut vars = relation_vars("certificates-relation-changed", "p/0");
    vars.remove("JUJU_RELATION");
    let err = Context::from_map(&vars).unwrap_err();
    assert!(
        matches!(err, Error::MissingEnv { ref var } if var == "JUJU_RELATION"),
        "{err:?}"
    );
}

#[test]
fn given_relation_id_of_other_endpoint_when_parsed_then_malformed_env() {
    let vars = with(
        relation_vars("tls-certificates-relation-changed", "p/0"),
        &[("JUJU_RELATION_ID", "other:7")],
    );
    let err = Context::from_map(&vars).unwrap_err();
    assert!(
        matches!(err, Error::MalformedEnv { ref var, .. } if var == "JUJU_RELATION_ID"),
        "{err:?}"
    );
}

#[test]
fn given_hook_name_not_matching_juju_relation_when_parsed_then_malformed_env() {
    let vars = with(
        relation_vars("tls-certificates-relation-changed", "p/0"),
        &[("JUJU_RELATION", "certificates")],
    );
    let err = Context::from_map(&vars).unwrap_err();
    assert!(
        matches!(err, Error::MalformedEnv { ref var, .. } if var == "JUJU_RELATION"),
        "{err:?}"
    );
}

#[test]
fn given_malformed_relation_values_when_parsed_then_malformed_env_names_the_variable() {
    for (var, value) in [
        ("JUJU_RELATION_ID", "tls-certificates:seven"),
        ("JUJU_REMOTE_UNIT", "no-slash"),
    ] {
        let vars = with(
            relation_vars("tls-certificates-relation-joined", "p/0"),
            &[(var, value)],
        );
        let err = Context::from_map(&vars).unwrap_err();
        assert!(
            matches!(err, Error::MalformedEnv { var: ref v, .. } if v == var),
            "{err:?}"
        );
    }
}

fn secret_vars(hook: &str, revision: Option<&str>) -> BTreeMap<String, String> {
    let mut vars = with(
        base(&format!("hooks/{hook}")),
        &[
            ("JUJU_SECRET_ID", "secret://0b7f1c2e/cs8m0bqi1tasq7ahb0j0"),
            ("JUJU_SECRET_LABEL", "tls-certificate-0"),
        ],
    );
    if let Some(revision) = revision {
        vars.insert("JUJU_SECRET_REVISION".to_owned(), revision.to_owned());
    }
    vars
}

#[test]
fn given_secret_changed_when_parsed_then_id_label_and_optional_revision() {
    let Event::SecretChanged(s) = event(&secret_vars("secret-changed", None)) else {
        panic!("not SecretChanged");
    };
    assert_eq!(
        s.id,
        SecretId::parse("secret:cs8m0bqi1tasq7ahb0j0").unwrap()
    );
    assert_eq!(s.id.as_str(), "secret://0b7f1c2e/cs8m0bqi1tasq7ahb0j0");
    assert_eq!(s.label.as_deref(), Some("tls-certificate-0"));
    assert_eq!(s.revision, None);
}

#[test]
fn given_secret_rotate_when_parsed_then_secret_event() {
    let parsed = event(&secret_vars("secret-rotate", Some("2")));
    let Event::SecretRotate(s) = &parsed else {
        panic!("not SecretRotate");
    };
    assert_eq!(s.revision, Some(2));
    assert_eq!(parsed.secret_id().unwrap().xid(), "cs8m0bqi1tasq7ahb0j0");
}

#[test]
fn given_secret_expired_when_parsed_then_revision() {
    let Event::SecretExpired(s) = event(&secret_vars("secret-expired", Some("4"))) else {
        panic!("not SecretExpired");
    };
    assert_eq!(s.revision, 4);
    assert_eq!(s.label.as_deref(), Some("tls-certificate-0"));
}

#[test]
fn given_secret_remove_with_empty_label_when_parsed_then_no_label() {
    let vars = with(
        secret_vars("secret-remove", Some("1")),
        &[("JUJU_SECRET_LABEL", "")],
    );
    let Event::SecretRemove(s) = event(&vars) else {
        panic!("not SecretRemove");
    };
    assert_eq!(s.revision, 1);
    assert_eq!(s.label, None);
}

#[test]
fn given_secret_expired_without_revision_when_parsed_then_missing_env() {
    let err = Context::from_map(&secret_vars("secret-expired", None)).unwrap_err();
    assert!(
        matches!(err, Error::MissingEnv { ref var } if var == "JUJU_SECRET_REVISION"),
        "{err:?}"
    );
}

#[test]
fn given_secret_hook_with_bad_id_or_revision_when_parsed_then_malformed_env() {
    for (var, value) in [
        ("JUJU_SECRET_ID", "secret:"),
        ("JUJU_SECRET_REVISION", "-1"),
    ] {
        let vars = with(secret_vars("secret-remove", Some("1")), &[(var, value)]);
        let err = Context::from_map(&vars).unwrap_err();
        assert!(
            matches!(err, Error::MalformedEnv { var: ref v, .. } if v == var),
            "{err:?}"
        );
    }
}

#[test]
fn given_secret_hook_without_id_when_parsed_then_missing_env() {
    let mut vars = secret_vars("secret-changed", None);
    vars.remove("JUJU_SECRET_ID");
    let err = Context::from_map(&vars).unwrap_err();
    assert!(
        matches!(err, Error::MissingEnv { ref var } if var == "JUJU_SECRET_ID"),
        "{err:?}"
    );
}

#[test]
fn given_action_when_parsed_then_name_and_id() {
    let vars = with(
        base("actions/get-certificate"),
        &[
            ("JUJU_HOOK_NAME", ""),
            ("JUJU_ACTION_NAME", "get-certificate"),
            ("JUJU_ACTION_UUID", "42"),
            ("JUJU_ACTION_TAG", "action-42"),
        ],
    );
    assert_eq!(
        event(&vars),
        Event::Action {
            name: "get-certificate".to_owned(),
            id: "42".to_owned()
        }
    );
}

#[test]
fn given_action_without_uuid_when_parsed_then_missing_env() {
    let err = Context::from_map(&base("actions/get-certificate")).unwrap_err();
    assert!(
        matches!(err, Error::MissingEnv { ref var } if var == "JUJU_ACTION_UUID"),
        "{err:?}"
    );
}

#[test]
fn given_each_required_variable_missing_when_parsed_then_missing_env_names_it() {
    for var in ["JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME"] {
        let mut vars = base("hooks/install");
        vars.remove(var);
        let err = Context::from_map(&vars).unwrap_err();
        assert!(
            matches!(err, Error::MissingEnv { var: ref v } if v == var),
            "{var}: {err:?}"
        );
        // An empty value counts as missing.
        let vars = with(base("hooks/install"), &[(var, "")]);
        let err = Context::from_map(&vars).unwrap_err();
        assert!(
            matches!(err, Error::MissingEnv { var: ref v } if v == var),
            "{var}: {err:?}"
        );
    }
}

#[test]
fn given_no_model_name_uuid_or_version_when_parsed_then_they_are_unknown_as_in_ops() {
    for var in ["JUJU_MODEL_NAME", "JUJU_MODEL_UUID", "JUJU_VERSION"] {
        let mut vars = base("hooks/update-status");
        vars.remove(var);
        let ctx = Context::from_map(&vars).unwrap();
        assert_eq!(ctx.event(), &Event::UpdateStatus, "{var}");
        let empty = with(base("hooks/update-status"), &[(var, "")]);
        assert_eq!(Context::from_map(&empty).unwrap(), ctx, "{var} empty");
    }
    let mut vars = base("hooks/start");
    for var in ["JUJU_MODEL_NAME", "JUJU_MODEL_UUID", "JUJU_VERSION"] {
        vars.remove(var);
    }
    let ctx = Context::from_map(&vars).unwrap();
    assert_eq!(
        (ctx.model_name(), ctx.model_uuid(), ctx.juju_version()),
        (None, None, None)
    );
}

#[test]
fn given_a_unit_tag_as_unit_name_when_parsed_then_the_unit_it_names() {
    let vars = with(
        base("hooks/start"),
        &[("JUJU_UNIT_NAME", "unit-tls-requirer-3")],
    );
    let ctx = Context::from_map(&vars).unwrap();
    assert_eq!(ctx.unit().as_str(), "tls-requirer/3");
    assert_eq!(ctx.app(), "tls-requirer");
}

#[test]
fn given_malformed_identity_variables_when_parsed_then_malformed_env() {
    for (var, value) in [
        ("JUJU_UNIT_NAME", "tls-requirer"),
        ("JUJU_UNIT_NAME", "tls-requirer/x"),
        ("JUJU_UNIT_NAME", "unit-tls-requirer"),
        ("JUJU_VERSION", "three"),
        ("JUJU_DISPATCH_PATH", "install"),
        ("JUJU_DISPATCH_PATH", "bin/install"),
        ("JUJU_DISPATCH_PATH", "hooks/"),
    ] {
        let vars = with(base("hooks/install"), &[(var, value)]);
        let err = Context::from_map(&vars).unwrap_err();
        assert!(
            matches!(err, Error::MalformedEnv { var: ref v, .. } if v == var),
            "{var}={value}: {err:?}"
        );
    }
}

#[test]
fn given_only_legacy_charm_dir_when_parsed_then_it_is_used() {
    let mut vars = base("hooks/start");
    vars.remove("JUJU_CHARM_DIR");
    assert_eq!(Context::from_map(&vars).unwrap().charm_dir(), None);
    vars.insert("CHARM_DIR".to_owned(), "/charm".to_owned());
    assert_eq!(
        Context::from_map(&vars).unwrap().charm_dir(),
        Some(Path::new("/charm"))
    );
}

#[test]
fn given_prerelease_version_when_parsed_then_compared_numerically() {
    let vars = with(base("hooks/start"), &[("JUJU_VERSION", "3.6-beta2")]);
    let ctx = Context::from_map(&vars).unwrap();
    let version = ctx.juju_version().unwrap();
    assert_eq!(
        (version.major(), version.minor(), version.patch()),
        (3, 6, 0)
    );
    let vars = with(base("hooks/start"), &[("JUJU_VERSION", "2.9.44.1")]);
    let ctx = Context::from_map(&vars).unwrap();
    assert_eq!(ctx.juju_version().unwrap().patch(), 44);
}
