//! The invariants: the ones that hold at every moment, and the ones of a fault-free settle.

use std::collections::{BTreeMap, BTreeSet};

use juju_hook_tools::Context;
use juju_sim::{Databag, SecretOwnerRef};
use serde_json::{Map, Value};
use tls_certificates::crypto::{Certificate, CryptoBackend};
use tls_certificates::engine::{
    CSR_CONTENT_KEY, LIBID, PRIVATE_KEY_CONTENT_KEY, is_certificate_label,
};
use tls_certificates::requirer::Scope;

use crate::harness::{Harness, PROVIDER, REQUIRER, owner_name, sim_error};
use crate::violation::Violation;

/// Live revisions a secret may keep: the latest, one still tracked by a consumer, one being
/// pruned.
pub const MAX_REVISIONS: usize = 3;

const PRIVATE_KEY_MARKER: &str = "PRIVATE KEY";

/// A fingerprint of a PEM private key: 40 characters from the middle of its base64 body.
fn fingerprint(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    body.get(8..48).map(str::to_owned)
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::App => "app",
        Scope::Unit => "unit",
    }
}

/// What the requirer's configuration asks of one unit.
struct Expected {
    unit: String,
    leader: bool,
    requests: Vec<(
        Scope,
        tls_certificates::crypto::CertificateRequestAttributes,
    )>,
}

/// The state the idempotence check compares.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    secrets: BTreeMap<String, (u32, usize)>,
    bags: BTreeMap<String, Databag>,
}

fn csr_list(bag: Option<&Databag>, key: &str) -> Vec<Value> {
    bag.and_then(|b| b.get(key))
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default()
}

fn field<'v>(entry: &'v Value, key: &str) -> &'v str {
    entry.get(key).and_then(Value::as_str).unwrap_or("").trim()
}

impl Harness {
    fn fingerprints(&self) -> BTreeSet<String> {
        self.model
            .secrets()
            .values()
            .flat_map(|s| s.revisions.values())
            .filter_map(|r| r.content.get(PRIVATE_KEY_CONTENT_KEY))
            .filter_map(|pem| fingerprint(pem))
            .collect()
    }

    pub(crate) fn scan_text(&self, place: &str, text: &str) -> Result<(), Violation> {
        if text.contains(PRIVATE_KEY_MARKER)
            || self
                .fingerprints()
                .iter()
                .any(|f| text.contains(f.as_str()))
        {
            return Err(Violation::KeyMaterialLeaked {
                place: place.to_owned(),
            });
        }
        Ok(())
    }

    pub(crate) fn scan_results(
        &self,
        place: &str,
        results: &BTreeMap<String, String>,
    ) -> Result<(), Violation> {
        let prints = self.fingerprints();
        for (key, value) in results {
            if value.contains(PRIVATE_KEY_MARKER)
                || prints.iter().any(|f| value.contains(f.as_str()))
            {
                return Err(Violation::KeyMaterialLeaked {
                    place: format!("{place} ({key})"),
                });
            }
        }
        Ok(())
    }

    /// The invariants of every moment: no private key material in a databag, log line or status
    /// message; no private key changed unasked.
    ///
    /// # Errors
    /// The first that does not hold.
    pub fn check_always(&mut self) -> Result<(), Violation> {
        self.stats.count("no-key-leak");
        self.check_no_leak()?;
        self.stats.count("key-stable");
        self.check_keys()
    }

    fn check_no_leak(&mut self) -> Result<(), Violation> {
        let prints = self.fingerprints();
        let leaks = |text: &str| {
            text.contains(PRIVATE_KEY_MARKER) || prints.iter().any(|f| text.contains(f.as_str()))
        };
        let units = self.model.units();
        for relation in self.model.relation_ids(None) {
            for owner in units.iter().map(String::as_str).chain([PROVIDER, REQUIRER]) {
                let bag = if owner.contains('/') {
                    self.model.unit_data(relation, owner)
                } else {
                    self.model.app_data(relation, owner)
                };
                if let Some((key, _)) = bag.into_iter().flatten().find(|(_, v)| leaks(v)) {
                    return Err(Violation::KeyMaterialLeaked {
                        place: format!("the databag of {owner} in relation {relation} ({key})"),
                    });
                }
            }
        }
        for unit in &units {
            if let Some(status) = self.model.unit_status(unit)
                && leaks(&status.message)
            {
                return Err(Violation::KeyMaterialLeaked {
                    place: format!("the status of {unit}"),
                });
            }
            let logs = self.model.logs(unit);
            let from = self
                .logs_scanned
                .get(unit)
                .copied()
                .unwrap_or(0)
                .min(logs.len());
            if let Some(line) = logs
                .get(from..)
                .unwrap_or_default()
                .iter()
                .find(|l| leaks(&l.message))
            {
                return Err(Violation::KeyMaterialLeaked {
                    place: format!("a log line of {unit} ({})", line.hook),
                });
            }
            self.logs_scanned.insert(unit.clone(), logs.len());
        }
        for app in [PROVIDER, REQUIRER] {
            if let Some(status) = self.model.app_status(app)
                && leaks(&status.message)
            {
                return Err(Violation::KeyMaterialLeaked {
                    place: format!("the application status of {app}"),
                });
            }
        }
        Ok(())
    }

    /// The requirer's private key secrets: (owner, label) -> key PEM (latest revision).
    fn requirer_keys(&self) -> BTreeMap<(String, String), String> {
        let prefix = format!("{LIBID}-private-key");
        self.model
            .secrets()
            .values()
            .filter(|s| s.label.as_deref().is_some_and(|l| l.starts_with(&prefix)))
            .filter_map(|s| {
                let pem = s
                    .revisions
                    .get(&s.latest)?
                    .content
                    .get(PRIVATE_KEY_CONTENT_KEY)?;
                Some(((owner_name(&s.owner), s.label.clone()?), pem.clone()))
            })
            .collect()
    }

    fn check_keys(&mut self) -> Result<(), Violation> {
        let now = self.requirer_keys();
        for ((owner, label), pem) in &now {
            let Some(before) = self.keys.get(&(owner.clone(), label.clone())) else {
                continue;
            };
            if before == pem {
                continue;
            }
            let backend: &dyn CryptoBackend = self.backend.as_ref();
            let old_type = backend.load_private_key(before).map(|k| k.key_type()).ok();
            let new_type = backend.load_private_key(pem).map(|k| k.key_type()).ok();
            // A new key algorithm (config) asks for a new key; so does the regenerate action.
            let algorithm_changed = old_type != new_type;
            if !algorithm_changed && !self.key_change_allowed.remove(owner) {
                return Err(Violation::KeyChangedUnasked {
                    owner: owner.clone(),
                    label: label.clone(),
                });
            }
        }
        self.keys = now;
        Ok(())
    }

    fn ca_certificates(&self) -> Result<(Option<Certificate>, Option<Certificate>), Violation> {
        let backend: &dyn CryptoBackend = self.backend.as_ref();
        let read = |label: &str| -> Result<Option<Certificate>, Violation> {
            let Some(secret) = self.model.secrets().values().find(|s| {
                s.owner == SecretOwnerRef::App(PROVIDER.to_owned())
                    && s.label.as_deref() == Some(label)
            }) else {
                return Ok(None);
            };
            let Some(pem) = secret
                .revisions
                .get(&secret.latest)
                .and_then(|r| r.content.get("ca-certificate"))
            else {
                return Ok(None);
            };
            backend
                .parse_certificate(pem)
                .map(Some)
                .map_err(|e| sim_error(&format!("the provider's {label} secret: {e}")))
        };
        Ok((
            read(self_signed_certificates::ACTIVE_CA_LABEL)?,
            read(self_signed_certificates::EXPIRING_CA_LABEL)?,
        ))
    }

    /// Whether the requirer's config is valid for `unit` (else the charm is blocked and
    /// reconciles nothing).
    fn requirer_config_valid(&self, unit: &str) -> bool {
        let config: Map<String, Value> = self
            .model
            .config(REQUIRER)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let env = BTreeMap::from([
            (
                "JUJU_DISPATCH_PATH".to_owned(),
                "hooks/update-status".to_owned(),
            ),
            ("JUJU_UNIT_NAME".to_owned(), unit.to_owned()),
        ]);
        Context::from_map(&env)
            .is_ok_and(|ctx| tls_certificates_requirer::Settings::parse(&config, &ctx).is_ok())
    }

    /// What the configuration asks for, if certificates are expected at all: related, the
    /// provider's config valid, the requirer's config valid, within the provider's limit and
    /// policy.
    fn expectations(&self) -> Option<Vec<Expected>> {
        self.relation()?;
        let as_map = |app: &str| -> Map<String, Value> {
            self.model
                .config(app)
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        let provider_config = as_map(PROVIDER);
        self_signed_certificates::Settings::parse(&provider_config).ok()?;
        let limit = provider_config
            .get("certificate-limit")
            .and_then(Value::as_i64)
            .unwrap_or(99);
        let allow_ca = provider_config
            .get("allow-ca-requests")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let requirer_config = as_map(REQUIRER);
        let leader = self.model.leader(REQUIRER);
        let mut expected = Vec::new();
        for unit in self.live_units(REQUIRER) {
            let env = BTreeMap::from([
                (
                    "JUJU_DISPATCH_PATH".to_owned(),
                    "hooks/update-status".to_owned(),
                ),
                ("JUJU_UNIT_NAME".to_owned(), unit.clone()),
            ]);
            let ctx = Context::from_map(&env).ok()?;
            let settings =
                tls_certificates_requirer::Settings::parse(&requirer_config, &ctx).ok()?;
            let is_leader = leader == Some(unit.as_str());
            let requests: Vec<_> = settings
                .requests()
                .into_iter()
                .filter(|(scope, _)| *scope == Scope::Unit || is_leader)
                .collect();
            expected.push(Expected {
                unit,
                leader: is_leader,
                requests,
            });
        }
        let total: usize = expected.iter().map(|e| e.requests.len()).sum();
        let over_limit = usize::try_from(limit).is_ok_and(|limit| total > limit);
        let refused_ca = !allow_ca
            && expected
                .iter()
                .flat_map(|e| &e.requests)
                .any(|(_, a)| a.is_ca());
        (!over_limit && !refused_ca).then_some(expected)
    }

    /// The invariants of a fault-free settle: every request answered by exactly one certificate
    /// of the provider's current CA, matching its key, valid now, with the configured
    /// attributes, written to its file; no orphan secret; repeated hooks change nothing.
    ///
    /// # Errors
    /// The first that does not hold.
    pub fn check_final(&mut self) -> Result<(), Violation> {
        self.check_always()?;
        self.stats.count("converged");
        self.check_converged()?;
        self.stats.count("no-orphan-secret");
        self.check_orphans()?;
        self.stats.count("bounded-growth");
        self.check_idempotent()
    }

    /// Every requirer unit's certificates, as its `get-certificate` action reports them.
    fn held(&mut self, unit: &str) -> Result<BTreeMap<String, String>, Violation> {
        let outcome = self
            .model
            .run_action(unit, "get-certificate", Map::new())
            .map_err(|e| sim_error(&e))?;
        self.scan_results(
            &format!("the result of get-certificate on {unit}"),
            &outcome.results,
        )?;
        Ok(outcome.results)
    }

    /// The converged-state invariant alone (public for the tests that break it on purpose).
    ///
    /// # Errors
    /// The first difference found.
    pub fn check_converged(&mut self) -> Result<(), Violation> {
        let shared = std::sync::Arc::clone(&self.backend);
        let backend: &dyn CryptoBackend = shared.as_ref();
        let now = self.model.now();
        let (active, expiring) = self.ca_certificates()?;
        let current: Vec<Certificate> = active.iter().chain(expiring.iter()).cloned().collect();
        let issued_by_current = |c: &Certificate| {
            current
                .iter()
                .any(|ca| backend.verify_issued_by(c, ca).is_ok())
        };
        let expectations = self.expectations();
        let Some(expected) = expectations else {
            // Nothing is expected; what is held must still come from a current CA, if the
            // provider has one, can act (a provider blocked on invalid configuration changes
            // nothing, revocations included, as the Python operator) and the relation is there.
            if self.relation().is_some() && !current.is_empty() && self.provider_config_valid() {
                for unit in self.live_units(REQUIRER) {
                    for (key, pem) in self.held(&unit)? {
                        let Some(scope) = key.strip_suffix(".certificate") else {
                            continue;
                        };
                        let cert = backend.parse_certificate(&pem).map_err(|e| sim_error(&e))?;
                        if !issued_by_current(&cert) {
                            return Err(Violation::NotIssuedByCurrentCa {
                                unit,
                                scope: scope.to_owned(),
                            });
                        }
                    }
                }
            }
            return Ok(());
        };
        if self.provider_refused_to_overwrite() {
            self.stats.unreadable_own_value += 1;
            return Ok(());
        }
        self.stats.converged_checks += 1;
        if active.is_none() {
            return Err(Violation::NoActiveCa);
        }
        let Some(relation) = self.relation() else {
            return Ok(());
        };
        let published = csr_list(self.model.app_data(relation, PROVIDER), "certificates");
        // What the workloads use: the files, read before any action hook rewrites them.
        let files: BTreeMap<(String, &'static str), String> = expected
            .iter()
            .flat_map(|e| {
                e.requests
                    .iter()
                    .map(move |(scope, _)| (e.unit.clone(), scope_name(*scope)))
            })
            .map(|(unit, s)| {
                let file = self
                    .requirer_dir()
                    .join("data")
                    .join(unit.replace('/', "-"))
                    .join(format!("{s}-certificate.pem"));
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                ((unit, s), text.trim().to_owned())
            })
            .collect();
        let mut requests_total = 0_usize;
        for e in &expected {
            let held = self.held(&e.unit)?;
            // The requests a provider could answer: entries that hold a CSR (hostile entries
            // written into a databag no scope of the mode writes stay, and ask for nothing).
            let requests = |bag| {
                csr_list(bag, "certificate_signing_requests")
                    .into_iter()
                    .filter(|r| {
                        backend
                            .parse_csr(field(r, "certificate_signing_request"))
                            .is_ok()
                    })
                    .collect::<Vec<_>>()
            };
            let unit_bag = requests(self.model.unit_data(relation, &e.unit));
            let app_bag = requests(self.model.app_data(relation, REQUIRER));
            let wants_unit = e.requests.iter().any(|(s, _)| *s == Scope::Unit);
            let wants_app = e.requests.iter().any(|(s, _)| *s == Scope::App);
            // A unit scope the mode no longer includes has withdrawn its requests.
            if unit_bag.len() != usize::from(wants_unit) {
                return Err(Violation::RequestCount {
                    detail: format!("{} requests {} unit certificates", e.unit, unit_bag.len()),
                });
            }
            // Nor has an app scope (on the leader).
            if e.leader && app_bag.len() != usize::from(wants_app) {
                return Err(Violation::RequestCount {
                    detail: format!("{REQUIRER} requests {} app certificates", app_bag.len()),
                });
            }
            for (scope, attributes) in &e.requests {
                requests_total += 1;
                let s = scope_name(*scope);
                let unit = e.unit.clone();
                let scope_s = s.to_owned();
                // The certificate in use: its file. Every check below is on it; the charm's
                // own report (`get-certificate`) must name the same certificate.
                let pem = files.get(&(unit.clone(), s)).cloned().unwrap_or_default();
                if pem.is_empty() {
                    return Err(Violation::MissingCertificate {
                        unit,
                        scope: scope_s,
                    });
                }
                let pem = &pem;
                let Ok(cert) = backend.parse_certificate(pem) else {
                    return Err(Violation::FileMismatch {
                        unit,
                        scope: scope_s,
                    });
                };
                if !issued_by_current(&cert) {
                    return Err(Violation::NotIssuedByCurrentCa {
                        unit,
                        scope: scope_s,
                    });
                }
                if !(cert.not_before() <= now && now < cert.not_after()) {
                    return Err(Violation::NotValidAtNow {
                        unit,
                        scope: scope_s,
                        now: now.to_string(),
                    });
                }
                let (key_owner, key_label) = match scope {
                    Scope::Unit => {
                        let n = unit.rsplit_once('/').map_or("", |(_, n)| n);
                        (
                            unit.clone(),
                            format!("{LIBID}-private-key-{n}-certificates"),
                        )
                    }
                    Scope::App => (
                        format!("app {REQUIRER}"),
                        format!("{LIBID}-private-key-app-certificates"),
                    ),
                };
                let key = self
                    .keys
                    .get(&(key_owner, key_label))
                    .and_then(|pem| backend.load_private_key(pem).ok());
                if !key.is_some_and(|k| cert.matches_key(&k)) {
                    return Err(Violation::KeyMismatch {
                        unit,
                        scope: scope_s,
                    });
                }
                let mut differences = Vec::new();
                if cert.common_name() != attributes.common_name() {
                    differences.push(format!(
                        "common name {:?}, configured {:?}",
                        cert.common_name(),
                        attributes.common_name()
                    ));
                }
                let dns: BTreeSet<String> = cert.sans_dns().iter().cloned().collect();
                if &dns != attributes.sans_dns() {
                    differences.push(format!(
                        "DNS SANs {dns:?}, configured {:?}",
                        attributes.sans_dns()
                    ));
                }
                let ips: BTreeSet<_> = cert.sans_ip().iter().copied().collect();
                if &ips != attributes.sans_ip() {
                    differences.push(format!(
                        "IP SANs {ips:?}, configured {:?}",
                        attributes.sans_ip()
                    ));
                }
                if cert.subject().value("2.5.4.10") != attributes.organization() {
                    differences.push(format!(
                        "organization {:?}, configured {:?}",
                        cert.subject().value("2.5.4.10"),
                        attributes.organization()
                    ));
                }
                if cert.is_ca() != attributes.is_ca() {
                    differences.push(format!(
                        "is-ca {}, configured {}",
                        cert.is_ca(),
                        attributes.is_ca()
                    ));
                }
                if !differences.is_empty() {
                    return Err(Violation::AttributesMismatch {
                        unit,
                        scope: scope_s,
                        detail: differences.join("; "),
                    });
                }
                let request = match scope {
                    Scope::Unit => unit_bag.first(),
                    Scope::App => app_bag.first(),
                };
                let csr = request.map_or("", |r| field(r, "certificate_signing_request"));
                let answers: Vec<&Value> = published
                    .iter()
                    .filter(|p| field(p, "certificate_signing_request") == csr)
                    .collect();
                if answers.len() != 1
                    || answers
                        .first()
                        .is_some_and(|a| field(a, "certificate") != pem.trim())
                {
                    return Err(Violation::RequestCount {
                        detail: format!(
                            "the provider publishes {} certificates for the {s} request of {unit} (the held one among them: {})",
                            answers.len(),
                            answers
                                .iter()
                                .any(|a| field(a, "certificate") == pem.trim())
                        ),
                    });
                }
                let reported = held
                    .get(&format!("{s}.certificate"))
                    .map_or("", |c| c.trim());
                if reported != pem.trim() {
                    return Err(Violation::FileMismatch {
                        unit,
                        scope: scope_s,
                    });
                }
            }
        }
        if published.len() != requests_total {
            return Err(Violation::RequestCount {
                detail: format!(
                    "the provider publishes {} certificates for {requests_total} requests",
                    published.len()
                ),
            });
        }
        Ok(())
    }

    /// Whether a provider unit logged, since the fault-free settle began, that it does not
    /// overwrite a value of its own databag it cannot read (the engine's documented choice:
    /// nothing it cannot read is lost; the price is that hostile content written into the
    /// provider's own databag stays until an operator or a newer charm repairs it).
    /// Whether the provider's configuration is valid (it issues, renews and revokes).
    fn provider_config_valid(&self) -> bool {
        let config: Map<String, Value> = self
            .model
            .config(PROVIDER)
            .unwrap_or_default()
            .into_iter()
            .collect();
        self_signed_certificates::Settings::parse(&config).is_ok()
    }

    fn provider_refused_to_overwrite(&self) -> bool {
        self.live_units(PROVIDER).iter().any(|unit| {
            let from = self.logs_at_final.get(unit).copied().unwrap_or(0);
            self.model
                .logs(unit)
                .get(from..)
                .unwrap_or_default()
                .iter()
                .any(|l| l.message.starts_with("not overwriting"))
        })
    }

    /// The no-orphan-secret invariant alone.
    ///
    /// # Errors
    /// The first orphan, or a secret with more than [`MAX_REVISIONS`] revisions.
    pub fn check_orphans(&mut self) -> Result<(), Violation> {
        self.find_orphan()
    }

    fn find_orphan(&self) -> Result<(), Violation> {
        let relation = self.relation();
        let provider_labels = [
            self_signed_certificates::ACTIVE_CA_LABEL,
            self_signed_certificates::EXPIRING_CA_LABEL,
        ];
        for secret in self.model.secrets().values() {
            let owner = owner_name(&secret.owner);
            let label = secret.label.clone().unwrap_or_else(|| "(none)".to_owned());
            let orphan = || Violation::OrphanSecret {
                owner: owner.clone(),
                label: label.clone(),
            };
            let app = match &secret.owner {
                SecretOwnerRef::App(a) => a.as_str(),
                SecretOwnerRef::Unit(u) => u.rsplit_once('/').map_or(u.as_str(), |(a, _)| a),
            };
            if secret.revisions.len() > MAX_REVISIONS {
                return Err(Violation::SecretRevisionsGrow {
                    owner: owner.clone(),
                    label: label.clone(),
                    revisions: secret.revisions.len(),
                });
            }
            if app == PROVIDER {
                if !provider_labels.contains(&label.as_str()) {
                    return Err(orphan());
                }
                continue;
            }
            if label.starts_with(&format!("{LIBID}-private-key")) {
                continue;
            }
            // A requirer blocked on invalid config reconciles nothing (not even on
            // `-relation-broken`): its secrets are judged once it can.
            let judged_unit = match &secret.owner {
                SecretOwnerRef::Unit(u) => Some(u.clone()),
                SecretOwnerRef::App(_) => self.model.leader(REQUIRER).map(str::to_owned),
            };
            if !judged_unit.is_some_and(|u| self.requirer_config_valid(&u)) {
                continue;
            }
            if !is_certificate_label(&label) {
                return Err(orphan());
            }
            // A certificate secret: its CSR must be one the owner requests now.
            let Some(relation) = relation else {
                // `-relation-broken` cleans every scope the unit may clean.
                return Err(orphan());
            };
            let bag = match &secret.owner {
                SecretOwnerRef::App(a) => self.model.app_data(relation, a),
                SecretOwnerRef::Unit(u) => self.model.unit_data(relation, u),
            };
            let csr = secret
                .revisions
                .get(&secret.latest)
                .and_then(|r| r.content.get(CSR_CONTENT_KEY))
                .map_or("", |c| c.trim());
            let requested = csr_list(bag, "certificate_signing_requests")
                .iter()
                .any(|r| field(r, "certificate_signing_request") == csr);
            if !requested {
                return Err(orphan());
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> Snapshot {
        let secrets = self
            .model
            .secrets()
            .iter()
            .map(|(xid, s)| (xid.clone(), (s.latest, s.revisions.len())))
            .collect();
        let mut bags = BTreeMap::new();
        for relation in self.model.relation_ids(None) {
            for unit in self.model.units() {
                if let Some(bag) = self.model.unit_data(relation, &unit) {
                    bags.insert(format!("{relation}/{unit}"), bag.clone());
                }
            }
            for app in [PROVIDER, REQUIRER] {
                if let Some(bag) = self.model.app_data(relation, app) {
                    bags.insert(format!("{relation}/{app}"), bag.clone());
                }
            }
        }
        Snapshot { secrets, bags }
    }

    /// Repeated identical hooks (`update-status` twice, settled) change no databag and make no
    /// secret revision.
    ///
    /// # Errors
    /// [`Violation::NotIdempotent`] naming what changed; [`Violation::NeverSettles`].
    pub fn check_idempotent(&mut self) -> Result<(), Violation> {
        let before = self.snapshot();
        for _ in 0..2 {
            self.model.update_status();
            self.settle_strict()?;
        }
        let after = self.snapshot();
        compare(&before, &after)
    }
}

fn compare(before: &Snapshot, after: &Snapshot) -> Result<(), Violation> {
    if before == after {
        return Ok(());
    }
    let mut changed: Vec<String> = Vec::new();
    for (xid, revs) in &after.secrets {
        if before.secrets.get(xid) != Some(revs) {
            changed.push(format!(
                "secret {xid} {:?} -> {revs:?}",
                before.secrets.get(xid)
            ));
        }
    }
    for xid in before
        .secrets
        .keys()
        .filter(|x| !after.secrets.contains_key(*x))
    {
        changed.push(format!("secret {xid} removed"));
    }
    for (name, bag) in &after.bags {
        if before.bags.get(name) != Some(bag) {
            changed.push(format!("databag {name}"));
        }
    }
    Err(Violation::NotIdempotent {
        detail: changed.join(", "),
    })
}
