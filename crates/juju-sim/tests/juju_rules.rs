//! One scenario per Juju 3.6 rule the simulator follows, named after the rule (audit finding id
//! first). Charms here call the tools with raw argv, as a bash or Go charm would, so the bytes
//! Juju prints are checked, not a client's reading of them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use juju_sim::{
    Charm, CharmMeta, CharmOutcome, Error, Hook, HookOutcome, Invocation, Model, SecretOwnerRef,
    SimOptions, ToolRequest, ToolResponse, ToolServer, idle_charm,
};

/// A charm that drives the tools with raw argv.
struct Raw<F>(F);

impl<F> Charm for Raw<F>
where
    F: Fn(&Invocation<'_>, &mut dyn ToolServer) -> Result<(), String> + Send + Sync,
{
    fn run(
        &self,
        invocation: &Invocation<'_>,
        tools: &mut dyn ToolServer,
    ) -> juju_sim::Result<CharmOutcome> {
        let result = (self.0)(invocation, tools);
        Ok(CharmOutcome {
            success: result.is_ok(),
            error: result.err(),
            ..CharmOutcome::default()
        })
    }
}

fn raw(
    f: impl Fn(&Invocation<'_>, &mut dyn ToolServer) -> Result<(), String> + Send + Sync + 'static,
) -> Arc<dyn Charm> {
    Arc::new(Raw(f))
}

fn call(tools: &mut dyn ToolServer, tool: &str, args: &[&str]) -> ToolResponse {
    tools.call(&ToolRequest::new(tool, args))
}

fn with_stdin(tools: &mut dyn ToolServer, tool: &str, args: &[&str], stdin: &str) -> ToolResponse {
    let mut request = ToolRequest::new(tool, args);
    request.stdin = Some(stdin.to_owned());
    tools.call(&request)
}

/// Stdout of a call that must succeed.
fn ok(tools: &mut dyn ToolServer, tool: &str, args: &[&str]) -> Result<String, String> {
    let r = call(tools, tool, args);
    if r.code == 0 {
        Ok(r.stdout)
    } else {
        Err(format!("{tool} {args:?}: exit {}: {}", r.code, r.stderr))
    }
}

fn hook_name(inv: &Invocation<'_>) -> String {
    inv.env.get("JUJU_HOOK_NAME").cloned().unwrap_or_default()
}

type Seen = Arc<Mutex<Vec<String>>>;

fn hooks_of(model: &Model, unit: &str) -> Vec<String> {
    model
        .history()
        .iter()
        .filter(|r| r.unit == unit)
        .map(|r| r.name.clone())
        .collect()
}

fn assert_no_failure(model: &Model) {
    let failed: Vec<String> = model
        .history()
        .iter()
        .filter(|r| !r.outcome.is_committed())
        .map(ToString::to_string)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

fn content(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// --- C1 / F1: output formats ---

/// Juju `jujuc/secret-ids.go`: `var out []string` stays nil without owned secrets, and
/// `json.Marshal(nil slice)` is `null` (juju/cmd `FormatJson`); smart prints nothing.
#[test]
fn c1_secret_ids_prints_null_in_json_and_nothing_in_smart_when_the_unit_owns_no_secrets() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) == "start" {
            let mut out = s.lock().map_err(|e| e.to_string())?;
            out.push(ok(tools, "secret-ids", &["--format=json"])?);
            out.push(ok(tools, "secret-ids", &[])?);
            let uri = ok(tools, "secret-add", &["--owner", "unit", "a-key=1"])?;
            let second = ok(tools, "secret-add", &["--owner", "unit", "a-key=2"])?;
            out.push(ok(tools, "secret-ids", &["--format=json"])?);
            out.push(ok(tools, "secret-ids", &[])?);
            out.push(format!("{}{}", uri.trim(), second.trim()));
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_no_failure(&model);
    let out = seen.lock().unwrap();
    assert_eq!(out[0], "null\n");
    assert_eq!(out[1], "");
    // Creation order (the controller's map order is not sorted either).
    let ids: Vec<String> = model.secrets().values().map(|s| s.xid.clone()).collect();
    let mut created = ids;
    created.sort_by_key(|x| out[4].find(x.as_str()));
    assert_eq!(out[2], format!("[\"{}\",\"{}\"]\n", created[0], created[1]));
    assert_eq!(out[3], format!("{}\n{}\n", created[0], created[1]));
}

/// juju/cmd `output.go` and the per-tool `c.out.AddFlags` defaults: `smart` for most tools
/// (`relation-get`, `is-leader`, `relation-ids`, `config-get`, `state-get`, `status-get`),
/// `yaml` for `secret-get`, `secret-info-get` and `goal-state` (which offer only json|yaml); an
/// unknown format is gnuflag's `invalid value` usage error, exit 2.
#[test]
fn f1_tools_print_smart_yaml_or_json_with_jujus_default_per_tool_and_refuse_unknown_formats() {
    let seen: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) != "start" {
            return Ok(());
        }
        let mut out = s.lock().map_err(|e| e.to_string())?;
        let mut put = |k: &str, v: String| {
            out.insert(k.to_owned(), v);
        };
        put("is-leader", ok(tools, "is-leader", &[])?);
        put(
            "is-leader json",
            ok(tools, "is-leader", &["--format=json"])?,
        );
        put(
            "is-leader yaml",
            ok(tools, "is-leader", &["--format", "yaml"])?,
        );
        put("relation-ids", ok(tools, "relation-ids", &["peers"])?);
        put(
            "relation-ids json",
            ok(tools, "relation-ids", &["peers", "--format=json"])?,
        );
        put("config-get", ok(tools, "config-get", &[])?);
        put("config-get key", ok(tools, "config-get", &["name"])?);
        put("config-get missing", ok(tools, "config-get", &["unset"])?);
        put(
            "config-get missing json",
            ok(tools, "config-get", &["unset", "--format=json"])?,
        );
        let uri = ok(
            tools,
            "secret-add",
            &["--owner", "unit", "pass-word=s3cret"],
        )?;
        let uri = uri.trim().to_owned();
        put("secret-get", ok(tools, "secret-get", &[&uri])?);
        put(
            "secret-get key",
            ok(tools, "secret-get", &[&uri, "pass-word"])?,
        );
        put(
            "secret-get json",
            ok(tools, "secret-get", &[&uri, "--format=json"])?,
        );
        put(
            "secret-get smart",
            call(tools, "secret-get", &[&uri, "--format=smart"]).stderr,
        );
        put(
            "unknown format",
            format!(
                "{:?}",
                call(tools, "relation-ids", &["peers", "--format=xml"])
            ),
        );
        Ok(())
    });
    let meta = CharmMeta::new("app")
        .peer("peers", "app-peers")
        .config_option("name", "string", Some("hello world".into()))
        .config_option("unset", "string", None);
    let mut model = Model::new();
    model.deploy("app", meta, charm, 1).unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_no_failure(&model);
    let out = seen.lock().unwrap();
    let get = |k: &str| out.get(k).cloned().unwrap_or_default();
    assert_eq!(get("is-leader"), "True\n");
    assert_eq!(get("is-leader json"), "true\n");
    assert_eq!(get("is-leader yaml"), "true\n");
    assert_eq!(get("relation-ids"), "peers:0\n");
    assert_eq!(get("relation-ids json"), "[\"peers:0\"]\n");
    assert_eq!(get("config-get"), "name: hello world\n");
    assert_eq!(get("config-get key"), "hello world\n");
    assert_eq!(get("config-get missing"), "");
    assert_eq!(get("config-get missing json"), "null\n");
    assert_eq!(get("secret-get"), "pass-word: s3cret\n");
    assert_eq!(get("secret-get key"), "s3cret\n");
    assert_eq!(get("secret-get json"), "{\"pass-word\":\"s3cret\"}\n");
    assert_eq!(
        get("secret-get smart"),
        "ERROR invalid value \"smart\" for flag --format: unknown format \"smart\"\n"
    );
    assert!(
        get("unknown format").contains("code: 2")
            && get("unknown format").contains("unknown format \\\"xml\\\""),
        "{}",
        get("unknown format")
    );
}

/// juju/cmd `Output.Write`: `-o`/`--output` writes the formatted value to a file relative to
/// the tool's working directory instead of stdout.
#[test]
fn f1_output_flag_writes_the_value_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leader.json");
    let p = path.to_string_lossy().into_owned();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) == "start" {
            let out = ok(tools, "is-leader", &["--format=json", "-o", &p])?;
            if !out.is_empty() {
                return Err(format!("stdout not empty: {out:?}"));
            }
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_no_failure(&model);
    assert_eq!(std::fs::read_to_string(path).unwrap(), "true\n");
}

// --- secrets ---

/// A charm that, on `start`, adds a unit-owned secret (revision 1), reads it once without
/// `--refresh` (its consumer record is created then), and on every later `update-status` writes
/// a new revision and reads it the way upstream charms read certificates kept in owner secrets:
/// by label, without `--refresh`. It removes revisions it is told to remove.
fn renewing_owner() -> Arc<dyn Charm> {
    raw(|inv, tools| {
        match hook_name(inv).as_str() {
            "start" => {
                ok(
                    tools,
                    "secret-add",
                    &["--owner", "unit", "--label", "cert", "certificate=v1"],
                )?;
            }
            "update-status" => {
                // Read as upstream charms read their certificate: by label, no --refresh.
                let current = ok(tools, "secret-get", &["--label", "cert", "certificate"])?;
                if current != "v1\n" {
                    return Err(format!("the owner tracks revision 1, got {current:?}"));
                }
                let info = ok(
                    tools,
                    "secret-info-get",
                    &["--label", "cert", "--format=json"],
                )?;
                let id = info
                    .split('"')
                    .nth(1)
                    .ok_or("no id in secret-info-get")?
                    .to_owned();
                let revision: u32 = info
                    .split("\"revision\":")
                    .nth(1)
                    .and_then(|r| r.split(',').next())
                    .and_then(|r| r.parse().ok())
                    .ok_or("no revision in secret-info-get")?;
                ok(
                    tools,
                    "secret-set",
                    &[
                        &format!("secret:{id}"),
                        &format!("certificate=v{}", revision + 1),
                    ],
                )?;
            }
            "secret-remove" => {
                let id = inv.env.get("JUJU_SECRET_ID").cloned().unwrap_or_default();
                let rev = inv
                    .env
                    .get("JUJU_SECRET_REVISION")
                    .cloned()
                    .unwrap_or_default();
                ok(tools, "secret-remove", &[&id, "--revision", &rev])?;
            }
            _ => {}
        }
        Ok(())
    })
}

/// Juju `state/secrets.go` `getOrphanedSecretRevisions` counts every consumer record, the
/// owner's included (created by its first read, `secretsmanager` `getConsumedRevision`, not
/// by `secret-add`), and marks revisions obsolete only when a revision is written or a consumer
/// moves forward. An owner that reads without `--refresh` keeps the revision it tracks.
#[test]
fn obsolete_revisions_count_the_owners_consumer_record_so_an_owner_reading_without_refresh_keeps_its_revision()
 {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), renewing_owner(), 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    let xid = model.owned_secret("app/0", "cert").unwrap().xid.clone();
    assert!(
        model.secrets()[&xid].trackers.is_empty(),
        "secret-add makes no consumer record"
    );
    for renewal in 1..=4 {
        model.update_status();
        model.run_until_quiescent(50).unwrap();
        assert_no_failure(&model);
        let s = &model.secrets()[&xid];
        assert_eq!(s.latest, renewal + 1);
        // The owner read revision 1 first and never refreshed: it still tracks 1.
        assert_eq!(s.trackers["app/0"].revision, 1);
        assert!(s.revisions.contains_key(&1), "renewal {renewal}");
    }
    // Revisions nobody tracks were obsolete when the next one was written, and removed.
    let removed: Vec<u32> = model.removed_revisions().iter().map(|(_, r)| *r).collect();
    assert_eq!(removed, [2, 3, 4]);
    assert_eq!(
        hooks_of(&model, "app/0")
            .iter()
            .filter(|h| *h == "secret-changed")
            .count(),
        4,
        "the owner has a consumer record: it is told of every new revision"
    );
}

/// Juju `secretsmanager/secrets.go` `getAppOwnedOrUnitOwnedSecretMetadata`: "application owned
/// secrets can be accessed by all the units of the application using owner label or URI", with
/// no leadership check.
#[test]
fn s1_a_non_leader_reads_an_app_owned_secret_by_its_owner_label() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        let leader = ok(tools, "is-leader", &["--format=json"])? == "true\n";
        if hook_name(inv) == "install" && leader {
            ok(
                tools,
                "secret-add",
                &["--label", "db-pass", "password=hunter2"],
            )?;
        }
        if hook_name(inv) == "start" && !leader {
            let got = ok(tools, "secret-get", &["--label", "db-pass", "password"])?;
            s.lock().map_err(|e| e.to_string())?.push(got);
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), charm, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_no_failure(&model);
    assert_eq!(*seen.lock().unwrap(), ["hunter2\n"]);
}

/// Juju `state/secrets.go` `WatchConsumedSecretsChanges` matches consumer records with no
/// owner filter: owner-side units that have read a secret get `secret-changed` (with its
/// revision) when a new one is published, non-leader peers included.
#[test]
fn s2_secret_changed_reaches_owner_side_units_that_have_read_the_secret() {
    let charm = raw(|inv, tools| {
        let leader = ok(tools, "is-leader", &["--format=json"])? == "true\n";
        match hook_name(inv).as_str() {
            "install" if leader => {
                ok(tools, "secret-add", &["--label", "shared", "token=one"])?;
            }
            "start" if !leader => {
                ok(tools, "secret-get", &["--label", "shared"])?;
            }
            "update-status" if leader => {
                let info = ok(
                    tools,
                    "secret-info-get",
                    &["--label", "shared", "--format=json"],
                )?;
                let id = info.split('"').nth(1).ok_or("no id")?.to_owned();
                ok(tools, "secret-set", &[&format!("secret:{id}"), "token=two"])?;
            }
            _ => {}
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), charm, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.queue_hook("app/0", Hook::UpdateStatus).unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_no_failure(&model);
    let changed = model
        .history()
        .iter()
        .find(|r| r.unit == "app/1" && r.name == "secret-changed")
        .expect("the non-leader peer that read the secret is told");
    assert_eq!(changed.env["JUJU_SECRET_REVISION"], "2");
    assert_eq!(changed.env["JUJU_SECRET_LABEL"], "shared");
    assert!(
        !hooks_of(&model, "app/0").contains(&"secret-changed".to_owned()),
        "the leader never read it: no consumer record, no hook"
    );
}

/// Juju `context/context.go` `getPendingSecretValue`: with `--refresh` or `--peek`, content set
/// in the same hook is returned; `--refresh` makes the unit track the new revision at commit.
#[test]
fn s3_peek_and_refresh_after_secret_set_in_the_same_hook_return_the_pending_content() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        match hook_name(inv).as_str() {
            "install" => {
                let uri = ok(
                    tools,
                    "secret-add",
                    &["--owner", "unit", "--label", "l", "val=one"],
                )?;
                s.lock()
                    .map_err(|e| e.to_string())?
                    .push(uri.trim().to_owned());
            }
            "start" => {
                let uri = s.lock().map_err(|e| e.to_string())?[0].clone();
                let mut out = vec![ok(tools, "secret-get", &[&uri, "val"])?];
                ok(tools, "secret-set", &[&uri, "val=two"])?;
                out.push(ok(tools, "secret-get", &[&uri, "val"])?);
                out.push(ok(tools, "secret-get", &[&uri, "val", "--peek"])?);
                out.push(ok(tools, "secret-get", &[&uri, "val", "--refresh"])?);
                s.lock().map_err(|e| e.to_string())?.extend(out);
            }
            _ => {}
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_no_failure(&model);
    let out = seen.lock().unwrap();
    assert_eq!(out[1..], ["one\n", "one\n", "two\n", "two\n"]);
    let s = model.owned_secret("app/0", "l").unwrap();
    assert_eq!(s.latest, 2);
    assert_eq!(s.trackers["app/0"].revision, 2, "--refresh tracked it");
}

/// Juju `secretsmanager/secrets.go` `canUpdateAppOwnedOrUnitOwnedSecretLabel`: only the owner
/// (the leader for app-owned secrets) relabels; the label a non-leader gives is ignored.
#[test]
fn s4_a_non_leader_giving_an_id_and_a_label_does_not_relabel_an_app_owned_secret() {
    let uri: Seen = Arc::default();
    let u = uri;
    let charm = raw(move |inv, tools| {
        let leader = ok(tools, "is-leader", &["--format=json"])? == "true\n";
        if hook_name(inv) == "install" && leader {
            let id = ok(tools, "secret-add", &["--label", "owner-label", "k-ey=v"])?;
            u.lock()
                .map_err(|e| e.to_string())?
                .push(id.trim().to_owned());
        }
        if hook_name(inv) == "start" && !leader {
            let id = u.lock().map_err(|e| e.to_string())?[0].clone();
            ok(tools, "secret-get", &[&id, "--label", "peer-label"])?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), charm, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_no_failure(&model);
    let s = model.secrets().values().next().unwrap();
    assert_eq!(s.label.as_deref(), Some("owner-label"));
    assert_eq!(s.trackers["app/1"].label, None);
}

/// Juju `worker/uniter/resolver.go` runs the secrets resolver before the relation hooks, and
/// `worker/uniter/secrets/resolver.go` orders it expired, rotate, changed, remove.
#[test]
fn s5_secret_hooks_run_before_relation_hooks_in_the_order_expired_rotate_changed_remove() {
    let owner = raw(|inv, tools| {
        match hook_name(inv).as_str() {
            "install" => {
                let a = [
                    "--owner", "unit", "--label", "a", "--rotate", "hourly", "--expire", "30m",
                    "xyz=1",
                ];
                ok(tools, "secret-add", &a)?;
                ok(
                    tools,
                    "secret-add",
                    &["--owner", "unit", "--label", "b", "xyz=1"],
                )?;
                ok(
                    tools,
                    "secret-add",
                    &["--owner", "unit", "--label", "c", "xyz=1"],
                )?;
            }
            "update-status" => {
                ok(tools, "secret-get", &["--label", "b"])?;
            }
            _ => {}
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").requires("db", "db"), owner, 1)
        .unwrap();
    model
        .deploy(
            "db",
            CharmMeta::new("db").provides("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    let relation = model.relate("app", "db", "db", "db").unwrap();
    model.run_until_quiescent(50).unwrap();
    model.run_hook("app/0", Hook::UpdateStatus).unwrap();
    let b = model.owned_secret("app/0", "b").unwrap().xid.clone();
    let c = model.owned_secret("app/0", "c").unwrap().xid.clone();
    // Pending at once: a relation-changed, secret-expired and -rotate for a (2 h later),
    // secret-changed for b (read at 1, now at 2), secret-remove for c's unread revision 1.
    model
        .set_relation_data(relation, "db", content(&[("x", "1")]))
        .unwrap();
    model.advance_clock(time::Duration::hours(2));
    model
        .set_secret_content(&b, content(&[("xyz", "2")]))
        .unwrap();
    model
        .set_secret_content(&c, content(&[("xyz", "2")]))
        .unwrap();
    model.clear_records();
    model.run_until_quiescent(50).unwrap();
    assert_no_failure(&model);
    let order = hooks_of(&model, "app/0");
    assert_eq!(
        order,
        [
            "secret-expired",
            "secret-rotate",
            "secret-changed",
            "secret-remove",
            "db-relation-changed"
        ]
    );
}

/// Juju `worker/uniter/secrets/resolver.go` `rotateOp`: the `secret-rotate` hook.Info has no
/// revision, and `HookVars` exports `JUJU_SECRET_REVISION` only when it is above 0.
#[test]
fn s6_secret_rotate_carries_no_revision() {
    let charm = raw(|inv, tools| {
        if hook_name(inv) == "install" {
            ok(
                tools,
                "secret-add",
                &["--owner", "unit", "--rotate", "daily", "k-ey=v"],
            )?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    model.advance_clock(time::Duration::days(2));
    model.run_until_quiescent(20).unwrap();
    let rotate = model
        .history()
        .iter()
        .find(|r| r.name == "secret-rotate")
        .unwrap();
    assert!(rotate.env.contains_key("JUJU_SECRET_ID"));
    assert!(!rotate.env.contains_key("JUJU_SECRET_REVISION"));
}

/// Juju `state/secrets.go` (`LatestRevision > 1 && != seen`) and `secrets/resolver.go`
/// (`existing != info.Revision`, `existing` the last notified revision): `secret-changed`
/// fires even when the consumer already tracks the latest revision.
#[test]
fn s7_secret_changed_fires_even_when_the_consumer_already_refreshed_to_latest() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let consumer = raw(move |inv, tools| {
        let name = hook_name(inv);
        if name == "update-status" || name == "secret-changed" {
            let id = s.lock().map_err(|e| e.to_string())?[0].clone();
            ok(tools, "secret-get", &[&id, "--refresh"])?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy(
            "cons",
            CharmMeta::new("cons").requires("db", "db"),
            consumer,
            1,
        )
        .unwrap();
    model
        .deploy(
            "own",
            CharmMeta::new("own").provides("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    let rel = model.relate("cons", "db", "own", "db").unwrap();
    let uri = model
        .add_secret(
            SecretOwnerRef::App("own".into()),
            None,
            content(&[("k-ey", "1")]),
        )
        .unwrap();
    seen.lock().unwrap().push(uri.clone());
    let xid = uri.trim_start_matches("secret:").to_owned();
    model.grant_secret(&xid, rel, "cons").unwrap();
    model.run_until_quiescent(50).unwrap();
    model.run_hook("cons/0", Hook::UpdateStatus).unwrap();
    model
        .set_secret_content(&xid, content(&[("k-ey", "2")]))
        .unwrap();
    // The consumer refreshes to 2 before the resolver gets to it.
    model.run_hook("cons/0", Hook::UpdateStatus).unwrap();
    assert_eq!(model.secrets()[&xid].trackers["cons/0"].revision, 2);
    model.clear_records();
    model.run_until_quiescent(50).unwrap();
    assert_eq!(hooks_of(&model, "cons/0"), ["secret-changed"]);
}

/// Juju `jujuc/secret-info-get.go` `metadataDisplay`: `label` has no `omitempty` (printed even
/// when empty) and grants are listed under `access`.
#[test]
fn s8_secret_info_get_always_prints_the_label_and_lists_grants_as_access() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let owner = raw(move |inv, tools| {
        match hook_name(inv).as_str() {
            "db-relation-joined" => {
                let id = ok(tools, "secret-add", &["k-ey=v"])?;
                ok(tools, "secret-grant", &[id.trim(), "-r", "db:0"])?;
                s.lock()
                    .map_err(|e| e.to_string())?
                    .push(id.trim().to_owned());
            }
            "update-status" => {
                let id = s.lock().map_err(|e| e.to_string())?[0].clone();
                let out = ok(tools, "secret-info-get", &[&id])?;
                let json = ok(tools, "secret-info-get", &[&id, "--format=json"])?;
                s.lock().map_err(|e| e.to_string())?.extend([out, json]);
            }
            _ => {}
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("own", CharmMeta::new("own").provides("db", "db"), owner, 1)
        .unwrap();
    model
        .deploy(
            "cons",
            CharmMeta::new("cons").requires("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    model.relate("own", "db", "cons", "db").unwrap();
    model.run_until_quiescent(50).unwrap();
    model.run_hook("own/0", Hook::UpdateStatus).unwrap();
    assert_no_failure(&model);
    let out = seen.lock().unwrap();
    let xid = out[0].trim_start_matches("secret:");
    assert_eq!(
        out[1],
        format!(
            "{xid}:\n  revision: 1\n  label: \"\"\n  owner: application\n  access:\n  - target: application-cons\n    scope: relation-cons.db#own.db\n    role: view\n"
        )
    );
    assert_eq!(
        out[2],
        format!(
            "{{\"{xid}\":{{\"revision\":1,\"label\":\"\",\"owner\":\"application\",\"access\":[{{\"target\":\"application-cons\",\"scope\":\"relation-cons.db#own.db\",\"role\":\"view\"}}]}}}}\n"
        )
    );
}

/// Juju `context/context.go` (`ErrIsNotLeader`): managing an app-owned secret as a non-leader
/// fails with `this unit is not the leader`; a missing secret is quoted by its xid.
#[test]
fn s9_managing_an_app_owned_secret_as_a_non_leader_says_this_unit_is_not_the_leader() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        let leader = ok(tools, "is-leader", &["--format=json"])? == "true\n";
        let mut out = s.lock().map_err(|e| e.to_string())?;
        if hook_name(inv) == "install" && leader {
            out.push(ok(
                tools,
                "secret-add",
                &["--label", "app-secret", "k-ey=v"],
            )?);
        }
        if hook_name(inv) == "start" && !leader {
            let id = out.first().cloned().unwrap_or_default();
            let set = call(tools, "secret-set", &[id.trim(), "k-ey=w"]);
            out.push(format!("{} {}", set.code, set.stderr));
            let missing = call(tools, "secret-remove", &["secret:d0simnotthere0000000"]);
            out.push(format!("{} {}", missing.code, missing.stderr));
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), charm, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_no_failure(&model);
    let out = seen.lock().unwrap();
    assert_eq!(out[1], "1 ERROR this unit is not the leader\n");
    assert_eq!(
        out[2],
        "1 ERROR secret \"d0simnotthere0000000\" not found\n"
    );
}

/// Juju `jujuc/secret-grant.go`: `secret-grant` has `-r/--relation` and `--unit` only (an
/// unknown flag is exit 2), and a unit of another application is an Init error.
#[test]
fn s10_secret_grant_has_no_app_flag_and_refuses_a_unit_outside_the_relation() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let owner = raw(move |inv, tools| {
        if hook_name(inv) == "db-relation-joined" {
            let id = ok(tools, "secret-add", &["key=v"])?;
            let id = id.trim();
            let mut out = s.lock().map_err(|e| e.to_string())?;
            for args in [
                vec![id, "-r", "db:0", "--app", "cons"],
                vec![id, "-r", "db:0", "--unit", "other/0"],
                vec![id, "--unit", "cons/0"],
                vec![id, "-r", "db:0", "--unit", "cons/0"],
                vec![id, "--app", "cons", "-r", "db:0"],
            ] {
                let tool = if out.len() == 4 {
                    "secret-revoke"
                } else {
                    "secret-grant"
                };
                let r = call(tools, tool, &args);
                out.push(format!("{} {}", r.code, r.stderr));
            }
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("own", CharmMeta::new("own").provides("db", "db"), owner, 1)
        .unwrap();
    model
        .deploy(
            "cons",
            CharmMeta::new("cons").requires("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    model.relate("own", "db", "cons", "db").unwrap();
    model.run_until_quiescent(50).unwrap();
    let out = seen.lock().unwrap();
    assert_eq!(out[0], "2 ERROR flag provided but not defined: --app\n");
    assert_eq!(
        out[1],
        "2 ERROR cannot specify unit \"other/0\" in relation to application \"cons\"\n"
    );
    assert_eq!(out[2], "2 ERROR missing relation\n");
    assert_eq!(out[3], "0 ");
    assert_eq!(
        out[4],
        "2 ERROR either relation or application should be specified\n"
    );
    let s = model.secrets().values().next().unwrap();
    assert!(s.grants.values().any(|g| g.contains("cons/0")));
}

/// Juju `jujuc/relation-set.go` and `state-set.go` read `--file` with `goyaml.Unmarshal` into a
/// `map[string]string`: the YAML ops 2.x writes (PyYAML `safe_dump`, which folds long values
/// over several lines and writes multi-line values single-quoted) arrives intact.
#[test]
fn b_relation_set_and_state_set_read_the_yaml_ops_2_writes_for_long_values() {
    const CERTS_YAML: &str = include_str!("fixtures/ops2-relation-set-certificates.yaml");
    const CERTS: &str = include_str!("fixtures/ops2-relation-set-certificates.value");
    const PEM_YAML: &str = include_str!("fixtures/ops2-relation-set-pem.yaml");
    const PEM: &str = include_str!("fixtures/ops2-relation-set-pem.value");
    const STATE_YAML: &str = include_str!("fixtures/ops2-state-set.yaml");
    const STATE: &str = include_str!("fixtures/ops2-state-set.value");
    assert!(
        CERTS_YAML.lines().count() > 1 && PEM_YAML.lines().count() > 1,
        "the fixtures wrap"
    );
    let charm = raw(|inv, tools| {
        if hook_name(inv) == "db-relation-joined" {
            for payload in [CERTS_YAML, PEM_YAML] {
                let r = with_stdin(
                    tools,
                    "relation-set",
                    &["-r", "db:0", "--app", "--file", "-"],
                    payload,
                );
                if r.code != 0 {
                    return Err(r.stderr);
                }
            }
            let r = with_stdin(tools, "state-set", &["--file", "-"], STATE_YAML);
            if r.code != 0 {
                return Err(r.stderr);
            }
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy(
            "prov",
            CharmMeta::new("prov").provides("db", "db"),
            charm,
            1,
        )
        .unwrap();
    model
        .deploy(
            "req",
            CharmMeta::new("req").requires("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    let relation = model.relate("prov", "db", "req", "db").unwrap();
    model.run_until_quiescent(50).unwrap();
    assert_no_failure(&model);
    let bag = model.app_data(relation, "prov").unwrap();
    assert_eq!(bag["certificates"], CERTS);
    assert_eq!(bag["ca"], PEM);
    assert_eq!(model.unit_state("prov/0").unwrap()["#notices#"], STATE);
}

// --- hooks ---

/// Juju `relation/resolver.go`: peer relations are processed after the others and never get
/// `-relation-broken` (`if remoteBroken && !isPeer`).
#[test]
fn r2_peer_relations_get_no_broken_and_come_after_the_other_relations() {
    let mut model = Model::new();
    let meta = CharmMeta::new("app")
        .peer("peers", "p")
        .requires("db", "db");
    model.deploy("app", meta, idle_charm(), 2).unwrap();
    model
        .deploy(
            "db",
            CharmMeta::new("db").provides("db", "db"),
            idle_charm(),
            1,
        )
        .unwrap();
    model.relate("app", "db", "db", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.remove_unit("app/1").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "app/1"),
        [
            "db-relation-departed",
            "db-relation-broken",
            "peers-relation-departed",
            "stop",
            "remove"
        ]
    );
}

/// Juju `jujuc/relation-ids.go` leaves out only dead relations and `contextfactory.go`'s
/// "broken" ones (dying, not a peer relation, no remote member left): during the
/// `-departed` hooks of a removed relation it is still listed.
#[test]
fn r3_relation_ids_keeps_a_dying_relation_until_its_last_member_departs() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        let name = hook_name(inv);
        if name.ends_with("-departed") || name.ends_with("-broken") {
            let ids = ok(tools, "relation-ids", &["db", "--format=json"])?;
            s.lock()
                .map_err(|e| e.to_string())?
                .push(format!("{name} {ids}"));
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").requires("db", "db"), charm, 1)
        .unwrap();
    model
        .deploy(
            "db",
            CharmMeta::new("db").provides("db", "db"),
            idle_charm(),
            2,
        )
        .unwrap();
    let relation = model.relate("app", "db", "db", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    model.remove_relation(relation).unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "db-relation-departed [\"db:0\"]\n",
            "db-relation-departed []\n",
            "db-relation-broken []\n"
        ]
    );
}

/// Juju `operation/runhook.go` `beforeHook`: `maintenance` "installing charm software" before
/// `install` (unless the charm set a status before), "stopping charm software" before `stop`
/// and "cleaning up prior to charm deletion" before `remove`.
#[test]
fn r6_maintenance_statuses_are_set_before_install_stop_and_remove() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), idle_charm(), 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    model.remove_unit("app/0").unwrap();
    model.add_unit("app").unwrap();
    let history_before = model.unit_status_history("app/0").unwrap().to_vec();
    model.run_until_quiescent(20).unwrap();
    let messages: Vec<String> = history_before
        .iter()
        .map(|s| format!("{} {}", s.kind, s.message))
        .collect();
    assert_eq!(messages, ["maintenance installing charm software"]);
    let new: Vec<String> = model
        .unit_status_history("app/1")
        .unwrap()
        .iter()
        .map(|s| s.message.clone())
        .collect();
    assert_eq!(new, ["installing charm software"]);
}

// --- tools ---

/// Juju `jujuc/status-get.go`: the status word in `smart` without `--include-data`,
/// `{status}` in json, `message`/`status-data` only with `--include-data`, units nested in
/// `application-status`, and `finding application status: ...` for a non-leader.
#[test]
fn f2_status_get_prints_the_shapes_of_status_get_go() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        let leader = ok(tools, "is-leader", &["--format=json"])? == "true\n";
        if hook_name(inv) != "start" {
            return Ok(());
        }
        let mut out = s.lock().map_err(|e| e.to_string())?;
        if leader {
            ok(tools, "status-set", &["active", "all good"])?;
            out.push(ok(tools, "status-get", &[])?);
            out.push(ok(tools, "status-get", &["--format=json"])?);
            out.push(ok(
                tools,
                "status-get",
                &["--format=json", "--include-data"],
            )?);
            out.push(ok(
                tools,
                "status-get",
                &["--application", "--format=json"],
            )?);
        } else {
            out.push(call(tools, "status-get", &["--application"]).stderr);
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), charm, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    let out = seen.lock().unwrap();
    assert_eq!(
        *out,
        [
            "active\n",
            "{\"status\":\"active\"}\n",
            "{\"message\":\"all good\",\"status\":\"active\",\"status-data\":{}}\n",
            "{\"application-status\":{\"status\":\"unknown\",\"units\":{\"app/0\":{\"status\":\"active\"},\"app/1\":{\"status\":\"maintenance\"}}}}\n",
            "ERROR finding application status: this unit is not the leader\n",
        ]
    );
}

/// Juju `jujuc/status-set.go` takes one message (more is `unrecognized args`, exit 2), and
/// `jujuc/action-fail.go` defaults to "action failed without reason given, check action for
/// errors".
#[test]
fn f3_status_set_takes_one_message_and_action_fail_has_jujus_default_message() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) == "start" {
            let r = call(tools, "status-set", &["active", "two", "words"]);
            s.lock()
                .map_err(|e| e.to_string())?
                .push(format!("{} {}", r.code, r.stderr));
        }
        if inv.env.get("JUJU_ACTION_NAME").is_some() {
            ok(tools, "action-fail", &[])?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").action("go"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["2 ERROR unrecognized args: [\"words\"]\n"]
    );
    let outcome = model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    assert_eq!(
        outcome.failure.as_deref(),
        Some("action failed without reason given, check action for errors")
    );
}

/// Juju 3.6 `context.go` `GetCharmState` / `jujuc/state-get.go`: empty state is a nil map
/// (`null` in json), a missing key prints `""`, `--strict` says `"k" not found`, and
/// `state-set k=` stores an empty string.
#[test]
fn f4_state_get_prints_null_for_empty_state_and_an_empty_string_for_a_missing_key() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) == "start" {
            let mut out = s.lock().map_err(|e| e.to_string())?;
            out.push(ok(tools, "state-get", &["--format=json"])?);
            out.push(ok(tools, "state-get", &["nope", "--format=json"])?);
            out.push(call(tools, "state-get", &["nope", "--strict"]).stderr);
            ok(tools, "state-set", &["empty="])?;
            out.push(ok(tools, "state-get", &["--format=json"])?);
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "null\n",
            "\"\"\n",
            "ERROR \"nope\" not found\n",
            "{\"empty\":\"\"}\n"
        ]
    );
    assert_eq!(model.unit_state("app/0").unwrap()["empty"], "");
}

/// Juju `jujuc/juju-log.go`: an invalid `--log-level` logs a warning and the message at INFO;
/// `jujuc/config-get.go`: `--all` with a key is refused.
#[test]
fn f5_juju_log_with_an_invalid_level_logs_at_info_and_config_get_refuses_all_with_a_key() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let charm = raw(move |inv, tools| {
        if hook_name(inv) == "start" {
            ok(tools, "juju-log", &["--log-level", "LOUD", "--", "hello"])?;
            let r = call(tools, "config-get", &["name", "--all"]);
            s.lock()
                .map_err(|e| e.to_string())?
                .push(format!("{} {}", r.code, r.stderr));
        }
        Ok(())
    });
    let meta = CharmMeta::new("app").config_option("name", "string", None);
    let mut model = Model::new();
    model.deploy("app", meta, charm, 1).unwrap();
    model.run_until_quiescent(20).unwrap();
    assert_no_failure(&model);
    let logs: Vec<String> = model
        .logs("app/0")
        .iter()
        .map(|l| format!("{} {}", l.level, l.message))
        .collect();
    assert!(logs.contains(&"INFO hello".to_owned()), "{logs:?}");
    assert!(
        logs.contains(&"WARNING Specified log level of \"LOUD\" is not valid".to_owned()),
        "{logs:?}"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        ["2 ERROR cannot use argument --all together with key \"name\"\n"]
    );
}

/// Juju `context/context.go` `HookVars` always exports `JUJU_SLA`, `CLOUD_API_VERSION` and the
/// `JUJU_CHARM_*_PROXY` variables, empty when the model has no such setting.
#[test]
fn e1_every_hook_gets_the_variables_juju_always_exports() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), idle_charm(), 1)
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    for report in model.history() {
        for var in [
            "JUJU_SLA",
            "CLOUD_API_VERSION",
            "JUJU_CHARM_HTTP_PROXY",
            "JUJU_CHARM_HTTPS_PROXY",
            "JUJU_CHARM_FTP_PROXY",
            "JUJU_CHARM_NO_PROXY",
        ] {
            assert_eq!(report.env.get(var).map(String::as_str), Some(""), "{var}");
        }
    }
}

// --- failure reporting ---

/// A hook that keeps failing stops `run_until_quiescent` with a typed error naming the unit,
/// the hook and why (the charm's error and ERROR log lines), after
/// [`SimOptions::failure_limit`] attempts in a row; every hook is reported to the progress
/// callback.
#[test]
fn a_hook_failing_again_and_again_is_reported_with_unit_hook_and_reason() {
    let charm = raw(|inv, tools| {
        if hook_name(inv) == "start" {
            ok(
                tools,
                "juju-log",
                &["--log-level", "ERROR", "--", "Traceback: boom"],
            )?;
            return Err("dispatch exited with exit status: 1".to_owned());
        }
        Ok(())
    });
    let mut options = SimOptions::default();
    options.failure_limit = 3;
    let mut model = Model::with_options(options);
    let progress: Seen = Arc::default();
    let p = progress.clone();
    model.on_hook(move |report| {
        if let Ok(mut p) = p.lock() {
            p.push(report.to_string());
        }
    });
    model
        .deploy("app", CharmMeta::new("app"), charm, 1)
        .unwrap();
    let err = model.run_until_quiescent(1_000).unwrap_err();
    let Error::HookKeepsFailing {
        unit,
        hook,
        attempts,
        reason,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(
        (unit.as_str(), hook.as_str(), *attempts),
        ("app/0", "start", 3)
    );
    assert!(reason.contains("exit status: 1"), "{reason}");
    assert!(reason.contains("Traceback: boom"), "{reason}");
    let progress = progress.lock().unwrap();
    assert_eq!(progress.len(), model.history().len());
    assert!(progress.last().unwrap().contains("start (failed"));
    assert!(matches!(
        model.history().last().unwrap().outcome,
        HookOutcome::Failed { .. }
    ));
}
