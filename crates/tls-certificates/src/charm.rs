//! The TLS charms' runtime: crypto backend selection on top of the generic charm runtime of
//! `juju-hook-tools` ([`juju_hook_tools::main_with_startup`]: context, cached tools, exit
//! policy, the simulator's clock), and the `main` boilerplate.
//!
//! A charm keeps its logic in a library function with the signature of [`main`]'s `run`
//! argument, and its binary is one line:
//!
//! ```no_run
//! use tls_certificates::{Error, Hook};
//!
//! fn run(hook: &Hook<'_>) -> Result<(), Error> {
//!     hook.set_status(tls_certificates::StatusKind::Active, "ready")
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     tls_certificates::charm::main(run)
//! }
//! ```
//!
//! `run` may return any error that converts into `Box<dyn std::error::Error + Send + Sync>`:
//! [`crate::Error`], the charm's own `thiserror` enum, `Box<dyn Error + Send + Sync>` or
//! `anyhow::Error`.
//!
//! # Backend selection
//!
//! [`backend`] reads [`BACKEND_ENV`] and calls [`select_backend`]:
//!
//! * With the `fips` feature the **only** acceptable backend is OpenSSL restricted to its FIPS
//!   provider. [`BACKEND_ENV`] may be unset or `fips`; any other value (`ring`, `openssl`) is
//!   refused with [`StartupError::NotFips`], never silently honoured, and a FIPS provider that
//!   cannot be loaded is [`StartupError::BackendUnavailable`].
//! * Without `fips`, the default is a fixed order — **ring first** when compiled in, else
//!   OpenSSL — so enabling `openssl` alongside `ring` never changes what a charm gets.
//!   [`BACKEND_ENV`] (`ring` or `openssl`) chooses explicitly among the compiled-in backends.
//!
//! [`main`] turns a selection error into a blocked status (retrying would not help) and logs
//! the chosen backend and its FIPS status at every start.

use std::process::ExitCode;

use juju_hook_tools::BoxError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Hook;
use crate::crypto::{CryptoBackend, FipsStatus};

/// The environment variable that picks the crypto backend (`ring`, `openssl` or `fips`) among
/// those compiled in; see the [module docs](self) for the rules.
pub const BACKEND_ENV: &str = "TLS_CERTIFICATES_BACKEND";

/// The environment variable that carries the simulated clock (RFC 3339). Set only by the
/// simulator (`juju-sim` process mode sets it before every hook); Juju never sets it, so under
/// Juju charms use the system clock. Equal to `juju_sim::SIM_NOW_VAR` and
/// [`juju_hook_tools::SIM_NOW_ENV`], which the generic runtime reads.
pub const NOW_ENV: &str = juju_hook_tools::SIM_NOW_ENV;

/// An error and its sources, `: `-separated (the generic runtime's, re-exported).
pub use juju_hook_tools::error_chain;

/// Why a charm cannot start handling its hook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The requested crypto backend is unknown, not compiled in, or cannot be loaded.
    #[error("crypto backend unavailable: {reason}")]
    BackendUnavailable {
        /// Why.
        reason: String,
    },
    /// A FIPS build was asked for a backend other than OpenSSL's FIPS provider.
    #[error(
        "this is a FIPS build: only the OpenSSL FIPS backend is allowed, but {BACKEND_ENV}={requested:?}"
    )]
    NotFips {
        /// The requested backend.
        requested: String,
    },
    /// [`NOW_ENV`] is set but is not an RFC 3339 instant.
    #[error("{NOW_ENV}={value:?} is not an RFC 3339 instant")]
    InvalidClock {
        /// The value.
        value: String,
    },
}

/// The crypto backend for this process: [`select_backend`] with [`BACKEND_ENV`] (unset or empty
/// means no explicit request).
///
/// # Errors
/// See [`select_backend`].
pub fn backend() -> Result<&'static dyn CryptoBackend, StartupError> {
    let requested = std::env::var(BACKEND_ENV).ok();
    select_backend(requested.as_deref().filter(|v| !v.is_empty()))
}

/// The crypto backend for an explicit `requested` name (`None`: the default), following the
/// rules in the [module docs](self).
///
/// # Errors
/// [`StartupError::NotFips`] for anything but `fips` in a `fips` build;
/// [`StartupError::BackendUnavailable`] for an unknown name, a backend this build does not
/// include, or a FIPS provider that cannot be loaded.
pub fn select_backend(requested: Option<&str>) -> Result<&'static dyn CryptoBackend, StartupError> {
    #[cfg(feature = "fips")]
    {
        match requested {
            None | Some("fips") => crate::crypto::openssl::fips_backend().map_err(|e| {
                StartupError::BackendUnavailable {
                    reason: format!("the OpenSSL FIPS provider cannot be loaded: {e}"),
                }
            }),
            Some(other) => Err(StartupError::NotFips {
                requested: other.to_owned(),
            }),
        }
    }
    #[cfg(not(feature = "fips"))]
    {
        let unavailable = |reason: String| StartupError::BackendUnavailable { reason };
        match requested {
            #[cfg(feature = "ring")]
            None | Some("ring") => Ok(crate::crypto::ring::backend()),
            #[cfg(all(not(feature = "ring"), feature = "openssl"))]
            None => Ok(crate::crypto::openssl::backend()),
            #[cfg(feature = "openssl")]
            Some("openssl") => Ok(crate::crypto::openssl::backend()),
            #[cfg(not(any(feature = "ring", feature = "openssl")))]
            None => Err(unavailable(
                "this build has no crypto backend (build with `--features ring`)".to_owned(),
            )),
            Some(known) if ["ring", "openssl", "fips"].contains(&known) => Err(unavailable(
                format!("this build has no {known} backend (build with `--features {known}`)"),
            )),
            Some(other) => Err(unavailable(format!(
                "{BACKEND_ENV}={other:?}: expected ring, openssl or fips"
            ))),
        }
    }
}

/// The current time: [`NOW_ENV`] when set (the simulator), else the system clock.
///
/// # Errors
/// [`StartupError::InvalidClock`] when [`NOW_ENV`] does not parse.
pub fn now() -> Result<OffsetDateTime, StartupError> {
    let value = std::env::var(NOW_ENV).ok();
    parse_now(value.as_deref().filter(|v| !v.is_empty()))
}

fn parse_now(value: Option<&str>) -> Result<OffsetDateTime, StartupError> {
    match value {
        Some(value) => {
            OffsetDateTime::parse(value, &Rfc3339).map_err(|_| StartupError::InvalidClock {
                value: value.to_owned(),
            })
        }
        None => Ok(OffsetDateTime::now_utc()),
    }
}

/// Formats an instant for humans and logs (RFC 3339, e.g. `2026-03-31T00:00:00Z`).
pub fn when(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// A one-line description of a backend and its FIPS status, e.g. `ring (not FIPS)`.
pub fn describe(backend: &dyn CryptoBackend) -> String {
    let fips = match backend.fips_status() {
        FipsStatus::Active => "FIPS mode active",
        _ => "not FIPS",
    };
    format!("{} ({fips})", backend.name())
}

/// The whole `main` of a charm binary: reads the hook context, selects the crypto backend
/// ([`backend`]), logs it with its FIPS status, reads the clock ([`now`]) and calls `run` with
/// the [`Hook`]. It is [`juju_hook_tools::main_with_startup`] with the backend selection as
/// start-up step:
///
/// * A hook Juju runs in a restricted context (`meter-status-changed` on machines, see
///   [`Event::is_restricted`](juju_hook_tools::Event::is_restricted)): exit 0 at once, `run`
///   is not called (its tools would fail).
/// * No usable backend (including a non-FIPS request in a `fips` build): blocked status
///   naming the reason (the action fails too), exit 0 — retrying would not help.
/// * A bad context or clock, or `run` failing: the error chain goes to stderr and `juju-log`,
///   and the exit code is non-zero so Juju discards the hook's writes and retries it.
///
/// Logging never fails a hook, and messages are bounded on their way to the tools
/// ([`juju_hook_tools::bounded_line`]).
pub fn main<E, F>(run: F) -> ExitCode
where
    E: Into<BoxError>,
    F: FnOnce(&Hook<'_>) -> Result<(), E>,
{
    let select = || backend().map_err(|e| format!("no crypto backend: {e}"));
    run_with(select, run)
}

/// [`main`] with a backend chosen by the charm instead of by [`BACKEND_ENV`] (e.g. a charm that
/// only ever uses OpenSSL). The rest is as [`main`]: the backend is logged with its FIPS status
/// at every start.
pub fn main_with<E, F>(backend: &'static dyn CryptoBackend, run: F) -> ExitCode
where
    E: Into<BoxError>,
    F: FnOnce(&Hook<'_>) -> Result<(), E>,
{
    run_with(|| Ok::<_, String>(backend), run)
}

fn run_with<E, F>(
    select: impl FnOnce() -> Result<&'static dyn CryptoBackend, String>,
    run: F,
) -> ExitCode
where
    E: Into<BoxError>,
    F: FnOnce(&Hook<'_>) -> Result<(), E>,
{
    juju_hook_tools::main_with_startup(
        |ctx| {
            let backend = select()?;
            // Juju copies a hook's stdout to the unit log at DEBUG level: no tool call needed.
            println!(
                "{} on {}: crypto backend {}",
                ctx.dispatch_path(),
                ctx.unit().as_str(),
                describe(backend)
            );
            Ok::<_, String>(backend)
        },
        |ctx, tools, backend, now| run(&Hook::new(ctx, tools, backend, now)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_var_is_the_simulators() {
        assert_eq!(NOW_ENV, juju_sim::SIM_NOW_VAR);
    }

    #[test]
    fn clock_override_parses_or_fails_clearly() {
        let t = parse_now(Some("2026-03-31T00:00:00Z")).unwrap();
        assert_eq!(when(t), "2026-03-31T00:00:00Z");
        let e = parse_now(Some("yesterday")).unwrap_err();
        assert!(matches!(e, StartupError::InvalidClock { .. }));
        assert!(e.to_string().contains(NOW_ENV), "{e}");
        assert!(parse_now(None).is_ok());
    }

    #[test]
    fn unknown_backend_is_refused() {
        let e = select_backend(Some("boringssl")).unwrap_err();
        assert!(e.to_string().contains("boringssl"), "{e}");
    }

    #[cfg(not(feature = "fips"))]
    mod not_fips {
        use super::*;

        #[test]
        fn default_is_ring_first_then_openssl() {
            let b = select_backend(None).unwrap();
            if cfg!(feature = "ring") {
                assert_eq!(b.name(), "ring");
            } else {
                assert_eq!(b.name(), "openssl");
            }
            assert_ne!(b.fips_status(), FipsStatus::Active);
        }

        #[cfg(feature = "ring")]
        #[test]
        fn ring_on_request() {
            assert_eq!(select_backend(Some("ring")).unwrap().name(), "ring");
        }

        #[cfg(feature = "openssl")]
        #[test]
        fn openssl_on_request() {
            assert_eq!(select_backend(Some("openssl")).unwrap().name(), "openssl");
        }

        #[test]
        fn fips_without_the_feature_is_unavailable() {
            let e = select_backend(Some("fips")).unwrap_err();
            assert!(matches!(e, StartupError::BackendUnavailable { .. }), "{e}");
            assert!(e.to_string().contains("--features fips"), "{e}");
        }
    }

    #[cfg(feature = "fips")]
    mod fips {
        use super::*;

        #[test]
        fn non_fips_requests_are_refused() {
            for requested in ["ring", "openssl"] {
                let e = select_backend(Some(requested)).unwrap_err();
                assert!(matches!(e, StartupError::NotFips { .. }), "{e}");
                assert!(e.to_string().contains("FIPS build"), "{e}");
            }
        }

        #[test]
        fn default_and_fips_request_are_fips_or_unavailable() {
            for requested in [None, Some("fips")] {
                match select_backend(requested) {
                    Ok(b) => assert_eq!(b.fips_status(), FipsStatus::Active),
                    Err(e) => assert!(matches!(e, StartupError::BackendUnavailable { .. })),
                }
            }
        }
    }
}
