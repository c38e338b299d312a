//! The charm's actions.

use std::collections::BTreeMap;

use tls_certificates::juju_hook_tools::{self, MAX_STATUS_BYTES, bounded_line};
use tls_certificates::requirer::{Requirer, Scope};

use crate::settings::{Mode, Settings};
use tls_certificates::Hook;

use crate::{Error, scope_name, when};

/// Runs action `name`. Unknown actions fail the action (not the hook).
pub(crate) fn run(
    name: &str,
    settings: &Settings,
    requirer: &Requirer<'_>,
    hook: &Hook<'_>,
) -> Result<(), Error> {
    let tools = hook.tools();
    let leader = hook.is_leader()?;
    // The scopes this unit manages: the app scope only on the leader.
    let scopes: Vec<Scope> = settings
        .requests()
        .into_iter()
        .map(|(scope, _)| scope)
        .filter(|s| *s == Scope::Unit || leader)
        .collect();
    let mut results = BTreeMap::new();
    let failure = match name {
        "get-certificate" => {
            for (scope, attributes) in settings.requests() {
                if !scopes.contains(&scope) {
                    continue;
                }
                if let Some(c) = requirer.assigned_certificate(&attributes)? {
                    let s = scope_name(scope);
                    results.insert(
                        format!("{s}.certificate"),
                        c.certificate.pem().as_str().to_owned(),
                    );
                    results.insert(
                        format!("{s}.ca-certificate"),
                        c.ca.pem().as_str().to_owned(),
                    );
                    let chain: Vec<&str> = c.chain.iter().map(|c| c.pem().as_str()).collect();
                    results.insert(format!("{s}.chain"), chain.join("\n"));
                    results.insert(format!("{s}.valid-until"), when(c.certificate.not_after()));
                }
            }
            results
                .is_empty()
                .then(|| "no certificate is available yet".to_owned())
        }
        "get-private-key-secret-id" => {
            for scope in &scopes {
                if let Some(id) = requirer.private_key_secret_id(*scope)? {
                    results.insert(format!("{}.secret-id", scope_name(*scope)), id.to_string());
                }
            }
            results
                .is_empty()
                .then(|| "no private key has been generated yet".to_owned())
        }
        "regenerate-private-key" => {
            if scopes.is_empty() {
                Some("only the leader can regenerate the application's private key".to_owned())
            } else {
                let scope = match (settings.mode(), leader) {
                    (Mode::AppAndUnit, false) => Some(Scope::Unit),
                    _ => None,
                };
                let _outcome = requirer.regenerate_private_key(scope)?;
                results.insert(
                    "result".to_owned(),
                    "new private key generated; new certificate requests sent".to_owned(),
                );
                None
            }
        }
        "renew-certificates" => {
            let mut renewed = 0_usize;
            for (scope, attributes) in settings.requests() {
                if !scopes.contains(&scope) {
                    continue;
                }
                if let Some(c) = requirer.assigned_certificate(&attributes)? {
                    let _outcome = requirer.renew_certificate(c.csr.pem().as_str())?;
                    renewed += 1;
                }
            }
            if renewed == 0 {
                Some("no certificate to renew yet".to_owned())
            } else {
                results.insert("renewed".to_owned(), renewed.to_string());
                None
            }
        }
        "get-request-errors" => {
            let errors: Vec<serde_json::Value> = requirer
                .request_errors()?
                .into_iter()
                .map(|e| {
                    serde_json::json!({
                        "relation-id": e.relation_id.number(),
                        "csr": e.csr,
                        "code": e.error.code.code(),
                        "name": bounded_line(&e.error.name, MAX_STATUS_BYTES),
                        "message": bounded_line(&e.error.message, MAX_STATUS_BYTES),
                    })
                })
                .collect();
            results.insert("count".to_owned(), errors.len().to_string());
            results.insert(
                "errors".to_owned(),
                serde_json::Value::Array(errors).to_string(),
            );
            None
        }
        other => Some(format!("unknown action {other:?}")),
    };
    if let Some(message) = failure {
        return hook.fail_action(&message);
    }
    match tools.action_set(&results) {
        // Results Juju cannot take (a provider's chain too long for a command line) fail the
        // action, not the hook.
        Err(e @ juju_hook_tools::Error::InvalidInput { .. }) => hook.fail_action(&e.to_string()),
        other => other.map_err(Error::tool("setting the action results")),
    }
}
