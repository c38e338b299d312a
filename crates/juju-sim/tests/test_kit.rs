//! What a charm's own tests get from juju-sim with `cargo test` alone: the hook tool built by
//! juju-sim (nothing installed), staging that copies only the charm's files, Juju's
//! environment only for charm processes, and a charm directory for in-process charms.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use juju_hook_tools::{Error, Event, HookTools};
use juju_sim::{CharmMeta, Model, ProcessCharm, in_process, tool_binary};

/// A charm source directory whose `dispatch` is `script`, with a `charmcraft.yaml`.
fn source(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dispatch = dir.path().join("dispatch");
    std::fs::write(&dispatch, script).unwrap();
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.path().join("charmcraft.yaml"), "name: kit\n").unwrap();
    dir
}

fn run_install(charm: ProcessCharm) -> Model {
    let mut model = Model::new();
    model
        .deploy("kit", CharmMeta::new("kit"), Arc::new(charm), 1)
        .unwrap();
    model.step().unwrap().unwrap();
    model
}

#[test]
fn given_juju_sims_own_tool_when_a_shell_charm_calls_tools_then_they_reach_the_model() {
    assert!(tool_binary().unwrap().is_file());
    let dir = source(
        "#!/bin/sh\nset -e\nstatus-set active -- \"$(network-get juju-info --ingress-address)\"\n",
    );
    let model = run_install(ProcessCharm::from_dir(dir.path()));
    let report = model.history().first().unwrap();
    assert!(report.outcome.is_committed(), "{report}");
    assert_eq!(model.unit_status("kit/0").unwrap().message, "192.0.2.1");
}

#[test]
fn given_a_test_environment_when_a_charm_process_runs_then_it_gets_jujus_variables_only() {
    // Set in this process's environment by the test runner (cargo), not by Juju.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    let dir = source(
        "#!/bin/sh\nset -e\nenv | cut -d= -f1 | sort | tr '\\n' ' ' > \"$JUJU_CHARM_DIR/env-names\"\n\
         printf '%s' \"$PATH\" > \"$JUJU_CHARM_DIR/path\"\n",
    );
    let model = run_install(
        ProcessCharm::from_dir(dir.path())
            .shared_dir()
            .env("MY_SETTING", "x")
            .pass_env("CARGO_PKG_NAME")
            .pass_env("NOT_SET_ANYWHERE_IN_THIS_TEST"),
    );
    assert!(model.history()[0].outcome.is_committed());
    let names = std::fs::read_to_string(dir.path().join("env-names")).unwrap();
    let names: Vec<&str> = names.split_whitespace().collect();
    for juju in [
        "JUJU_DISPATCH_PATH",
        "JUJU_UNIT_NAME",
        "JUJU_MODEL_UUID",
        "JUJU_CHARM_DIR",
        "CHARM_DIR",
        "JUJU_AGENT_SOCKET_ADDRESS",
        "JUJU_SIM_NOW",
        "PATH",
        "MY_SETTING",
        "CARGO_PKG_NAME",
    ] {
        assert!(names.contains(&juju), "{juju} missing from {names:?}");
    }
    for leaked in [
        "CARGO_MANIFEST_DIR",
        "HOME",
        "NOT_SET_ANYWHERE_IN_THIS_TEST",
    ] {
        assert!(!names.contains(&leaked), "{leaked} leaked into {names:?}");
    }
    let allowed = |n: &&str| {
        n.starts_with("JUJU_")
            || [
                "CHARM_DIR",
                "CLOUD_API_VERSION",
                "PATH",
                "MY_SETTING",
                "CARGO_PKG_NAME",
                "LLVM_PROFILE_FILE",
                "RUST_BACKTRACE",
                // The shell's own.
                "PWD",
                "SHLVL",
                "_",
                "OLDPWD",
            ]
            .contains(n)
    };
    let unexpected: Vec<&&str> = names.iter().filter(|n| !allowed(n)).collect();
    assert!(unexpected.is_empty(), "not Juju's: {unexpected:?}");
    // The tools come first on PATH, the rest is the test's.
    let path = std::fs::read_to_string(dir.path().join("path")).unwrap();
    let first = path.split(':').next().unwrap();
    assert!(Path::new(first).join("relation-get").exists(), "{path}");
}

#[test]
fn given_a_charm_source_with_a_build_dir_and_vcs_when_staged_then_only_the_charms_files_are_copied()
{
    let src = source("#!/bin/sh\nexit 0\n");
    for dir in ["target/debug", ".git/objects", "src/.git", "src/target"] {
        std::fs::create_dir_all(src.path().join(dir)).unwrap();
    }
    std::fs::write(src.path().join("target/debug/huge"), "x").unwrap();
    std::fs::write(src.path().join(".git/HEAD"), "ref").unwrap();
    std::fs::write(src.path().join("src/charm.py"), "# charm").unwrap();
    std::fs::write(src.path().join(".gitignore"), "target\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let staged = ProcessCharm::stage(src.path(), &[], &out.path().join("kit")).unwrap();
    assert!(staged.join("dispatch").is_file());
    assert!(staged.join("src/charm.py").is_file());
    assert!(staged.join(".gitignore").is_file());
    assert!(staged.join("metadata.yaml").is_file());
    assert!(!staged.join("target").exists());
    assert!(!staged.join(".git").exists());
    assert!(!staged.join("src/.git").exists());
    // Only the top-level build directory is the build's; a charm's own `target` stays.
    assert!(staged.join("src/target").is_dir());
}

#[test]
fn given_an_in_process_charm_then_each_unit_has_its_own_charm_dir_kept_across_hooks() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let charm = in_process(move |ctx, _tools: &dyn HookTools| {
        let dir = ctx
            .charm_dir()
            .expect("JUJU_CHARM_DIR is set")
            .to_path_buf();
        let marker = dir.join("installed");
        if matches!(ctx.event(), Event::Install) {
            std::fs::write(&marker, ctx.unit().as_str()).unwrap();
        }
        let content = std::fs::read_to_string(&marker).unwrap_or_default();
        record.lock().unwrap().push((dir, content));
        Ok::<_, Error>(())
    });
    let mut model = Model::new();
    model
        .deploy("kit", CharmMeta::new("kit"), charm, 2)
        .unwrap();
    model.run_until_quiescent(50).unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 4, "{seen:?}");
    for (dir, content) in seen.iter() {
        // Every hook of a unit sees the file its install wrote, in its own directory.
        let unit = content.replace('/', "-");
        assert!(dir.ends_with(&unit), "{dir:?} {content}");
        assert!(dir.is_dir());
    }
    let dirs: std::collections::BTreeSet<_> = seen.iter().map(|(d, _)| d.clone()).collect();
    assert_eq!(dirs.len(), 2);
}
