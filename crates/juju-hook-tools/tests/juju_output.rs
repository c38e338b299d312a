//! The client against what Juju itself prints and exports, byte for byte, taken from Juju's
//! source (not from juju-sim): every `--format=json` output `ProcessHookTools` parses, empty and
//! not, and the environment of every kind of hook, `meter-status-changed` included.
//!
//! Sources (juju/juju unless said otherwise; paths as of Juju 3.6; line numbers at the commits
//! they were read at: `jujuc/` files at 0cdccd5f, except `relation-list.go` at 2ba9927e,
//! `relation-get.go` at 2365bb25 and `is-leader.go` at 373794ef; `meterstatus/context.go` at
//! 27dafee5 and `meterstatus/runner.go` at 12baae6d; juju/cmd `output.go` at 09bdffe5):
//!
//! * juju/cmd `output.go:46-54` `FormatJson`: `json.Marshal(value)`, then `'\n'`, with no
//!   `nil` check, so a Go `nil` slice or map prints `null\n`. Go's `json.Marshal` escapes `<`,
//!   `>` and `&` as `\u003c`, `\u003e`, `\u0026`, and sorts map keys.
//! * `internal/worker/uniter/runner/jujuc/*.go`: one file per tool, cited at each case below.
//! * `internal/worker/uniter/runner/context/context.go` `HookContext.HookVars`: the hook
//!   environment; `internal/worker/uniter/runner/runner.go` `runCharmHookWithLocation` appends
//!   `JUJU_DISPATCH_PATH=<hooks|actions>/<name>`.
//! * `internal/worker/meterstatus/context.go:44-67` `limitedContext.HookVars` and
//!   `internal/worker/meterstatus/runner.go:70-78` `RunHook`: the restricted environment of
//!   `meter-status-changed`, whose `JUJU_UNIT_NAME` is the unit *tag* (`unitTag.String()`).

use std::cell::RefCell;
use std::collections::BTreeMap;

use juju_hook_tools::{
    CommandOutput, CommandRunner, Context, Error, Event, HookTools, Member, ProcessHookTools,
    ReadMode, RelationId, RotatePolicy, SecretId, SecretLookup, SecretOwner, SecretRef, UnitName,
};
use time::macros::datetime;

/// Answers every tool with the exact bytes given for it, and records the argv of each run.
#[derive(Debug, Default)]
struct Juju {
    stdout: BTreeMap<&'static str, Vec<u8>>,
    runs: RefCell<Vec<(String, Vec<String>)>>,
}

impl CommandRunner for Juju {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        _stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error> {
        self.runs
            .borrow_mut()
            .push((tool.to_owned(), args.to_vec()));
        Ok(CommandOutput {
            code: Some(0),
            stdout: self.stdout.get(tool).cloned().unwrap_or_default(),
            stderr: Vec::new(),
        })
    }
}

/// Tools whose `tool` prints exactly `stdout`.
fn printing(tool: &'static str, stdout: &str) -> ProcessHookTools<Juju> {
    let mut juju = Juju::default();
    juju.stdout.insert(tool, stdout.as_bytes().to_vec());
    ProcessHookTools::with_runner(juju)
}

fn rel(endpoint: &str, number: u32) -> RelationId {
    RelationId::new(endpoint, number).unwrap()
}

fn unit(name: &str) -> UnitName {
    UnitName::parse(name).unwrap()
}

// --- tool output ---

/// `jujuc/secret-ids.go:57-61`: `var out []string`, appended to for each owned secret, then
/// `c.out.Write(ctx, out)`. With no secret the slice stays `nil`: `null`. The ids are the keys
/// of `SecretMetadata()`, bare xids (`secret-info-get.go` looks them up by `secretUri.ID`).
#[test]
fn secret_ids_of_a_unit_that_owns_no_secret_is_null_and_reads_as_none() {
    assert_eq!(
        printing("secret-ids", "null\n").secret_ids().unwrap(),
        vec![]
    );
    let ids = printing(
        "secret-ids",
        "[\"cs8m0bqi1tasq7ahb0j0\",\"ct0k3bqi1tasq7ahb0k1\"]\n",
    )
    .secret_ids()
    .unwrap();
    assert_eq!(
        ids,
        vec![
            SecretId::parse("secret:cs8m0bqi1tasq7ahb0j0").unwrap(),
            SecretId::parse("secret:ct0k3bqi1tasq7ahb0k1").unwrap(),
        ]
    );
}

/// `jujuc/relation-ids.go:82-96`: `result := []string{}` (never `nil`), the `FakeId()`s
/// (`endpoint:N`) of the live relations, sorted.
#[test]
fn relation_ids_prints_an_empty_list_or_endpoint_colon_number() {
    let tools = printing("relation-ids", "[]\n");
    assert_eq!(tools.relation_ids("certificates").unwrap(), vec![]);
    let tools = printing("relation-ids", "[\"certificates:12\",\"certificates:7\"]\n");
    assert_eq!(
        tools.relation_ids("certificates").unwrap(),
        vec![rel("certificates", 12), rel("certificates", 7)]
    );
    // A Go nil slice is not what relation-ids prints, but reads the same as secret-ids's.
    let tools = printing("relation-ids", "null\n");
    assert_eq!(tools.relation_ids("certificates").unwrap(), vec![]);
}

/// `jujuc/relation-list.go:75-79`: `if unitNames == nil { unitNames = []string{} }`. Units of a
/// cross-model relation are named `remote-<uuid without dashes>/<n>`.
#[test]
fn relation_list_prints_an_empty_list_or_unit_names() {
    let tools = printing("relation-list", "[]\n");
    assert_eq!(
        tools.relation_list(&rel("certificates", 7)).unwrap(),
        vec![]
    );
    let tools = printing(
        "relation-list",
        "[\"remote-0a1b2c3d4e5f46078899aabbccddeeff/0\",\"web/1\"]\n",
    );
    assert_eq!(
        tools.relation_list(&rel("certificates", 7)).unwrap(),
        vec![
            unit("remote-0a1b2c3d4e5f46078899aabbccddeeff/0"),
            unit("web/1")
        ]
    );
}

/// `jujuc/relation-list.go:71-73`: with `--app`, `c.out.Write(ctx, r.RemoteApplicationName())`,
/// a JSON string, `""` when the remote application is not known.
#[test]
fn relation_list_app_prints_a_json_string_and_empty_means_unknown() {
    let tools = printing("relation-list", "\"web\"\n");
    assert_eq!(
        tools.relation_remote_app(&rel("certificates", 7)).unwrap(),
        Some("web".to_owned())
    );
    let tools = printing("relation-list", "\"\"\n");
    assert_eq!(
        tools.relation_remote_app(&rel("certificates", 7)).unwrap(),
        None
    );
}

/// `jujuc/relation-get.go` `RelationGetCommand.Run`: `c.out.Write(ctx, settings)`, a
/// `params.Settings` (`map[string]string`) from the local context or from the controller; a
/// `nil` map prints `null`. Go escapes `<`, `>`, `&` in strings.
#[test]
fn relation_get_prints_a_settings_map_or_null_and_go_escapes_are_decoded() {
    let bag = |stdout| {
        printing("relation-get", stdout)
            .relation_get(&rel("certificates", 7), Member::App("ca"))
            .unwrap()
    };
    assert_eq!(bag("{}\n"), BTreeMap::new());
    assert_eq!(bag("null\n"), BTreeMap::new());
    let read = bag(concat!(
        "{\"egress-subnets\":\"10.0.0.5/32\",\"ingress-address\":\"10.0.0.5\",",
        "\"note\":\"\\u003cb\\u003e \\u0026 \\u2028\",\"private-address\":\"10.0.0.5\"}\n"
    ));
    assert_eq!(read["note"], "<b> & \u{2028}");
    assert_eq!(read["private-address"], "10.0.0.5");
    assert_eq!(read.len(), 4);
}

/// `jujuc/config-get.go:73-91`: options whose value is `nil` are deleted, then
/// `c.out.Write(ctx, settings)`; a charm without options has a `nil` `charm.Settings`: `null`.
#[test]
fn config_get_prints_the_set_options_an_empty_map_or_null() {
    assert!(
        printing("config-get", "null\n")
            .config_get()
            .unwrap()
            .is_empty()
    );
    assert!(
        printing("config-get", "{}\n")
            .config_get()
            .unwrap()
            .is_empty()
    );
    let config = printing(
        "config-get",
        "{\"ca-common-name\":\"self-signed-certificates-operator\",\"certificate-limit\":99}\n",
    )
    .config_get()
    .unwrap();
    assert_eq!(config["certificate-limit"], 99);
    assert_eq!(
        config["ca-common-name"],
        "self-signed-certificates-operator"
    );
}

/// `jujuc/action-get.go:121-126`: "If no parameters were returned we still want to print an
/// empty object, not nil".
#[test]
fn action_get_prints_an_object_empty_when_there_are_no_parameters() {
    assert_eq!(
        printing("action-get", "{}\n").action_get().unwrap(),
        serde_json::json!({})
    );
    assert_eq!(
        printing("action-get", "null\n").action_get().unwrap(),
        serde_json::json!({})
    );
    assert_eq!(
        printing("action-get", "{\"format\":\"pem\"}\n")
            .action_get()
            .unwrap(),
        serde_json::json!({"format": "pem"})
    );
}

/// `jujuc/is-leader.go:58`: `c.out.Write(ctx, success)`, a Go `bool`.
#[test]
fn is_leader_prints_true_or_false() {
    assert!(printing("is-leader", "true\n").is_leader().unwrap());
    assert!(!printing("is-leader", "false\n").is_leader().unwrap());
}

/// `jujuc/secret-get.go:108-113`: `value.Values()`, a `map[string]string` of the decoded
/// content (always made, never `nil`); Go writes a newline in a string as `\n`.
#[test]
fn secret_get_prints_the_content_map() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    let stdout = format!(
        "{{\"certificate\":{}}}\n",
        serde_json::to_string(pem).unwrap()
    );
    let content = printing("secret-get", &stdout)
        .secret_get(SecretRef::Label("cert"), ReadMode::Tracked)
        .unwrap();
    assert_eq!(content.get("certificate"), Some(pem));
    let content = printing("secret-get", "{}\n")
        .secret_get(SecretRef::Label("cert"), ReadMode::Peek)
        .unwrap();
    assert!(content.is_empty());
}

/// `jujuc/secret-info-get.go:78-87` `metadataDisplay`: `revision`, `label` and `owner` are
/// always written (`"label":""` when there is none), the rest only when set (`omitempty`),
/// `access` a list of grants; the map key is the xid (`c.secretUri.ID`). Times are RFC 3339
/// with nanoseconds when Go has them.
#[test]
fn secret_info_get_prints_one_xid_keyed_entry() {
    let info = printing(
        "secret-info-get",
        "{\"cs8m0bqi1tasq7ahb0j0\":{\"revision\":2,\"label\":\"\",\"owner\":\"unit\"}}\n",
    )
    .secret_info_get(SecretLookup::Label("x"))
    .unwrap();
    assert_eq!(info.id.xid(), "cs8m0bqi1tasq7ahb0j0");
    assert_eq!((info.revision, info.owner), (2, SecretOwner::Unit));
    assert_eq!(info.label, None);
    assert_eq!(info.expiry, None);

    let full = concat!(
        "{\"cs8m0bqi1tasq7ahb0j0\":{\"revision\":7,\"label\":\"ca\",\"owner\":\"application\",",
        "\"description\":\"the CA\",\"rotation\":\"monthly\",",
        "\"expiry\":\"2026-06-29T00:00:00Z\",\"rotates\":\"2026-04-30T12:00:00.123456789Z\",",
        "\"access\":[{\"target\":\"application-web\",\"scope\":\"relation-web.certificates#ca.certificates\",",
        "\"role\":\"view\"}]}}\n"
    );
    let info = printing("secret-info-get", full)
        .secret_info_get(SecretLookup::Id(
            &SecretId::parse("secret:cs8m0bqi1tasq7ahb0j0").unwrap(),
        ))
        .unwrap();
    assert_eq!(info.label.as_deref(), Some("ca"));
    assert_eq!(info.owner, SecretOwner::Application);
    assert_eq!(info.rotation, Some(RotatePolicy::Monthly));
    assert_eq!(info.expiry, Some(datetime!(2026-06-29 00:00:00 UTC)));
    assert_eq!(
        info.rotates,
        Some(datetime!(2026-04-30 12:00:00.123456789 UTC))
    );
}

/// `jujuc/secret-add.go` `secretAddCommand.Run`: `fmt.Fprintln(ctx.Stdout, uri.String())`, not
/// JSON: `secret:<xid>`, or `secret://<model-uuid>/<xid>` when the URI carries its model.
#[test]
fn secret_add_prints_the_uri_and_a_newline() {
    let secret = juju_hook_tools::NewSecret {
        content: juju_hook_tools::SecretContent::from_pairs([("token", "v")]).unwrap(),
        ..juju_hook_tools::NewSecret::default()
    };
    for stdout in [
        "secret:cs8m0bqi1tasq7ahb0j0\n",
        "secret://0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10/cs8m0bqi1tasq7ahb0j0\n",
    ] {
        let id = printing("secret-add", stdout).secret_add(&secret).unwrap();
        assert_eq!(id.xid(), "cs8m0bqi1tasq7ahb0j0", "{stdout:?}");
    }
}

/// Nothing above prints empty stdout with `--format=json` (`FormatJson` always writes at least
/// `null\n`): empty output is not a Juju answer and is refused, never read as "nothing".
#[test]
fn empty_stdout_is_refused_as_malformed_not_read_as_empty() {
    let err = printing("secret-ids", "").secret_ids().unwrap_err();
    assert!(matches!(err, Error::MalformedOutput { .. }), "{err:?}");
    let err = printing("is-leader", "").is_leader().unwrap_err();
    assert!(matches!(err, Error::MalformedOutput { .. }), "{err:?}");
}

// --- hook environments ---

/// What `HookContext.HookVars` exports for every hook of unit `tls-requirer/3`, in its order,
/// plus the `PATH` and locale variables `OSDependentEnvVars` adds and the `JUJU_DISPATCH_PATH`
/// the runner appends. Empty values are exported empty ("better to explicitly export them as
/// empty").
fn hook_env(hook: &str, dispatch: &str) -> BTreeMap<String, String> {
    [
        (
            "CHARM_DIR",
            "/var/lib/juju/agents/unit-tls-requirer-3/charm",
        ),
        (
            "JUJU_CHARM_DIR",
            "/var/lib/juju/agents/unit-tls-requirer-3/charm",
        ),
        (
            "JUJU_CONTEXT_ID",
            "tls-requirer/3-install-4306270131245935237",
        ),
        ("JUJU_HOOK_NAME", hook),
        (
            "JUJU_AGENT_SOCKET_ADDRESS",
            "@/var/lib/juju/agents/unit-tls-requirer-3/agent.socket",
        ),
        ("JUJU_AGENT_SOCKET_NETWORK", "unix"),
        ("JUJU_UNIT_NAME", "tls-requirer/3"),
        ("JUJU_MODEL_UUID", "0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10"),
        ("JUJU_MODEL_NAME", "dev"),
        ("JUJU_API_ADDRESSES", "10.0.0.2:17070 10.0.0.3:17070"),
        ("JUJU_SLA", "unsupported"),
        ("JUJU_MACHINE_ID", "3"),
        ("JUJU_PRINCIPAL_UNIT", ""),
        ("JUJU_AVAILABILITY_ZONE", ""),
        ("JUJU_VERSION", "3.6.14"),
        ("CLOUD_API_VERSION", ""),
        ("JUJU_CHARM_HTTP_PROXY", ""),
        ("JUJU_CHARM_HTTPS_PROXY", ""),
        ("JUJU_CHARM_FTP_PROXY", ""),
        ("JUJU_CHARM_NO_PROXY", "127.0.0.1,localhost,::1"),
        ("APT_LISTCHANGES_FRONTEND", "none"),
        ("DEBIAN_FRONTEND", "noninteractive"),
        ("LANG", "C.UTF-8"),
        (
            "PATH",
            "/var/lib/juju/tools/unit-tls-requirer-3:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("JUJU_DISPATCH_PATH", dispatch),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut env: BTreeMap<String, String>, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

/// `HookVars`, relation part: `JUJU_RELATION`, `JUJU_RELATION_ID` (`r.FakeId()`,
/// `endpoint:N`), `JUJU_REMOTE_UNIT` and `JUJU_REMOTE_APP` always (possibly empty), and
/// `JUJU_DEPARTING_UNIT` only when there is one.
fn relation_env(kind: &str, remote_unit: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let hook = format!("certificates-relation-{kind}");
    let env = with(
        hook_env(&hook, &format!("hooks/{hook}")),
        &[
            ("JUJU_RELATION", "certificates"),
            ("JUJU_RELATION_ID", "certificates:7"),
            ("JUJU_REMOTE_UNIT", remote_unit),
            ("JUJU_REMOTE_APP", "ca"),
        ],
    );
    with(env, extra)
}

/// `HookVars`, secret part: `JUJU_SECRET_ID` and `JUJU_SECRET_LABEL` (possibly empty) always,
/// `JUJU_SECRET_REVISION` only when the revision is above 0 (none for `secret-rotate`).
fn secret_env(hook: &str, label: &str, revision: Option<&str>) -> BTreeMap<String, String> {
    let env = with(
        hook_env(hook, &format!("hooks/{hook}")),
        &[
            (
                "JUJU_SECRET_ID",
                "secret://0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10/cs8m0bqi1tasq7ahb0j0",
            ),
            ("JUJU_SECRET_LABEL", label),
        ],
    );
    match revision {
        Some(revision) => with(env, &[("JUJU_SECRET_REVISION", revision)]),
        None => env,
    }
}

fn event(env: &BTreeMap<String, String>) -> Event {
    Context::from_map(env)
        .unwrap_or_else(|e| panic!("{e}: {env:?}"))
        .event()
        .clone()
}

#[test]
fn every_hook_juju_dispatches_parses_from_the_environment_juju_sets() {
    for (hook, expected) in [
        ("install", Event::Install),
        ("start", Event::Start),
        ("config-changed", Event::ConfigChanged),
        ("update-status", Event::UpdateStatus),
        ("leader-elected", Event::LeaderElected),
        ("leader-settings-changed", Event::LeaderSettingsChanged),
        ("upgrade-charm", Event::UpgradeCharm),
        ("stop", Event::Stop),
        ("remove", Event::Remove),
    ] {
        let env = hook_env(hook, &format!("hooks/{hook}"));
        let ctx = Context::from_map(&env).unwrap();
        assert_eq!(ctx.event(), &expected, "{hook}");
        assert_eq!(ctx.unit().as_str(), "tls-requirer/3");
        assert_eq!(ctx.model_name(), Some("dev"));
        assert_eq!(ctx.juju_version().map(|v| v.as_str()), Some("3.6.14"));
    }
    // Hooks this crate does not model still parse, as unknown events.
    for hook in [
        "data-storage-attached",
        "workload-pebble-ready",
        "pre-series-upgrade",
    ] {
        let env = with(
            hook_env(hook, &format!("hooks/{hook}")),
            &[
                ("JUJU_STORAGE_ID", "data/0"),
                ("JUJU_WORKLOAD_NAME", "workload"),
            ],
        );
        assert_eq!(event(&env), Event::Unknown(hook.to_owned()));
        assert!(!event(&env).is_restricted(), "{hook}");
    }
}

#[test]
fn every_relation_hook_parses_with_the_remote_unit_juju_leaves_empty() {
    let created = event(&relation_env("created", "", &[]));
    let Event::RelationCreated(r) = created else {
        panic!("{created:?}")
    };
    assert_eq!((r.remote_unit, r.remote_app.as_deref()), (None, Some("ca")));

    let joined = event(&relation_env("joined", "ca/0", &[]));
    assert!(matches!(joined, Event::RelationJoined(ref r) if r.remote_unit == Some(unit("ca/0"))));

    // A change of the remote application's databag: `RemoteUnit: ""`.
    let app_changed = event(&relation_env("changed", "", &[]));
    assert!(matches!(app_changed, Event::RelationChanged(ref r) if r.remote_unit.is_none()));

    let departed = event(&relation_env(
        "departed",
        "ca/0",
        &[("JUJU_DEPARTING_UNIT", "ca/0")],
    ));
    let Event::RelationDeparted(r) = departed else {
        panic!("{departed:?}")
    };
    assert_eq!(r.departing_unit, Some(unit("ca/0")));

    let broken = event(&relation_env("broken", "", &[("JUJU_REMOTE_APP", "")]));
    let Event::RelationBroken(r) = broken else {
        panic!("{broken:?}")
    };
    assert_eq!((r.relation, r.remote_app), (rel("certificates", 7), None));
}

#[test]
fn every_secret_hook_parses_with_the_revision_juju_sets_only_above_zero() {
    let changed = event(&secret_env("secret-changed", "", Some("3")));
    assert!(
        matches!(changed, Event::SecretChanged(ref s) if s.revision == Some(3) && s.label.is_none())
    );
    let rotate = event(&secret_env("secret-rotate", "ca", None));
    assert!(matches!(rotate, Event::SecretRotate(ref s) if s.revision.is_none()));
    let expired = event(&secret_env("secret-expired", "ca", Some("2")));
    assert!(matches!(expired, Event::SecretExpired(ref s) if s.revision == 2));
    let remove = event(&secret_env("secret-remove", "ca", Some("1")));
    let Event::SecretRemove(s) = remove else {
        panic!("{remove:?}")
    };
    assert_eq!((s.id.xid(), s.revision), ("cs8m0bqi1tasq7ahb0j0", 1));
}

/// `HookVars`, action part: `JUJU_ACTION_NAME`, `JUJU_ACTION_UUID` (`Tag.Id()`, a number in
/// Juju 3) and `JUJU_ACTION_TAG`; an action has no hook name.
#[test]
fn an_action_parses_from_the_environment_juju_sets() {
    let env = with(
        hook_env("", "actions/get-certificate"),
        &[
            ("JUJU_ACTION_NAME", "get-certificate"),
            ("JUJU_ACTION_UUID", "42"),
            ("JUJU_ACTION_TAG", "action-42"),
        ],
    );
    assert_eq!(
        event(&env),
        Event::Action {
            name: "get-certificate".to_owned(),
            id: "42".to_owned()
        }
    );
}

/// `meterstatus/context.go:44-67`: the restricted context exports `CHARM_DIR`,
/// `JUJU_CHARM_DIR`, `JUJU_CONTEXT_ID` (`<unit tag>-meter-status-<n>`, `context.go:39`), the two
/// `JUJU_AGENT_SOCKET_*` and `JUJU_UNIT_NAME`, which `meterstatus/runner.go:71` fills with
/// `unitTag.String()`; `runner.go:75-78` adds `JUJU_METER_STATUS` and `JUJU_METER_INFO`. No model
/// name, UUID or version, no hook name.
#[test]
fn meter_status_changed_parses_from_its_restricted_environment() {
    let env: BTreeMap<String, String> = [
        (
            "CHARM_DIR",
            "/var/lib/juju/agents/unit-tls-requirer-3/charm",
        ),
        (
            "JUJU_CHARM_DIR",
            "/var/lib/juju/agents/unit-tls-requirer-3/charm",
        ),
        (
            "JUJU_CONTEXT_ID",
            "unit-tls-requirer-3-meter-status-5577006791947779410",
        ),
        (
            "JUJU_AGENT_SOCKET_ADDRESS",
            "@/var/lib/juju/agents/unit-tls-requirer-3/agent.socket",
        ),
        ("JUJU_AGENT_SOCKET_NETWORK", "unix"),
        ("JUJU_UNIT_NAME", "unit-tls-requirer-3"),
        ("JUJU_METER_STATUS", "AMBER"),
        ("JUJU_METER_INFO", "collector unreachable"),
        ("APT_LISTCHANGES_FRONTEND", "none"),
        ("DEBIAN_FRONTEND", "noninteractive"),
        ("LANG", "C.UTF-8"),
        (
            "PATH",
            "/var/lib/juju/tools/unit-tls-requirer-3:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("JUJU_DISPATCH_PATH", "hooks/meter-status-changed"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let ctx = Context::from_map(&env).unwrap();
    assert_eq!(
        ctx.event(),
        &Event::Unknown("meter-status-changed".to_owned())
    );
    assert!(ctx.event().is_restricted());
    assert_eq!(ctx.unit().as_str(), "tls-requirer/3");
    assert_eq!(
        (ctx.model_name(), ctx.model_uuid(), ctx.juju_version()),
        (None, None, None)
    );
}
