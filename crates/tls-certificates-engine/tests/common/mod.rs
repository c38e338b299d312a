//! A tiny in-memory world for engine scenarios: one requirer unit, one provider leader, a CA,
//! and an applier that does to the observation what Juju would do with a plan.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use time::{Duration, OffsetDateTime, macros::datetime};
use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, CryptoBackend, DigestAlgorithm,
    Error as CryptoError, IssueProfile, KeyAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm,
    Signer, Validity,
};
use tls_certificates_engine::provider::{
    NewCertificate, Provider, ProviderConfig, ProviderObservation, ProviderRelation,
};
use tls_certificates_engine::requirer::{
    Requirer, RequirerConfig, RequirerEvent, RequirerObservation, RequirerPlan, RequirerRelation,
    RequirerTrigger,
};
use tls_certificates_engine::{
    Databag, ObservedSecret, RelationId, SecretAction, SecretId, Target, UnitName,
};

pub(crate) const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
/// The relation of most scenarios, `certificates:7`.
pub(crate) fn rel() -> RelationId {
    relation(7)
}

/// Relation `certificates:<number>`.
pub(crate) fn relation(number: u32) -> RelationId {
    RelationId::new("certificates", number).unwrap()
}

pub(crate) fn backend() -> &'static dyn CryptoBackend {
    tls_certificates_crypto::ring::backend()
}

pub(crate) fn attrs(cn: &str) -> CertificateRequestAttributes {
    CertificateRequestAttributes::builder()
        .common_name(cn)
        .build()
        .unwrap()
}

pub(crate) struct Ca {
    pub(crate) key: PrivateKey,
    pub(crate) certificate: Certificate,
}

impl Ca {
    pub(crate) fn new(cn: &str) -> Self {
        let b = backend();
        let key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
        let certificate = b
            .create_self_signed_ca(
                &key,
                &attrs(cn),
                Validity::starting_at(T0, Duration::days(3650)),
            )
            .unwrap();
        Self { key, certificate }
    }
}

/// One requirer unit (`req/0`) related to one provider leader.
pub(crate) struct World {
    pub(crate) requirer: Requirer,
    pub(crate) obs: RequirerObservation,
    /// The provider's app databag (= the requirer's remote app databag).
    pub(crate) provider_bag: Databag,
    pub(crate) ca: Ca,
    pub(crate) now: OffsetDateTime,
    pub(crate) next_secret: u32,
    /// Every event and plan seen, for the private-key scan.
    pub(crate) debug_trail: Vec<String>,
    pub(crate) lifetime: Duration,
}

impl World {
    pub(crate) fn new(config: RequirerConfig, is_leader: bool) -> Self {
        Self {
            requirer: Requirer::new(config),
            obs: RequirerObservation {
                unit: UnitName::parse("req/0").unwrap(),
                is_leader,
                relations: vec![RequirerRelation::new(rel())],
                secrets: Vec::new(),
            },
            provider_bag: Databag::new(),
            ca: Ca::new("test-ca"),
            now: T0,
            next_secret: 1,
            debug_trail: Vec::new(),
            lifetime: Duration::days(90),
        }
    }

    pub(crate) fn relation(&self) -> &RequirerRelation {
        &self.obs.relations[0]
    }

    /// Runs a requirer hook and applies its plan like Juju would.
    pub(crate) fn requirer_hook(&mut self, trigger: RequirerTrigger) -> RequirerPlan {
        for r in &mut self.obs.relations {
            r.remote_app = self.provider_bag.clone();
        }
        let plan = self
            .requirer
            .plan(&self.obs, &trigger, self.now, backend())
            .unwrap();
        self.debug_trail.push(format!("{plan:?}"));
        self.apply(&plan);
        plan
    }

    /// Reconciles and applies, when the test does not look at the plan.
    pub(crate) fn step(&mut self) {
        let _plan = self.reconcile();
    }

    pub(crate) fn reconcile(&mut self) -> RequirerPlan {
        self.requirer_hook(RequirerTrigger::Reconcile)
    }

    pub(crate) fn apply(&mut self, plan: &RequirerPlan) {
        for w in &plan.databag_writes {
            let rel = self
                .obs
                .relations
                .iter_mut()
                .find(|r| r.id == w.relation_id)
                .unwrap();
            let bag = match w.target {
                Target::Unit => &mut rel.local_unit,
                Target::App => &mut rel.local_app,
            };
            match &w.value {
                Some(v) => bag.insert(w.key.clone(), v.clone()),
                None => bag.remove(&w.key),
            };
        }
        for action in &plan.secret_actions {
            match action {
                SecretAction::Add {
                    label,
                    owner,
                    content,
                    expire,
                } => {
                    assert!(
                        self.obs.secrets.iter().all(|s| &s.label != label),
                        "duplicate label {label}"
                    );
                    self.obs.secrets.push(ObservedSecret {
                        id: SecretId::parse(&format!("secret:{}", self.next_secret)).unwrap(),
                        label: label.clone(),
                        owner: *owner,
                        content: content.clone(),
                        expires: *expire,
                    });
                    self.next_secret += 1;
                }
                SecretAction::Set {
                    id,
                    content,
                    expire,
                    ..
                } => {
                    let s = self.obs.secrets.iter_mut().find(|s| &s.id == id).unwrap();
                    s.content = content.clone();
                    s.expires = *expire;
                }
                SecretAction::Remove { id, revision: None } => {
                    self.obs.secrets.retain(|s| &s.id != id);
                }
                SecretAction::Remove { .. } => {}
            }
        }
    }

    pub(crate) fn provider_observation(&self) -> ProviderObservation {
        let relation = self.relation();
        ProviderObservation {
            is_leader: true,
            relations: vec![ProviderRelation {
                id: rel(),
                remote_app: relation.local_app.clone(),
                remote_units: BTreeMap::from([("req/0".to_owned(), relation.local_unit.clone())]),
                local_app: self.provider_bag.clone(),
            }],
        }
    }

    /// The provider leader reconciles and issues every outstanding request.
    pub(crate) fn provider_issues(&mut self) -> usize {
        let b = backend();
        let obs = self.provider_observation();
        let mut provider = Provider::view(&obs, &ProviderConfig::new("certificates").unwrap(), b);
        provider.reconcile();
        let authority = b
            .load_authority(&self.ca.key, self.ca.certificate.clone())
            .unwrap();
        let outstanding: Vec<_> = provider
            .outstanding_certificate_requests(None)
            .into_iter()
            .cloned()
            .collect();
        for request in &outstanding {
            let validity = Validity::starting_at(self.now, self.lifetime);
            let profile = if request.is_ca {
                IssueProfile::ca(validity)
            } else {
                IssueProfile::leaf(validity)
            };
            let certificate = authority.issue(&request.csr, &profile).unwrap();
            provider
                .set_relation_certificate(NewCertificate {
                    relation_id: request.relation_id.clone(),
                    csr_pem: request.csr_pem.clone(),
                    certificate: certificate.clone(),
                    ca: self.ca.certificate.clone(),
                    chain: vec![certificate, self.ca.certificate.clone()],
                })
                .unwrap();
        }
        let plan = provider.plan();
        for w in plan.databag_writes {
            match w.value {
                Some(v) => self.provider_bag.insert(w.key, v),
                None => self.provider_bag.remove(&w.key),
            };
        }
        outstanding.len()
    }

    pub(crate) fn secrets_with_prefix(&self, prefix: &str) -> Vec<&ObservedSecret> {
        self.obs
            .secrets
            .iter()
            .filter(|s| s.label.starts_with(prefix))
            .collect()
    }

    /// Asserts that no private key ever reached relation data, logs or event/plan Debug output.
    pub(crate) fn assert_no_private_key_leaked(&self) {
        let bags = format!("{:?}{:?}", self.obs.relations, self.provider_bag);
        for text in self.debug_trail.iter().chain(std::iter::once(&bags)) {
            assert!(
                !text.contains("PRIVATE KEY"),
                "private key material leaked: {text}"
            );
        }
    }
}

pub(crate) fn available(plan: &RequirerPlan) -> usize {
    plan.events
        .iter()
        .filter(|e| matches!(e, RequirerEvent::CertificateAvailable(_)))
        .count()
}

/// The ring backend, counting signature verifications.
#[derive(Debug, Default)]
pub(crate) struct Counting {
    verifications: AtomicUsize,
}

impl Counting {
    pub(crate) fn take(&self) -> usize {
        self.verifications.swap(0, Ordering::SeqCst)
    }
}

impl CryptoBackend for Counting {
    fn name(&self) -> &'static str {
        "counting-ring"
    }
    fn generate_key(&self, algorithm: KeyAlgorithm) -> Result<PrivateKey, CryptoError> {
        backend().generate_key(algorithm)
    }
    fn load_pkcs8(&self, der: zeroize::Zeroizing<Vec<u8>>) -> Result<PrivateKey, CryptoError> {
        backend().load_pkcs8(der)
    }
    fn signer(&self, key: &PrivateKey) -> Result<Box<dyn Signer>, CryptoError> {
        backend().signer(key)
    }
    fn verify(
        &self,
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        backend().verify(public_key, algorithm, message, signature)
    }
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        backend().fill_random(dest)
    }
    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        backend().digest(algorithm, data)
    }
}
