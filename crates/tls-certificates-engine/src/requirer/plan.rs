//! [`Requirer::plan`]: one hook, as the named steps of the module docs' call order, over a
//! per-hook [`Pass`].

use std::collections::HashSet;

use time::{Duration, OffsetDateTime};
use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, CryptoBackend, PrivateKey,
};
use tls_certificates_schema::v1::{self, CertificateSigningRequest};

use super::config::{RenewalRelativeTime, Scope};
use super::pass::{Pass, Secrets};
use super::provider_data::ProviderData;
use super::verify::{Checked, Timeliness, parse_own_csr, timeliness};
use super::{
    OwnCsr, Requirer, RequirerEvent, RequirerObservation, RequirerPlan, RequirerRelation,
    RequirerTrigger, subject_of,
};
use crate::Error;
use crate::common::{DatabagWrite, SecretAction, log, pem_join_key};
use crate::labels::{self, CERTIFICATE_CONTENT_KEY, CSR_CONTENT_KEY};
use crate::wire;
use juju_types::{LogLevel, RelationId, SecretContent, UnitName};

/// Our CSRs on one relation that step 2 keeps, and the requests they answer.
struct Kept {
    csrs: Vec<OwnCsr>,
    requested: HashSet<CertificateRequestAttributes>,
}

impl Requirer {
    /// Handles one hook. See the [module docs](super) for the call order.
    ///
    /// For each active scope: (1) ensure the private key; then on each relation (2) keep our
    /// CSRs that still match a request and the key, (3) send the missing ones, (4) store the
    /// certificates the provider sent for them, (5) report its denials; and (6) prune the
    /// certificate secrets of CSRs we no longer send.
    ///
    /// # Errors
    /// Only configuration errors ([`Error::KeySuppliedByCharm`]) and crypto backend failures.
    /// Malformed relation data and bad certificates become log lines and events.
    pub fn plan(
        &self,
        obs: &RequirerObservation,
        trigger: &RequirerTrigger,
        now: OffsetDateTime,
        backend: &dyn CryptoBackend,
    ) -> Result<RequirerPlan, Error> {
        let mut pass = Pass::new(obs, now, backend);
        match trigger {
            RequirerTrigger::SecretRemoved { id, revision } => {
                pass.secrets.push(SecretAction::Remove {
                    id: id.clone(),
                    revision: Some(*revision),
                });
                return Ok(pass.finish());
            }
            RequirerTrigger::RelationBroken { relation_id } => {
                self.relation_broken(relation_id, &mut pass);
                return Ok(pass.finish());
            }
            _ => {}
        }
        if obs.relations.is_empty() {
            log(
                &mut pass.plan.logs,
                LogLevel::Debug,
                format!("no relation on {}: nothing to do", self.config.endpoint),
            );
            // With no relation no certificate is in use: what a broken relation left (its
            // `-broken` ran before this unit led, say) goes.
            for &scope in writable_scopes(obs.is_leader) {
                self.prune_certificate_secrets(scope, &HashSet::new(), &mut pass);
            }
            return Ok(pass.finish());
        }
        let renew = Self::renewal_requests(trigger, &pass.secrets);
        for scope in self.active_scopes(obs.is_leader) {
            let key = self.ensure_key(scope, trigger, &mut pass)?;
            // CSR join keys sent, over every relation (labels do not carry the relation).
            let mut sent: HashSet<String> = HashSet::new();
            for relation in &obs.relations {
                let databag = match scope {
                    Scope::Unit => &relation.local_unit,
                    Scope::App => &relation.local_app,
                };
                let raw = databag.get(v1::RequirerData::KEY);
                let own = raw.map(|raw| wire::decode_csrs(raw));
                // Only the provider's entries for our CSRs are kept (the others are checked
                // and dropped).
                let wanted: HashSet<String> = own
                    .iter()
                    .flat_map(|(entries, _)| entries)
                    .map(|e| pem_join_key(e.certificate_signing_request.as_str()))
                    .collect();
                let provider = ProviderData::decode(relation, &wanted, &mut pass.plan.logs);
                let kept =
                    self.keep_own_csrs(scope, relation, own, &provider, &key, &renew, &mut pass);
                let entries = self.send_missing_csrs(
                    scope,
                    relation,
                    raw.map(String::as_str),
                    &kept,
                    &key,
                    &mut pass,
                )?;
                sent.extend(
                    entries
                        .iter()
                        .map(|e| pem_join_key(e.certificate_signing_request.as_str())),
                );
                self.store_certificates(scope, relation, &kept.csrs, &provider, &key, &mut pass)?;
                report_denials(scope, relation, &entries, &provider, &mut pass);
            }
            self.prune_certificate_secrets(scope, &sent, &mut pass);
        }
        for scope in self.dropped_scopes(obs.is_leader) {
            self.withdraw_scope(scope, &mut pass);
        }
        Ok(pass.finish())
    }

    /// The scopes this unit may write that the configuration no longer requests (the charm
    /// changed mode): what they left behind is withdrawn.
    fn dropped_scopes(&self, is_leader: bool) -> Vec<Scope> {
        writable_scopes(is_leader)
            .iter()
            .copied()
            .filter(|s| !self.config.scopes().contains(s))
            .collect()
    }

    /// Withdraws a dropped scope as far as the observation shows it: its CSRs leave every
    /// relation's databag (so that the provider stops answering them and they no longer count
    /// against its limit) and its certificate secrets go. Its private key stays, for a switch
    /// back.
    fn withdraw_scope(&self, scope: Scope, pass: &mut Pass<'_>) {
        let obs = pass.obs;
        for relation in &obs.relations {
            let databag = match scope {
                Scope::Unit => &relation.local_unit,
                Scope::App => &relation.local_app,
            };
            if databag.contains_key(v1::RequirerData::KEY) {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Info,
                    format!(
                        "the {scope} scope is no longer requested: withdrawing its requests on relation {}",
                        relation.id
                    ),
                );
                pass.plan.databag_writes.push(DatabagWrite {
                    relation_id: relation.id.clone(),
                    target: scope.databag(),
                    key: v1::RequirerData::KEY.to_owned(),
                    value: None,
                });
            }
        }
        self.prune_certificate_secrets(scope, &HashSet::new(), pass);
    }

    /// The CSR join keys a trigger asks to renew.
    fn renewal_requests(trigger: &RequirerTrigger, secrets: &Secrets<'_>) -> HashSet<String> {
        let mut out = HashSet::new();
        match trigger {
            RequirerTrigger::SecretExpired { id, label } => {
                let secret = secrets
                    .by_id
                    .get(id)
                    .copied()
                    .or_else(|| label.as_deref().and_then(|l| secrets.get(l)));
                if let Some(csr) = secret
                    .filter(|s| labels::is_certificate_label(&s.label))
                    .and_then(|s| s.content.get(CSR_CONTENT_KEY))
                {
                    out.insert(pem_join_key(csr));
                }
            }
            RequirerTrigger::Renew { csr } => {
                out.insert(pem_join_key(csr));
            }
            _ => {}
        }
        out
    }

    /// Step 2: keep our CSRs on `relation` that still match a request and the key, and are not
    /// to be renewed (asked for, or past the safety net).
    fn keep_own_csrs(
        &self,
        scope: Scope,
        relation: &RequirerRelation,
        own: Option<(Vec<CertificateSigningRequest>, Vec<String>)>,
        provider: &ProviderData,
        key: &PrivateKey,
        renew: &HashSet<String>,
        pass: &mut Pass<'_>,
    ) -> Kept {
        let requests = self.config.scope_requests(scope);
        let r = self.config.renewal;
        let (now, backend) = (pass.now, pass.backend);
        let mut kept: Vec<OwnCsr> = Vec::new();
        let mut requested: HashSet<CertificateRequestAttributes> = HashSet::new();
        if let Some((entries, bad)) = own {
            for problem in bad {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Warning,
                    format!(
                        "dropping a malformed entry of our own databag on relation {}: {problem}",
                        relation.id
                    ),
                );
            }
            for entry in entries {
                let pem = entry.certificate_signing_request.as_str();
                let Ok(csr) = parse_own_csr(backend, pem, key) else {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Warning,
                        format!(
                            "dropping an unparseable CSR from our databag on relation {}",
                            relation.id
                        ),
                    );
                    continue;
                };
                let attributes = csr.attributes().clone().with_is_ca(entry.is_ca());
                let join = pem_join_key(entry.certificate_signing_request.as_str());
                if !requests.contains(&attributes) {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        format!(
                            "removing a CSR no longer requested (common name {})",
                            subject_of(&attributes)
                        ),
                    );
                    continue;
                }
                if !csr.matches_key(key) {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        format!(
                            "removing a CSR made for another private key (common name {})",
                            subject_of(&attributes)
                        ),
                    );
                    continue;
                }
                if requested.contains(&attributes) {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        "removing a duplicate CSR",
                    );
                    continue;
                }
                if renew.contains(&join) {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        format!("renewing the certificate of {}", subject_of(&attributes)),
                    );
                    continue;
                }
                if let Some(certificate) = provider
                    .certificates
                    .get(&join)
                    .filter(|e| e.revoked != Some(true))
                    .and_then(|e| backend.parse_certificate(e.certificate.as_str()).ok())
                    .filter(|c| c.matches_key(key))
                    && safety_net_time(&certificate, r) <= now
                {
                    // Also when it has expired (one sent expired is never stored, so no
                    // secret-expired would ever renew it).
                    let state = if now < certificate.not_after() {
                        "is close to expiry"
                    } else {
                        "has expired"
                    };
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        format!(
                            "certificate for {} {state}: renewing (safety net)",
                            subject_of(&attributes)
                        ),
                    );
                    continue;
                }
                requested.insert(attributes);
                kept.push(OwnCsr { entry, csr, join });
            }
        }
        Kept {
            csrs: kept,
            requested,
        }
    }

    /// Step 3: send missing CSRs: our entries for `relation` are the kept ones plus a new CSR
    /// for each request without one, written when they differ from what is on the wire.
    fn send_missing_csrs(
        &self,
        scope: Scope,
        relation: &RequirerRelation,
        raw: Option<&str>,
        kept: &Kept,
        key: &PrivateKey,
        pass: &mut Pass<'_>,
    ) -> Result<Vec<CertificateSigningRequest>, Error> {
        let requests = self.config.scope_requests(scope);
        let backend = pass.backend;
        let mut entries: Vec<CertificateSigningRequest> =
            kept.csrs.iter().map(|k| k.entry.clone()).collect();
        for attributes in requests {
            if kept.requested.contains(attributes) {
                continue;
            }
            let csr = backend
                .create_csr(key, attributes)
                .map_err(Error::crypto("creating a CSR"))?;
            log(
                &mut pass.plan.logs,
                LogLevel::Info,
                format!(
                    "requesting a certificate for {} on relation {}",
                    subject_of(attributes),
                    relation.id
                ),
            );
            entries.push(CertificateSigningRequest::new(
                wire::csr_pem(csr.pem().as_str())?,
                attributes.is_ca(),
            ));
        }
        let encoded = v1::RequirerData::encode_requests(&entries);
        if encoded.as_deref() != raw {
            pass.plan.databag_writes.push(DatabagWrite {
                relation_id: relation.id.clone(),
                target: scope.databag(),
                key: v1::RequirerData::KEY.to_owned(),
                value: encoded,
            });
        }
        Ok(entries)
    }

    /// Step 4: certificates for the CSRs already on the wire: verified, then stored in (or
    /// removed from, when revoked) the certificate secrets, expiring at the renewal time.
    fn store_certificates(
        &self,
        scope: Scope,
        relation: &RequirerRelation,
        kept: &[OwnCsr],
        provider: &ProviderData,
        key: &PrivateKey,
        pass: &mut Pass<'_>,
    ) -> Result<(), Error> {
        let r = self.config.renewal;
        let unit_number = Self::unit_number(scope, &pass.obs.unit);
        let (now, backend) = (pass.now, pass.backend);
        for own in kept {
            let Some(entry) = provider.certificates.get(&own.join) else {
                continue;
            };
            let sha = backend
                .sha256_hex(own.entry.certificate_signing_request.as_str().as_bytes())
                .map_err(Error::crypto("hashing a CSR"))?;
            let label = labels::certificate(unit_number, &self.config.endpoint, &sha);
            let existing = pass.secrets.get(&label).or_else(|| {
                pass.secrets
                    .get(&labels::legacy_certificate(unit_number, &sha))
            });
            if entry.revoked == Some(true) {
                if let Some(secret) = existing {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Info,
                        format!(
                            "certificate for {} was revoked: removing it",
                            subject_of(own.csr.attributes())
                        ),
                    );
                    pass.secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
                continue;
            }
            let Checked { assigned, ca_first } = match (self.verified).verify(
                relation.id.clone(),
                scope,
                own,
                entry,
                key,
                backend,
            ) {
                Ok(checked) => checked,
                Err(reason) => {
                    log(
                        &mut pass.plan.logs,
                        LogLevel::Warning,
                        format!(
                            "rejecting the certificate for {} on relation {}: {reason}",
                            subject_of(own.csr.attributes()),
                            relation.id
                        ),
                    );
                    pass.plan.events.push(RequirerEvent::CertificateRejected {
                        relation_id: relation.id.clone(),
                        scope,
                        csr: own.entry.certificate_signing_request.as_str().to_owned(),
                        reason,
                    });
                    continue;
                }
            };
            // (An expired one never gets here: step 2 asked for a new one.)
            if let Timeliness::NotYetValid(from) = timeliness(&assigned.certificate, now) {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Warning,
                    format!(
                        "the certificate for {} on relation {} is not valid before {from}: keeping the one we have",
                        subject_of(own.csr.attributes()),
                        relation.id
                    ),
                );
                pass.plan.next_deadline =
                    Some(pass.plan.next_deadline.map_or(from, |d| d.min(from)));
                continue;
            }
            let safety = safety_net_time(&assigned.certificate, r);
            if safety > now {
                pass.plan.next_deadline =
                    Some(pass.plan.next_deadline.map_or(safety, |d| d.min(safety)));
            }
            if existing.and_then(|s| s.content.get(CERTIFICATE_CONTENT_KEY))
                == Some(entry.certificate.as_str())
            {
                continue;
            }
            let content = SecretContent::new()
                .with(CERTIFICATE_CONTENT_KEY, entry.certificate.as_str())?
                .with(
                    CSR_CONTENT_KEY,
                    own.entry.certificate_signing_request.as_str(),
                )?;
            let expire = Some(renewal_time(now, assigned.certificate.not_after(), r));
            match existing {
                Some(secret) => pass.secrets.push(SecretAction::Set {
                    id: secret.id.clone(),
                    label: secret.label.clone(),
                    content,
                    expire,
                }),
                None => pass.secrets.push(SecretAction::Add {
                    label,
                    owner: Self::owner(scope),
                    content,
                    expire,
                }),
            }
            log(
                &mut pass.plan.logs,
                LogLevel::Info,
                format!(
                    "certificate available for {} on relation {}",
                    subject_of(own.csr.attributes()),
                    relation.id
                ),
            );
            if ca_first {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Info,
                    format!(
                        "the provider on relation {} sent the chain CA first (as v3-era providers do): it is handed out leaf first",
                        relation.id
                    ),
                );
            }
            pass.plan
                .events
                .push(RequirerEvent::CertificateAvailable(Box::new(assigned)));
        }
        Ok(())
    }

    /// Step 6: certificate secrets of `scope` whose CSR we no longer send go.
    fn prune_certificate_secrets(&self, scope: Scope, sent: &HashSet<String>, pass: &mut Pass<'_>) {
        let obs = pass.obs;
        for secret in &obs.secrets {
            if self.certificate_secret_scope(&secret.label, &obs.unit) != Some(scope) {
                continue;
            }
            let current = secret.content.get(CSR_CONTENT_KEY).map(pem_join_key);
            if current.is_none_or(|c| !sent.contains(&c)) {
                pass.secrets.push(SecretAction::Remove {
                    id: secret.id.clone(),
                    revision: None,
                });
            }
        }
    }

    /// Which scope a certificate secret label belongs to (current or legacy labels), if ours.
    fn certificate_secret_scope(&self, label: &str, unit: &UnitName) -> Option<Scope> {
        let prefix = format!("{}-certificate-", labels::LIBID);
        let rest = label.strip_prefix(&prefix)?;
        let is_sha = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let endpoint = &self.config.endpoint;
        let unit_prefix = format!("{}-", unit.number());
        if let Some(tail) = rest.strip_prefix(&unit_prefix)
            && (is_sha(tail)
                || tail
                    .strip_prefix(endpoint.as_str())
                    .and_then(|t| t.strip_prefix('-'))
                    .is_some_and(is_sha))
        {
            {
                return Some(Scope::Unit);
            }
        }
        if is_sha(rest)
            || rest
                .strip_prefix(endpoint.as_str())
                .and_then(|t| t.strip_prefix('-'))
                .is_some_and(is_sha)
        {
            return Some(Scope::App);
        }
        None
    }

    fn relation_broken(&self, broken: &RelationId, pass: &mut Pass<'_>) {
        let obs = pass.obs;
        if obs.relations.iter().any(|r| r.id != *broken) {
            log(
                &mut pass.plan.logs,
                LogLevel::Debug,
                "another relation remains on the endpoint: keeping secrets",
            );
            return;
        }
        // Every scope this unit may clean, not only those of the current mode: a scope an
        // earlier mode used may still have secrets, and nothing else would remove them.
        for &scope in writable_scopes(obs.is_leader) {
            let before = pass.secrets.planned();
            let (label, legacy) = self.key_labels(scope, &obs.unit);
            for l in std::iter::once(&label).chain(legacy.iter()) {
                if let Some(secret) = pass.secrets.get(l) {
                    pass.secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
            }
            for secret in &obs.secrets {
                if self.certificate_secret_scope(&secret.label, &obs.unit) == Some(scope) {
                    pass.secrets.push(SecretAction::Remove {
                        id: secret.id.clone(),
                        revision: None,
                    });
                }
            }
            if pass.secrets.planned() > before {
                log(
                    &mut pass.plan.logs,
                    LogLevel::Info,
                    format!(
                        "relation {broken} broken: removed the {scope} key and certificate secrets"
                    ),
                );
            }
        }
    }
}

/// The scopes whose databags and secrets this unit may write: its own, and the app's when it
/// leads.
fn writable_scopes(is_leader: bool) -> &'static [Scope] {
    if is_leader {
        &[Scope::Unit, Scope::App]
    } else {
        &[Scope::Unit]
    }
}

/// Step 5: denials, one per CSR of ours however many the provider wrote.
fn report_denials(
    scope: Scope,
    relation: &RequirerRelation,
    entries: &[CertificateSigningRequest],
    provider: &ProviderData,
    pass: &mut Pass<'_>,
) {
    let ours: HashSet<String> = entries
        .iter()
        .map(|e| pem_join_key(e.certificate_signing_request.as_str()))
        .collect();
    for (_, error) in provider.errors_for(&ours) {
        pass.plan.events.push(RequirerEvent::CertificateDenied {
            relation_id: relation.id.clone(),
            scope,
            csr: error.csr.as_str().to_owned(),
            error: error.error.clone(),
        });
    }
}

/// `now + (not_after - now) * r`, without overflow or panics.
fn renewal_time(
    now: OffsetDateTime,
    not_after: OffsetDateTime,
    r: RenewalRelativeTime,
) -> OffsetDateTime {
    let remaining = (not_after - now).whole_seconds();
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "seconds of a certificate lifetime fit f64 exactly enough; the cast back saturates"
    )]
    let scaled = (remaining as f64 * r.value()) as i64;
    now.checked_add(Duration::seconds(scaled))
        .unwrap_or(not_after)
}

/// `not_before + (not_after - not_before) * min(0.99, r + 0.05)`.
fn safety_net_time(certificate: &Certificate, r: RenewalRelativeTime) -> OffsetDateTime {
    let lifetime = (certificate.not_after() - certificate.not_before()).whole_seconds();
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "seconds of a certificate lifetime fit f64 exactly enough; the cast back saturates"
    )]
    let scaled = (lifetime as f64 * r.safety_net()) as i64;
    certificate
        .not_before()
        .checked_add(Duration::seconds(scaled))
        .unwrap_or_else(|| certificate.not_after())
}
