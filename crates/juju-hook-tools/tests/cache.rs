//! `CachedHookTools`: each read runs one tool process per hook; writes run every time and make
//! the next read of what they changed ask Juju again.

use std::cell::RefCell;
use std::collections::BTreeMap;

use juju_hook_tools::{
    CachedHookTools, CommandOutput, CommandRunner, Context, Error, HookTools, Member,
    ProcessHookTools, ReadMode, RelationId, SecretId, SecretLookup, SecretRef, SecretUpdate,
    Target, UnitName,
};

/// Answers every tool from a small model and records each invocation as `tool arg...`.
#[derive(Debug, Default)]
struct Script {
    calls: RefCell<Vec<String>>,
    /// What `relation-get` of this unit's databag answers (changes when the test writes).
    own_bag: RefCell<String>,
    /// When set, the next `is-leader` fails.
    fail_next: RefCell<bool>,
}

const XID: &str = "d0simahb4dc3tonf2cqc";

impl CommandRunner for Script {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        _stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error> {
        self.calls
            .borrow_mut()
            .push(format!("{tool} {}", args.join(" ")));
        let ok = |stdout: &str| CommandOutput {
            code: Some(0),
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
        };
        Ok(match tool {
            "is-leader" if self.fail_next.replace(false) => CommandOutput {
                code: Some(1),
                stdout: Vec::new(),
                stderr: b"ERROR connection reset".to_vec(),
            },
            "is-leader" => ok("true"),
            "config-get" => ok(r#"{"mode":"unit"}"#),
            "relation-ids" => ok(r#"["certificates:3"]"#),
            "relation-list" if args.contains(&"--app".to_owned()) => ok(r#""ca""#),
            "relation-list" => ok(r#"["ca/0"]"#),
            "relation-get" if args.last().is_some_and(|m| m == "req/0") => {
                ok(&self.own_bag.borrow())
            }
            "relation-get" => ok(r#"{"certificates":"[]"}"#),
            "secret-ids" => ok(&format!(r#"["secret:{XID}"]"#)),
            "secret-info-get" => ok(&format!(
                r#"{{"{XID}":{{"revision":2,"label":"key","owner":"unit"}}}}"#
            )),
            "secret-get" => ok(r#"{"private-key":"k"}"#),
            _ => ok(""),
        })
    }
}

/// The context of a `certificates-relation-changed` hook of `req/0`, or with `hook` (no
/// relation variables) another hook.
fn context_of(hook: Option<&str>) -> Context {
    let mut vars = vec![
        ("JUJU_UNIT_NAME", "req/0"),
        ("JUJU_MODEL_NAME", "m"),
        ("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000"),
        ("JUJU_VERSION", "3.6.4"),
    ];
    match hook {
        Some(path) => vars.push(("JUJU_DISPATCH_PATH", path)),
        None => vars.extend([
            ("JUJU_DISPATCH_PATH", "hooks/certificates-relation-changed"),
            ("JUJU_RELATION", "certificates"),
            ("JUJU_RELATION_ID", "certificates:3"),
            ("JUJU_REMOTE_APP", "ca"),
            ("JUJU_REMOTE_UNIT", "ca/0"),
        ]),
    }
    let vars: BTreeMap<String, String> = vars
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Context::from_map(&vars).unwrap()
}

fn context() -> Context {
    context_of(None)
}

fn relation() -> RelationId {
    RelationId::parse("certificates:3").unwrap()
}

fn calls_of(process: &ProcessHookTools<Script>) -> Vec<String> {
    process.runner().calls.borrow().clone()
}

fn script() -> ProcessHookTools<Script> {
    let process = ProcessHookTools::with_runner(Script::default());
    process.runner().own_bag.replace(r#"{"a":"1"}"#.to_owned());
    process
}

#[test]
fn a_charm_and_its_library_reading_the_same_things_run_each_tool_once() {
    let process = script();
    let ctx = context();
    let tools = CachedHookTools::new(&process, &ctx);
    let me = UnitName::parse("req/0").unwrap();
    for _ in 0..3 {
        assert!(tools.is_leader().unwrap());
        assert_eq!(tools.config_get().unwrap()["mode"], "unit");
        assert_eq!(
            tools.relation_ids("certificates").unwrap(),
            vec![relation()]
        );
        assert_eq!(tools.relation_list(&relation()).unwrap().len(), 1);
        assert_eq!(
            tools.relation_remote_app(&relation()).unwrap().as_deref(),
            Some("ca")
        );
        assert_eq!(
            tools.relation_get(&relation(), Member::Unit(&me)).unwrap()["a"],
            "1"
        );
        assert!(
            tools
                .relation_get(&relation(), Member::App("ca"))
                .unwrap()
                .contains_key("certificates")
        );
        let ids = tools.secret_ids().unwrap();
        let info = tools.secret_info_get(SecretLookup::Id(&ids[0])).unwrap();
        assert_eq!(info.label.as_deref(), Some("key"));
        let content = tools
            .secret_get(SecretRef::Id(&ids[0]), ReadMode::Refresh)
            .unwrap();
        assert_eq!(content.iter().count(), 1);
    }
    // Nine tools, once each; the provider's name came from JUJU_REMOTE_APP.
    let calls = calls_of(&process);
    assert_eq!(calls.len(), 9, "{calls:#?}");
    assert!(!calls.iter().any(|c| c.contains("--app -r")), "{calls:#?}");
}

#[test]
fn the_remote_application_is_asked_only_when_nothing_names_it() {
    let process = script();
    let ctx = context_of(Some("hooks/update-status"));
    let tools = CachedHookTools::new(&process, &ctx);
    // Not a relation hook and no units listed yet: one relation-list --app.
    assert_eq!(
        tools.relation_remote_app(&relation()).unwrap().as_deref(),
        Some("ca")
    );
    let other = RelationId::parse("certificates:4").unwrap();
    // Units listed first: their application is the remote one.
    assert_eq!(tools.relation_list(&other).unwrap()[0].as_str(), "ca/0");
    assert_eq!(
        tools.relation_remote_app(&other).unwrap().as_deref(),
        Some("ca")
    );
    let calls = calls_of(&process);
    assert_eq!(
        calls,
        [
            "relation-list --format=json --app -r certificates:3",
            "relation-list --format=json -r certificates:4",
        ]
    );
}

#[test]
fn relation_set_makes_the_next_read_of_our_databags_see_the_write() {
    let process = script();
    let ctx = context();
    let tools = CachedHookTools::new(&process, &ctx);
    let me = UnitName::parse("req/0").unwrap();
    assert_eq!(
        tools.relation_get(&relation(), Member::Unit(&me)).unwrap()["a"],
        "1"
    );
    tools.relation_get(&relation(), Member::App("ca")).unwrap();

    let delta = BTreeMap::from([("a".to_owned(), "2".to_owned())]);
    tools
        .relation_set(&relation(), Target::Unit, &delta)
        .unwrap();
    // Juju shows the hook its own pending write.
    process.runner().own_bag.replace(r#"{"a":"2"}"#.to_owned());

    assert_eq!(
        tools.relation_get(&relation(), Member::Unit(&me)).unwrap()["a"],
        "2"
    );
    // The provider's databag did not change: still read once.
    tools.relation_get(&relation(), Member::App("ca")).unwrap();
    let calls = calls_of(&process);
    let reads_of = |member: &str| {
        calls
            .iter()
            .filter(|c| c.starts_with("relation-get") && c.ends_with(member))
            .count()
    };
    assert_eq!(reads_of("req/0"), 2, "{calls:#?}");
    assert_eq!(reads_of("ca"), 1, "{calls:#?}");
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("relation-set"))
            .count(),
        1
    );
}

#[test]
fn secret_writes_make_every_secret_read_ask_again() {
    let process = script();
    let ctx = context();
    let tools = CachedHookTools::new(&process, &ctx);
    let id = SecretId::parse(&format!("secret:{XID}")).unwrap();
    let read_all = || {
        tools.secret_ids().unwrap();
        tools.secret_info_get(SecretLookup::Label("key")).unwrap();
        tools
            .secret_get(SecretRef::Label("key"), ReadMode::Peek)
            .unwrap();
    };
    read_all();
    read_all();
    tools.secret_set(&id, &SecretUpdate::default()).unwrap();
    read_all();
    tools.secret_remove(&id, Some(1)).unwrap();
    read_all();
    let calls = calls_of(&process);
    for tool in ["secret-ids", "secret-info-get", "secret-get"] {
        let n = calls
            .iter()
            .filter(|c| c.starts_with(&format!("{tool} ")))
            .count();
        assert_eq!(n, 3, "{tool}: {calls:#?}");
    }
}

#[test]
fn a_failed_read_is_not_remembered() {
    let process = script();
    let ctx = context();
    let tools = CachedHookTools::new(&process, &ctx);
    process.runner().fail_next.replace(true);
    assert!(tools.is_leader().is_err());
    assert!(tools.is_leader().unwrap());
    assert!(tools.is_leader().unwrap());
    assert_eq!(calls_of(&process).len(), 2);
}

#[test]
fn setting_a_consumer_label_always_runs_secret_get() {
    let process = script();
    let ctx = context();
    let tools = CachedHookTools::new(&process, &ctx);
    let id = SecretId::parse(&format!("secret:{XID}")).unwrap();
    for _ in 0..2 {
        tools
            .secret_get(SecretRef::IdAndLabel(&id, "mine"), ReadMode::Tracked)
            .unwrap();
    }
    assert_eq!(calls_of(&process).len(), 2);
}
