//! What the invariant checker reports.

/// An invariant that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// Code under test panicked.
    #[error("panic: {message}")]
    Panic {
        /// The panic message.
        message: String,
    },
    /// A hook kept failing (or hooks kept triggering each other) in a fault-free settle.
    #[error("no fault-free settle: {detail}")]
    NeverSettles {
        /// The simulator's error.
        detail: String,
    },
    /// The simulator refused something it should accept (a simulator or harness bug).
    #[error("simulator error: {detail}")]
    Simulator {
        /// The simulator's error.
        detail: String,
    },
    /// Private key material in a relation databag, log line, status message or action result.
    #[error("private key material in {place}")]
    KeyMaterialLeaked {
        /// Where it was found.
        place: String,
    },
    /// A private key changed although nothing asked for it.
    #[error("private key of {owner} ({label}) changed unasked")]
    KeyChangedUnasked {
        /// The secret's owner.
        owner: String,
        /// The secret's label.
        label: String,
    },
    /// The provider's config is valid and it leads, yet it has no CA.
    #[error("the provider has no active CA after a fault-free settle")]
    NoActiveCa,
    /// A unit has no certificate (file) for a request after a fault-free settle.
    #[error("{unit} holds no {scope} certificate after a fault-free settle")]
    MissingCertificate {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
    },
    /// A certificate in use was not issued by the provider's current (active or expiring) CA.
    #[error("{unit}'s {scope} certificate is not issued by the provider's current CA")]
    NotIssuedByCurrentCa {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
    },
    /// A certificate in use is not valid at the model's clock.
    #[error("{unit}'s {scope} certificate is not valid at {now}")]
    NotValidAtNow {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
        /// The model's clock.
        now: String,
    },
    /// A certificate in use does not match the private key of its scope.
    #[error("{unit}'s {scope} certificate does not match its private key")]
    KeyMismatch {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
    },
    /// A certificate's attributes differ from the configured ones.
    #[error("{unit}'s {scope} certificate does not carry the configured attributes: {detail}")]
    AttributesMismatch {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
        /// What differs.
        detail: String,
    },
    /// Not exactly one request, or not exactly one published certificate per request.
    #[error("not one certificate per request: {detail}")]
    RequestCount {
        /// What was counted.
        detail: String,
    },
    /// The certificate file the requirer wrote (the one in use) differs from the certificate
    /// its `get-certificate` action reports.
    #[error("{unit}'s {scope} certificate file differs from the certificate it reports")]
    FileMismatch {
        /// The unit.
        unit: String,
        /// `unit` or `app`.
        scope: String,
    },
    /// A secret a charm owns that its current state does not reference.
    #[error("orphan secret of {owner}: {label}")]
    OrphanSecret {
        /// The owner.
        owner: String,
        /// The label (or `(none)`).
        label: String,
    },
    /// A secret keeps more revisions than the bound.
    #[error("secret {label} of {owner} keeps {revisions} revisions")]
    SecretRevisionsGrow {
        /// The owner.
        owner: String,
        /// The label.
        label: String,
        /// Its live revisions.
        revisions: usize,
    },
    /// Hooks with nothing new to do still changed a databag or a secret.
    #[error("repeated identical hooks changed the state: {detail}")]
    NotIdempotent {
        /// What changed.
        detail: String,
    },
}

impl Violation {
    /// A short stable name of the invariant (for counters and test names).
    pub fn invariant(&self) -> &'static str {
        match self {
            Self::Panic { .. } => "no-panic",
            Self::NeverSettles { .. } => "settles",
            Self::Simulator { .. } => "simulator",
            Self::KeyMaterialLeaked { .. } => "no-key-leak",
            Self::KeyChangedUnasked { .. } => "key-stable",
            Self::NoActiveCa
            | Self::MissingCertificate { .. }
            | Self::NotIssuedByCurrentCa { .. }
            | Self::NotValidAtNow { .. }
            | Self::KeyMismatch { .. }
            | Self::AttributesMismatch { .. }
            | Self::RequestCount { .. }
            | Self::FileMismatch { .. } => "converged",
            Self::OrphanSecret { .. } => "no-orphan-secret",
            Self::SecretRevisionsGrow { .. } | Self::NotIdempotent { .. } => "bounded-growth",
        }
    }
}
