//! A request as the queries hand it out.

use tls_certificates_crypto::Csr;

use juju_types::RelationId;

/// Where a request came from.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum RequestSource {
    /// A requirer unit's databag.
    Unit(String),
    /// The requirer application's databag.
    App,
}

impl core::fmt::Display for RequestSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unit(unit) => write!(f, "unit {unit}"),
            Self::App => f.write_str("the application databag"),
        }
    }
}

/// A verified certificate request.
#[derive(Clone, Debug)]
pub struct CertificateRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// Where it came from.
    pub source: RequestSource,
    /// The CSR (signature verified).
    pub csr: Csr,
    /// The PEM exactly as the requirer sent it (the join key on the wire).
    pub csr_pem: String,
    /// Whether a CA certificate is requested.
    pub is_ca: bool,
}

/// A CSR that failed parsing or signature verification.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InvalidRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// The PEM as sent.
    pub csr_pem: String,
    /// Why it was refused.
    pub reason: String,
}
