//! The crate's error type.

/// Everything that can go wrong while building or driving a simulated model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An application name was used that is not deployed in the model.
    #[error("application {0:?} is not deployed")]
    ApplicationNotFound(String),
    /// An application with that name is already deployed.
    #[error("application {0:?} is already deployed")]
    ApplicationExists(String),
    /// A unit name was used that does not exist (or was removed).
    #[error("unit {0:?} does not exist")]
    UnitNotFound(String),
    /// The charm's metadata has no endpoint of that name.
    #[error("application {app:?} has no endpoint {endpoint:?}")]
    EndpointNotFound {
        /// The application.
        app: String,
        /// The endpoint that was asked for.
        endpoint: String,
    },
    /// Two endpoints cannot be related (interfaces or roles do not match, or a limit is hit).
    #[error("cannot relate {a} to {b}: {reason}")]
    RelationRefused {
        /// `app:endpoint` of one side.
        a: String,
        /// `app:endpoint` of the other side.
        b: String,
        /// Why Juju would refuse.
        reason: String,
    },
    /// A relation id was used that does not exist (or was removed).
    #[error("relation {0} does not exist")]
    RelationNotFound(u32),
    /// A secret was referenced that does not exist.
    #[error("secret {0:?} does not exist")]
    SecretNotFound(String),
    /// The hook asked of a unit is impossible in its current state (consistency check).
    #[error("cannot run {hook} on {unit}: {reason}")]
    InconsistentHook {
        /// The unit.
        unit: String,
        /// The hook name.
        hook: String,
        /// What is inconsistent.
        reason: String,
    },
    /// `run_until_quiescent` ran its bound of hooks and there were still hooks to run.
    #[error("no quiescence after {bound} hooks; last hooks: {}", recent.join(", "))]
    Livelock {
        /// The bound that was exhausted.
        bound: usize,
        /// The last hooks that ran, `unit: hook (outcome)`, oldest first.
        recent: Vec<String>,
    },
    /// The same hook of a unit failed [`SimOptions::failure_limit`](crate::SimOptions) times
    /// in a row (Juju would go on retrying it; the unit would sit in `error`).
    #[error("{unit}: {hook} failed {attempts} times in a row: {reason}")]
    HookKeepsFailing {
        /// The unit.
        unit: String,
        /// The hook's name.
        hook: String,
        /// How many times in a row it failed.
        attempts: usize,
        /// Why it failed the last time (the charm's error, stderr tail and ERROR log lines).
        reason: String,
    },
    /// The charm's metadata could not be read.
    #[error("invalid charm metadata: {0}")]
    InvalidMetadata(String),
    /// Preparing or running a charm process failed (temp dir, socket, spawn, ...).
    #[error("cannot run the charm process: {context}")]
    ProcessFailed {
        /// What was being done.
        context: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A value given to the model was not valid (config value, action name, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
