//! Juju hook context and hook tools for charms written in Rust.
//!
//! A charm is an executable that Juju runs as `dispatch` for every event. This crate gives it:
//!
//! * [`Context`]: who this unit is and which [`Event`] is being dispatched, parsed from Juju's
//!   environment (`JUJU_DISPATCH_PATH`, `JUJU_RELATION_ID`, `JUJU_SECRET_ID`, ...);
//! * [`HookTools`]: one typed method per hook tool (`relation-get`, `secret-add`, `status-set`,
//!   ...), object-safe so charm logic can take `&dyn HookTools`;
//! * [`ProcessHookTools`]: the implementation that runs the real tools as child processes.
//!   The `juju-sim` crate provides an in-memory one for tests;
//! * [`CachedHookTools`]: a wrapper that runs each read once per hook (every tool call is a
//!   process, the biggest cost of a hook);
//! * [`main`] and [`main_with_startup`]: the whole `main` of a charm binary (context, cached
//!   tools, the clock, which `juju-sim` sets through [`SIM_NOW_ENV`], and the exit policy:
//!   non-zero on failure so Juju retries, blocked when start-up cannot succeed).
//!
//! The nouns the tools take and return ([`UnitName`], [`RelationId`], [`SecretId`],
//! [`SecretContent`], [`LogLevel`], [`StatusKind`], ...) are `juju-types`', re-exported here:
//! `tls-certificates-engine` plans in the same types.
//!
//! # Getting started
//!
//! A minimal charm `main`, spelled out ([`main`] does the same, with cached tools and the
//! simulator's clock): handle what you care about, and exit 0 on every other event (Juju
//! dispatches all of them).
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! use juju_hook_tools::{
//!     Context, Event, HookTools, LogLevel, ProcessHookTools, StatusKind, Target,
//! };
//!
//! fn reconcile(ctx: &Context, tools: &dyn HookTools) -> Result<(), juju_hook_tools::Error> {
//!     match ctx.event() {
//!         Event::Install | Event::ConfigChanged | Event::UpdateStatus => {
//!             tools.status_set(Target::Unit, StatusKind::Active, "ready")
//!         }
//!         Event::RelationChanged(rel) => {
//!             let Some(unit) = &rel.remote_unit else { return Ok(()) };
//!             let bag = tools.relation_get(&rel.relation, juju_hook_tools::Member::Unit(unit))?;
//!             tools.log(LogLevel::Info, &format!("{unit} has {} keys", bag.len()));
//!             Ok(())
//!         }
//!         _ => Ok(()), // unknown and ignored events: nothing to do, exit 0
//!     }
//! }
//!
//! fn main() -> ExitCode {
//!     let ctx = match Context::from_env() {
//!         Ok(ctx) => ctx,
//!         Err(e) => {
//!             eprintln!("cannot read the hook context: {e}");
//!             return ExitCode::FAILURE;
//!         }
//!     };
//!     let tools = ProcessHookTools::new().for_unit(ctx.unit());
//!     match reconcile(&ctx, &tools) {
//!         Ok(()) => ExitCode::SUCCESS,
//!         Err(e) => {
//!             // A non-zero exit makes Juju drop this hook's writes and retry it.
//!             tools.log(LogLevel::Error, &e.to_string());
//!             ExitCode::FAILURE
//!         }
//!     }
//! }
//! ```
//!
//! # Design overview
//!
//! * Parse, don't validate: [`UnitName`], [`RelationId`], [`SecretId`], [`SecretContent`]
//!   (keys checked against Juju's `^([a-z](?:-?[a-z0-9]){2,})$`) and [`JujuVersion`] are
//!   newtypes that only exist in valid form.
//! * [`SecretId`] is opaque and compares by xid, so `secret:<xid>`, `secret://<uuid>/<xid>`
//!   and a bare `<xid>` are the same secret.
//! * [`SecretContent`] zeroizes its values on drop and its `Debug` shows keys only. Secret
//!   values reach the tools only through `key#file=` files (0600, in a private temporary
//!   directory removed after the call), never on argv.
//! * Tool failures are classified into [`Error`] variants from exit code and stderr, the way
//!   `ops` does ([`Error::classify`]), and always name the tool. A relation that is gone (a
//!   cross-model relation after `remove-saas --force`) is [`Error::RelationGone`], which code
//!   walking relations skips.
//! * Output is read as Juju writes it: a Go `nil` list or map prints as `null` and reads as
//!   empty (`secret-ids` of a unit without secrets).
//! * Text from related applications is hostile: every message reaches a tool's command line
//!   through [`bounded_line`] (one line, control characters escaped, at most
//!   [`MAX_ARG_BYTES`], [`MAX_STATUS_BYTES`] for a status), so nothing a peer writes can make a
//!   tool fail to start. [`HookTools::log`] logs best effort: a lost log line never fails a
//!   hook.
//! * [`Context`] reads what Juju sets for every hook, including `meter-status-changed` on
//!   machines, which runs without the model's name and UUID and without `JUJU_VERSION`, with
//!   the unit's tag (`unit-app-0`) as its name.
//! * [`ProcessHookTools`] runs tools through a [`CommandRunner`]; [`SystemRunner`] spawns them
//!   from `PATH` or from an injected directory.
//!
//! # Crate features
//!
//! None.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod argv;
mod cache;
mod context;
mod error;
mod network;
mod process;
mod runtime;
mod secret;
mod tools;

pub use argv::{MAX_ARG_BYTES, MAX_QUOTE_BYTES, MAX_STATUS_BYTES, bounded_line};
pub use cache::CachedHookTools;
pub use context::{Context, Event, RelationEvent, SecretEvent, SecretRevisionEvent};
pub use error::Error;
pub use juju_types::{
    Databag, JujuVersion, LogLevel, LogLine, Member, RelationId, SecretContent, SecretId,
    SecretOwner, StatusKind, Target, UnitName, is_valid_secret_key,
};
pub use network::{BindAddress, InterfaceAddress, Network};
pub use process::{CommandOutput, CommandRunner, ProcessHookTools, SystemRunner};
pub use runtime::{BoxError, SIM_NOW_ENV, error_chain, main, main_with_startup, now};
pub use secret::{
    NewSecret, ReadMode, RotatePolicy, SecretInfo, SecretLookup, SecretRef, SecretUpdate,
};
pub use tools::HookTools;
