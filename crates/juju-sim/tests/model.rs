//! Scenario tests of the in-process simulator: Juju's hook order and rules.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use juju_hook_tools::{
    Context, Error as ToolError, Event, HookTools, Member, NewSecret, ReadMode, RelationId,
    SecretContent, SecretId, SecretLookup, SecretOwner, SecretRef, SecretUpdate, StatusKind,
    Target,
};
use juju_sim::{
    Charm, CharmMeta, Error, Fault, Hook, HookOutcome, Model, SecretOwnerRef, SimOptions,
    in_process,
};
use serde_json::json;
use time::Duration;

fn charm(
    f: impl Fn(&Context, &dyn HookTools) -> Result<(), ToolError> + Send + Sync + 'static,
) -> Arc<dyn Charm> {
    in_process(f)
}

fn noop() -> Arc<dyn Charm> {
    charm(|_, _| Ok(()))
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn content(pairs: &[(&str, &str)]) -> SecretContent {
    SecretContent::from_pairs(pairs.iter().map(|(k, v)| (*k, *v))).unwrap()
}

fn hooks_of(model: &Model, unit: &str) -> Vec<String> {
    model
        .history()
        .iter()
        .filter(|r| r.unit == unit)
        .map(|r| r.name.clone())
        .collect()
}

fn provider_meta() -> CharmMeta {
    CharmMeta::new("prov").provides("db", "db-if")
}

fn requirer_meta() -> CharmMeta {
    CharmMeta::new("req").requires("db", "db-if")
}

fn relation_of(ctx: &Context) -> Option<RelationId> {
    ctx.event().relation().map(|r| r.relation.clone())
}

#[test]
fn given_a_new_unit_when_it_settles_then_install_leader_config_start_run_in_order() {
    let mut model = Model::new();
    let meta = CharmMeta::new("app").peer("peers", "app-peers");
    model.deploy("app", meta, noop(), 2).unwrap();
    model.run_until_quiescent(100).unwrap();
    let leader = hooks_of(&model, "app/0");
    assert_eq!(
        leader.get(..5).unwrap(),
        [
            "install",
            "peers-relation-created",
            "leader-elected",
            "config-changed",
            "start"
        ]
    );
    let minion = hooks_of(&model, "app/1");
    assert_eq!(
        minion.get(..5).unwrap(),
        [
            "install",
            "peers-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start"
        ]
    );
    // Peers join each other: joined is immediately followed by changed for the same unit.
    let pos = minion
        .iter()
        .position(|h| h == "peers-relation-joined")
        .unwrap();
    assert_eq!(minion.get(pos + 1).unwrap(), "peers-relation-changed");
}

#[test]
fn given_two_related_apps_when_settled_then_created_joined_changed_with_env() {
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), noop(), 1).unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "req/0"),
        [
            "db-relation-created",
            "db-relation-joined",
            "db-relation-changed"
        ]
    );
    let joined = model
        .history()
        .iter()
        .find(|r| r.unit == "req/0" && r.name == "db-relation-joined")
        .unwrap();
    assert_eq!(
        joined.env.get("JUJU_RELATION_ID").unwrap(),
        &format!("db:{id}")
    );
    assert_eq!(joined.env.get("JUJU_REMOTE_UNIT").unwrap(), "prov/0");
    assert_eq!(joined.env.get("JUJU_REMOTE_APP").unwrap(), "prov");
    assert_eq!(
        joined.env.get("JUJU_DISPATCH_PATH").unwrap(),
        "hooks/db-relation-joined"
    );
    // Juju's default keys are in the unit databag.
    assert!(
        model
            .unit_data(id, "req/0")
            .unwrap()
            .contains_key("private-address")
    );
}

#[test]
fn given_a_leader_writing_its_app_databag_when_settled_then_remote_units_get_changed_without_unit()
{
    let mut model = Model::new();
    let prov = charm(|ctx, tools| {
        if let Event::RelationJoined(rel) = ctx.event()
            && tools.is_leader()?
        {
            tools.relation_set(&rel.relation, Target::App, &bag(&[("ca", "pem")]))?;
        }
        Ok(())
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let req = charm(move |ctx, tools| {
        if let Event::RelationChanged(rel) = ctx.event()
            && rel.remote_unit.is_none()
        {
            let data = tools.relation_get(&rel.relation, Member::App("prov"))?;
            seen2.lock().unwrap().push(data);
        }
        Ok(())
    });
    model.deploy("prov", provider_meta(), prov, 1).unwrap();
    model.deploy("req", requirer_meta(), req, 2).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(200).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one app-databag -changed per requirer unit");
    assert!(
        seen.iter()
            .all(|d| d.get("ca").map(String::as_str) == Some("pem"))
    );
    let app_changed = model.history().iter().find(|r| {
        r.unit == "req/0"
            && r.name == "db-relation-changed"
            && r.env.get("JUJU_REMOTE_UNIT").is_some_and(String::is_empty)
    });
    assert!(app_changed.is_some());
}

#[test]
fn given_a_failing_hook_when_it_fails_then_writes_are_discarded_but_status_and_logs_stay_and_it_is_retried()
 {
    let mut model = Model::new();
    let attempts = Arc::new(Mutex::new(0));
    let a2 = attempts.clone();
    let req = charm(move |ctx, tools| {
        if let Event::RelationJoined(rel) = ctx.event() {
            tools.relation_set(&rel.relation, Target::Unit, &bag(&[("k", "v")]))?;
            tools.status_set(Target::Unit, StatusKind::Waiting, "trying")?;
            tools.juju_log(juju_hook_tools::LogLevel::Info, "attempt")?;
            let mut n = a2.lock().unwrap();
            *n += 1;
            if *n == 1 {
                return Err(ToolError::InvalidInput {
                    tool: "charm".into(),
                    reason: "boom".into(),
                });
            }
        }
        Ok(())
    });
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), req, 1).unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    // Run up to and including the failing joined hook.
    loop {
        let r = model.step().unwrap().unwrap();
        if r.unit == "req/0" && r.name == "db-relation-joined" {
            assert!(matches!(r.outcome, HookOutcome::Failed { .. }));
            break;
        }
    }
    assert!(
        !model.unit_data(id, "req/0").unwrap().contains_key("k"),
        "write discarded"
    );
    assert_eq!(
        model.unit_status("req/0").unwrap().message,
        "trying",
        "status stays"
    );
    assert!(
        model
            .logs("req/0")
            .iter()
            .any(|l| l.message.ends_with("attempt")),
        "logs stay"
    );
    model.run_until_quiescent(100).unwrap();
    assert_eq!(*attempts.lock().unwrap(), 2, "the failed hook was retried");
    assert_eq!(model.unit_data(id, "req/0").unwrap().get("k").unwrap(), "v");
}

#[test]
fn given_a_non_leader_when_it_touches_the_app_databag_then_juju_refuses() {
    let results = Arc::new(Mutex::new(BTreeMap::new()));
    let r2 = results.clone();
    let req = charm(move |ctx, tools| {
        if let (Event::RelationCreated(rel), false) = (ctx.event(), tools.is_leader()?) {
            let write = tools.relation_set(&rel.relation, Target::App, &bag(&[("x", "y")]));
            let read = tools.relation_get(&rel.relation, Member::App("req"));
            let mut r = r2.lock().unwrap();
            r.insert("write", write.map_err(|e| e.is_permission_denied()));
            r.insert("read", read.map(drop).map_err(|e| e.is_permission_denied()));
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), req, 2).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let r = results.lock().unwrap();
    assert_eq!(
        r.get("write"),
        Some(&Err(true)),
        "cannot write relation settings"
    );
    assert_eq!(
        r.get("read"),
        Some(&Err(true)),
        "cannot read own app databag"
    );
}

#[test]
fn given_a_peer_relation_when_a_non_leader_reads_the_app_databag_then_it_may() {
    let read_ok = Arc::new(Mutex::new(None));
    let r2 = read_ok.clone();
    let app = charm(move |ctx, tools| {
        if let Event::RelationCreated(rel) = ctx.event()
            && !tools.is_leader()?
        {
            *r2.lock().unwrap() = Some(
                tools
                    .relation_get(&rel.relation, Member::App("app"))
                    .is_ok(),
            );
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), app, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(*read_ok.lock().unwrap(), Some(true));
}

#[test]
fn given_a_peer_leader_writing_app_data_then_only_non_leaders_get_changed() {
    let app = charm(|ctx, tools| {
        if let Event::LeaderElected = ctx.event() {
            let id = tools.relation_ids("peers")?.into_iter().next().unwrap();
            tools.relation_set(&id, Target::App, &bag(&[("shared", "1")]))?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").peer("peers", "p"), app, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    let app_changed = |u: &str| {
        model
            .history()
            .iter()
            .filter(|r| {
                r.unit == u
                    && r.name == "peers-relation-changed"
                    && r.env.get("JUJU_REMOTE_UNIT").is_some_and(String::is_empty)
            })
            .count()
    };
    assert_eq!(
        app_changed("app/0"),
        0,
        "the leader gets no event for its own write"
    );
    assert_eq!(app_changed("app/1"), 1);
}

#[test]
fn given_remote_data_changed_between_hooks_then_each_hook_reads_one_stable_snapshot() {
    // Hooks run one at a time, so nothing can change remote data *during* a hook; the session
    // reads remote bags from a copy taken at hook start. Here: two reads in one hook agree,
    // and a change made between hooks is seen by the next hook.
    let reads = Arc::new(Mutex::new(Vec::new()));
    let r2 = reads.clone();
    let req = charm(move |ctx, tools| {
        if let Event::RelationChanged(rel) = ctx.event()
            && let Some(u) = &rel.remote_unit
        {
            let a = tools.relation_get(&rel.relation, Member::Unit(u))?;
            let b = tools.relation_get(&rel.relation, Member::Unit(u))?;
            r2.lock().unwrap().push((a, b));
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), req, 1).unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let mut data = model.unit_data(id, "prov/0").unwrap().clone();
    data.insert("v".into(), "2".into());
    model.set_relation_data(id, "prov/0", data).unwrap();
    model.run_until_quiescent(100).unwrap();
    let reads = reads.lock().unwrap();
    let (a, b) = reads.last().unwrap();
    assert_eq!(a, b);
    assert_eq!(a.get("v").map(String::as_str), Some("2"));
}

fn secret_model(
    options: SimOptions,
    f: impl Fn(&Context, &dyn HookTools) -> Result<(), ToolError> + Send + Sync + 'static,
) -> Model {
    let mut model = Model::with_options(options);
    model
        .deploy("app", CharmMeta::new("app").action("go"), charm(f), 1)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model
}

fn add_then_set_twice(ctx: &Context, tools: &dyn HookTools) -> Result<(), ToolError> {
    match ctx.event() {
        Event::Install => {
            tools.secret_add(&NewSecret {
                content: content(&[("certificate", "c1")]),
                label: Some("cert".into()),
                owner: SecretOwner::Unit,
                ..NewSecret::default()
            })?;
        }
        Event::Action { .. } => {
            let info = tools.secret_info_get(SecretLookup::Label("cert"))?;
            tools.secret_set(
                &info.id,
                &SecretUpdate {
                    description: Some("d".into()),
                    ..SecretUpdate::default()
                },
            )?;
            tools.secret_set(
                &info.id,
                &SecretUpdate {
                    content: Some(content(&[("certificate", "c2")])),
                    ..SecretUpdate::default()
                },
            )?;
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn given_juju_3_6_when_a_hook_calls_secret_set_twice_then_the_updates_merge_into_one_revision() {
    let mut model = secret_model(SimOptions::default(), add_then_set_twice);
    model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    let s = model.owned_secret("app/0", "cert").unwrap();
    assert_eq!(s.latest, 2, "one new revision");
    assert_eq!(
        s.revisions
            .get(&2)
            .unwrap()
            .content
            .get("certificate")
            .unwrap(),
        "c2"
    );
    assert_eq!(
        s.description.as_deref(),
        Some("d"),
        "the first call's metadata is kept"
    );
}

#[test]
fn given_older_juju_when_a_hook_calls_secret_set_twice_then_the_last_call_wins() {
    let mut options = SimOptions::default();
    options.coalesce_secret_set = false;
    options.juju_version = "3.4.5".into();
    let mut model = secret_model(options, add_then_set_twice);
    model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    let s = model.owned_secret("app/0", "cert").unwrap();
    assert_eq!(s.description, None, "the first call's description was lost");
}

#[test]
fn given_identical_content_when_set_then_no_new_revision() {
    let mut model = secret_model(SimOptions::default(), |ctx, tools| {
        match ctx.event() {
            Event::Install => {
                tools.secret_add(&NewSecret {
                    content: content(&[("certificate", "same")]),
                    label: Some("cert".into()),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })?;
            }
            Event::Action { .. } => {
                let info = tools.secret_info_get(SecretLookup::Label("cert"))?;
                tools.secret_set(
                    &info.id,
                    &SecretUpdate {
                        content: Some(content(&[("certificate", "same")])),
                        ..SecretUpdate::default()
                    },
                )?;
            }
            _ => {}
        }
        Ok(())
    });
    model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    assert_eq!(model.owned_secret("app/0", "cert").unwrap().latest, 1);
}

#[test]
fn given_a_broken_relation_when_relation_ids_runs_in_broken_then_it_is_excluded() {
    let ids_in_broken = Arc::new(Mutex::new(None));
    let i2 = ids_in_broken.clone();
    let req = charm(move |ctx, tools| {
        if let Event::RelationBroken(_) = ctx.event() {
            *i2.lock().unwrap() = Some(tools.relation_ids("db")?.len());
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), req, 1).unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.remove_relation(id).unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "req/0"),
        ["db-relation-departed", "db-relation-broken"]
    );
    assert_eq!(*ids_in_broken.lock().unwrap(), Some(0));
    assert!(model.relation_ids(None).is_empty());
}

#[test]
fn given_an_owned_and_a_consumed_secret_with_one_label_when_looked_up_by_label_then_the_owned_one_wins()
 {
    let got = Arc::new(Mutex::new(None));
    let g2 = got.clone();
    let consumed_id = Arc::new(Mutex::new(None::<String>));
    let c2 = consumed_id.clone();
    let app = charm(move |ctx, tools| {
        if let Event::Action { .. } = ctx.event() {
            let id = SecretId::parse(c2.lock().unwrap().as_deref().unwrap()).unwrap();
            // Consumer label "x" for the remote secret...
            tools.secret_get(SecretRef::IdAndLabel(&id, "x"), ReadMode::Tracked)?;
            // ...and an owned secret labelled "x" too.
            tools.secret_add(&NewSecret {
                content: content(&[("who", "owner")]),
                label: Some("x".into()),
                owner: SecretOwner::Unit,
                ..NewSecret::default()
            })?;
            let c = tools.secret_get(SecretRef::Label("x"), ReadMode::Peek)?;
            *g2.lock().unwrap() = c.get("who").map(str::to_owned);
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model
        .deploy("req", requirer_meta().action("go"), app, 1)
        .unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let uri = model
        .add_secret(
            SecretOwnerRef::App("prov".into()),
            None,
            bag(&[("who", "remote")]),
        )
        .unwrap();
    model
        .grant_secret(uri.trim_start_matches("secret:"), id, "req")
        .unwrap();
    *consumed_id.lock().unwrap() = Some(uri);
    let out = model
        .run_action("req/0", "go", serde_json::Map::new())
        .unwrap();
    assert!(
        out.report.outcome.is_committed(),
        "{:?}",
        out.report.outcome
    );
    assert_eq!(got.lock().unwrap().as_deref(), Some("owner"));
}

#[test]
fn given_a_secret_without_grant_when_a_consumer_reads_it_then_not_found() {
    let res = Arc::new(Mutex::new(None));
    let r2 = res.clone();
    let uri_cell = Arc::new(Mutex::new(String::new()));
    let u2 = uri_cell.clone();
    let app = charm(move |ctx, tools| {
        if let Event::Action { .. } = ctx.event() {
            let id = SecretId::parse(&u2.lock().unwrap()).unwrap();
            *r2.lock().unwrap() = Some(
                tools
                    .secret_get(SecretRef::Id(&id), ReadMode::Tracked)
                    .map(drop)
                    .map_err(|e| e.is_not_found()),
            );
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("other", CharmMeta::new("other"), noop(), 1)
        .unwrap();
    model
        .deploy("app", CharmMeta::new("app").action("go"), app, 1)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    *uri_cell.lock().unwrap() = model
        .add_secret(
            SecretOwnerRef::App("other".into()),
            None,
            bag(&[("key", "v")]),
        )
        .unwrap();
    model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    assert_eq!(*res.lock().unwrap(), Some(Err(true)));
}

/// An owner that adds a secret expiring in one hour and removes revisions when told to.
fn expiring_owner(
    remove_expired: bool,
) -> impl Fn(&Context, &dyn HookTools) -> Result<(), ToolError> + Send + Sync + 'static {
    move |ctx, tools| {
        match ctx.event() {
            Event::Install => {
                tools.secret_add(&NewSecret {
                    content: content(&[("certificate", "c1")]),
                    label: Some("cert".into()),
                    expire: Some(time::macros::datetime!(2026-01-01 01:00:00 UTC)),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })?;
            }
            Event::SecretExpired(e) if remove_expired => tools.secret_remove(&e.id, None)?,
            Event::SecretRemove(e) => tools.secret_remove(&e.id, Some(e.revision))?,
            Event::Action { .. } => {
                let info = tools.secret_info_get(SecretLookup::Label("cert"))?;
                tools.secret_set(
                    &info.id,
                    &SecretUpdate {
                        content: Some(content(&[("certificate", "c2")])),
                        ..SecretUpdate::default()
                    },
                )?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[test]
fn given_an_expiring_revision_when_the_clock_passes_it_then_secret_expired_repeats_until_removed() {
    let mut model = secret_model(SimOptions::default(), expiring_owner(false));
    model.clear_records();
    model.advance_clock(Duration::minutes(30));
    model.run_until_quiescent(100).unwrap();
    assert!(hooks_of(&model, "app/0").is_empty(), "not due yet");
    model.advance_clock(Duration::minutes(31));
    model.run_until_quiescent(100).unwrap();
    assert_eq!(hooks_of(&model, "app/0"), ["secret-expired"]);
    let env = &model.history().first().unwrap().env;
    assert_eq!(env.get("JUJU_SECRET_REVISION").unwrap(), "1");
    assert_eq!(env.get("JUJU_SECRET_LABEL").unwrap(), "cert");
    model.advance_clock(Duration::minutes(5));
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "app/0"),
        ["secret-expired", "secret-expired"],
        "repeats"
    );

    let mut model = secret_model(SimOptions::default(), expiring_owner(true));
    model.advance_clock(Duration::hours(2));
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.advance_clock(Duration::hours(2));
    model.run_until_quiescent(100).unwrap();
    assert!(
        hooks_of(&model, "app/0").is_empty(),
        "removed: no more secret-expired"
    );
    assert!(model.owned_secret("app/0", "cert").is_none());
}

#[test]
fn given_a_new_revision_when_nobody_tracks_the_old_one_then_secret_remove_fires_for_it() {
    let mut model = secret_model(SimOptions::default(), expiring_owner(false));
    model.clear_records();
    model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(hooks_of(&model, "app/0"), ["go", "secret-remove"]);
    let xid = model.owned_secret("app/0", "cert").unwrap().xid.clone();
    assert_eq!(model.removed_revisions(), [(xid, 1)]);
}

#[test]
fn given_an_observer_tracking_a_secret_when_the_owner_publishes_a_revision_then_it_gets_secret_changed_and_the_old_revision_is_kept_until_refresh()
 {
    let uri_cell = Arc::new(Mutex::new(String::new()));
    let u2 = uri_cell.clone();
    let refreshed = Arc::new(Mutex::new(None));
    let r2 = refreshed.clone();
    let consumer = charm(move |ctx, tools| {
        match ctx.event() {
            Event::Action { .. } => {
                let id = SecretId::parse(&u2.lock().unwrap()).unwrap();
                tools.secret_get(SecretRef::IdAndLabel(&id, "remote-ca"), ReadMode::Tracked)?;
            }
            Event::SecretChanged(e) => {
                assert_eq!(e.label.as_deref(), Some("remote-ca"));
                let old = tools.secret_get(SecretRef::Id(&e.id), ReadMode::Tracked)?;
                let new = tools.secret_get(SecretRef::Id(&e.id), ReadMode::Refresh)?;
                *r2.lock().unwrap() = Some((
                    old.get("ca-cert").unwrap().to_owned(),
                    new.get("ca-cert").unwrap().to_owned(),
                ));
            }
            _ => {}
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model
        .deploy("req", requirer_meta().action("go"), consumer, 1)
        .unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let uri = model
        .add_secret(
            SecretOwnerRef::App("prov".into()),
            None,
            bag(&[("ca-cert", "v1")]),
        )
        .unwrap();
    let xid = uri.trim_start_matches("secret:").to_owned();
    model.grant_secret(&xid, id, "req").unwrap();
    *uri_cell.lock().unwrap() = uri;
    let out = model
        .run_action("req/0", "go", serde_json::Map::new())
        .unwrap();
    assert!(out.report.outcome.is_committed(), "{:?}", out.report);
    model
        .set_secret_content(&xid, bag(&[("ca-cert", "v2")]))
        .unwrap();
    model.clear_records();
    model.run_until_quiescent(100).unwrap();
    assert!(hooks_of(&model, "req/0").contains(&"secret-changed".to_owned()));
    assert_eq!(*refreshed.lock().unwrap(), Some(("v1".into(), "v2".into())));
    assert_eq!(
        model
            .secrets()
            .get(&xid)
            .unwrap()
            .trackers
            .get("req/0")
            .unwrap()
            .revision,
        2
    );
}

#[test]
fn given_two_secrets_with_one_label_when_committed_then_the_hook_fails_at_commit() {
    let mut model = secret_model(SimOptions::default(), |ctx, tools| {
        if let Event::Action { .. } = ctx.event() {
            for _ in 0..2 {
                tools.secret_add(&NewSecret {
                    content: content(&[("key", "v")]),
                    label: Some("dup".into()),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })?;
            }
        }
        Ok(())
    });
    let out = model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    assert!(
        matches!(out.report.outcome, HookOutcome::CommitRefused { .. }),
        "{:?}",
        out.report.outcome
    );
    assert!(model.secrets().is_empty());
}

#[test]
fn given_a_non_leader_when_it_adds_an_app_secret_then_permission_denied() {
    let res = Arc::new(Mutex::new(None));
    let r2 = res.clone();
    let app = charm(move |ctx, tools| {
        if let Event::Action { .. } = ctx.event() {
            let r = tools.secret_add(&NewSecret {
                content: content(&[("key", "v")]),
                owner: SecretOwner::Application,
                ..NewSecret::default()
            });
            *r2.lock().unwrap() = Some(r.map(drop).map_err(|e| e.is_permission_denied()));
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").action("go"), app, 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model
        .run_action("app/1", "go", serde_json::Map::new())
        .unwrap();
    assert_eq!(*res.lock().unwrap(), Some(Err(true)));
}

/// Juju `worker/uniter/leadership/resolver.go`: a demoted leader resigns without a hook;
/// `leader-settings-changed` fires only when leader settings change.
#[test]
fn r5_given_a_leader_change_then_the_new_leader_gets_leader_elected_and_the_old_one_runs_nothing() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), noop(), 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.set_leader("app/1").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(hooks_of(&model, "app/1"), ["leader-elected"]);
    assert!(hooks_of(&model, "app/0").is_empty());
    // Leading again is a new election.
    model.set_leader("app/0").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(hooks_of(&model, "app/0"), ["leader-elected"]);
}

#[test]
fn given_config_defaults_and_a_change_then_config_get_sees_them_in_config_changed() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let app = charm(move |ctx, tools| {
        if let Event::ConfigChanged = ctx.event() {
            s2.lock()
                .unwrap()
                .push(tools.config_get()?.get("name").cloned());
        }
        Ok(())
    });
    let meta = CharmMeta::new("app")
        .config_option("name", "string", Some(json!("banana")))
        .config_option("unset", "string", None);
    let mut model = Model::new();
    model.deploy("app", meta, app, 1).unwrap();
    model.run_until_quiescent(100).unwrap();
    model
        .set_config(
            "app",
            BTreeMap::from([("name".to_owned(), json!("cherry"))]),
        )
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [Some(json!("banana")), Some(json!("cherry"))]
    );
    assert!(
        model
            .set_config("app", BTreeMap::from([("nope".to_owned(), json!(1))]))
            .is_err()
    );
}

#[test]
fn given_an_action_when_run_then_params_with_defaults_and_results_come_back() {
    let mut meta = CharmMeta::new("app").action("echo");
    meta.actions
        .get_mut("echo")
        .unwrap()
        .params
        .insert("times".into(), json!({"type": "integer", "default": 2}));
    let app = charm(|ctx, tools| {
        if let Event::Action { name, .. } = ctx.event() {
            assert_eq!(name, "echo");
            let p = tools.action_get()?;
            tools.action_log("working")?;
            tools.action_set(&bag(&[
                ("out.msg", p["msg"].as_str().unwrap()),
                ("out.times", &p["times"].to_string()),
            ]))?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("app", meta, app, 1).unwrap();
    model.run_until_quiescent(100).unwrap();
    let params = serde_json::Map::from_iter([("msg".to_owned(), json!("hi"))]);
    let out = model.run_action("app/0", "echo", params).unwrap();
    assert_eq!(out.results, bag(&[("out.msg", "hi"), ("out.times", "2")]));
    assert_eq!(out.logs, ["working"]);
    assert_eq!(out.failure, None);
    assert_eq!(out.report.env.get("JUJU_HOOK_NAME").unwrap(), "");
    assert_eq!(
        out.report.env.get("JUJU_DISPATCH_PATH").unwrap(),
        "actions/echo"
    );
}

/// Juju `worker/uniter/resolver.go` (`case life.Dying`): a dying unit runs its relations'
/// `-departed` and `-broken` hooks first, then `stop`, then `remove`.
#[test]
fn r1_given_a_unit_removed_then_it_runs_departed_and_broken_before_stop_and_remove() {
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), noop(), 2).unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.remove_unit("req/1").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "req/1"),
        [
            "db-relation-departed",
            "db-relation-broken",
            "stop",
            "remove"
        ]
    );
    let departed = model
        .history()
        .iter()
        .find(|r| r.unit == "req/1" && r.name == "db-relation-departed")
        .unwrap();
    assert_eq!(departed.env.get("JUJU_DEPARTING_UNIT").unwrap(), "req/1");
    assert_eq!(hooks_of(&model, "prov/0"), ["db-relation-departed"]);
    let pd = model.history().iter().find(|r| r.unit == "prov/0").unwrap();
    assert_eq!(pd.env.get("JUJU_DEPARTING_UNIT").unwrap(), "req/1");
    assert!(!model.units().contains(&"req/1".to_owned()));
    assert!(
        model.unit_data(id, "req/1").is_some(),
        "departed data stays readable"
    );
    // Adding a unit brings it into the relation.
    let new = model.add_unit("req").unwrap();
    model.clear_records();
    model.run_until_quiescent(100).unwrap();
    assert!(hooks_of(&model, &new).contains(&"db-relation-joined".to_owned()));
    assert!(hooks_of(&model, "prov/0").contains(&"db-relation-joined".to_owned()));
}

#[test]
fn given_a_removed_leader_then_another_unit_is_elected() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), noop(), 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.remove_unit("app/0").unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(model.leader("app"), Some("app/1"));
    assert!(hooks_of(&model, "app/1").contains(&"leader-elected".to_owned()));
}

#[test]
fn given_a_relation_limit_when_relating_twice_then_refused() {
    let mut meta = requirer_meta();
    meta.requires.get_mut("db").unwrap().limit = Some(1);
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("prov2", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", meta, noop(), 1).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    assert!(matches!(
        model.relate("req", "db", "prov2", "db"),
        Err(Error::RelationRefused { .. })
    ));
}

fn writer_charm() -> Arc<dyn Charm> {
    charm(|ctx, tools| {
        if let Some(rel) = relation_of(ctx)
            && matches!(
                ctx.event(),
                Event::RelationJoined(_) | Event::RelationChanged(_)
            )
        {
            let unit = ctx.unit().to_string();
            tools.relation_set(&rel, Target::Unit, &bag(&[("from", &unit)]))?;
            let secret = tools.secret_get(SecretRef::Label("mine"), ReadMode::Peek);
            if secret.as_ref().is_err_and(ToolError::is_not_found) {
                tools.secret_add(&NewSecret {
                    content: content(&[("key", &unit)]),
                    label: Some("mine".into()),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })?;
            } else {
                secret?;
            }
        }
        Ok(())
    })
}

fn settled_writer_model() -> (Model, u32) {
    let mut model = Model::new();
    model
        .deploy("prov", provider_meta(), writer_charm(), 1)
        .unwrap();
    model
        .deploy("req", requirer_meta(), writer_charm(), 1)
        .unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    (model, id)
}

#[test]
fn given_any_single_tool_failure_then_the_model_still_converges_to_the_same_state() {
    let (mut clean, id) = settled_writer_model();
    clean.run_until_quiescent(200).unwrap();
    let calls = clean.trace().len();
    assert!(calls > 5);
    for n in 1..=3u32 {
        let (mut model, _) = settled_writer_model();
        model.inject_fault(Fault::NthCall {
            n,
            unit: Some("req/0".into()),
        });
        model.run_until_quiescent(200).unwrap();
        let failed = model
            .trace()
            .iter()
            .filter(|c| c.stderr.contains("injected fault"))
            .count();
        assert_eq!(failed, 1, "fault #{n} fired once");
        assert_eq!(model.unit_data(id, "req/0"), clean.unit_data(id, "req/0"));
        assert!(model.owned_secret("req/0", "mine").is_some());
        assert_eq!(model.secrets().len(), clean.secrets().len());
    }
}

#[test]
fn given_a_named_tool_fault_then_that_call_fails_and_the_trace_shows_it() {
    let (mut model, _) = settled_writer_model();
    model.inject_fault(Fault::Tool {
        tool: "secret-add".into(),
        unit: None,
    });
    model.run_until_quiescent(200).unwrap();
    let adds: Vec<_> = model
        .trace()
        .iter()
        .filter(|c| c.tool == "secret-add")
        .collect();
    assert_eq!(adds.first().unwrap().code, 1);
    assert!(adds.iter().skip(1).all(|c| c.code == 0));
    assert!(
        adds.first()
            .unwrap()
            .args
            .iter()
            .any(|a| a.starts_with("key#file=")),
        "values go through files"
    );
    assert!(
        model
            .history()
            .iter()
            .any(|r| matches!(r.outcome, HookOutcome::Failed { .. }))
    );
}

#[test]
fn given_two_charms_that_keep_answering_each_other_then_run_until_quiescent_reports_livelock() {
    let pingpong = || {
        charm(|ctx, tools| {
            if let Event::RelationChanged(rel) = ctx.event()
                && let Some(u) = &rel.remote_unit
            {
                let remote = tools.relation_get(&rel.relation, Member::Unit(u))?;
                let n: u64 = remote.get("n").and_then(|n| n.parse().ok()).unwrap_or(0);
                tools.relation_set(
                    &rel.relation,
                    Target::Unit,
                    &bag(&[("n", &(n + 1).to_string())]),
                )?;
            }
            Ok(())
        })
    };
    let mut model = Model::new();
    model
        .deploy("prov", provider_meta(), pingpong(), 1)
        .unwrap();
    model.deploy("req", requirer_meta(), pingpong(), 1).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    match model.run_until_quiescent(50) {
        Err(Error::Livelock { bound, recent }) => {
            assert_eq!(bound, 50);
            assert!(recent.iter().any(|h| h.contains("db-relation-changed")));
        }
        other => panic!("expected a livelock, got {other:?}"),
    }
}

#[test]
fn given_a_model_when_cloned_then_runs_on_the_clone_leave_the_original_alone() {
    let mut before = Model::new();
    before
        .deploy(
            "app",
            CharmMeta::new("app"),
            charm(|_, t| t.status_set(Target::Unit, StatusKind::Active, "up")),
            1,
        )
        .unwrap();
    let mut after = before.clone();
    let report = after.run_hook("app/0", Hook::Install).unwrap();
    assert!(report.outcome.is_committed());
    assert_eq!(after.unit_status("app/0").unwrap().message, "up");
    assert_eq!(before.unit_status("app/0").unwrap().kind, "unknown");
}

#[test]
fn given_a_hook_about_an_unknown_relation_then_run_hook_refuses_it() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), noop(), 1)
        .unwrap();
    let err = model
        .run_hook("app/0", Hook::RelationCreated { relation: 42 })
        .unwrap_err();
    assert!(matches!(err, Error::InconsistentHook { .. }));
}

#[test]
fn given_update_status_when_queued_then_every_live_unit_runs_it_once() {
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app"), noop(), 2)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    model.clear_records();
    model.update_status();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(hooks_of(&model, "app/0"), ["update-status"]);
    assert_eq!(hooks_of(&model, "app/1"), ["update-status"]);
}

#[test]
fn given_a_seed_when_units_run_in_random_order_then_the_model_converges_to_the_same_data() {
    let mut orders = std::collections::BTreeSet::new();
    for seed in 1..=6u64 {
        let mut options = SimOptions::default();
        options.seed = Some(seed);
        let mut model = Model::with_options(options);
        model
            .deploy("prov", provider_meta(), writer_charm(), 2)
            .unwrap();
        model
            .deploy("req", requirer_meta(), writer_charm(), 2)
            .unwrap();
        let id = model.relate("req", "db", "prov", "db").unwrap();
        model.run_until_quiescent(500).unwrap();
        for unit in ["req/0", "req/1", "prov/0", "prov/1"] {
            assert_eq!(
                model.unit_data(id, unit).unwrap().get("from").unwrap(),
                unit
            );
            assert!(model.owned_secret(unit, "mine").is_some());
        }
        assert_eq!(model.secrets().len(), 4);
        orders.insert(
            model
                .history()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        );
    }
    assert!(orders.len() > 1, "different seeds interleave differently");
}

#[test]
fn given_a_secret_granted_over_a_relation_when_the_relation_is_removed_then_the_grant_goes_with_it()
{
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), noop(), 1).unwrap();
    model.deploy("req", requirer_meta(), noop(), 1).unwrap();
    let id = model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let uri = model
        .add_secret(
            SecretOwnerRef::App("prov".into()),
            None,
            bag(&[("key", "v")]),
        )
        .unwrap();
    let xid = uri.trim_start_matches("secret:").to_owned();
    model.grant_secret(&xid, id, "req").unwrap();
    model.remove_relation(id).unwrap();
    model.run_until_quiescent(100).unwrap();
    assert!(model.secrets().get(&xid).unwrap().grants.is_empty());
}

#[test]
fn given_an_in_process_charm_then_its_tool_argv_is_the_process_hook_tools_argv() {
    let provider = charm(|ctx, tools| {
        if let Event::RelationJoined(rel) = ctx.event()
            && tools.is_leader()?
        {
            let id = tools.secret_add(&NewSecret {
                content: content(&[("key", "v")]),
                ..NewSecret::default()
            })?;
            tools.secret_grant(&id, &rel.relation, None)?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), provider, 1).unwrap();
    model.deploy("req", requirer_meta(), noop(), 1).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(100).unwrap();
    let call = |tool: &str| {
        model
            .trace()
            .iter()
            .find(|c| c.tool == tool && c.code == 0)
            .unwrap_or_else(|| panic!("no successful {tool}"))
            .clone()
    };
    // `secret-grant --relation <ep:id> <id>`, as juju-hook-tools' own tests pin it.
    assert_eq!(
        call("secret-grant").args.first().map(String::as_str),
        Some("--relation")
    );
    // The value went through a real 0600 file, removed once the tool returned.
    let add = call("secret-add");
    let path = add
        .args
        .iter()
        .find_map(|a| a.strip_prefix("key#file="))
        .unwrap();
    assert!(path.contains("juju-secret-"), "{path}");
    assert!(!std::path::Path::new(path).exists(), "{path} was removed");
}

#[test]
fn given_secret_ids_with_the_model_uuid_form_then_charms_get_and_use_them() {
    let mut options = SimOptions::default();
    options.secret_uri_form = juju_sim::SecretUriForm::WithModelUuid;
    let got = Arc::new(Mutex::new(None));
    let g2 = got.clone();
    let mut model = secret_model(options, move |ctx, tools| {
        if let Event::Install = ctx.event() {
            let id = tools.secret_add(&NewSecret {
                content: content(&[("key", "v")]),
                owner: SecretOwner::Unit,
                ..NewSecret::default()
            })?;
            let c = tools.secret_get(SecretRef::Id(&id), ReadMode::Peek)?;
            *g2.lock().unwrap() = Some((id.as_str().to_owned(), c.get("key").map(str::to_owned)));
        }
        Ok(())
    });
    model.run_until_quiescent(10).unwrap();
    let (uri, value) = got.lock().unwrap().clone().unwrap();
    assert!(
        uri.starts_with(&format!("secret://{}/", model.uuid())),
        "{uri}"
    );
    assert_eq!(value.as_deref(), Some("v"));
}

#[test]
fn given_a_daily_rotation_policy_when_a_day_passes_then_secret_rotate_repeats_until_a_new_revision()
{
    let rotate_with_new_revision = Arc::new(Mutex::new(false));
    let r2 = rotate_with_new_revision.clone();
    let mut model = secret_model(SimOptions::default(), move |ctx, tools| {
        match ctx.event() {
            Event::Install => {
                tools.secret_add(&NewSecret {
                    content: content(&[("key", "v1")]),
                    label: Some("rot".into()),
                    rotate: Some(juju_hook_tools::RotatePolicy::Daily),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })?;
            }
            Event::SecretRotate(e) if *r2.lock().unwrap() => {
                tools.secret_set(
                    &e.id,
                    &SecretUpdate {
                        content: Some(content(&[("key", "v2")])),
                        ..SecretUpdate::default()
                    },
                )?;
            }
            _ => {}
        }
        Ok(())
    });
    let info_rotates = model.owned_secret("app/0", "rot").unwrap().rotates;
    assert_eq!(info_rotates, Some(model.now() + Duration::days(1)));
    model.clear_records();
    model.advance_clock(Duration::hours(23));
    model.run_until_quiescent(100).unwrap();
    assert!(hooks_of(&model, "app/0").is_empty());
    model.advance_clock(Duration::hours(2));
    model.run_until_quiescent(100).unwrap();
    model.advance_clock(Duration::minutes(1));
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "app/0"),
        ["secret-rotate", "secret-rotate"],
        "repeats"
    );
    *rotate_with_new_revision.lock().unwrap() = true;
    model.clear_records();
    model.advance_clock(Duration::minutes(1));
    model.run_until_quiescent(100).unwrap();
    assert_eq!(
        hooks_of(&model, "app/0").first().map(String::as_str),
        Some("secret-rotate")
    );
    model.clear_records();
    model.advance_clock(Duration::hours(1));
    model.run_until_quiescent(100).unwrap();
    assert!(
        !hooks_of(&model, "app/0").contains(&"secret-rotate".to_owned()),
        "rotated: next is a day away"
    );
    let s = model.owned_secret("app/0", "rot").unwrap();
    assert_eq!(s.latest, 2);
}

#[test]
fn given_a_simulated_clock_then_in_process_charms_see_it_through_hook_time_and_the_env() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let mut model = Model::new();
    model
        .deploy(
            "app",
            CharmMeta::new("app"),
            charm(move |_, _| {
                s2.lock().unwrap().push(juju_sim::hook_time());
                Ok(())
            }),
            1,
        )
        .unwrap();
    model.advance_clock(Duration::days(3));
    let report = model.run_hook("app/0", Hook::UpdateStatus).unwrap();
    let expected = time::macros::datetime!(2026-01-04 00:00:00 UTC);
    assert_eq!(*seen.lock().unwrap(), [Some(expected)]);
    assert_eq!(
        report.env.get(juju_sim::SIM_NOW_VAR).unwrap(),
        "2026-01-04T00:00:00Z"
    );
    assert_eq!(juju_sim::hook_time(), None, "reset after the hook");
}

#[test]
fn given_an_application_removed_then_its_units_leave_the_other_side_sees_broken_and_its_secrets_go()
{
    let prov = charm(|ctx, tools| {
        if let Event::LeaderElected = ctx.event() {
            tools.secret_add(&NewSecret {
                content: content(&[("key", "v")]),
                label: Some("app-secret".into()),
                ..NewSecret::default()
            })?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("prov", provider_meta().peer("peers", "p"), prov, 2)
        .unwrap();
    model.deploy("req", requirer_meta(), noop(), 1).unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(200).unwrap();
    assert_eq!(model.secrets().len(), 1);
    model.clear_records();
    model.remove_application("prov").unwrap();
    model.run_until_quiescent(200).unwrap();
    assert_eq!(
        hooks_of(&model, "req/0"),
        [
            "db-relation-departed",
            "db-relation-departed",
            "db-relation-broken"
        ]
    );
    assert_eq!(
        hooks_of(&model, "prov/0").last().map(String::as_str),
        Some("remove")
    );
    assert!(model.units().iter().all(|u| u.starts_with("req/")));
    assert!(
        model.secrets().is_empty(),
        "app-owned secrets go with the app"
    );
    assert!(model.relation_ids(None).is_empty());
}

#[test]
fn given_a_departing_unit_then_relation_list_leaves_it_out_but_its_data_stays_readable() {
    let seen = Arc::new(Mutex::new(None));
    let s2 = seen.clone();
    let prov = charm(move |ctx, tools| {
        if let Event::RelationDeparted(rel) = ctx.event() {
            let unit = rel.remote_unit.clone().unwrap();
            let listed = tools.relation_list(&rel.relation)?;
            let data = tools.relation_get(&rel.relation, Member::Unit(&unit))?;
            *s2.lock().unwrap() = Some((
                listed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                data.get("from").cloned(),
            ));
        }
        Ok(())
    });
    let mut model = Model::new();
    model.deploy("prov", provider_meta(), prov, 1).unwrap();
    model
        .deploy("req", requirer_meta(), writer_charm(), 2)
        .unwrap();
    model.relate("req", "db", "prov", "db").unwrap();
    model.run_until_quiescent(200).unwrap();
    model.remove_unit("req/1").unwrap();
    model.run_until_quiescent(200).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        Some((vec!["req/0".to_owned()], Some("req/1".to_owned())))
    );
}

#[test]
fn given_an_action_that_calls_action_fail_then_the_failure_is_reported_and_the_hook_still_commits()
{
    let app = charm(|ctx, tools| {
        if let Event::Action { .. } = ctx.event() {
            tools.action_set(&bag(&[("partial", "yes")]))?;
            tools.action_fail("no can do")?;
        }
        Ok(())
    });
    let mut model = Model::new();
    model
        .deploy("app", CharmMeta::new("app").action("go"), app, 1)
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    let out = model
        .run_action("app/0", "go", serde_json::Map::new())
        .unwrap();
    assert_eq!(out.failure.as_deref(), Some("no can do"));
    assert_eq!(out.results.get("partial").map(String::as_str), Some("yes"));
    assert!(out.report.outcome.is_committed());
    assert!(
        model
            .run_action("app/0", "nope", serde_json::Map::new())
            .is_err()
    );
}
