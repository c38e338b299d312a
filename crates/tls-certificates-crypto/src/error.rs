//! The crate's error type.

/// Everything that can go wrong in this crate. Variants are named after what happened.
///
/// No variant carries a backend type; foreign errors are kept as boxed sources.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate's issuer name or signature does not match the next certificate of a chain.
    #[error("chain is out of order: certificate {index} is not issued by certificate {next}")]
    ChainOutOfOrder {
        /// Index of the certificate whose issuer check failed.
        index: usize,
        /// Index of the certificate that should have issued it.
        next: usize,
    },
    /// A certificate could not be parsed.
    #[error("malformed certificate: {reason}")]
    MalformedCertificate {
        /// What was wrong.
        reason: String,
    },
    /// A CSR could not be parsed.
    #[error("malformed certificate signing request: {reason}")]
    MalformedCsr {
        /// What was wrong.
        reason: String,
    },
    /// A private key could not be parsed or was rejected by the backend.
    #[error("malformed private key: {reason}")]
    MalformedKey {
        /// What was wrong.
        reason: String,
    },
    /// Input was not valid PEM, or held no block with an expected label.
    #[error("invalid PEM: expected {expected}: {reason}")]
    InvalidPem {
        /// What kind of PEM block was expected (e.g. `CERTIFICATE REQUEST`).
        expected: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Input exceeded a size limit before parsing started.
    #[error("input too large: {size} bytes (limit {limit})")]
    InputTooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A certificate request attribute is invalid.
    #[error("invalid certificate request attribute {field}: {reason}")]
    InvalidAttribute {
        /// Which attribute.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Certificate request attributes name nothing (no common name and no SAN).
    #[error("certificate request attributes need a common name or at least one SAN")]
    MissingIdentity,
    /// The private key does not belong to the certificate or CSR it was paired with.
    #[error("private key does not match the {what}")]
    KeyMismatch {
        /// What the key was checked against (`certificate`, `certificate signing request`).
        what: &'static str,
    },
    /// A certificate's issuer name is not the subject name of the certificate checked as its
    /// issuer (DER comparison).
    #[error("issuer name does not match the issuing certificate's subject")]
    IssuerMismatch,
    /// A certificate used as an issuer is not a CA.
    #[error("certificate is not a certificate authority")]
    NotCertificateAuthority,
    /// A signature did not verify.
    #[error("signature does not verify")]
    SignatureInvalid,
    /// The algorithm is not supported (or not approved) by this backend.
    #[error("unsupported algorithm: {algorithm}")]
    UnsupportedAlgorithm {
        /// The algorithm, as text.
        algorithm: String,
    },
    /// The backend refused an algorithm or parameter that its policy (e.g. FIPS) does not approve.
    #[error("not approved by the backend's policy: {what}")]
    NotApproved {
        /// What was refused.
        what: String,
    },
    /// The backend itself is unavailable (e.g. the OpenSSL FIPS provider cannot be loaded).
    #[error("crypto backend unavailable: {reason}")]
    BackendUnavailable {
        /// Why.
        reason: String,
    },
    /// A backend operation failed.
    #[error("{operation} failed")]
    Backend {
        /// The operation (`key generation`, `signing`, `random`, ...).
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Building certificate or CSR DER failed.
    #[error("encoding {what} failed: {reason}")]
    Encoding {
        /// What was being encoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}
