//! The adapters' error type.

/// Everything that can go wrong while driving the engine through Juju hook tools.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hook tool failed; the hook should exit non-zero so Juju discards its writes and retries.
    #[error("hook tool failed while {operation}")]
    HookTool {
        /// What the adapter was doing.
        operation: &'static str,
        /// The hook tool's error.
        #[source]
        source: juju_hook_tools::Error,
    },
    /// The engine refused (misconfiguration) or the crypto backend failed.
    #[error(transparent)]
    Engine(#[from] tls_certificates_engine::Error),
    /// A relation id reported by Juju is not on this endpoint.
    #[error("relation {relation_id} is not on endpoint {endpoint}")]
    UnknownRelation {
        /// The relation number.
        relation_id: u32,
        /// The endpoint.
        endpoint: String,
    },
    /// A charm binary cannot start: no usable crypto backend or a bad simulated clock.
    #[error(transparent)]
    CharmStartup(#[from] crate::charm::StartupError),
    /// A unit name from the hook context could not be used.
    #[error("invalid unit name {name:?}")]
    InvalidUnitName {
        /// The name.
        name: String,
    },
}

impl Error {
    pub(crate) fn tool(operation: &'static str) -> impl FnOnce(juju_hook_tools::Error) -> Self {
        move |source| Self::HookTool { operation, source }
    }
}
