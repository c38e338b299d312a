//! Engine benchmarks: what one hook costs as the number of requests N grows.
//!
//! Groups (each benchmark id is N):
//! * `provider/outstanding-fresh`: a provider leader observes N requirer units, each with one
//!   RSA-2048 CSR and nothing issued yet, reconciles, and lists the outstanding requests. Every
//!   CSR's signature is verified, so this is dominated by N RSA verifications.
//! * `provider/outstanding-issued`: the steady state: the same N requests, all answered in the
//!   provider's databag (spread over relations of at most 1 000 requests each, as one relation
//!   carries one application's units). Nothing is outstanding and nothing is written.
//! * `provider/plan/answered`, `provider/plan/steady`: `Provider::plan` alone, after the N
//!   requests were all answered in this hook (every relation's `certificates` value encoded),
//!   and with nothing changed.
//! * `provider/verification-floor/rsa2048-verify`: one RSA-2048 signature check, the floor
//!   under `outstanding-fresh` (N of them divided by the cores; `medians.py` prints the ratio).
//! * `provider/verification-floor/rsa2048-verify-10000-all-cores`: 10 000 such checks spread
//!   over one thread per core, nothing else: the same floor as the machine delivers it.
//! * `requirer/find-among-n`: one requirer unit reconciles against a provider databag holding
//!   N certificates, one of them its own (already stored): the plan must be empty.
//! * `provider/hostile`: one provider hook (observe, reconcile, outstanding requests, plan)
//!   with `certificate-limit` 99, for one requirer unit whose databag holds: 99 valid CSRs
//!   (`limit-valid`, the honest maximum), 20 000 garbage CSRs (`garbage-20000`, 4.3 MB), or
//!   20 000 valid CSRs (`over-limit-20000`, 12 MB); each `first` (nothing answered yet) and
//!   `steady` (what the first hook published is in the provider's databag). Valid CSRs are
//!   P-384 (as in the report this reproduces): 20 000 RSA-2048 ones would exceed the schema's
//!   16 MiB value limit, and a value over it is ignored whole without being parsed.
//!
//! Setup (keys, CSRs, certificates for N = 10 000) takes a while; it is done once per N, and
//! its errors end the run. Inside the measurement loop results are only black-boxed.

use std::hint::black_box;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use criterion::{BenchmarkId, Criterion};
use time::OffsetDateTime;
use tls_certificates_crypto::{
    CertificateRequestAttributes, CryptoBackend, IssueProfile, KeyAlgorithm, SignatureAlgorithm,
    Validity,
};
use tls_certificates_engine::provider::{
    CertificateLimit, NewCertificate, Provider, ProviderConfig, ProviderObservation,
    ProviderRelation,
};
use tls_certificates_engine::requirer::{
    Requests, Requirer, RequirerConfig, RequirerObservation, RequirerRelation, RequirerTrigger,
};
use tls_certificates_engine::{
    Databag, ObservedSecret, RelationId, SecretAction, SecretId, Target, UnitName,
};

const SIZES: [usize; 4] = [1, 100, 1_000, 10_000];

/// Relation `certificates:<number>`.
fn relation(number: u32) -> RelationId {
    // A valid endpoint name: `RelationId::new` cannot refuse it.
    RelationId::new("certificates", number).unwrap_or_else(|_| unreachable!())
}
const PER_RELATION: usize = 1_000;

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates_crypto::ring::backend()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
}

fn attrs(cn: &str) -> Result<CertificateRequestAttributes> {
    Ok(CertificateRequestAttributes::builder()
        .common_name(cn)
        .build()?)
}

/// N CSRs (one key each would make setup minutes long at N = 10 000: RSA CSRs share one key,
/// which changes nothing for the provider, and each CSR still has its own unique id).
fn csrs(n: usize) -> Result<Vec<String>> {
    csrs_with(n, KeyAlgorithm::Rsa2048)
}

/// [`csrs`] for keys of `algorithm`.
fn csrs_with(n: usize, algorithm: KeyAlgorithm) -> Result<Vec<String>> {
    let b = backend();
    let key = b.generate_key(algorithm)?;
    (0..n)
        .map(|i| {
            Ok(
                b.create_csr(&key, &attrs(&format!("unit-{i}.example.com"))?)?
                    .pem()
                    .as_str()
                    .to_owned(),
            )
        })
        .collect()
}

fn unit_bag(csr: &str) -> Databag {
    let value = format!(
        "[{{\"certificate_signing_request\": {}, \"ca\": false}}]",
        serde_json::to_string(csr).unwrap_or_default()
    );
    Databag::from([("certificate_signing_requests".to_owned(), value)])
}

/// Observations with `csrs` spread over relations of at most `PER_RELATION` units.
fn observation(csrs: &[String]) -> ProviderObservation {
    let relations = csrs
        .chunks(PER_RELATION)
        .enumerate()
        .map(|(r, chunk)| ProviderRelation {
            remote_units: chunk
                .iter()
                .enumerate()
                .map(|(i, csr)| (format!("req{r}/{i}"), unit_bag(csr)))
                .collect(),
            ..ProviderRelation::new(relation(u32::try_from(r).unwrap_or(u32::MAX)))
        })
        .collect();
    ProviderObservation {
        is_leader: true,
        relations,
    }
}

/// Issues every outstanding request and writes the answers into the observation; returns the
/// certificates set.
fn issue_all(observation: &mut ProviderObservation) -> Result<Vec<NewCertificate>> {
    issue_all_with(observation, &ProviderConfig::new("certificates").unwrap())
}

/// [`issue_all`] under `config` (its limit, its CA policy; its error entries are written too).
fn issue_all_with(
    observation: &mut ProviderObservation,
    config: &ProviderConfig,
) -> Result<Vec<NewCertificate>> {
    let b = backend();
    let ca_key = b.generate_key(KeyAlgorithm::EcdsaP256)?;
    let ca = b.create_self_signed_ca(
        &ca_key,
        &attrs("bench-ca")?,
        Validity::starting_at(now(), time::Duration::days(3650)),
    )?;
    let authority = b.load_authority(&ca_key, ca.clone())?;
    let mut provider = Provider::view(observation, config, b);
    provider.reconcile();
    let outstanding: Vec<_> = provider
        .outstanding_certificate_requests(None)
        .into_iter()
        .cloned()
        .collect();
    let mut issued = Vec::with_capacity(outstanding.len());
    for request in outstanding {
        let certificate = authority.issue(
            &request.csr,
            &IssueProfile::leaf(Validity::starting_at(now(), time::Duration::days(90))),
        )?;
        let new = NewCertificate {
            relation_id: request.relation_id,
            csr_pem: request.csr_pem.clone(),
            certificate: certificate.clone(),
            ca: ca.clone(),
            chain: vec![certificate, ca.clone()],
        };
        provider.set_relation_certificate(new.clone())?;
        issued.push(new);
    }
    for write in provider.plan().databag_writes {
        let relation = observation
            .relations
            .iter_mut()
            .find(|r| r.id == write.relation_id)
            .context("write for an unknown relation")?;
        if let Some(value) = write.value {
            relation.local_app.insert(write.key, value);
        }
    }
    Ok(issued)
}

fn provider(c: &mut Criterion) -> Result<()> {
    let mut fresh = c.benchmark_group("provider/outstanding-fresh");
    fresh
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let mut prepared = Vec::new();
    for n in SIZES {
        let csrs = csrs(n)?;
        let observation = observation(&csrs);
        let check = Provider::view(
            &observation,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        ensure!(
            check.outstanding_certificate_requests(None).len() == n,
            "all {n} outstanding"
        );
        fresh.bench_with_input(
            BenchmarkId::from_parameter(n),
            &observation,
            |bench, obs| {
                bench.iter(|| {
                    let mut provider = Provider::view(
                        black_box(obs),
                        &ProviderConfig::new("certificates").unwrap(),
                        backend(),
                    );
                    provider.reconcile();
                    black_box(provider.outstanding_certificate_requests(None).len())
                });
            },
        );
        prepared.push((n, observation));
    }
    fresh.finish();
    let mut planned = Vec::new();
    let mut issued = c.benchmark_group("provider/outstanding-issued");
    issued
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (n, mut observation) in prepared {
        let fresh_observation = observation.clone();
        let certificates = issue_all(&mut observation)?;
        let mut check = Provider::view(
            &observation,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        check.reconcile();
        ensure!(
            check.outstanding_certificate_requests(None).is_empty(),
            "nothing outstanding at {n}"
        );
        ensure!(
            check.plan().databag_writes.is_empty(),
            "nothing to write at {n}"
        );
        issued.bench_with_input(
            BenchmarkId::from_parameter(n),
            &observation,
            |bench, obs| {
                bench.iter(|| {
                    let mut provider = Provider::view(
                        black_box(obs),
                        &ProviderConfig::new("certificates").unwrap(),
                        backend(),
                    );
                    provider.reconcile();
                    black_box(provider.outstanding_certificate_requests(None).len())
                });
            },
        );
        planned.push((n, fresh_observation, observation, certificates));
    }
    issued.finish();
    plan(c, &planned)?;
    verification_floor(c)
}

/// `provider/plan`: `Provider::plan` alone, on a provider that has observed and reconciled.
/// `answered/N`: the hook that answers all N requests (N certificates set since observed, so
/// the plan encodes every relation's `certificates` value); `steady/N`: nothing changed.
fn plan(
    c: &mut Criterion,
    prepared: &[(
        usize,
        ProviderObservation,
        ProviderObservation,
        Vec<NewCertificate>,
    )],
) -> Result<()> {
    let mut group = c.benchmark_group("provider/plan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (n, fresh, steady, certificates) in prepared {
        let mut answering = Provider::view(
            fresh,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        answering.reconcile();
        for certificate in certificates {
            answering.set_relation_certificate(certificate.clone())?;
        }
        let writes = answering.plan().databag_writes.len();
        ensure!(
            writes == fresh.relations.len(),
            "answering {n}: one certificates write per relation, not {writes}"
        );
        group.bench_with_input(BenchmarkId::new("answered", n), &answering, |bench, p| {
            bench.iter(|| black_box(p.plan()));
        });
        let mut unchanged = Provider::view(
            steady,
            &ProviderConfig::new("certificates").unwrap(),
            backend(),
        );
        unchanged.reconcile();
        ensure!(
            unchanged.plan().databag_writes.is_empty(),
            "steady {n}: nothing to write"
        );
        group.bench_with_input(BenchmarkId::new("steady", n), &unchanged, |bench, p| {
            bench.iter(|| black_box(p.plan()));
        });
    }
    group.finish();
    Ok(())
}

/// `provider/verification-floor/rsa2048-verify`: one RSA-2048 PKCS#1 v1.5 SHA-256 signature
/// check (`backend.verify` alone, over a message the size of a CSR's signed part), the
/// proof-of-possession check the provider makes for every new CSR. `outstanding-fresh/N`
/// cannot go below N of these divided by the cores; `medians.py` reports the ratio.
///
/// `provider/verification-floor/rsa2048-verify-10000-all-cores`: 10 000 such checks and
/// nothing else, handed out one at a time to one thread per core: the same floor as this
/// machine actually delivers it, since two cores busy at once do not each run as fast as one
/// alone.
fn verification_floor(c: &mut Criterion) -> Result<()> {
    let b = backend();
    let key = b.generate_key(KeyAlgorithm::Rsa2048)?;
    let signer = b.signer(&key)?;
    let message = vec![0x5a_u8; 600];
    let signature = signer.sign(&message)?;
    b.verify(key.public_key(), signer.algorithm(), &message, &signature)?;
    let mut group = c.benchmark_group("provider/verification-floor");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("rsa2048-verify", |bench| {
        bench.iter(|| {
            black_box(b.verify(
                key.public_key(),
                SignatureAlgorithm::RsaPkcs1Sha256,
                black_box(&message),
                black_box(&signature),
            ))
        });
    });
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    group.sample_size(10);
    group.bench_function("rsa2048-verify-10000-all-cores", |bench| {
        bench.iter(|| {
            let next = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(|| {
                        while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 10_000 {
                            let _ = black_box(b.verify(
                                key.public_key(),
                                SignatureAlgorithm::RsaPkcs1Sha256,
                                black_box(&message),
                                black_box(&signature),
                            ));
                        }
                    });
                }
            });
        });
    });
    group.finish();
    Ok(())
}

/// One provider hook's engine work: observe, reconcile, outstanding requests, plan.
fn hook(observation: &ProviderObservation, config: &ProviderConfig) -> usize {
    let mut provider = Provider::view(observation, config, backend());
    provider.reconcile();
    let outstanding = provider.outstanding_certificate_requests(None).len();
    outstanding + provider.plan().databag_writes.len()
}

/// One relation, one requirer unit whose `certificate_signing_requests` holds `entries`.
fn one_databag(entries: &[String]) -> ProviderObservation {
    let value = format!("[{}]", entries.join(", "));
    ProviderObservation {
        is_leader: true,
        relations: vec![ProviderRelation {
            remote_units: [(
                "req/0".to_owned(),
                Databag::from([("certificate_signing_requests".to_owned(), value)]),
            )]
            .into(),
            ..ProviderRelation::new(relation(0))
        }],
    }
}

fn hostile(c: &mut Criterion) -> Result<()> {
    let config = ProviderConfig::new("certificates")
        .unwrap()
        .with_certificate_limit(CertificateLimit::PerRelation(99));
    let entry = |csr: &str| {
        format!(
            "{{\"certificate_signing_request\": {}, \"ca\": false}}",
            serde_json::to_string(csr).unwrap_or_default()
        )
    };
    let valid: Vec<String> = csrs_with(200, KeyAlgorithm::EcdsaP384)?
        .iter()
        .map(|c| entry(c))
        .collect();
    let garbage: Vec<String> = (0..20_000)
        .map(|i| {
            entry(&format!(
                "-----BEGIN CERTIFICATE REQUEST-----\nMIIB{i:012}garbage{i:08}\n-----END CERTIFICATE REQUEST-----"
            ))
        })
        .collect();
    let over_limit: Vec<String> = valid.iter().cycle().take(20_000).cloned().collect();
    // (name, observation, requests outstanding in its first hook)
    let cases = [
        ("limit-valid", one_databag(&valid[..99]), 99),
        ("garbage-20000", one_databag(&garbage), 0),
        ("over-limit-20000", one_databag(&over_limit), 99),
    ];
    let mut group = c.benchmark_group("provider/hostile");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, first, outstanding) in cases {
        let bytes: usize = first
            .relations
            .iter()
            .flat_map(|r| r.remote_units.values())
            .flat_map(|bag| bag.values())
            .map(String::len)
            .sum();
        eprintln!("provider/hostile/{name}: {bytes} bytes of requests");
        let mut check = Provider::view(&first, &config, backend());
        check.reconcile();
        ensure!(
            check.outstanding_certificate_requests(None).len() == outstanding,
            "{name}: {outstanding} outstanding in the first hook"
        );
        ensure!(
            outstanding > 0 || !check.plan().databag_writes.is_empty(),
            "{name}: the first hook answers with error entries"
        );
        let mut steady = first.clone();
        issue_all_with(&mut steady, &config)?;
        ensure!(
            Provider::view(&steady, &config, backend())
                .outstanding_certificate_requests(None)
                .is_empty(),
            "{name}: nothing outstanding once answered"
        );
        for (phase, observation) in [("first", &first), ("steady", &steady)] {
            group.bench_with_input(BenchmarkId::new(name, phase), observation, |bench, obs| {
                bench.iter(|| black_box(hook(black_box(obs), &config)))
            });
        }
    }
    group.finish();
    Ok(())
}

fn requirer(c: &mut Criterion) -> Result<()> {
    let b = backend();
    let mut group = c.benchmark_group("requirer/find-among-n");
    group.sample_size(20);
    for n in [1, 100, 1_000] {
        // The requirer's own first hook: key secret and CSR.
        let config = RequirerConfig::new(
            "certificates",
            Requests::Unit(vec![attrs("unit-0.example.com")?]),
        )?
        .with_key_algorithm(KeyAlgorithm::EcdsaP256);
        let requirer = Requirer::new(config);
        let mut obs = RequirerObservation {
            unit: UnitName::parse("req0/0")?,
            is_leader: false,
            relations: vec![RequirerRelation::new(relation(0))],
            secrets: Vec::new(),
        };
        let plan = requirer.plan(&obs, &RequirerTrigger::Reconcile, now(), b)?;
        apply(&mut obs, &plan)?;
        // The provider answers it and N - 1 others.
        let own_csr = serde_json::from_str::<serde_json::Value>(
            obs.relations[0]
                .local_unit
                .get("certificate_signing_requests")
                .context("own CSR")?,
        )?[0]["certificate_signing_request"]
            .as_str()
            .context("own CSR text")?
            .to_owned();
        let mut all = csrs(n - 1)?;
        all.push(own_csr);
        let mut provider_side = ProviderObservation {
            is_leader: true,
            relations: vec![ProviderRelation {
                remote_units: all
                    .iter()
                    .enumerate()
                    .map(|(i, csr)| (format!("req0/{i}"), unit_bag(csr)))
                    .collect(),
                ..ProviderRelation::new(relation(0))
            }],
        };
        issue_all(&mut provider_side)?;
        obs.relations[0].remote_app = provider_side.relations[0].local_app.clone();
        // The certificate is stored once; from then on every hook finds it and does nothing.
        let plan = requirer.plan(&obs, &RequirerTrigger::Reconcile, now(), b)?;
        apply(&mut obs, &plan)?;
        let plan = requirer.plan(&obs, &RequirerTrigger::Reconcile, now(), b)?;
        ensure!(
            plan.is_quiescent() && plan.events.is_empty(),
            "steady state at {n}"
        );
        group.bench_with_input(BenchmarkId::from_parameter(n), &obs, |bench, obs| {
            bench.iter(|| {
                black_box(requirer.plan(black_box(obs), &RequirerTrigger::Reconcile, now(), b))
            });
        });
    }
    group.finish();
    Ok(())
}

/// Applies a requirer plan to the observation as Juju would.
fn apply(
    obs: &mut RequirerObservation,
    plan: &tls_certificates_engine::requirer::RequirerPlan,
) -> Result<()> {
    for write in &plan.databag_writes {
        let relation = obs.relations.first_mut().context("relation")?;
        let bag = match write.target {
            Target::Unit => &mut relation.local_unit,
            Target::App => &mut relation.local_app,
        };
        match &write.value {
            Some(v) => bag.insert(write.key.clone(), v.clone()),
            None => bag.remove(&write.key),
        };
    }
    for (i, action) in plan.secret_actions.iter().enumerate() {
        if let SecretAction::Add {
            label,
            owner,
            content,
            expire,
        } = action
        {
            obs.secrets.push(ObservedSecret {
                id: SecretId::parse(&format!("secret:s{}x{i}", obs.secrets.len()))?,
                label: label.clone(),
                owner: *owner,
                content: content.clone(),
                expires: *expire,
            });
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let mut c = Criterion::default().configure_from_args();
    provider(&mut c)?;
    hostile(&mut c)?;
    requirer(&mut c)?;
    c.final_summary();
    Ok(())
}
