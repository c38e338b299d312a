//! The `self-signed-certificates` charm: a self-signed CA that issues certificates over the
//! `tls-certificates` interface, with the behaviour of the upstream operator
//! (`canonical/self-signed-certificates-operator`).
//!
//! * The CA key and certificate live in an application-owned Juju secret
//!   (`active-ca-certificates`, content `private-key` and `ca-certificate`) whose expiry is
//!   `root-ca-validity - certificate-validity`.
//! * A change of any CA attribute (or of `root-ca-validity`) creates a new CA and revokes every
//!   certificate; the requests are then re-issued by the new CA in the same hook.
//! * When the CA is due for renewal (one `certificate-validity` before its certificate ends, the
//!   moment its secret expires and Juju runs `secret-expired`), it is **renewed without
//!   revocation**: the old CA moves to
//!   `expiring-ca-certificates` (expiring after one `certificate-validity`) and certificates are
//!   re-signed by the new CA as they renew.
//! * Every hook revokes the published certificates that name neither the active nor the
//!   expiring CA (a CA an operator removed, or one replaced before the relation was visible) and
//!   issues them again.
//! * Every hook issues a certificate for every outstanding request, at most
//!   `certificate-limit` per relation (`-1`: unlimited; `0` means zero, unlike upstream). The
//!   limit also bounds the work a requirer can cause (see the library's provider policy).
//! * Requests for a CA certificate are refused with a request error unless
//!   `allow-ca-requests` is true (upstream grants them); a granted one gets an intermediate CA
//!   with a path length of 0, which can sign leaf certificates for any name.
//! * Invalid configuration ⇒ blocked status naming the bad options. Non-leaders are standby.
//!
//! # Getting started
//!
//! ```no_run
//! use tls_certificates::juju_hook_tools::ProcessHookTools;
//! use tls_certificates::{Context, Hook};
//!
//! let ctx = Context::from_env()?;
//! let backend = tls_certificates::charm::backend()?;
//! let now = tls_certificates::charm::now()?;
//! self_signed_certificates::run(&Hook::new(&ctx, &ProcessHookTools::new(), backend, now))?;
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

mod ca;
mod settings;

use std::collections::BTreeMap;

use tls_certificates::charm::when;
use tls_certificates::crypto::{CertificateAuthority, IssueProfile, Validity};
use tls_certificates::juju_hook_tools::{self, MAX_QUOTE_BYTES, bounded_line};
use tls_certificates::provider::Provider;
use tls_certificates::{Event, Hook, LogLevel, StatusKind};

pub use ca::{ACTIVE_CA_LABEL, EXPIRING_CA_LABEL};
pub use settings::{Settings, parse_validity};
/// What makes a hook fail (and be retried by Juju): the library's one error type.
pub use tls_certificates::Error;

/// The endpoint the charm provides (`provides: certificates`).
pub const ENDPOINT: &str = "certificates";

/// Handles one hook or action.
///
/// # Errors
/// A failing hook tool or crypto backend: the hook should exit non-zero so Juju discards its
/// writes and retries it.
pub fn run(hook: &Hook<'_>) -> Result<(), Error> {
    let (tools, backend, now) = (hook.tools(), hook.backend(), hook.now());
    let action = hook.action();
    if let Event::SecretRemove(s) = hook.event()
        && s.label.as_deref().is_some_and(ca::is_ours)
    {
        // A revision of a CA secret nobody tracks any more: prune it.
        return ca::remove_revision(tools, &s.id, s.revision);
    }
    let settings = match Settings::parse(&hook.config()?) {
        Ok(s) => s,
        Err(bad) => {
            let names: Vec<String> = bad.iter().map(|b| format!("'{b}'")).collect();
            return hook.invalid_config(&format!(
                "The following configuration values are not valid: [{}]",
                names.join(", ")
            ));
        }
    };
    if !hook.is_leader()? {
        hook.fail_action("run this action on the leader unit: it holds the CA")?;
        return hook.set_status(
            StatusKind::Active,
            "standby: the leader unit issues the certificates",
        );
    }
    let mut provider = Provider::new(settings.provider_config(ENDPOINT)?, hook)?;
    let rotate = action == Some("rotate-private-key");
    let authority = ca::ensure(&settings, tools, backend, now, rotate, &mut provider)?;
    let issued = issue_outstanding(&settings, &authority, hook, &mut provider)?;
    let over_limit = provider.requests_over_limit(None);
    if let Some(name) = action {
        run_action(name, &authority, &provider, hook)?;
    }
    let total = provider.issued_certificates(None).len();
    provider.commit()?;
    let mut message = format!(
        "CA {:?} valid until {}; {total} certificate(s) issued",
        authority.certificate().common_name().unwrap_or(""),
        when(authority.certificate().not_after())
    );
    if issued > 0 {
        hook.log(
            LogLevel::Info,
            &format!("issued {issued} certificate(s) in this hook"),
        );
    }
    if over_limit > 0 {
        message.push_str(&format!(
            "; {over_limit} request(s) over the certificate-limit"
        ));
    }
    hook.set_status(StatusKind::Active, &message)
}

/// Issues a certificate for every outstanding request (the library keeps them within the
/// per-relation limit and the CA policy). Returns how many were issued.
fn issue_outstanding(
    settings: &Settings,
    authority: &CertificateAuthority<'_>,
    hook: &Hook<'_>,
    provider: &mut Provider<'_>,
) -> Result<usize, Error> {
    let ca = authority.certificate();
    provider.answer_outstanding(None, |request| {
        let mut validity = Validity::starting_at(hook.now(), settings.certificate_validity);
        // Never outlive the CA (it is renewed long before, but a clock jump could get close).
        validity.not_after = validity.not_after.min(ca.not_after());
        let profile = if request.is_ca {
            IssueProfile::ca(validity)
        } else {
            IssueProfile::leaf(validity)
        };
        let certificate = authority
            .issue(&request.csr, &profile)
            .map_err(Error::crypto("issuing a certificate"))?;
        // The common name is the requirer's text: quoted bounded, and the log line is best
        // effort, so no name can stop the other relations from being served.
        hook.log(
            LogLevel::Info,
            &format!(
                "issued a certificate for \"{}\" (relation {}), valid until {}",
                bounded_line(
                    request.csr.attributes().common_name().unwrap_or(""),
                    MAX_QUOTE_BYTES
                ),
                request.relation_id,
                when(certificate.not_after())
            ),
        );
        request.issue(certificate, ca);
        Ok(())
    })
}

fn run_action(
    name: &str,
    authority: &CertificateAuthority<'_>,
    provider: &Provider<'_>,
    hook: &Hook<'_>,
) -> Result<(), Error> {
    let mut results = BTreeMap::new();
    let failure = match name {
        "get-ca-certificate" => {
            results.insert(
                "ca-certificate".to_owned(),
                authority.certificate().pem().as_str().to_owned(),
            );
            None
        }
        "get-issued-certificates" => {
            // One key per certificate (`certificates.0`, `certificates.1`, ...; Juju nests
            // dotted keys): the whole list in one value would not fit on a command line once
            // there are a few dozen certificates.
            let certificates = provider.provider_certificates(None);
            for (index, c) in certificates.iter().enumerate() {
                let entry = serde_json::json!({
                    "relation_id": c.relation_id.number(),
                    "csr": c.csr,
                    "certificate": c.certificate,
                    "ca": c.ca,
                    "chain": c.chain,
                    "revoked": c.revoked,
                });
                results.insert(format!("certificates.{index}"), entry.to_string());
            }
            if certificates.is_empty() {
                Some("No certificates issued yet.")
            } else {
                results.insert("count".to_owned(), certificates.len().to_string());
                None
            }
        }
        "rotate-private-key" => {
            results.insert(
                "result".to_owned(),
                "New private key and CA certificate generated and stored.".to_owned(),
            );
            None
        }
        _ => Some("unknown action"),
    };
    if let Some(message) = failure {
        return hook.fail_action(message);
    }
    match hook.tools().action_set(&results) {
        // Results Juju cannot take fail the action, not the hook.
        Err(e @ juju_hook_tools::Error::InvalidInput { .. }) => hook.fail_action(&e.to_string()),
        other => other.map_err(Error::tool("setting the action results")),
    }
}
