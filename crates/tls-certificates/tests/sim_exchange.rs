//! Requirer <-> provider exchanges in juju-sim, in-process: the adapters against a simulated
//! Juju model (hook ordering, transactions, leadership, secrets with expiry).

use std::sync::{Arc, Mutex};

use juju_hook_tools::{Context, Event, HookTools};
use juju_sim::{CharmMeta, Model, in_process};
use time::{Duration, OffsetDateTime};
use tls_certificates::Hook;
use tls_certificates::crypto::{
    Certificate, CertificateRequestAttributes, CryptoBackend, IssueProfile, KeyAlgorithm,
    PrivateKey, Validity,
};
use tls_certificates::engine::LIBID;
use tls_certificates::provider::{Provider, ProviderCapabilities, ProviderConfig};
use tls_certificates::requirer::{Requests, Requirer, RequirerConfig, Scope};

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

fn attrs(cn: &str) -> CertificateRequestAttributes {
    CertificateRequestAttributes::builder()
        .common_name(cn)
        .build()
        .unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Unit,
    App,
    AppAndUnit,
}

/// Shared between the test and the in-process charms.
#[derive(Clone)]
struct Shared {
    now: Arc<Mutex<OffsetDateTime>>,
    ca: Arc<Mutex<(PrivateKey, Certificate)>>,
    /// Debug text of every requirer event, by unit.
    events: Arc<Mutex<Vec<(String, String)>>>,
    /// Results of the query checks run on update-status, by unit.
    queries: Arc<Mutex<Vec<(String, bool)>>>,
    lifetime: Duration,
}

impl Shared {
    fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
            ca: Arc::new(Mutex::new(new_ca("sim-ca", now))),
            events: Arc::new(Mutex::new(Vec::new())),
            queries: Arc::new(Mutex::new(Vec::new())),
            lifetime: Duration::days(30),
        }
    }

    fn available(&self, unit: &str) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(u, e)| u == unit && e.starts_with("CertificateAvailable"))
            .count()
    }
}

fn new_ca(cn: &str, now: OffsetDateTime) -> (PrivateKey, Certificate) {
    let b = backend();
    let key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let cert = b
        .create_self_signed_ca(
            &key,
            &attrs(cn),
            Validity::starting_at(now, Duration::days(3650)),
        )
        .unwrap();
    (key, cert)
}

fn requirer_config(ctx: &Context, mode: Mode) -> RequirerConfig {
    let unit_cn = format!("{}.example.com", ctx.unit().as_str().replace('/', "-"));
    let app_cn = format!("{}.example.com", ctx.app());
    let requests = match mode {
        Mode::Unit => Requests::Unit(vec![attrs(&unit_cn)]),
        Mode::App => Requests::App(vec![attrs(&app_cn)]),
        Mode::AppAndUnit => Requests::AppAndUnit {
            app: vec![attrs(&app_cn)],
            unit: vec![attrs(&unit_cn)],
        },
    };
    RequirerConfig::new("certificates", requests)
        .unwrap()
        .with_key_algorithm(KeyAlgorithm::EcdsaP256)
}

fn requirer_charm(shared: Shared, mode: Mode) -> Arc<dyn juju_sim::Charm> {
    in_process(
        move |ctx: &Context, tools: &dyn HookTools| -> Result<(), Box<dyn std::error::Error>> {
            let now = *shared.now.lock().unwrap();
            let hook = Hook::new(ctx, tools, backend(), now);
            let requirer = Requirer::new(requirer_config(ctx, mode), &hook);
            let outcome = requirer.handle_event()?;
            let mut events = shared.events.lock().unwrap();
            for event in &outcome.events {
                events.push((ctx.unit().as_str().to_owned(), format!("{event:?}")));
            }
            if matches!(ctx.event(), Event::UpdateStatus) && mode == Mode::Unit {
                let key = requirer.private_key(Scope::Unit)?.ok_or("no key")?;
                let cn = format!("{}.example.com", ctx.unit().as_str().replace('/', "-"));
                let assigned = requirer
                    .assigned_certificate(&attrs(&cn))?
                    .ok_or("no certificate")?;
                let ok = assigned.certificate.matches_key(&key)
                    && requirer.assigned_certificates(Scope::Unit)?.len() == 1
                    && !requirer.provider_certificates()?.is_empty()
                    && requirer.request_errors()?.is_empty()
                    && requirer
                        .provider_capabilities()?
                        .and_then(|c| c.provider_type)
                        .as_deref()
                        == Some("self-signed")
                    && tls_certificates::requirer::provider_capabilities("certificates", tools)?
                        .is_some()
                    && requirer.private_key_secret_id(Scope::Unit)?.is_some();
                shared
                    .queries
                    .lock()
                    .unwrap()
                    .push((ctx.unit().as_str().to_owned(), ok));
            }
            Ok(())
        },
    )
}

fn provider_charm(shared: Shared) -> Arc<dyn juju_sim::Charm> {
    in_process(
        move |ctx: &Context, tools: &dyn HookTools| -> Result<(), Box<dyn std::error::Error>> {
            let now = *shared.now.lock().unwrap();
            let mut capabilities = ProviderCapabilities::default();
            capabilities.provider_type = Some("self-signed".to_owned());
            capabilities.supports_ca_certificates = Some(true);
            let hook = Hook::new(ctx, tools, backend(), now);
            let config = ProviderConfig::new("certificates")?.with_capabilities(capabilities);
            let mut provider = Provider::new(config, &hook)?;
            let is_leader = tools.is_leader()?;
            if is_leader {
                if matches!(ctx.event(), Event::Action { name, .. } if name == "rotate-ca") {
                    provider.revoke_all_certificates()?;
                }
                let (key, ca) = shared.ca.lock().unwrap().clone();
                let authority = backend().load_authority(&key, ca.clone())?;
                // Each request answered through itself; the library builds the chain.
                provider.answer_outstanding(None, |request| {
                    let validity = Validity::starting_at(now, shared.lifetime);
                    let profile = if request.is_ca {
                        IssueProfile::ca(validity)
                    } else {
                        IssueProfile::leaf(validity)
                    };
                    let certificate = authority.issue(&request.csr, &profile)?;
                    request.issue(certificate, &ca);
                    Ok::<_, Box<dyn std::error::Error>>(())
                })?;
            }
            provider.commit()?;
            Ok(())
        },
    )
}

struct Sim {
    model: Model,
    shared: Shared,
    relation: u32,
}

impl Sim {
    fn new(mode: Mode, requirer_units: u32) -> Self {
        let mut sim = Self::unsettled(mode, requirer_units);
        sim.settle();
        sim
    }

    fn unsettled(mode: Mode, requirer_units: u32) -> Self {
        let mut model = Model::new();
        let shared = Shared::new(model.now());
        model
            .deploy(
                "provider",
                CharmMeta::new("provider")
                    .provides("certificates", "tls-certificates")
                    .action("rotate-ca"),
                provider_charm(shared.clone()),
                1,
            )
            .unwrap();
        model
            .deploy(
                "requirer",
                CharmMeta::new("requirer").requires("certificates", "tls-certificates"),
                requirer_charm(shared.clone(), mode),
                requirer_units,
            )
            .unwrap();
        let relation = model
            .relate("requirer", "certificates", "provider", "certificates")
            .unwrap();
        Self {
            model,
            shared,
            relation,
        }
    }

    fn settle(&mut self) {
        self.model.run_until_quiescent(2_000).unwrap();
    }

    fn advance(&mut self, by: Duration) {
        self.model.advance_clock(by);
        *self.shared.now.lock().unwrap() = self.model.now();
        self.settle();
    }

    fn certificate_secrets(&self, unit: &str) -> Vec<String> {
        self.model
            .secrets()
            .values()
            .filter(|s| {
                s.label
                    .as_deref()
                    .is_some_and(|l| l.starts_with(&format!("{LIBID}-certificate")))
            })
            .filter(|s| match &s.owner {
                juju_sim::SecretOwnerRef::Unit(u) => u == unit,
                juju_sim::SecretOwnerRef::App(a) => unit.starts_with(&format!("{a}/")),
            })
            .map(|s| s.label.clone().unwrap())
            .collect()
    }

    fn provider_certificates(&self) -> String {
        self.model
            .app_data(self.relation, "provider")
            .and_then(|b| b.get("certificates").cloned())
            .unwrap_or_default()
    }

    /// No private key in relation data, logs or events, ever.
    fn assert_no_private_key_leaked(&self) {
        for unit in self.model.units() {
            for line in self.model.logs(&unit) {
                assert!(
                    !line.message.contains("PRIVATE KEY"),
                    "leaked in a log line of {unit}"
                );
            }
            if let Some(bag) = self.model.unit_data(self.relation, &unit) {
                assert!(
                    !format!("{bag:?}").contains("PRIVATE KEY"),
                    "leaked in {unit}'s databag"
                );
            }
        }
        for app in ["provider", "requirer"] {
            if let Some(bag) = self.model.app_data(self.relation, app) {
                assert!(
                    !format!("{bag:?}").contains("PRIVATE KEY"),
                    "leaked in {app}'s databag"
                );
            }
        }
        for (_, e) in self.shared.events.lock().unwrap().iter() {
            assert!(!e.contains("PRIVATE KEY"), "leaked in an event");
        }
    }
}

#[test]
fn given_unit_mode_with_two_units_when_related_then_each_unit_gets_its_certificate_once() {
    let mut sim = Sim::new(Mode::Unit, 2);
    for unit in ["requirer/0", "requirer/1"] {
        assert_eq!(sim.shared.available(unit), 1, "{unit}");
        assert_eq!(sim.certificate_secrets(unit).len(), 1, "{unit}");
        let n = &unit[unit.len() - 1..];
        assert!(
            sim.model
                .owned_secret(unit, &format!("{LIBID}-private-key-{n}-certificates"))
                .is_some()
        );
    }
    // Nothing keeps changing: one more update-status round changes nothing.
    let before = sim.provider_certificates();
    sim.advance(Duration::minutes(5));
    assert_eq!(sim.provider_certificates(), before);
    assert_eq!(sim.shared.available("requirer/0"), 1);
    sim.assert_no_private_key_leaked();
}

#[test]
fn given_app_mode_when_related_then_leader_gets_one_app_certificate() {
    let sim = Sim::new(Mode::App, 2);
    assert_eq!(sim.shared.available("requirer/0"), 1);
    assert_eq!(sim.shared.available("requirer/1"), 0);
    assert!(
        sim.model
            .owned_secret(
                "requirer/0",
                &format!("{LIBID}-private-key-app-certificates")
            )
            .is_some()
    );
    assert!(
        sim.model
            .app_data(sim.relation, "requirer")
            .unwrap()
            .contains_key("certificate_signing_requests")
    );
    sim.assert_no_private_key_leaked();
}

#[test]
fn given_app_and_unit_mode_when_related_then_leader_gets_two_and_others_one() {
    let sim = Sim::new(Mode::AppAndUnit, 2);
    assert_eq!(sim.shared.available("requirer/0"), 2);
    assert_eq!(sim.shared.available("requirer/1"), 1);
    sim.assert_no_private_key_leaked();
}

#[test]
fn given_time_passes_when_the_certificate_secret_expires_then_it_is_renewed_with_the_same_key() {
    let mut sim = Sim::new(Mode::Unit, 1);
    let key_label = format!("{LIBID}-private-key-0-certificates");
    let key_before = sim
        .model
        .owned_secret("requirer/0", &key_label)
        .unwrap()
        .latest;
    let first = sim.provider_certificates();
    // 30-day certificates, r = 0.9: the secret expires after ~27 days.
    sim.advance(Duration::days(28));
    assert_ne!(
        sim.provider_certificates(),
        first,
        "a new certificate was issued"
    );
    assert_eq!(sim.shared.available("requirer/0"), 2);
    assert_eq!(
        sim.certificate_secrets("requirer/0").len(),
        1,
        "the old certificate secret is gone"
    );
    assert_eq!(
        sim.model
            .owned_secret("requirer/0", &key_label)
            .unwrap()
            .latest,
        key_before,
        "same key"
    );
    sim.assert_no_private_key_leaked();
}

#[test]
fn given_provider_rotates_its_ca_when_revoked_then_requirer_gets_reissued_certificate() {
    let mut sim = Sim::new(Mode::Unit, 1);
    let now = sim.model.now();
    *sim.shared.ca.lock().unwrap() = new_ca("second-ca", now);
    sim.model
        .run_action("provider/0", "rotate-ca", serde_json::Map::new())
        .unwrap();
    sim.settle();
    let certificates = sim.provider_certificates();
    assert!(
        !certificates.contains("revoked"),
        "re-issued: {certificates}"
    );
    assert_eq!(sim.shared.available("requirer/0"), 2);
    let view_ok = sim.certificate_secrets("requirer/0").len() == 1;
    assert!(view_ok);
}

#[test]
fn given_relation_removed_when_broken_then_requirer_secrets_are_cleaned_up_and_re_add_works() {
    let mut sim = Sim::new(Mode::Unit, 1);
    sim.model.remove_relation(sim.relation).unwrap();
    sim.settle();
    assert!(sim.certificate_secrets("requirer/0").is_empty());
    assert!(
        sim.model
            .owned_secret("requirer/0", &format!("{LIBID}-private-key-0-certificates"))
            .is_none()
    );
    sim.relation = sim
        .model
        .relate("requirer", "certificates", "provider", "certificates")
        .unwrap();
    sim.settle();
    assert_eq!(sim.certificate_secrets("requirer/0").len(), 1);
}

#[test]
fn given_exchange_done_when_charm_queries_then_assigned_certificate_matches_private_key() {
    let mut sim = Sim::new(Mode::Unit, 1);
    sim.model
        .run_hook("requirer/0", juju_sim::Hook::UpdateStatus)
        .unwrap();
    let queries = sim.shared.queries.lock().unwrap().clone();
    assert!(!queries.is_empty());
    assert!(queries.iter().all(|(_, ok)| *ok), "{queries:?}");
}

#[test]
fn given_app_mode_when_leadership_moves_then_the_new_leader_keeps_the_app_certificate() {
    let mut sim = Sim::new(Mode::App, 2);
    let before = sim.provider_certificates();
    sim.model.set_leader("requirer/1").unwrap();
    sim.settle();
    sim.advance(Duration::minutes(5));
    assert_eq!(
        sim.provider_certificates(),
        before,
        "no re-issue: the app key is app-owned"
    );
}

/// The largest number of tool calls one hook of `unit` makes in a clean exchange.
fn max_calls_per_hook(unit: &str) -> u32 {
    let sim = Sim::new(Mode::Unit, 1);
    sim.model
        .trace()
        .iter()
        .filter(|c| c.unit == unit)
        .map(|c| c.index)
        .max()
        .unwrap_or(0)
}

/// Every single hook-tool failure on the requirer during a full exchange: the hook fails, the
/// simulator discards its writes, the retry converges to the same end state.
#[test]
fn given_any_single_tool_failure_on_the_requirer_when_retried_then_the_exchange_converges() {
    let calls = max_calls_per_hook("requirer/0");
    assert!(
        calls >= 8,
        "a full exchange makes several calls per hook ({calls})"
    );
    for n in 1..=calls {
        let mut sim = Sim::unsettled(Mode::Unit, 1);
        sim.model.inject_fault(juju_sim::Fault::NthCall {
            n,
            unit: Some("requirer/0".into()),
        });
        sim.settle();
        // The failing call fails its hook, except juju-log, which is best effort.
        let injected = sim
            .model
            .trace()
            .iter()
            .find(|c| c.unit == "requirer/0" && c.index == n && c.code != 0);
        let injected = injected.unwrap_or_else(|| panic!("the fault at call {n} was injected"));
        let failed = sim
            .model
            .history()
            .iter()
            .any(|h| !h.outcome.is_committed());
        assert!(
            failed || injected.tool == "juju-log",
            "a failed {} fails the hook",
            injected.tool
        );
        assert!(sim.shared.available("requirer/0") >= 1, "fault at call {n}");
        assert_eq!(
            sim.certificate_secrets("requirer/0").len(),
            1,
            "fault at call {n}: no orphan certificate secret"
        );
        let ours: Vec<_> = sim
            .model
            .secrets()
            .values()
            .filter_map(|s| s.label.clone())
            .filter(|l| l.starts_with(LIBID))
            .collect();
        assert_eq!(
            ours.len(),
            2,
            "fault at call {n}: exactly one key and one certificate secret: {ours:?}"
        );
        let entries: serde_json::Value =
            serde_json::from_str(&sim.provider_certificates()).unwrap();
        assert_eq!(entries.as_array().unwrap().len(), 1, "fault at call {n}");
        sim.assert_no_private_key_leaked();
    }
}

/// The same for the provider leader.
#[test]
fn given_any_single_tool_failure_on_the_provider_when_retried_then_the_exchange_converges() {
    let calls = max_calls_per_hook("provider/0");
    assert!(
        calls >= 4,
        "a full exchange makes several calls per hook ({calls})"
    );
    for n in 1..=calls {
        let mut sim = Sim::unsettled(Mode::Unit, 1);
        sim.model.inject_fault(juju_sim::Fault::NthCall {
            n,
            unit: Some("provider/0".into()),
        });
        sim.settle();
        let injected = sim
            .model
            .trace()
            .iter()
            .find(|c| c.unit == "provider/0" && c.index == n && c.code != 0);
        let injected = injected.unwrap_or_else(|| panic!("the fault at call {n} was injected"));
        let failed = sim
            .model
            .history()
            .iter()
            .any(|h| !h.outcome.is_committed());
        assert!(
            failed || injected.tool == "juju-log",
            "a failed {} fails the hook",
            injected.tool
        );
        assert!(sim.shared.available("requirer/0") >= 1, "fault at call {n}");
        let entries: serde_json::Value =
            serde_json::from_str(&sim.provider_certificates()).unwrap();
        assert_eq!(entries.as_array().unwrap().len(), 1, "fault at call {n}");
    }
}

/// A tiny deterministic generator (no dependency): PCG-style LCG.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Random interleavings (seeded): hooks run one at a time while the clock jumps, units come
/// and go and leadership moves; once everything settles, every unit holds exactly one valid
/// certificate and the provider publishes exactly one per unit.
#[test]
fn given_seeded_random_interleavings_when_settled_then_every_unit_converges() {
    for seed in 0..12 {
        let mut rng = Lcg(seed);
        let mut sim = Sim::unsettled(Mode::Unit, 2);
        for _ in 0..60 {
            match rng.below(10) {
                0 => {
                    let days = i64::try_from(rng.below(20)).unwrap();
                    sim.model.advance_clock(Duration::days(days));
                    *sim.shared.now.lock().unwrap() = sim.model.now();
                }
                1 if sim
                    .model
                    .units()
                    .iter()
                    .filter(|u| u.starts_with("requirer/"))
                    .count()
                    < 4 =>
                {
                    sim.model.add_unit("requirer").unwrap();
                }
                2 => {
                    let units: Vec<_> = sim
                        .model
                        .units()
                        .into_iter()
                        .filter(|u| u.starts_with("requirer/"))
                        .collect();
                    if units.len() > 1 {
                        let i = usize::try_from(rng.below(units.len() as u64)).unwrap();
                        sim.model.set_leader(&units[i]).unwrap();
                    }
                }
                _ => {
                    sim.model.step().unwrap();
                }
            }
        }
        sim.settle();
        let units: Vec<_> = sim
            .model
            .units()
            .into_iter()
            .filter(|u| u.starts_with("requirer/"))
            .collect();
        for unit in &units {
            assert_eq!(
                sim.certificate_secrets(unit).len(),
                1,
                "seed {seed}: {unit}"
            );
            assert!(sim.shared.available(unit) >= 1, "seed {seed}: {unit}");
        }
        let entries: serde_json::Value =
            serde_json::from_str(&sim.provider_certificates()).unwrap();
        assert_eq!(
            entries.as_array().unwrap().len(),
            units.len(),
            "seed {seed}"
        );
        sim.assert_no_private_key_leaked();
    }
}
