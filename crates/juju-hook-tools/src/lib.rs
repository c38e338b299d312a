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
//!   process, the biggest cost of a hook).
//!
//! # Getting started
//!
//! A minimal charm `main`: handle what you care about, and exit 0 on every other event (Juju
//! dispatches all of them).
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! use juju_hook_tools::{Context, Event, HookTools, LogLevel, ProcessHookTools, StatusKind};
//!
//! fn reconcile(ctx: &Context, tools: &dyn HookTools) -> Result<(), juju_hook_tools::Error> {
//!     match ctx.event() {
//!         Event::Install | Event::ConfigChanged | Event::UpdateStatus => {
//!             tools.status_set(false, StatusKind::Active, "ready")
//!         }
//!         Event::RelationChanged(rel) => {
//!             let Some(unit) = &rel.remote_unit else { return Ok(()) };
//!             let bag = tools.relation_get(&rel.relation, juju_hook_tools::Member::Unit(unit))?;
//!             tools.juju_log(LogLevel::Info, &format!("{unit} has {} keys", bag.len()))
//!         }
//!         _ => Ok(()), // unknown and ignored events: nothing to do, exit 0
//!     }
//! }
//!
//! fn main() -> ExitCode {
//!     let tools = ProcessHookTools::new();
//!     let ctx = match Context::from_env() {
//!         Ok(ctx) => ctx,
//!         Err(e) => {
//!             eprintln!("cannot read the hook context: {e}");
//!             return ExitCode::FAILURE;
//!         }
//!     };
//!     match reconcile(&ctx, &tools) {
//!         Ok(()) => ExitCode::SUCCESS,
//!         Err(e) => {
//!             // A non-zero exit makes Juju drop this hook's writes and retry it.
//!             let _ = tools.juju_log(LogLevel::Error, &e.to_string());
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
//!   `ops` does ([`Error::classify`]), and always name the tool.
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

mod cache;
mod context;
mod error;
mod model;
mod process;
mod secret;
mod tools;

pub use cache::CachedHookTools;
pub use context::{Context, Event, RelationEvent, SecretEvent, SecretRevisionEvent};
pub use error::Error;
pub use model::{JujuVersion, LogLevel, Member, RelationId, StatusKind, UnitName};
pub use process::{CommandOutput, CommandRunner, ProcessHookTools, SystemRunner};
pub use secret::{
    NewSecret, ReadMode, RotatePolicy, SecretContent, SecretId, SecretInfo, SecretLookup,
    SecretOwner, SecretRef, SecretUpdate, is_valid_secret_key,
};
pub use tools::HookTools;
