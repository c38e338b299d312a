//! `juju-sim-test-charm`: a tiny Rust charm for juju-sim's process-mode tests.
//!
//! It talks to Juju only through `juju_hook_tools::ProcessHookTools` (real tool processes),
//! so running it under the simulator exercises the whole process path:
//!
//! * `install`: adds a unit-owned secret labelled `key` and sets `maintenance`;
//! * `config-changed` / `start`: sets `active` with the `greeting` config value;
//! * `<ep>-relation-joined` / `-changed`: writes `greeting` to its unit databag (and, as
//!   leader, `app-greeting` to its app databag), and reports a remote `reply` in its status;
//! * action `echo`: returns its `msg` parameter as result `echoed`;
//! * when `SIM_TEST_CHARM_FAIL` names the running hook, it writes data and then exits 1.

use std::collections::BTreeMap;
use std::process::ExitCode;

use juju_hook_tools::{
    Context, Error, Event, HookTools, LogLevel, Member, NewSecret, ProcessHookTools, SecretContent,
    SecretOwner, StatusKind, Target,
};

fn main() -> ExitCode {
    let tools = ProcessHookTools::new();
    let ctx = match Context::from_env() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("cannot read the hook context: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&ctx, &tools) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = tools.juju_log(LogLevel::Error, &e);
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn greeting(tools: &dyn HookTools) -> Result<String, Error> {
    Ok(tools
        .config_get()?
        .get("greeting")
        .and_then(|v| v.as_str())
        .unwrap_or("none")
        .to_owned())
}

fn run(ctx: &Context, tools: &dyn HookTools) -> Result<(), String> {
    let e = |e: Error| e.to_string();
    let hook = std::env::var("JUJU_HOOK_NAME").unwrap_or_default();
    let fail_here = std::env::var("SIM_TEST_CHARM_FAIL").is_ok_and(|f| f == hook);
    match ctx.event() {
        Event::Install => {
            let mut content = SecretContent::new();
            content
                .insert("private-key", "key-1")
                .map_err(|e| e.to_string())?;
            tools
                .secret_add(&NewSecret {
                    content,
                    label: Some("key".into()),
                    owner: SecretOwner::Unit,
                    ..NewSecret::default()
                })
                .map_err(e)?;
            tools
                .status_set(Target::Unit, StatusKind::Maintenance, "installing")
                .map_err(e)?;
        }
        Event::ConfigChanged | Event::Start => {
            let g = greeting(tools).map_err(e)?;
            tools
                .status_set(Target::Unit, StatusKind::Active, &format!("greeting: {g}"))
                .map_err(e)?;
        }
        Event::RelationJoined(rel) | Event::RelationChanged(rel) => {
            let g = greeting(tools).map_err(e)?;
            let bag = BTreeMap::from([("greeting".to_owned(), g.clone())]);
            tools
                .relation_set(&rel.relation, Target::Unit, &bag)
                .map_err(e)?;
            if tools.is_leader().map_err(e)? {
                let app_bag = BTreeMap::from([("app-greeting".to_owned(), g)]);
                tools
                    .relation_set(&rel.relation, Target::App, &app_bag)
                    .map_err(e)?;
            }
            if let Some(unit) = &rel.remote_unit {
                let remote = tools
                    .relation_get(&rel.relation, Member::Unit(unit))
                    .map_err(e)?;
                if let Some(reply) = remote.get("reply") {
                    tools
                        .status_set(Target::Unit, StatusKind::Active, &format!("reply: {reply}"))
                        .map_err(e)?;
                }
            }
        }
        Event::Action { name, .. } if name == "echo" => {
            let params = tools.action_get().map_err(e)?;
            let msg = params.get("msg").and_then(|m| m.as_str()).unwrap_or("");
            let out = BTreeMap::from([("echoed".to_owned(), msg.to_owned())]);
            tools.action_set(&out).map_err(e)?;
        }
        _ => {}
    }
    if fail_here {
        return Err(format!("failing {hook} on purpose"));
    }
    Ok(())
}
