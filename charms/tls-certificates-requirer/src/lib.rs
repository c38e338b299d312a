//! The `tls-certificates-requirer` charm: requests TLS certificates over the `tls-certificates`
//! interface and writes them to files in its data directory.
//!
//! The Rust counterpart of the Python library's test requirer charm, built on
//! [`tls_certificates::requirer::Requirer`]. Configure *what* goes in the certificate (common
//! name, SANs, subject attributes, is-ca), whether the unit, the application or both own a
//! certificate (`mode`) and the key algorithm; the library keeps the key in a Juju secret,
//! sends CSRs, stores the issued certificate in a secret whose expiry triggers renewal, and
//! handles revocation.
//!
//! On every hook the charm reconciles, then writes the certificate, CA and chain (and the
//! private key, mode 0600) of each scope under `<charm dir>/data/<unit>/` when they changed, and
//! sets a status saying what it waits for or until when the certificate is valid.
//!
//! # Getting started
//!
//! The binary is a thin `main` around [`run`]; tests call [`run`] in-process with the
//! simulator's hook tools:
//!
//! ```no_run
//! use juju_hook_tools::{Context, ProcessHookTools};
//!
//! let ctx = Context::from_env()?;
//! let backend = tls_certificates_requirer::backend()?;
//! let now = tls_certificates_requirer::clock_now()?;
//! tls_certificates_requirer::run(&ctx, &ProcessHookTools::new(), backend, now)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `ring` (default): use the ring backend.
//! * `openssl`: use the OpenSSL backend instead (the system library).
//! * `fips`: use the OpenSSL backend restricted to its FIPS provider.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod actions;
mod files;
mod settings;

use juju_hook_tools::{Context, Event, HookTools, LogLevel, StatusKind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tls_certificates::crypto::{CryptoBackend, FipsStatus};
use tls_certificates::requirer::{Requirer, RequirerEvent, Scope};

pub use settings::{Mode, Settings};

/// The endpoint the charm requires (`requires: certificates` in `charmcraft.yaml`).
pub const ENDPOINT: &str = "certificates";

/// The environment variable that overrides the clock with an RFC 3339 instant. Juju never sets
/// it; simulators (`juju-sim`) do, so that certificate lifetimes follow the simulated clock.
pub const NOW_ENV: &str = "TLS_CERTIFICATES_NOW";

/// Everything that can make a hook fail (and be retried by Juju).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hook tool failed.
    #[error("hook tool failed while {operation}")]
    HookTool {
        /// What the charm was doing.
        operation: &'static str,
        /// The tool's error.
        #[source]
        source: juju_hook_tools::Error,
    },
    /// The tls-certificates library failed (a hook tool or the crypto backend).
    #[error("the tls-certificates requirer failed")]
    Library(#[from] tls_certificates::Error),
    /// The crypto backend failed.
    #[error("crypto operation failed while {operation}")]
    Crypto {
        /// What the charm was doing.
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: tls_certificates::crypto::Error,
    },
    /// Writing a certificate file failed.
    #[error("cannot write {path}")]
    WriteFile {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// [`NOW_ENV`] is set but is not an RFC 3339 instant.
    #[error("{NOW_ENV}={value:?} is not an RFC 3339 instant")]
    InvalidClockOverride {
        /// The value.
        value: String,
    },
    /// The chosen crypto backend is not available.
    #[error("crypto backend unavailable: {reason}")]
    BackendUnavailable {
        /// Why.
        reason: String,
    },
}

pub(crate) fn tool(operation: &'static str) -> impl FnOnce(juju_hook_tools::Error) -> Error {
    move |source| Error::HookTool { operation, source }
}

/// The environment variable that picks the crypto backend at run time (`ring`, `openssl` or
/// `fips`) among those compiled in. Unset: the build's default (see [`backend`]).
pub const BACKEND_ENV: &str = "TLS_CERTIFICATES_BACKEND";

/// The crypto backend, chosen explicitly: [`BACKEND_ENV`] if set, else the build's default:
/// OpenSSL's FIPS provider with the `fips` feature, OpenSSL with `openssl`, ring otherwise.
///
/// # Errors
/// [`Error::BackendUnavailable`] for an unknown name, a backend this build does not include,
/// or a FIPS provider that cannot be loaded.
pub fn backend() -> Result<&'static dyn CryptoBackend, Error> {
    let default = if cfg!(feature = "fips") {
        "fips"
    } else if cfg!(feature = "openssl") {
        "openssl"
    } else {
        "ring"
    };
    let choice = std::env::var(BACKEND_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned());
    let unavailable = |reason: String| Error::BackendUnavailable { reason };
    match choice.as_str() {
        #[cfg(feature = "ring")]
        "ring" => Ok(tls_certificates::crypto::ring::backend()),
        #[cfg(feature = "openssl")]
        "openssl" => Ok(tls_certificates::crypto::openssl::backend()),
        #[cfg(feature = "fips")]
        "fips" => tls_certificates::crypto::openssl::fips_backend()
            .map_err(|e| unavailable(format!("the FIPS provider cannot be loaded: {e}"))),
        known if ["ring", "openssl", "fips"].contains(&known) => Err(unavailable(format!(
            "this build has no {known} backend (build with `--features {known}`)"
        ))),
        other => Err(unavailable(format!(
            "{BACKEND_ENV}={other:?}: expected ring, openssl or fips"
        ))),
    }
}

/// The current time: [`NOW_ENV`] when set (simulators), else the system clock.
///
/// # Errors
/// [`Error::InvalidClockOverride`] when [`NOW_ENV`] does not parse.
pub fn clock_now() -> Result<OffsetDateTime, Error> {
    match std::env::var(NOW_ENV) {
        Ok(value) if !value.is_empty() => OffsetDateTime::parse(&value, &Rfc3339)
            .map_err(|_| Error::InvalidClockOverride { value }),
        _ => Ok(OffsetDateTime::now_utc()),
    }
}

/// Formats an instant for humans (`2026-03-31T00:00:00Z`).
pub(crate) fn when(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Handles one hook or action.
///
/// Reads the configuration (invalid values ⇒ blocked status naming them, exit 0), reconciles
/// the requirer for the event (or runs the action), then syncs the certificate files and sets
/// the status.
///
/// # Errors
/// A failing hook tool, crypto backend or file write: the hook should exit non-zero so Juju
/// discards its writes and retries it.
pub fn run(
    ctx: &Context,
    tools: &dyn HookTools,
    backend: &dyn CryptoBackend,
    now: OffsetDateTime,
) -> Result<(), Error> {
    let fips = match backend.fips_status() {
        FipsStatus::Active => "FIPS mode active",
        _ => "not FIPS",
    };
    // Juju copies a hook's stdout to the unit log at DEBUG level: no hook-tool call needed.
    println!(
        "{} on {}: crypto backend {} ({fips})",
        ctx.dispatch_path(),
        ctx.unit().as_str(),
        backend.name()
    );
    let raw = tools.config_get().map_err(tool("reading the config"))?;
    let settings = match Settings::parse(&raw, ctx) {
        Ok(s) => s,
        Err(bad) => {
            let message = format!(
                "The following configuration values are not valid: {}",
                bad.join("; ")
            );
            tools
                .juju_log(LogLevel::Warning, &message)
                .map_err(tool("logging"))?;
            if let Event::Action { .. } = ctx.event() {
                tools
                    .action_fail(&message)
                    .map_err(tool("failing the action"))?;
            }
            return tools
                .status_set(false, StatusKind::Blocked, &message)
                .map_err(tool("setting the status"));
        }
    };
    let requirer = Requirer::new(settings.requirer_config(), ctx, tools, backend, now);
    match ctx.event() {
        Event::Action { name, .. } => actions::run(name, &settings, &requirer, tools)?,
        _ => {
            let outcome = requirer.handle_event()?;
            report_events(tools, &outcome.events)?;
        }
    }
    files_and_status(ctx, &settings, &requirer, tools, backend)
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::App => "app",
        Scope::Unit => "unit",
    }
}

fn report_events(tools: &dyn HookTools, events: &[RequirerEvent]) -> Result<(), Error> {
    for event in events {
        let (level, message) = match event {
            RequirerEvent::CertificateAvailable(c) => (
                LogLevel::Info,
                format!(
                    "certificate available ({} scope, relation {}): {}, valid until {}",
                    scope_name(c.scope),
                    c.relation_id,
                    c.certificate.common_name().unwrap_or("(no common name)"),
                    when(c.certificate.not_after()),
                ),
            ),
            RequirerEvent::CertificateDenied { scope, error, .. } => (
                LogLevel::Warning,
                format!(
                    "certificate request denied ({} scope): {} ({})",
                    scope_name(*scope),
                    error.message,
                    error.code.code()
                ),
            ),
            RequirerEvent::CertificateRejected { scope, reason, .. } => (
                LogLevel::Warning,
                format!(
                    "certificate from the provider rejected ({} scope): {reason}",
                    scope_name(*scope)
                ),
            ),
            other => (LogLevel::Debug, format!("requirer event: {other:?}")),
        };
        tools.juju_log(level, &message).map_err(tool("logging"))?;
    }
    Ok(())
}

/// Writes the files of every certificate this unit can see and sets the status.
fn files_and_status(
    ctx: &Context,
    settings: &Settings,
    requirer: &Requirer<'_>,
    tools: &dyn HookTools,
    backend: &dyn CryptoBackend,
) -> Result<(), Error> {
    let relations = tools
        .relation_ids(ENDPOINT)
        .map_err(tool("listing relations"))?;
    if relations.is_empty() {
        return tools
            .status_set(
                false,
                StatusKind::Blocked,
                "waiting for a relation to a tls-certificates provider (juju integrate)",
            )
            .map_err(tool("setting the status"));
    }
    let leader = tools.is_leader().map_err(tool("checking leadership"))?;
    let dir = files::data_dir(ctx);
    let mut parts = Vec::new();
    let mut kind = StatusKind::Active;
    for (scope, attributes) in settings.requests() {
        let name = scope_name(scope);
        if scope == Scope::App && !leader {
            parts.push(format!("{name}: certificate managed by the leader"));
            continue;
        }
        match requirer.assigned_certificate(&attributes)? {
            Some(assigned) => {
                files::sync(&dir, scope, &assigned, requirer, backend)?;
                parts.push(format!(
                    "{name}: certificate valid until {}",
                    when(assigned.certificate.not_after())
                ));
            }
            None => {
                let errors = requirer.request_errors()?;
                if let Some(e) = errors.first() {
                    kind = StatusKind::Blocked;
                    parts.push(format!(
                        "{name}: the provider refused the request: {}",
                        e.error.message
                    ));
                } else {
                    if kind == StatusKind::Active {
                        kind = StatusKind::Waiting;
                    }
                    parts.push(format!(
                        "{name}: waiting for the provider to issue the certificate"
                    ));
                }
            }
        }
    }
    let message = if parts.len() == 1 && settings.mode() != Mode::AppAndUnit {
        // One scope: no need to name it.
        parts
            .join("")
            .split_once(": ")
            .map_or_else(String::new, |(_, m)| m.to_owned())
    } else {
        parts.join("; ")
    };
    tools
        .status_set(false, kind, &message)
        .map_err(tool("setting the status"))
}
