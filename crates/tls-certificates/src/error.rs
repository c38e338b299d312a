//! The one error type of the library and of the charms built on it.

/// Everything that can go wrong in a hook: a hook tool, the crypto backend, the engine (a
/// refused configuration), the library itself, or a charm binary's startup.
///
/// `?` converts each layer's error into it ([`juju_hook_tools::Error`],
/// [`crypto::Error`](crate::crypto::Error), [`engine::Error`](tls_certificates_engine::Error),
/// [`StartupError`](crate::charm::StartupError)), so a charm function can return
/// `Result<(), tls_certificates::Error>` and never name the lower crates. To say what the
/// charm was doing, map with [`Error::tool`] or [`Error::crypto`] instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hook tool failed; the hook should exit non-zero so Juju discards its writes and retries.
    #[error("hook tool failed{}", doing(*.operation))]
    HookTool {
        /// What the caller was doing, when it said (`None` after a plain `?`).
        operation: Option<&'static str>,
        /// The hook tool's error (it names the tool).
        #[source]
        source: juju_hook_tools::Error,
    },
    /// The crypto backend failed.
    #[error("crypto operation failed{}", doing(*.operation))]
    Crypto {
        /// What the caller was doing, when it said (`None` after a plain `?`).
        operation: Option<&'static str>,
        /// The backend's error.
        #[source]
        source: crate::crypto::Error,
    },
    /// The engine refused (misconfiguration) or the crypto backend failed inside it.
    #[error(transparent)]
    Engine(#[from] tls_certificates_engine::Error),
    /// A Juju value was refused before any tool ran: a secret content key Juju would not take,
    /// an endpoint name with a `:`, ...
    #[error(transparent)]
    InvalidJujuValue(#[from] juju_types::Error),
    /// A file for the workload could not be written ([`files::write`](crate::files::write)).
    #[error("cannot write {}", path.display())]
    WriteFile {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A charm binary cannot start: no usable crypto backend or a bad simulated clock.
    #[error(transparent)]
    CharmStartup(#[from] crate::charm::StartupError),
}

fn doing(operation: Option<&str>) -> String {
    operation.map_or_else(String::new, |op| format!(" while {op}"))
}

impl Error {
    /// For `map_err`: a hook tool failed while doing `operation` (e.g. `"reading the config"`).
    pub fn tool(operation: &'static str) -> impl FnOnce(juju_hook_tools::Error) -> Self {
        move |source| Self::HookTool {
            operation: Some(operation),
            source,
        }
    }

    /// For `map_err`: the crypto backend failed while doing `operation`.
    pub fn crypto(operation: &'static str) -> impl FnOnce(crate::crypto::Error) -> Self {
        move |source| Self::Crypto {
            operation: Some(operation),
            source,
        }
    }
}

impl From<juju_hook_tools::Error> for Error {
    fn from(source: juju_hook_tools::Error) -> Self {
        Self::HookTool {
            operation: None,
            source,
        }
    }
}

impl From<crate::crypto::Error> for Error {
    fn from(source: crate::crypto::Error) -> Self {
        Self::Crypto {
            operation: None,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool_error() -> juju_hook_tools::Error {
        juju_hook_tools::Error::InvalidInput {
            tool: "config-get".to_owned(),
            reason: "bad".to_owned(),
        }
    }

    #[test]
    fn an_operation_names_what_the_charm_was_doing() {
        let e = Error::tool("reading the config")(tool_error());
        assert_eq!(e.to_string(), "hook tool failed while reading the config");
        assert!(crate::charm::error_chain(&e).contains("bad"));
    }

    #[test]
    fn question_mark_converts_every_layer() {
        fn tool() -> Result<(), Error> {
            Err(tool_error())?
        }
        fn crypto() -> Result<(), Error> {
            Err(crate::crypto::Error::MalformedKey {
                reason: "x".to_owned(),
            })?
        }
        fn engine() -> Result<(), Error> {
            Err(tls_certificates_engine::Error::EmptyEndpoint)?
        }
        let e = tool().unwrap_err();
        assert_eq!(e.to_string(), "hook tool failed");
        assert!(crate::charm::error_chain(&e).contains("config-get"));
        assert!(matches!(
            crypto(),
            Err(Error::Crypto {
                operation: None,
                ..
            })
        ));
        assert!(matches!(engine(), Err(Error::Engine(_))));
    }
}
