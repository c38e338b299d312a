//! Process mode: real charm processes (`dispatch`) calling the `juju-sim-tool` executable.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use juju_hook_tools::Target;
use juju_sim::{CharmMeta, HookOutcome, Model, ProcessCharm, in_process};
use serde_json::json;

const TOOL: &str = env!("CARGO_BIN_EXE_juju-sim-tool");
const TEST_CHARM: &str = env!("CARGO_BIN_EXE_juju-sim-test-charm");

/// A charm directory whose `dispatch` is `script`.
fn charm_dir(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dispatch = dir.path().join("dispatch");
    std::fs::write(&dispatch, script).unwrap();
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn rust_charm_dir() -> tempfile::TempDir {
    charm_dir(&format!("#!/bin/sh\nexec '{TEST_CHARM}'\n"))
}

fn test_charm_meta(name: &str) -> CharmMeta {
    CharmMeta::new(name)
        .provides("greet", "greeting")
        .config_option("greeting", "string", Some(json!("hello")))
        .action("echo")
}

#[test]
fn given_a_rust_charm_process_when_deployed_and_related_then_its_tool_calls_reach_the_model() {
    let dir = rust_charm_dir();
    let mut model = Model::new();
    let charm = Arc::new(ProcessCharm::new(dir.path(), TOOL));
    model
        .deploy("rust", test_charm_meta("rust"), charm, 1)
        .unwrap();
    // The other side is an in-process charm that replies.
    let replier = in_process(|ctx, tools: &dyn juju_hook_tools::HookTools| {
        if let juju_hook_tools::Event::RelationJoined(rel) = ctx.event() {
            let reply = BTreeMap::from([("reply".to_owned(), "pong".to_owned())]);
            tools.relation_set(&rel.relation, Target::Unit, &reply)?;
        }
        Ok::<_, juju_hook_tools::Error>(())
    });
    model
        .deploy(
            "peer",
            CharmMeta::new("peer").requires("greet", "greeting"),
            replier,
            1,
        )
        .unwrap();
    let id = model.relate("peer", "greet", "rust", "greet").unwrap();
    model.run_until_quiescent(100).unwrap();

    for r in model.history() {
        assert!(r.outcome.is_committed(), "{r}");
    }
    let secret = model
        .owned_secret("rust/0", "key")
        .expect("install added a secret");
    assert_eq!(
        secret
            .revisions
            .get(&1)
            .unwrap()
            .content
            .get("private-key")
            .unwrap(),
        "key-1"
    );
    assert_eq!(
        model
            .unit_data(id, "rust/0")
            .unwrap()
            .get("greeting")
            .unwrap(),
        "hello"
    );
    assert_eq!(
        model
            .app_data(id, "rust")
            .unwrap()
            .get("app-greeting")
            .unwrap(),
        "hello"
    );
    assert_eq!(model.unit_status("rust/0").unwrap().message, "reply: pong");
    // The tools were called with the argv ProcessHookTools builds.
    let add = model
        .trace()
        .iter()
        .find(|c| c.tool == "secret-add")
        .unwrap();
    assert!(
        add.args.iter().any(|a| a.starts_with("private-key#file=")),
        "{:?}",
        add.args
    );
    assert!(
        !add.args.iter().any(|a| a.contains("key-1")),
        "no secret value on argv"
    );
    let set = model
        .trace()
        .iter()
        .find(|c| c.tool == "relation-set")
        .unwrap();
    assert!(set.args.windows(2).any(|w| w == ["--file", "-"]));

    // Config change and an action, through the process too.
    model
        .set_config(
            "rust",
            BTreeMap::from([("greeting".to_owned(), json!("hi"))]),
        )
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(model.unit_status("rust/0").unwrap().message, "greeting: hi");
    let params = serde_json::Map::from_iter([("msg".to_owned(), json!("ping"))]);
    let out = model.run_action("rust/0", "echo", params).unwrap();
    assert_eq!(out.results.get("echoed").unwrap(), "ping");
}

#[test]
fn given_a_charm_process_that_exits_non_zero_then_its_writes_are_discarded_and_stderr_is_logged() {
    let dir = rust_charm_dir();
    let mut model = Model::new();
    let charm = Arc::new(ProcessCharm::new(dir.path(), TOOL).env("SIM_TEST_CHARM_FAIL", "install"));
    model
        .deploy("rust", test_charm_meta("rust"), charm, 1)
        .unwrap();
    let report = model.step().unwrap().unwrap();
    assert_eq!(report.name, "install");
    match &report.outcome {
        HookOutcome::Failed { reason } => assert!(reason.contains("on purpose"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(model.secrets().is_empty(), "secret-add was discarded");
    assert_eq!(
        model.unit_status("rust/0").unwrap().kind,
        "maintenance",
        "status stays"
    );
    assert!(
        model
            .logs("rust/0")
            .iter()
            .any(|l| l.level == "WARNING" && l.message.contains("on purpose")),
        "stderr goes to the log at WARNING"
    );
}

#[test]
fn given_a_charm_process_that_hangs_then_it_is_killed_at_the_timeout_and_the_hook_fails() {
    // It makes a tool call first: the watcher must not get in the way of tool calls.
    let dir = charm_dir("#!/bin/sh\nstatus-set maintenance -- busy\nexec sleep 30\n");
    let mut model = Model::new();
    let charm = ProcessCharm::new(dir.path(), TOOL).timeout(std::time::Duration::from_millis(300));
    model
        .deploy("hang", CharmMeta::new("hang"), Arc::new(charm), 1)
        .unwrap();
    let started = std::time::Instant::now();
    let report = model.step().unwrap().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    match &report.outcome {
        HookOutcome::Failed { reason } => assert!(reason.contains("killed after"), "{reason}"),
        other => panic!("expected a killed hook, got {other:?}"),
    }
    assert_eq!(model.trace().len(), 1, "{:?}", model.trace());
}

/// Runs `script` as the install hook's dispatch and returns the report and trace.
fn run_script(script: &str) -> Model {
    let dir = charm_dir(script);
    let mut model = Model::new();
    let meta = CharmMeta::new("sh").peer("peers", "p");
    model
        .deploy("sh", meta, Arc::new(ProcessCharm::new(dir.path(), TOOL)), 1)
        .unwrap();
    model.step().unwrap().unwrap();
    model
}

#[test]
fn given_malformed_tool_invocations_then_each_gets_an_error_exit_and_the_simulator_survives() {
    let script = r#"#!/bin/sh
set -u
[ "$JUJU_HOOK_NAME" = start ] || exit 0
check() { # expected-code tool args...
    want=$1; shift
    "$@" >/dev/null 2>err.txt; got=$?
    if [ "$got" != "$want" ]; then echo "$* -> $got, wanted $want: $(cat err.txt)" >&2; exit 1; fi
}
check 2 relation-get --no-such-flag
check 2 relation-get -r
check 2 relation-get -r notanumber - sh/0
check 2 relation-get -r peers:999 - sh/0
check 1 relation-get -r peers:0 - sh
check 2 relation-set -r peers:0 novalue
check 2 relation-set -r peers:0 a=1 a=2
check 1 relation-set -r peers:0 --file /does/not/exist
check 2 secret-add
check 2 secret-add bad_key=x
check 2 secret-add --owner nobody good-key=x
check 1 secret-add good-key#file=/does/not/exist --owner unit
check 2 secret-add --expire yesterday good-key=x
check 2 secret-get
check 1 secret-get secret:doesnotexist0000000
check 2 secret-get --peek --refresh --label x
check 2 secret-info-get secret:abc --label x
check 2 status-set sleeping
check 2 relation-ids peers --format=xml
check 2 status-set active two words
check 1 action-set a=b
check 1 action-get
check 1 no-such-tool
check 0 relation-ids peers --format=json
check 0 juju-log --log-level INFO -- all survived
exit 0
"#;
    // The tools are symlinks named like Juju's; add one with an unknown name.
    let mut model = Model::new();
    let meta = CharmMeta::new("sh").peer("peers", "p");
    let tools_extra = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(TOOL, tools_extra.path().join("no-such-tool")).unwrap();
    let script_dir = charm_dir(&script.replacen(
        "set -u\n",
        &format!(
            "set -u\nexport PATH=\"$PATH:{}\"\n",
            tools_extra.path().display()
        ),
        1,
    ));
    model
        .deploy(
            "sh",
            meta,
            Arc::new(ProcessCharm::new(script_dir.path(), TOOL)),
            1,
        )
        .unwrap();
    model.run_until_quiescent(20).unwrap();
    let report = model.history().iter().find(|r| r.name == "start").unwrap();
    assert!(
        report.outcome.is_committed(),
        "{report}\nlogs: {:?}",
        model.logs("sh/0")
    );
    assert!(
        model
            .logs("sh/0")
            .iter()
            .any(|l| l.message == "all survived")
    );
    assert!(model.trace().len() >= 24);
}

#[test]
fn given_the_tool_run_outside_the_simulator_then_it_fails_cleanly() {
    let out = std::process::Command::new(TOOL)
        .arg("is-leader")
        .env_remove("JUJU_AGENT_SOCKET_ADDRESS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JUJU_AGENT_SOCKET_ADDRESS"));
}

#[test]
fn given_a_shell_charm_then_it_sees_the_juju_environment_and_tools_on_path() {
    let model = run_script(
        "#!/bin/sh\nset -e\n[ \"$JUJU_DISPATCH_PATH\" = hooks/install ]\n[ \"$JUJU_UNIT_NAME\" = sh/0 ]\n[ \"$(pwd -P)\" = \"$(cd \"$JUJU_CHARM_DIR\" && pwd -P)\" ]\n[ \"$(is-leader --format=json)\" = true ]\nprintf '{\"a\": \"1\"}' | state-set --file -\nstatus-set --application=False active -- \"$(state-get --format=json a)\"\n",
    );
    let report = model.history().first().unwrap();
    assert!(
        report.outcome.is_committed(),
        "{report} {:?}",
        model.logs("sh/0")
    );
    assert_eq!(model.unit_status("sh/0").unwrap().message, "\"1\"");
    assert_eq!(model.unit_state("sh/0").unwrap().get("a").unwrap(), "1");
    assert!(Path::new(TOOL).exists());
}

#[test]
fn given_per_unit_copies_then_each_unit_runs_in_its_own_charm_dir() {
    let dir = charm_dir("#!/bin/sh\necho \"$JUJU_UNIT_NAME\" >> units.txt\n");
    let copies = tempfile::tempdir().unwrap();
    let charm = ProcessCharm::new(dir.path(), TOOL).per_unit_copies(copies.path());
    let mut model = Model::new();
    model
        .deploy("sh", CharmMeta::new("sh"), Arc::new(charm), 2)
        .unwrap();
    model.run_until_quiescent(50).unwrap();
    for unit in ["sh/0", "sh/1"] {
        let file = copies.path().join(unit.replace('/', "-")).join("units.txt");
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.lines().all(|l| l == unit), "{unit}: {text}");
        assert!(
            text.lines().count() >= 4,
            "install, leader, config-changed, start"
        );
    }
    assert!(
        !dir.path().join("units.txt").exists(),
        "the source dir is untouched"
    );
}

#[test]
fn given_a_charm_source_dir_and_a_binary_when_staged_then_dispatch_runs_the_binary() {
    let src = charm_dir("#!/bin/sh\nexec ./the-charm\n");
    std::fs::write(
        src.path().join("charmcraft.yaml"),
        "name: staged\nprovides:\n  greet:\n    interface: greeting\nconfig:\n  options:\n    greeting: {type: string, default: hey}\nactions:\n  echo:\n",
    )
    .unwrap();
    let target = tempfile::tempdir().unwrap();
    let dir = ProcessCharm::stage(
        src.path(),
        &[(Path::new(TEST_CHARM), "the-charm")],
        &target.path().join("staged"),
    )
    .unwrap();
    let meta = CharmMeta::from_charm_dir(&dir).unwrap();
    let mut model = Model::new();
    model
        .deploy("staged", meta, Arc::new(ProcessCharm::new(&dir, TOOL)), 1)
        .unwrap();
    model.run_until_quiescent(50).unwrap();
    assert_eq!(
        model.unit_status("staged/0").unwrap().message,
        "greeting: hey"
    );
}

#[test]
fn given_a_charm_with_only_charmcraft_yaml_when_staged_then_metadata_config_and_actions_yaml_are_written_as_charmcraft_pack_does()
 {
    let src = charm_dir("#!/bin/sh\nexit 0\n");
    std::fs::write(
        src.path().join("charmcraft.yaml"),
        "name: packed\ntype: charm\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms:\n  amd64:\nrequires:\n  certificates:\n    interface: tls-certificates\n    limit: 1\nconfig:\n  options:\n    common-name:\n      type: string\n      default: banana\nactions:\n  get-certificate:\n    description: Returns it.\n",
    )
    .unwrap();
    let target = tempfile::tempdir().unwrap();
    let dir = ProcessCharm::stage(src.path(), &[], &target.path().join("packed")).unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(
        read("metadata.yaml"),
        "description: d\nname: packed\nrequires:\n  certificates:\n    interface: tls-certificates\n    limit: 1\nsummary: s\n"
    );
    assert_eq!(
        read("config.yaml"),
        "options:\n  common-name:\n    default: banana\n    type: string\n"
    );
    assert_eq!(
        read("actions.yaml"),
        "get-certificate:\n  description: Returns it.\n"
    );
    // A metadata.yaml the source has is kept as it is.
    std::fs::write(src.path().join("metadata.yaml"), "name: own\n").unwrap();
    let again = ProcessCharm::stage(src.path(), &[], &target.path().join("own")).unwrap();
    assert_eq!(
        std::fs::read_to_string(again.join("metadata.yaml")).unwrap(),
        "name: own\n"
    );
}

#[test]
fn given_a_process_charm_by_default_then_each_unit_runs_in_its_own_copy_of_the_charm_dir() {
    let dir = charm_dir("#!/bin/sh\necho \"$JUJU_UNIT_NAME\" >> units.txt\npwd -P >> units.txt\n");
    let charm = ProcessCharm::new(dir.path(), TOOL);
    let mut model = Model::new();
    model
        .deploy("sh", CharmMeta::new("sh"), Arc::new(charm.clone()), 2)
        .unwrap();
    model.run_until_quiescent(50).unwrap();
    let zero = charm.unit_dir("sh/0").unwrap();
    let one = charm.unit_dir("sh/1").unwrap();
    assert_ne!(zero, one);
    for (unit, dir) in [("sh/0", &zero), ("sh/1", &one)] {
        let text = std::fs::read_to_string(dir.join("units.txt")).unwrap();
        assert!(text.lines().any(|l| l == unit), "{unit}: {text}");
        assert!(
            !text.contains(if unit == "sh/0" { "sh/1" } else { "sh/0" }),
            "{unit}: {text}"
        );
    }
    assert!(!dir.path().join("units.txt").exists());
}

#[test]
fn given_a_failing_process_charm_then_the_hook_report_carries_its_last_stderr_lines() {
    let model = run_script(
        "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = install ] || exit 0\nfor i in 1 2 3 4 5 6 7; do echo \"line $i\" >&2; done\njuju-log --log-level ERROR -- 'Traceback (most recent call last)'\nexit 3\n",
    );
    let report = model.history().first().unwrap();
    let HookOutcome::Failed { reason } = &report.outcome else {
        panic!("{report}");
    };
    assert!(
        reason.starts_with("dispatch exited with exit status: 3"),
        "{reason}"
    );
    assert!(
        reason.contains("line 7") && reason.contains("line 3"),
        "{reason}"
    );
    assert!(
        !reason.contains("line 2"),
        "only the last five lines: {reason}"
    );
    assert!(
        reason.contains("Traceback (most recent call last)"),
        "ERROR log lines: {reason}"
    );
}

/// Issue "juju-sim's tool socket and temp directory follow the umask": under `umask 000` the
/// socket is 0600 and every directory the simulator makes (socket, tools, unit copies) 0700.
#[test]
fn given_umask_000_then_the_tool_socket_and_the_simulators_directories_are_private() {
    const CHILD: &str = "JUJU_SIM_TEST_UMASK_CHILD";
    if std::env::var_os(CHILD).is_none() {
        // Run this very test again in a process whose umask is 000.
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new("sh")
            .args([
                "-c",
                "umask 000 && exec \"$0\" --exact \"$1\" --nocapture --test-threads=1",
            ])
            .arg(&exe)
            .arg("given_umask_000_then_the_tool_socket_and_the_simulators_directories_are_private")
            .env(CHILD, "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("1 passed"), "{text}");
        return;
    }
    let probe = tempfile::tempdir().unwrap();
    let file = probe.path().join("probe");
    std::fs::write(&file, "").unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o666,
        "the umask is 000 in this process"
    );
    let report = probe.path().join("modes");
    let script = format!(
        "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = install ] || exit 0\nsock=\"$JUJU_AGENT_SOCKET_ADDRESS\"\ntools=\"$(dirname \"$(command -v is-leader)\")\"\nstat -c '%a %n' \"$(dirname \"$sock\")\" \"$sock\" \"$tools\" \"$JUJU_CHARM_DIR\" \"$(dirname \"$JUJU_CHARM_DIR\")\" > '{}'\n",
        report.display()
    );
    let model = run_script(&script);
    assert!(model.history().first().unwrap().outcome.is_committed());
    let modes: Vec<String> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        modes,
        ["700", "600", "700", "700", "700"],
        "socket dir, socket, tools, unit copy, its parent"
    );
}
