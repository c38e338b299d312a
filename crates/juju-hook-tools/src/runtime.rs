//! The `main` of any charm binary: context, cached tools, exit policy, the clock.

use std::fmt::Display;
use std::process::ExitCode;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{
    CachedHookTools, Context, Error, Event, HookTools, LogLevel, ProcessHookTools, StatusKind,
    Target,
};

/// What a charm's `run` may return as its error: any error `?` can box (`anyhow::Error` and
/// `Box<dyn Error + Send + Sync>` included).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The environment variable that carries the simulated clock (RFC 3339): set by the `juju-sim`
/// simulator before every hook, never by Juju (under Juju [`now`] is the system clock).
pub const SIM_NOW_ENV: &str = "JUJU_SIM_NOW";

/// The current time: [`SIM_NOW_ENV`] when set and not empty (the simulator), else the system
/// clock.
///
/// # Errors
/// [`Error::MalformedEnv`] when [`SIM_NOW_ENV`] is not an RFC 3339 instant.
pub fn now() -> Result<OffsetDateTime, Error> {
    match std::env::var(SIM_NOW_ENV).ok().filter(|v| !v.is_empty()) {
        Some(value) => OffsetDateTime::parse(&value, &Rfc3339).map_err(|e| Error::MalformedEnv {
            var: SIM_NOW_ENV.to_owned(),
            value,
            reason: format!("not an RFC 3339 instant ({e})"),
        }),
        None => Ok(OffsetDateTime::now_utc()),
    }
}

/// An error and its sources, `: `-separated (what a failed hook logs).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The whole `main` of a charm binary: reads the hook context, reads the clock ([`now`]) and
/// calls `run` with [`CachedHookTools`] over the real tools; see [`main_with_startup`] for the
/// exit policy.
///
/// ```no_run
/// use juju_hook_tools::{Context, HookTools, StatusKind, Target};
/// use time::OffsetDateTime;
///
/// fn run(ctx: &Context, tools: &dyn HookTools, now: OffsetDateTime) -> Result<(), juju_hook_tools::Error> {
///     tools.status_set(Target::Unit, StatusKind::Active, &format!("{} at {now}", ctx.unit()))
/// }
///
/// fn main() -> std::process::ExitCode {
///     juju_hook_tools::main(run)
/// }
/// ```
pub fn main<E, F>(run: F) -> ExitCode
where
    E: Into<BoxError>,
    F: FnOnce(&Context, &dyn HookTools, OffsetDateTime) -> Result<(), E>,
{
    main_with_startup(
        |_| Ok::<(), std::convert::Infallible>(()),
        |ctx, tools, (), now| run(ctx, tools, now),
    )
}

/// [`main`] with a start-up step: `startup` prepares what every hook needs (e.g. a crypto
/// backend) before `run` gets it.
///
/// * A hook Juju runs in a restricted context (`meter-status-changed` on machines, see
///   [`Event::is_restricted`]): exit 0 at once; neither `startup` nor `run` is called (their
///   tools would fail).
/// * `startup` failing: its message goes to stderr and `juju-log`, an action fails with it,
///   the unit's status becomes blocked with it, and the exit code is 0 — retrying the hook
///   would not help (a blocked status is how a charm asks the operator).
/// * A bad context or clock, or `run` failing: the error chain goes to stderr and `juju-log`,
///   and the exit code is non-zero, so Juju discards the hook's writes and retries it.
///
/// Logging never fails a hook, and messages are bounded on their way to the tools
/// ([`bounded_line`](crate::bounded_line)).
pub fn main_with_startup<S, SE, E, B, F>(startup: B, run: F) -> ExitCode
where
    SE: Display,
    E: Into<BoxError>,
    B: FnOnce(&Context) -> Result<S, SE>,
    F: FnOnce(&Context, &dyn HookTools, S, OffsetDateTime) -> Result<(), E>,
{
    let ctx = match Context::from_env() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("cannot read the hook context: {}", error_chain(&e));
            return ExitCode::FAILURE;
        }
    };
    if ctx.event().is_restricted() {
        // Juju copies stdout to the unit log at DEBUG level.
        println!(
            "{}: nothing to do in Juju's restricted context",
            ctx.dispatch_path()
        );
        return ExitCode::SUCCESS;
    }
    let tools = ProcessHookTools::new().for_unit(ctx.unit());
    let fail = |message: String| {
        // Best effort: juju-log may itself be what failed; stderr reaches the unit log anyway.
        eprintln!("{message}");
        let _ = tools.juju_log(LogLevel::Error, &message);
        ExitCode::FAILURE
    };
    let prepared = match startup(&ctx) {
        Ok(prepared) => prepared,
        Err(e) => {
            let message = e.to_string();
            eprintln!("{message}");
            let _ = tools.juju_log(LogLevel::Error, &message);
            if let Event::Action { .. } = ctx.event() {
                let _ = tools.action_fail(&message);
            }
            return match tools.status_set(Target::Unit, StatusKind::Blocked, &message) {
                Ok(()) => ExitCode::SUCCESS,
                Err(status_error) => fail(format!(
                    "{message}; and cannot set the status: {status_error}"
                )),
            };
        }
    };
    let now = match now() {
        Ok(now) => now,
        Err(e) => return fail(e.to_string()),
    };
    // Every tool call is a process: the charm and its libraries read each thing once.
    let cached = CachedHookTools::new(&tools, &ctx);
    match run(&ctx, &cached, prepared, now) {
        Ok(()) => ExitCode::SUCCESS,
        // A non-zero exit makes Juju discard this hook's writes and retry it.
        Err(e) => {
            let e: BoxError = e.into();
            fail(format!("{}: {}", ctx.dispatch_path(), error_chain(&*e)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_nested_errors_when_chained_then_every_source_is_named_in_order() {
        let inner = Error::InvalidInput {
            tool: "config-get".to_owned(),
            reason: "bad".to_owned(),
        };
        let outer = Error::Spawn {
            tool: "x".to_owned(),
            source: std::io::Error::other(inner),
        };
        let chain = error_chain(&outer);
        assert!(chain.starts_with(&outer.to_string()), "{chain}");
        assert!(chain.ends_with("bad"), "{chain}");
    }
}
