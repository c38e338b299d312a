//! The requirer's configuration: which requests go where, renewal and where the key comes from.

use std::collections::BTreeSet;

use tls_certificates_crypto::{CertificateRequestAttributes, KeyAlgorithm, KeyType, PrivateKey};

use crate::Error;
use juju_types::Target;

/// Which requests go where: the Python library's `Mode`, with the requests of each scope.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Requests {
    /// `Mode.UNIT`: every unit has its own key and CSRs in its unit databag.
    Unit(Vec<CertificateRequestAttributes>),
    /// `Mode.APP`: the leader manages one app-owned key and the CSRs in the app databag.
    App(Vec<CertificateRequestAttributes>),
    /// `Mode.APP_AND_UNIT`: both, with disjoint request sets.
    AppAndUnit {
        /// Requests in the application databag (leader).
        app: Vec<CertificateRequestAttributes>,
        /// Requests in each unit's databag.
        unit: Vec<CertificateRequestAttributes>,
    },
}

/// A scope of requests: the unit's own or the application's.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Scope {
    /// The unit's key, CSRs (unit databag) and certificates.
    Unit,
    /// The application's key, CSRs (app databag, leader only) and certificates.
    App,
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::App => "app",
            Self::Unit => "unit",
        })
    }
}

impl Scope {
    pub(super) fn databag(self) -> Target {
        match self {
            Self::Unit => Target::Unit,
            Self::App => Target::App,
        }
    }
}

/// The fraction of the remaining validity after which a certificate is renewed, in `(0.5, 1.0]`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct RenewalRelativeTime(f64);

impl RenewalRelativeTime {
    /// The Python library's default, 0.9.
    pub const DEFAULT: Self = Self(0.9);

    /// Validates `value` in `(0.5, 1.0]` (0.5 itself is rejected, as in the Python library).
    ///
    /// # Errors
    /// [`Error::InvalidRenewalRelativeTime`] outside that range (or NaN).
    pub fn new(value: f64) -> Result<Self, Error> {
        if value > 0.5 && value <= 1.0 {
            Ok(Self(value))
        } else {
            Err(Error::InvalidRenewalRelativeTime { value })
        }
    }

    /// The fraction.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The safety-net fraction of the whole validity: `min(0.99, r + 0.05)`.
    pub fn safety_net(self) -> f64 {
        (self.0 + 0.05).min(0.99)
    }
}

impl Default for RenewalRelativeTime {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where the private key comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The library generates the key and keeps it in a Juju secret.
    Generate(KeyAlgorithm),
    /// The charm supplies the key (used for every scope); no key secret is kept.
    Supplied(PrivateKey),
}

/// Validated requirer configuration.
#[derive(Clone, Debug)]
pub struct RequirerConfig {
    pub(super) endpoint: String,
    pub(super) requests: Requests,
    pub(super) unit_requests: BTreeSet<CertificateRequestAttributes>,
    pub(super) app_requests: BTreeSet<CertificateRequestAttributes>,
    pub(super) renewal: RenewalRelativeTime,
    pub(super) key: KeySource,
}

impl RequirerConfig {
    /// A configuration for `endpoint` with `requests`, RSA-2048 generated keys and the default
    /// renewal relative time.
    ///
    /// # Errors
    /// [`Error::EmptyEndpoint`], or [`Error::RequestInBothScopes`] when an `AppAndUnit`
    /// request appears in both scopes.
    pub fn new(endpoint: &str, requests: Requests) -> Result<Self, Error> {
        if endpoint.is_empty() {
            return Err(Error::EmptyEndpoint);
        }
        let (unit, app): (BTreeSet<_>, BTreeSet<_>) = match &requests {
            Requests::Unit(r) => (r.iter().cloned().collect(), BTreeSet::new()),
            Requests::App(r) => (BTreeSet::new(), r.iter().cloned().collect()),
            Requests::AppAndUnit { app, unit } => (
                unit.iter().cloned().collect(),
                app.iter().cloned().collect(),
            ),
        };
        if unit.intersection(&app).next().is_some() {
            return Err(Error::RequestInBothScopes);
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            requests,
            unit_requests: unit,
            app_requests: app,
            renewal: RenewalRelativeTime::DEFAULT,
            key: KeySource::Generate(KeyAlgorithm::default()),
        })
    }

    /// Sets the renewal relative time (default 0.9).
    ///
    /// # Errors
    /// [`Error::InvalidRenewalRelativeTime`] outside `(0.5, 1.0]`.
    pub fn with_renewal_relative_time(mut self, value: f64) -> Result<Self, Error> {
        self.renewal = RenewalRelativeTime::new(value)?;
        Ok(self)
    }

    /// Generates keys with `algorithm` (default RSA-2048).
    #[must_use]
    pub fn with_key_algorithm(mut self, algorithm: KeyAlgorithm) -> Self {
        self.key = KeySource::Generate(algorithm);
        self
    }

    /// Uses a key supplied by the charm instead of a generated one.
    ///
    /// # Errors
    /// [`Error::WeakPrivateKey`] for an RSA key shorter than 2048 bits.
    pub fn with_private_key(mut self, key: PrivateKey) -> Result<Self, Error> {
        check_key_strength(&key)?;
        self.key = KeySource::Supplied(key);
        Ok(self)
    }

    /// The endpoint (relation name).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The configured requests.
    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    /// The renewal relative time.
    pub fn renewal_relative_time(&self) -> RenewalRelativeTime {
        self.renewal
    }

    /// The key source.
    pub fn key_source(&self) -> &KeySource {
        &self.key
    }

    pub(super) fn scope_requests(&self, scope: Scope) -> &BTreeSet<CertificateRequestAttributes> {
        match scope {
            Scope::Unit => &self.unit_requests,
            Scope::App => &self.app_requests,
        }
    }

    pub(super) fn scopes(&self) -> &'static [Scope] {
        match self.requests {
            Requests::Unit(_) => &[Scope::Unit],
            Requests::App(_) => &[Scope::App],
            Requests::AppAndUnit { .. } => &[Scope::Unit, Scope::App],
        }
    }
}

/// Refuses RSA keys shorter than 2048 bits (the Python library's `PrivateKey.is_valid`).
pub(super) fn check_key_strength(key: &PrivateKey) -> Result<(), Error> {
    match key.key_type() {
        KeyType::Rsa { bits } if bits < 2048 => Err(Error::WeakPrivateKey { bits }),
        _ => Ok(()),
    }
}
