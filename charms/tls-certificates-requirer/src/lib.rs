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
//! sets a status saying what it waits for or until when the certificate is valid. An app-scope
//! request related to a provider on the v3 library (which reads unit databags only) is blocked
//! with a status saying so, as far as the provider's databag shows it (see
//! [`ProviderHint`]).
//!
//! # Getting started
//!
//! The binary is `tls_certificates::charm::main(run)` (backend selection, clock, exit codes);
//! tests call [`run`] in-process with the simulator's hook tools:
//!
//! ```no_run
//! use tls_certificates::juju_hook_tools::ProcessHookTools;
//! use tls_certificates::{Context, Hook};
//!
//! let ctx = Context::from_env()?;
//! let backend = tls_certificates::charm::backend()?;
//! let now = tls_certificates::charm::now()?;
//! tls_certificates_requirer::run(&Hook::new(&ctx, &ProcessHookTools::new(), backend, now))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! Features only make backends available; [`tls_certificates::charm`] picks one in a fixed
//! order (ring first), or the one named by `TLS_CERTIFICATES_BACKEND`.
//!
//! * `ring` (default): the ring backend.
//! * `openssl`: the OpenSSL backend (the system library); the default only without `ring`.
//! * `fips`: OpenSSL restricted to its FIPS provider, and nothing else: any other
//!   `TLS_CERTIFICATES_BACKEND` is refused with a blocked status.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod actions;
mod files;
mod settings;

use tls_certificates::charm::when;
use tls_certificates::juju_hook_tools::{MAX_QUOTE_BYTES, bounded_line};
use tls_certificates::requirer::{
    ProviderHint, Requests, Requirer, RequirerConfig, RequirerEvent, Scope,
};
use tls_certificates::{Event, Hook, LogLevel, StatusKind};

pub use settings::{Mode, Settings};

/// The endpoint the charm requires (`requires: certificates` in `charmcraft.yaml`).
pub const ENDPOINT: &str = "certificates";

/// Everything that can make a hook fail (and be retried by Juju): the library's one error, as
/// for any charm built on it (a hook tool, the crypto backend, a certificate file write).
pub use tls_certificates::Error;

/// Handles one hook or action.
///
/// Reads the configuration (invalid values ⇒ blocked status naming them, exit 0), reconciles
/// the requirer for the event (or runs the action), then syncs the certificate files and sets
/// the status.
///
/// # Errors
/// A failing hook tool, crypto backend or file write: the hook should exit non-zero so Juju
/// discards its writes and retries it.
pub fn run(hook: &Hook<'_>) -> Result<(), Error> {
    let settings = match Settings::parse(&hook.config()?, hook.context()) {
        Ok(s) => s,
        Err(bad) => {
            clean_up(hook)?;
            return hook.invalid_config(&format!(
                "The following configuration values are not valid: {}",
                bad.join("; ")
            ));
        }
    };
    let requirer = Requirer::new(settings.requirer_config(), hook);
    match hook.event() {
        Event::Action { name, .. } => actions::run(name, &settings, &requirer, hook)?,
        _ => {
            let outcome = requirer.handle_event()?;
            report_events(hook, &outcome.events);
        }
    }
    files_and_status(hook, &settings, &requirer)
}

/// Runs the hooks Juju sends once and that need no configuration, while the configuration is
/// invalid: `secret-remove` (an obsolete revision of our secret) and our relation's `-broken`
/// (its key and certificate secrets). Skipped, they would leave revisions and secrets behind
/// for good.
fn clean_up(hook: &Hook<'_>) -> Result<(), Error> {
    let once = match hook.event() {
        Event::SecretRemove(_) => true,
        Event::RelationBroken(r) => r.relation.endpoint() == ENDPOINT,
        _ => false,
    };
    if !once {
        return Ok(());
    }
    // Neither hook reads the requests: no request at all is a valid configuration for them.
    let none = Requests::AppAndUnit {
        app: Vec::new(),
        unit: Vec::new(),
    };
    let config = RequirerConfig::new(ENDPOINT, none)?;
    let outcome = Requirer::new(config, hook).handle_event()?;
    report_events(hook, &outcome.events);
    Ok(())
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::App => "app",
        Scope::Unit => "unit",
    }
}

/// Logs what happened, best effort. Names, messages and reasons come from the provider: each is
/// quoted bounded ([`MAX_QUOTE_BYTES`]), so a provider cannot flood the log or fail the hook.
fn report_events(hook: &Hook<'_>, events: &[RequirerEvent]) {
    let quote = |text: &str| bounded_line(text, MAX_QUOTE_BYTES).into_owned();
    for event in events {
        let (level, message) = match event {
            RequirerEvent::CertificateAvailable(c) => (
                LogLevel::Info,
                format!(
                    "certificate available ({} scope, relation {}): {}, valid until {}",
                    scope_name(c.scope),
                    c.relation_id,
                    quote(c.certificate.common_name().unwrap_or("(no common name)")),
                    when(c.certificate.not_after()),
                ),
            ),
            RequirerEvent::CertificateDenied { scope, error, .. } => (
                LogLevel::Warning,
                format!(
                    "certificate request denied ({} scope): {} ({})",
                    scope_name(*scope),
                    quote(&error.message),
                    error.code.code()
                ),
            ),
            RequirerEvent::CertificateRejected { scope, reason, .. } => (
                LogLevel::Warning,
                format!(
                    "certificate from the provider rejected ({} scope): {}",
                    scope_name(*scope),
                    quote(reason)
                ),
            ),
            other => (LogLevel::Debug, format!("requirer event: {other:?}")),
        };
        hook.log(level, &message);
    }
}

/// Writes the files of every certificate this unit can see and sets the status.
fn files_and_status(
    hook: &Hook<'_>,
    settings: &Settings,
    requirer: &Requirer<'_>,
) -> Result<(), Error> {
    let relations = hook
        .tools()
        .relation_ids(ENDPOINT)
        .map_err(Error::tool("listing relations"))?;
    if relations.is_empty() {
        return hook.set_status(
            StatusKind::Blocked,
            "waiting for a relation to a tls-certificates provider (juju integrate)",
        );
    }
    let dir = files::data_dir(hook.context());
    let mut parts = Vec::new();
    let mut kind = StatusKind::Active;
    for (scope, attributes) in settings.requests() {
        let name = scope_name(scope);
        if scope == Scope::App && !hook.is_leader()? {
            parts.push(format!("{name}: certificate managed by the leader"));
            continue;
        }
        match requirer.assigned_certificate(&attributes)? {
            Some(assigned) => {
                files::sync(&dir, scope, &assigned, requirer)?;
                parts.push(format!(
                    "{name}: certificate valid until {}",
                    when(assigned.certificate.not_after())
                ));
            }
            None => {
                let errors = requirer.request_errors()?;
                if let Some(e) = errors.first() {
                    kind = StatusKind::Blocked;
                    // The provider's words, bounded: the status keeps room for every scope.
                    parts.push(format!(
                        "{name}: the provider refused the request: {}",
                        bounded_line(&e.error.message, MAX_QUOTE_BYTES)
                    ));
                } else {
                    let hints = if scope == Scope::App {
                        requirer.provider_hints()?
                    } else {
                        Vec::new()
                    };
                    if hints.iter().any(|(_, h)| *h == ProviderHint::V3Library) {
                        // v3 providers read unit databags only: this will never change.
                        kind = StatusKind::Blocked;
                        parts.push(format!(
                            "{name}: the provider runs the v3 tls-certificates library, which never answers app requests (use mode unit, or upgrade the provider)"
                        ));
                        continue;
                    }
                    if kind == StatusKind::Active {
                        kind = StatusKind::Waiting;
                    }
                    if !hints.is_empty()
                        && hints
                            .iter()
                            .all(|(_, h)| *h == ProviderHint::NothingPublished)
                    {
                        parts.push(format!(
                            "{name}: waiting for the provider, which has published nothing yet (a provider on the v3 library never answers app requests)"
                        ));
                    } else {
                        parts.push(format!(
                            "{name}: waiting for the provider to issue the certificate"
                        ));
                    }
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
    hook.set_status(kind, &message)
}
