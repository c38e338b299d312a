//! Step 1 of a hook: the private key of a scope, kept in a Juju secret (or supplied by the
//! charm), and its named sub-steps.

use tls_certificates_crypto::{CryptoBackend, KeyAlgorithm, PrivateKey};

use super::config::{KeySource, Scope, check_key_strength};
use super::pass::Pass;
use super::{Requirer, RequirerTrigger};
use crate::Error;
use crate::common::{ObservedSecret, SecretAction, log};
use crate::labels::{self, PRIVATE_KEY_CONTENT_KEY};
use juju_types::{LogLevel, SecretContent, UnitName};

impl Requirer {
    /// The label of the key secret of `scope`, and the legacy labels it may still have.
    pub(super) fn key_labels(&self, scope: Scope, unit: &UnitName) -> (String, Vec<String>) {
        let endpoint = &self.config.endpoint;
        match scope {
            Scope::Unit => (
                labels::unit_private_key(unit.number(), endpoint),
                labels::legacy_unit_private_keys(unit.number()),
            ),
            Scope::App => (
                labels::app_private_key(endpoint),
                labels::legacy_app_private_keys(endpoint),
            ),
        }
    }

    /// Step 1: the private key of `scope`, creating, migrating, regenerating or importing it.
    pub(super) fn ensure_key(
        &self,
        scope: Scope,
        trigger: &RequirerTrigger,
        pass: &mut Pass<'_>,
    ) -> Result<PrivateKey, Error> {
        let (label, legacy) = self.key_labels(scope, &pass.obs.unit);
        let existing = pass.secrets.get(&label);
        let algorithm = match &self.config.key {
            KeySource::Supplied(key) => return supplied_key(key, &label, existing, trigger, pass),
            KeySource::Generate(algorithm) => *algorithm,
        };
        if let Some(key) = requested_key(scope, algorithm, trigger, existing, pass)? {
            store_requested_key(scope, label, existing, &key, pass)?;
            return Ok(key);
        }
        if let Some(secret) = existing {
            return stored_key(secret, label, algorithm, pass);
        }
        if let Some(key) = migrated_key(scope, &label, &legacy, pass)? {
            return Ok(key);
        }
        generated_key(scope, label, algorithm, pass)
    }
}

/// The charm supplies the key: the library's key secret, if one was left, goes, and the charm
/// cannot ask to regenerate or import a key.
fn supplied_key(
    key: &PrivateKey,
    label: &str,
    existing: Option<&ObservedSecret>,
    trigger: &RequirerTrigger,
    pass: &mut Pass<'_>,
) -> Result<PrivateKey, Error> {
    if let Some(secret) = existing {
        log(
            &mut pass.plan.logs,
            LogLevel::Info,
            format!(
                "the charm supplies the private key: removing the library's key secret {label}"
            ),
        );
        pass.secrets.push(SecretAction::Remove {
            id: secret.id.clone(),
            revision: None,
        });
    }
    match trigger {
        RequirerTrigger::RegenerateKey { .. } | RequirerTrigger::ImportKey { .. } => {
            Err(Error::KeySuppliedByCharm)
        }
        _ => Ok(key.clone()),
    }
}

/// The key the charm asked for with `trigger` for this scope: a regenerated one (when there is
/// a key to regenerate) or an imported one; `None` when the trigger asks for neither.
fn requested_key(
    scope: Scope,
    algorithm: KeyAlgorithm,
    trigger: &RequirerTrigger,
    existing: Option<&ObservedSecret>,
    pass: &mut Pass<'_>,
) -> Result<Option<PrivateKey>, Error> {
    Ok(match trigger {
        RequirerTrigger::RegenerateKey { scope: s } if s.is_none_or(|s| s == scope) => {
            if existing.is_none() {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Warning,
                    "no private key generated yet: nothing to regenerate",
                );
                None
            } else {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Info,
                    format!("regenerating the {scope} private key"),
                );
                Some(
                    pass.backend
                        .generate_key(algorithm)
                        .map_err(Error::crypto("generating a private key"))?,
                )
            }
        }
        RequirerTrigger::ImportKey { scope: s, key } if *s == scope => {
            check_key_strength(key)?;
            log(
                &mut pass.plan.logs,
                LogLevel::Info,
                format!("importing the {scope} private key"),
            );
            Some(key.clone())
        }
        _ => None,
    })
}

/// Stores a regenerated or imported key in the key secret (creating it if needed).
fn store_requested_key(
    scope: Scope,
    label: String,
    existing: Option<&ObservedSecret>,
    key: &PrivateKey,
    pass: &mut Pass<'_>,
) -> Result<(), Error> {
    let content = key_content(pass.backend, key)?;
    match existing {
        Some(secret) => pass.secrets.push(SecretAction::Set {
            id: secret.id.clone(),
            label,
            content,
            expire: None,
        }),
        None => pass.secrets.push(SecretAction::Add {
            label,
            owner: Requirer::owner(scope),
            content,
            expire: None,
        }),
    }
    Ok(())
}

/// The key in the key secret, or a new one written over it when it holds no usable key.
fn stored_key(
    secret: &ObservedSecret,
    label: String,
    algorithm: KeyAlgorithm,
    pass: &mut Pass<'_>,
) -> Result<PrivateKey, Error> {
    if let Some(key) = load_key(pass.backend, secret) {
        return Ok(key);
    }
    log(
        &mut pass.plan.logs,
        LogLevel::Warning,
        format!("the private key secret {label} holds no usable key: generating a new one"),
    );
    let key = pass
        .backend
        .generate_key(algorithm)
        .map_err(Error::crypto("generating a private key"))?;
    pass.secrets.push(SecretAction::Set {
        id: secret.id.clone(),
        label,
        content: key_content(pass.backend, &key)?,
        expire: None,
    });
    Ok(key)
}

/// The key of a secret under a legacy label, moved to a secret under `label`; `None` when no
/// legacy secret holds a usable key.
fn migrated_key(
    scope: Scope,
    label: &str,
    legacy: &[String],
    pass: &mut Pass<'_>,
) -> Result<Option<PrivateKey>, Error> {
    for old in legacy {
        if let Some(secret) = pass.secrets.get(old)
            && let Some(key) = load_key(pass.backend, secret)
        {
            {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Info,
                    format!("migrating the private key from legacy label {old} to {label}"),
                );
                pass.secrets.push(SecretAction::Add {
                    label: label.to_owned(),
                    owner: Requirer::owner(scope),
                    content: key_content(pass.backend, &key)?,
                    expire: None,
                });
                pass.secrets.push(SecretAction::Remove {
                    id: secret.id.clone(),
                    revision: None,
                });
                return Ok(Some(key));
            }
        }
    }
    Ok(None)
}

/// A new key, in a new key secret under `label`.
fn generated_key(
    scope: Scope,
    label: String,
    algorithm: KeyAlgorithm,
    pass: &mut Pass<'_>,
) -> Result<PrivateKey, Error> {
    log(
        &mut pass.plan.logs,
        LogLevel::Info,
        format!("generating the {scope} private key ({algorithm})"),
    );
    let key = pass
        .backend
        .generate_key(algorithm)
        .map_err(Error::crypto("generating a private key"))?;
    pass.secrets.push(SecretAction::Add {
        label,
        owner: Requirer::owner(scope),
        content: key_content(pass.backend, &key)?,
        expire: None,
    });
    Ok(key)
}

/// The content of a key secret.
fn key_content(backend: &dyn CryptoBackend, key: &PrivateKey) -> Result<SecretContent, Error> {
    let pem = backend
        .export_private_key(key)
        .map_err(Error::crypto("exporting the private key"))?;
    Ok(SecretContent::new().with(PRIVATE_KEY_CONTENT_KEY, pem.expose_secret())?)
}

/// The key a key secret holds, if it holds a usable one.
pub(super) fn load_key(backend: &dyn CryptoBackend, secret: &ObservedSecret) -> Option<PrivateKey> {
    secret
        .content
        .get(PRIVATE_KEY_CONTENT_KEY)
        .and_then(|pem| backend.load_private_key(pem).ok())
}
