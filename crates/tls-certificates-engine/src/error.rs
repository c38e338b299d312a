//! The engine's error type.

use juju_types::RelationId;
use tls_certificates_crypto as crypto;

/// Everything that can go wrong in the engine. Variants are named after what happened.
///
/// Hostile or malformed relation data is *not* an error: it is reported as a log line in the
/// plan and skipped. Errors are reserved for misconfiguration and for failures of the injected
/// crypto backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `renewal_relative_time` is outside `(0.5, 1.0]`.
    #[error("invalid renewal relative time {value}: must be greater than 0.5 and at most 1.0")]
    InvalidRenewalRelativeTime {
        /// The rejected value.
        value: f64,
    },
    /// The same certificate request was configured for both the app and the unit scope.
    #[error("the same certificate request is configured for both the app and the unit scope")]
    RequestInBothScopes,
    /// An endpoint (relation) name is empty.
    #[error("the endpoint name is empty")]
    EmptyEndpoint,
    /// A key operation was asked for a key the charm supplied itself.
    #[error("the private key is supplied by the charm and cannot be regenerated or imported")]
    KeySuppliedByCharm,
    /// A charm-supplied or imported RSA key is shorter than 2048 bits.
    #[error("the private key is too weak: RSA keys need at least 2048 bits, got {bits}")]
    WeakPrivateKey {
        /// The key size.
        bits: u32,
    },
    /// The relation named in a provider operation is not on the endpoint.
    #[error("relation {relation_id} is not on this endpoint")]
    UnknownRelation {
        /// The relation id.
        relation_id: RelationId,
    },
    /// A Juju value was refused: a secret content key Juju would not accept, ...
    #[error(transparent)]
    InvalidJujuValue(#[from] juju_types::Error),
    /// A PEM text is not shaped like PEM (no `-----BEGIN` line).
    #[error("malformed PEM: {reason}")]
    MalformedPem {
        /// Why.
        reason: String,
    },
    /// A provider certificate was given with an empty chain.
    #[error("the certificate chain is empty")]
    EmptyChain,
    /// Only the leader may do this.
    #[error("only the leader unit can {operation}")]
    NotLeader {
        /// What was attempted.
        operation: &'static str,
    },
    /// The crypto backend failed.
    #[error("crypto operation failed: {operation}")]
    Crypto {
        /// What the engine was doing.
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: crypto::Error,
    },
}

impl Error {
    pub(crate) fn crypto(operation: &'static str) -> impl FnOnce(crypto::Error) -> Self {
        move |source| Self::Crypto { operation, source }
    }
}
