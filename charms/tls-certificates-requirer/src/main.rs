//! The `tls-certificates-requirer` charm binary: Juju runs it (through `dispatch`) for every
//! event. All logic lives in the library so it can be tested in-process.

use std::process::ExitCode;

use juju_hook_tools::{Context, Event, HookTools, LogLevel, ProcessHookTools, StatusKind};
use tls_certificates_requirer::{backend, clock_now, run};

fn main() -> ExitCode {
    let tools = ProcessHookTools::new();
    let ctx = match Context::from_env() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("cannot read the hook context: {e}");
            return ExitCode::FAILURE;
        }
    };
    let fail = |message: String| {
        // Best effort: juju-log may itself be what failed; stderr reaches the unit log anyway.
        eprintln!("{message}");
        let _ = tools.juju_log(LogLevel::Error, &message);
        ExitCode::FAILURE
    };
    let backend = match backend() {
        Ok(b) => b,
        Err(e) => {
            // Retrying will not help: say so in the status (blocked) and exit 0.
            let message = format!("no crypto backend: {e}");
            eprintln!("{message}");
            if let Event::Action { .. } = ctx.event() {
                let _ = tools.action_fail(&message);
            }
            return match tools.status_set(false, StatusKind::Blocked, &message) {
                Ok(()) => ExitCode::SUCCESS,
                Err(status_error) => fail(format!(
                    "{message}; and cannot set the status: {status_error}"
                )),
            };
        }
    };
    let now = match clock_now() {
        Ok(now) => now,
        Err(e) => return fail(e.to_string()),
    };
    match run(&ctx, &tools, backend, now) {
        Ok(()) => ExitCode::SUCCESS,
        // A non-zero exit makes Juju discard this hook's writes and retry it.
        Err(e) => fail(format!("{}: {}", ctx.dispatch_path(), error_chain(&e))),
    }
}

/// The error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
