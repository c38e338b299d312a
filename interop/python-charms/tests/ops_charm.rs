//! Proof of fidelity: a real `ops` (3.9.0) charm runs as a process under the simulator.
//!
//! The Python interpreter comes from `$INTEROP_PYTHON`, else `<repo>/interop/.venv/bin/python`
//! (created by `./just venv`). If neither works the test FAILS: it is never skipped.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use juju_hook_tools::{Error as ToolError, Event, HookTools, Member, Target};
use juju_sim::{CharmMeta, Model, ProcessCharm, in_process};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "__pycache__" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn given_an_ops_charm_process_when_related_to_a_provider_then_relation_data_secrets_and_status_are_as_juju_would_leave_them()
 {
    let python =
        python_charms::python(python_charms::Ops::Three).unwrap_or_else(|e| panic!("{e:#}"));
    let tool = python_charms::binaries()
        .unwrap_or_else(|e| panic!("{e:#}"))
        .tool;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops_charm"),
        dir.path(),
    );
    let charm =
        ProcessCharm::new(dir.path(), &tool).env("SIM_OPS_PYTHON", python.to_str().unwrap());

    // A Rust provider that publishes an endpoint and answers the requirer's request.
    let provider = in_process(|ctx, tools: &dyn HookTools| {
        match ctx.event() {
            Event::RelationJoined(rel) if tools.is_leader()? => {
                let data = BTreeMap::from([("endpoint".to_owned(), "db.example:5432".to_owned())]);
                tools.relation_set(&rel.relation, Target::App, &data)?;
            }
            Event::RelationChanged(rel) => {
                if let Some(unit) = &rel.remote_unit {
                    let bag = tools.relation_get(&rel.relation, Member::Unit(unit))?;
                    if let Some(req) = bag.get("request") {
                        let reply = BTreeMap::from([("seen".to_owned(), req.clone())]);
                        tools.relation_set(&rel.relation, Target::Unit, &reply)?;
                    }
                }
            }
            _ => {}
        }
        Ok::<_, ToolError>(())
    });

    let mut model = Model::new();
    let meta = CharmMeta::from_charm_dir(dir.path()).unwrap();
    model.deploy("ops", meta, Arc::new(charm), 1).unwrap();
    model
        .deploy(
            "db",
            CharmMeta::new("db").provides("db", "sim-db"),
            provider,
            1,
        )
        .unwrap();
    let id = model.relate("ops", "db", "db", "db").unwrap();
    model.run_until_quiescent(100).unwrap();

    let failures: Vec<String> = model
        .history()
        .iter()
        .filter(|r| !r.outcome.is_committed())
        .map(ToString::to_string)
        .collect();
    assert!(
        failures.is_empty(),
        "{failures:?}\nlogs: {:#?}",
        model.logs("ops/0")
    );

    // Relation data written by ops (unit and, as leader, app databag) and read by the provider.
    let unit_bag = model.unit_data(id, "ops/0").unwrap();
    assert_eq!(unit_bag.get("request").unwrap(), "hello from ops/0");
    assert_eq!(
        model
            .app_data(id, "ops")
            .unwrap()
            .get("requirer-app")
            .unwrap(),
        "ops"
    );
    assert_eq!(
        model.unit_data(id, "db/0").unwrap().get("seen").unwrap(),
        "hello from ops/0"
    );
    // The status ops set after reading the remote app databag.
    let status = model.unit_status("ops/0").unwrap();
    assert_eq!(
        (status.kind.as_str(), status.message.as_str()),
        ("active", "connected to db.example:5432")
    );
    // The unit-owned secret: added at install, rotated once (by label, through
    // secret-info-get + secret-set), and the old revision removed on secret-remove.
    let secret = model.owned_secret("ops/0", "db-password").unwrap();
    assert_eq!(secret.latest, 2);
    assert_eq!(
        secret
            .revisions
            .get(&2)
            .unwrap()
            .content
            .get("password")
            .unwrap(),
        "rotated-for-db.example:5432"
    );
    assert!(!secret.revisions.contains_key(&1));
    assert_eq!(model.removed_revisions(), [(secret.xid.clone(), 1)]);
    let tools_used: std::collections::BTreeSet<&str> =
        model.trace().iter().map(|c| c.tool.as_str()).collect();
    for tool in [
        "secret-add",
        "secret-get",
        "secret-set",
        "secret-info-get",
        "secret-remove",
        "relation-set",
        "relation-get",
        "status-set",
        "is-leader",
    ] {
        assert!(tools_used.contains(tool), "ops used {tool}: {tools_used:?}");
    }
    assert!(
        model
            .trace()
            .iter()
            .filter(|c| c.tool == "secret-add")
            .all(|c| c.args.iter().any(|a| a.starts_with("password#file="))),
        "ops sends secret values through files"
    );

    // An action through ops.
    let out = model
        .run_action("ops/0", "get-password", serde_json::Map::new())
        .unwrap();
    assert!(out.report.outcome.is_committed(), "{}", out.report);
    assert_eq!(
        out.results.get("password").unwrap(),
        "rotated-for-db.example:5432"
    );
}
