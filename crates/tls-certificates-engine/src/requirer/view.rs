//! Read-only queries: [`RequirerView`] and what a provider's databag tells about it.

use std::collections::HashSet;

use time::OffsetDateTime;
use tls_certificates_crypto::{CertificateRequestAttributes, CryptoBackend, Csr, PrivateKey};
use tls_certificates_schema::PemCsr;
use tls_certificates_schema::v1::{self, CertificateSigningRequest};

use super::config::{KeySource, Scope};
use super::key::load_key;
use super::provider_data::ProviderData;
use super::verify::{Timeliness, timeliness};
use super::{AssignedCertificate, OwnCsr, Requirer, RequirerObservation, RequirerRelation};
use crate::common::{PublishedCertificate, PublishedRequestError, pem_join_key};
use crate::wire::{self, ProviderCapabilities};
use juju_types::{RelationId, SecretId};

impl Requirer {
    /// A read-only view for queries at `now` (certificates outside their validity are not
    /// handed out).
    pub fn view<'a>(
        &'a self,
        obs: &'a RequirerObservation,
        now: OffsetDateTime,
        backend: &'a dyn CryptoBackend,
    ) -> RequirerView<'a> {
        RequirerView {
            requirer: self,
            obs,
            now,
            backend,
        }
    }
}

/// What a provider's app databag says about the library it runs; it matters to requests in
/// the requirer's **app** databag, which providers on the v3 library never read (they read unit
/// databags only), so such a request waits forever.
///
/// A heuristic, from the wire alone (Juju tells nothing about a peer's library):
///
/// * [`ProviderHint::V3Library`]: a `certificates` entry carries
///   `recommended_expiry_notification_time`, which only the v3 library writes (even as
///   `null`). Conclusive, but only once the provider answered *something*: a unit-scope request
///   (app-and-unit mode) or one left from unit mode. A hostile provider can fake it; it only
///   changes what the status says.
/// * [`ProviderHint::NothingPublished`]: the provider wrote none of the interface's keys. A v3
///   provider asked only through the app databag stays here forever, but so does a v4 provider
///   that has not run a hook yet: the two cannot be told apart.
/// * [`ProviderHint::Answering`]: the provider publishes entries without v3 fields (v4,
///   charmlibs 1.x, or ours).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum ProviderHint {
    /// The provider runs the v3 library: it never answers app-databag requests.
    V3Library,
    /// The provider has published nothing yet.
    NothingPublished,
    /// The provider publishes, with no sign of the v3 library.
    Answering,
}

/// The [`ProviderHint`] of one relation.
pub fn provider_hint(relation: &RequirerRelation) -> ProviderHint {
    let bag = &relation.remote_app;
    let certificates = bag.get(v1::ProviderData::CERTIFICATES_KEY);
    // A JSON member name: PEM text cannot contain the quotes, so a match is a member (or a
    // string made to look like one, which a provider can write anyway).
    if certificates.is_some_and(|raw| raw.contains("\"recommended_expiry_notification_time\"")) {
        ProviderHint::V3Library
    } else if v1::ProviderData::KEYS
        .iter()
        .any(|key| bag.contains_key(*key))
    {
        ProviderHint::Answering
    } else {
        ProviderHint::NothingPublished
    }
}

/// The capabilities a provider advertises in its app databag on this relation, if any.
pub fn capabilities_of(relation: &RequirerRelation) -> Option<ProviderCapabilities> {
    relation
        .remote_app
        .get(v1::ProviderData::CAPABILITIES_KEY)
        .and_then(|raw| wire::decode_capabilities(raw).ok())
}

/// One of our requests as it is on the wire.
#[derive(Clone, Debug)]
pub struct OwnRequest {
    /// The relation.
    pub relation_id: RelationId,
    /// The scope.
    pub scope: Scope,
    /// The CSR.
    pub csr: Csr,
    /// Whether it asks for a CA.
    pub is_ca: bool,
}

/// Read-only queries over one observation. Nothing here writes or logs.
#[derive(Debug)]
pub struct RequirerView<'a> {
    requirer: &'a Requirer,
    obs: &'a RequirerObservation,
    now: OffsetDateTime,
    backend: &'a dyn CryptoBackend,
}

impl RequirerView<'_> {
    /// The private key of `scope` (`None` if not generated yet, or the App scope on a non-leader).
    pub fn private_key(&self, scope: Scope) -> Option<PrivateKey> {
        if scope == Scope::App && !self.obs.is_leader {
            return None;
        }
        if let KeySource::Supplied(key) = &self.requirer.config.key {
            return Some(key.clone());
        }
        let (label, legacy) = self.requirer.key_labels(scope, &self.obs.unit);
        std::iter::once(&label)
            .chain(legacy.iter())
            .filter_map(|l| self.obs.secrets.iter().find(|s| &s.label == l))
            .find_map(|s| load_key(self.backend, s))
    }

    /// The Juju secret id of the library's key for `scope`.
    pub fn private_key_secret_id(&self, scope: Scope) -> Option<&SecretId> {
        if matches!(self.requirer.config.key, KeySource::Supplied(_)) {
            return None;
        }
        let (label, _) = self.requirer.key_labels(scope, &self.obs.unit);
        self.obs
            .secrets
            .iter()
            .find(|s| s.label == label)
            .map(|s| &s.id)
    }

    /// Our CSRs on the wire, for every active scope.
    pub fn own_requests(&self) -> Vec<OwnRequest> {
        self.requirer
            .active_scopes(self.obs.is_leader)
            .into_iter()
            .flat_map(|scope| self.own_entries(scope))
            .filter_map(|(relation, scope, entry)| {
                let csr = (self.backend)
                    .parse_csr(entry.certificate_signing_request.as_str())
                    .ok()?;
                Some(OwnRequest {
                    relation_id: relation.id.clone(),
                    scope,
                    csr,
                    is_ca: entry.is_ca(),
                })
            })
            .collect()
    }

    /// Our CSR entries in `scope`'s databag of each relation, as decoded (unparsed).
    fn own_entries(
        &self,
        scope: Scope,
    ) -> impl Iterator<Item = (&RequirerRelation, Scope, CertificateSigningRequest)> {
        self.obs.relations.iter().flat_map(move |relation| {
            let databag = match scope {
                Scope::Unit => &relation.local_unit,
                Scope::App => &relation.local_app,
            };
            (databag.get(v1::RequirerData::KEY))
                .map(|raw| wire::decode_csrs(raw).0)
                .unwrap_or_default()
                .into_iter()
                .map(move |entry| (relation, scope, entry))
        })
    }

    /// Certificates assigned to our current CSRs in `scope` that pass every check the
    /// requirer makes before storing one: not revoked, for our key, naming what we asked for,
    /// linked to a CA (chain handed out leaf first), and valid now.
    pub fn assigned_certificates(&self, scope: Scope) -> Vec<AssignedCertificate> {
        let Some(key) = self.private_key(scope) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (relation, _, entry) in self.own_entries(scope) {
            // Ours, so read with our key (no self-signature check); one for another key has
            // no certificate for this key anyway.
            let Ok(csr) =
                (self.backend).parse_own_csr(entry.certificate_signing_request.as_str(), &key)
            else {
                continue;
            };
            // A CSR PEM from the crypto crate always has the shape the schema checks.
            let Ok(pem) = PemCsr::new(csr.pem().as_str()) else {
                continue;
            };
            let own_csr = OwnCsr {
                join: pem_join_key(pem.as_str()),
                entry: CertificateSigningRequest::new(pem, entry.is_ca()),
                csr,
            };
            let mut ignored = Vec::new();
            let wanted = HashSet::from([own_csr.join.clone()]);
            let provider = ProviderData::decode(relation, &wanted, &mut ignored);
            if let Some(entry) = provider
                .certificates
                .get(&own_csr.join)
                .filter(|e| e.revoked != Some(true))
                && let Ok(checked) = self.requirer.verified.verify(
                    relation.id.clone(),
                    scope,
                    &own_csr,
                    entry,
                    &key,
                    self.backend,
                )
                && matches!(
                    timeliness(&checked.assigned.certificate, self.now),
                    Timeliness::Valid
                )
            {
                out.push(checked.assigned);
            }
        }
        out
    }

    /// The assigned certificate for these attributes, in any active scope.
    pub fn assigned_certificate(
        &self,
        attributes: &CertificateRequestAttributes,
    ) -> Option<AssignedCertificate> {
        self.requirer
            .active_scopes(self.obs.is_leader)
            .into_iter()
            .flat_map(|s| self.assigned_certificates(s))
            .find(|a| &a.attributes() == attributes)
    }

    /// Every certificate entry the provider published, including revoked ones and other
    /// requirers' (malformed entries skipped).
    pub fn provider_certificates(&self) -> Vec<PublishedCertificate> {
        let mut out = Vec::new();
        for relation in &self.obs.relations {
            let Some(raw) = relation.remote_app.get(v1::ProviderData::CERTIFICATES_KEY) else {
                continue;
            };
            for e in wire::decode_certificates(raw).0 {
                out.push(PublishedCertificate {
                    relation_id: relation.id.clone(),
                    certificate: e.certificate.into_string(),
                    csr: e.certificate_signing_request.into_string(),
                    ca: e.ca.into_string(),
                    chain: e
                        .chain
                        .into_iter()
                        .flatten()
                        .map(tls_certificates_schema::PemCertificate::into_string)
                        .collect(),
                    revoked: e.revoked == Some(true),
                });
            }
        }
        out
    }

    /// The provider's errors for our CSRs: one per CSR (the last, if the provider wrote
    /// several).
    pub fn request_errors(&self) -> Vec<PublishedRequestError> {
        let ours: HashSet<String> = self
            .own_requests()
            .iter()
            .map(|o| pem_join_key(o.csr.pem().as_str()))
            .collect();
        let mut out = Vec::new();
        for relation in &self.obs.relations {
            let mut ignored = Vec::new();
            let provider = ProviderData::decode(relation, &HashSet::new(), &mut ignored);
            for (_, e) in provider.errors_for(&ours) {
                out.push(PublishedRequestError {
                    relation_id: relation.id.clone(),
                    csr: e.csr.as_str().to_owned(),
                    error: e.error.clone(),
                });
            }
        }
        out
    }

    /// What each relation's provider databag says about the library the provider runs (see
    /// [`ProviderHint`]).
    pub fn provider_hints(&self) -> Vec<(RelationId, ProviderHint)> {
        self.obs
            .relations
            .iter()
            .map(|r| (r.id.clone(), provider_hint(r)))
            .collect()
    }

    /// What the provider advertises; `None` when it has not published capabilities (yet).
    pub fn provider_capabilities(&self) -> Option<ProviderCapabilities> {
        self.obs
            .relations
            .iter()
            .find_map(|r| r.remote_app.get(v1::ProviderData::CAPABILITIES_KEY))
            .and_then(|raw| wire::decode_capabilities(raw).ok())
    }
}
