//! The provider's policy and limits: [`ProviderConfig`] and the bounds on what a requirer can
//! cost us.

use crate::wire::ProviderCapabilities;

/// Entries read per databag, per certificate of the limit
/// ([`ProviderConfig::entries_read_per_databag`]).
pub const ENTRIES_READ_PER_CERTIFICATE: usize = 2;

/// The fewest entries read per databag, whatever the limit.
pub const MIN_ENTRIES_READ: usize = 16;

/// Entries read per databag when certificates are not limited.
pub const MAX_ENTRIES_UNLIMITED: usize = 10_000;

/// The longest CSR text (bytes) read as a request. A CSR for an RSA-4096 key with a few hundred
/// DNS names fits; anything longer is counted, not answered, so that echoing it in an error
/// entry cannot bloat our databag.
pub const MAX_REQUEST_PEM_LEN: usize = 16 * 1024;

/// Bytes (CSR text plus message) of the error entries published per relation: with many
/// remote units each sending large invalid CSRs, the entry count alone would let our own
/// databag grow with the number of units. Refusals past it are counted, not answered.
pub const MAX_ERROR_BYTES_PER_RELATION: usize = 1024 * 1024;

/// New refusals logged one by one per relation and hook; more are counted in the summary line.
pub const REFUSALS_LOGGED_PER_HOOK: usize = 8;

/// The message of the error entry for a refused CA request.
pub const CA_REQUEST_REFUSED: &str = "CA certificate requests are refused by this provider";

/// The start of the message of the error entry for an invalid CSR; the reason follows.
pub const INVALID_CSR: &str = "invalid certificate signing request";

/// How many certificates one relation may hold.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum CertificateLimit {
    /// No limit (what the Python library does).
    #[default]
    Unlimited,
    /// At most this many non-revoked certificates per relation.
    PerRelation(usize),
}

impl CertificateLimit {
    pub(super) fn value(self) -> Option<usize> {
        match self {
            Self::Unlimited => None,
            Self::PerRelation(n) => Some(n),
        }
    }
}

/// What the provider does with requests for a CA certificate (`"ca": true`).
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum CaRequests {
    /// Offer them to the charm like any request (what the Python library does).
    #[default]
    Offer,
    /// Refuse them with a request error entry ([`CA_REQUEST_REFUSED`]), unverified.
    Refuse,
}

/// What a provider allows and advertises: the policy applied to requests and the capabilities
/// published in every relation.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub(super) endpoint: String,
    pub(super) capabilities: Option<ProviderCapabilities>,
    pub(super) certificate_limit: CertificateLimit,
    pub(super) ca_requests: CaRequests,
}

impl ProviderConfig {
    /// The provider of `endpoint` (the relation name in `charmcraft.yaml`, usually
    /// `certificates`): no capabilities advertised, no certificate limit, CA requests offered to
    /// the charm, the Python library's behaviour. The shape of
    /// [`RequirerConfig::new`](crate::requirer::RequirerConfig::new).
    ///
    /// # Errors
    /// [`Error::EmptyEndpoint`](crate::Error::EmptyEndpoint).
    pub fn new(endpoint: &str) -> Result<Self, crate::Error> {
        if endpoint.is_empty() {
            return Err(crate::Error::EmptyEndpoint);
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            capabilities: None,
            certificate_limit: CertificateLimit::default(),
            ca_requests: CaRequests::default(),
        })
    }

    /// The endpoint (relation name).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Advertises `capabilities` in every relation.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: ProviderCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Limits the certificates per relation.
    #[must_use]
    pub fn with_certificate_limit(mut self, limit: CertificateLimit) -> Self {
        self.certificate_limit = limit;
        self
    }

    /// Sets what happens to CA requests.
    #[must_use]
    pub fn with_ca_requests(mut self, ca_requests: CaRequests) -> Self {
        self.ca_requests = ca_requests;
        self
    }

    /// The capabilities advertised.
    pub fn capabilities(&self) -> Option<&ProviderCapabilities> {
        self.capabilities.as_ref()
    }

    /// The certificate limit.
    pub fn certificate_limit(&self) -> CertificateLimit {
        self.certificate_limit
    }

    /// What happens to CA requests.
    pub fn ca_requests(&self) -> CaRequests {
        self.ca_requests
    }

    /// How many entries of one databag's requests are read:
    /// [`ENTRIES_READ_PER_CERTIFICATE`] × the limit, at least [`MIN_ENTRIES_READ`];
    /// [`MAX_ENTRIES_UNLIMITED`] without a limit. It also bounds the error entries published
    /// per relation.
    pub fn entries_read_per_databag(&self) -> usize {
        match self.certificate_limit {
            CertificateLimit::Unlimited => MAX_ENTRIES_UNLIMITED,
            CertificateLimit::PerRelation(n) => n
                .saturating_mul(ENTRIES_READ_PER_CERTIFICATE)
                .max(MIN_ENTRIES_READ),
        }
    }
}
