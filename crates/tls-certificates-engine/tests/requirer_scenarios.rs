//! Requirer scenarios (the intent of the Python library's requirer tests, python-library.md §5.2).

mod common;

use common::*;
use time::Duration;
use tls_certificates_crypto::KeyAlgorithm;
use tls_certificates_engine::requirer::{
    Requests, Requirer, RequirerConfig, RequirerEvent, RequirerTrigger, Scope,
};
use tls_certificates_engine::{Error, LIBID, SecretAction, SecretId, SecretOwner};

fn unit_world(cns: &[&str]) -> World {
    let config = RequirerConfig::new(
        "certificates",
        Requests::Unit(cns.iter().map(|c| attrs(c)).collect()),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    World::new(config, false)
}

fn csrs(world: &World) -> String {
    world
        .relation()
        .local_unit
        .get("certificate_signing_requests")
        .cloned()
        .unwrap_or_default()
}

fn key_label() -> String {
    format!("{LIBID}-private-key-0-certificates")
}

fn cert_prefix() -> String {
    format!("{LIBID}-certificate-0-certificates-")
}

#[test]
fn given_renewal_relative_time_outside_range_when_configured_then_rejected() {
    let config = || RequirerConfig::new("certificates", Requests::Unit(vec![attrs("a")])).unwrap();
    for bad in [0.5, 0.0, 1.01, f64::NAN, -1.0] {
        assert!(matches!(
            config().with_renewal_relative_time(bad),
            Err(Error::InvalidRenewalRelativeTime { .. })
        ));
    }
    for good in [0.51, 0.9, 1.0] {
        assert!(config().with_renewal_relative_time(good).is_ok());
    }
}

#[test]
fn given_same_request_in_both_scopes_when_configured_then_rejected() {
    let result = RequirerConfig::new(
        "certificates",
        Requests::AppAndUnit {
            app: vec![attrs("a")],
            unit: vec![attrs("a")],
        },
    );
    assert!(matches!(result, Err(Error::RequestInBothScopes)));
}

#[test]
fn given_no_relation_when_reconciled_then_nothing_happens() {
    let mut world = unit_world(&["a.example.com"]);
    world.obs.relations.clear();
    let plan = world.reconcile();
    assert!(plan.is_quiescent());
    assert!(world.obs.secrets.is_empty());
}

#[test]
fn given_relation_created_when_reconciled_then_key_secret_is_created_and_csr_sent() {
    let mut world = unit_world(&["a.example.com"]);
    let plan = world.reconcile();
    let keys = world.secrets_with_prefix(&key_label());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].label, key_label());
    assert_eq!(keys[0].owner, SecretOwner::Unit);
    let key_pem = keys[0].content.get("private-key").unwrap();
    let key = backend().load_private_key(key_pem).unwrap();
    let raw = csrs(&world);
    assert!(
        raw.starts_with("[{\"certificate_signing_request\": \"-----BEGIN CERTIFICATE REQUEST-----")
    );
    assert!(raw.ends_with("\"ca\": false}]"));
    let view = world.requirer.view(&world.obs, world.now, backend());
    let own = view.own_requests();
    assert_eq!(own.len(), 1);
    assert!(own[0].csr.matches_key(&key));
    assert_eq!(own[0].csr.attributes(), &attrs("a.example.com"));
    assert!(plan.events.is_empty());
    world.assert_no_private_key_leaked();
}

#[test]
fn given_csr_already_sent_when_reconciled_again_then_nothing_is_written() {
    let mut world = unit_world(&["a.example.com", "b.example.com"]);
    world.step();
    let before = csrs(&world);
    let plan = world.reconcile();
    assert!(plan.is_quiescent(), "{plan:?}");
    assert_eq!(csrs(&world), before);
}

#[test]
fn given_provider_issued_when_reconciled_then_certificate_stored_and_event_emitted_once() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    assert_eq!(world.provider_issues(), 1);
    let plan = world.reconcile();
    assert_eq!(available(&plan), 1);
    let stored = world.secrets_with_prefix(&cert_prefix());
    assert_eq!(stored.len(), 1);
    let csr_pem = stored[0].content.get("csr").unwrap();
    let sha = backend().sha256_hex(csr_pem.as_bytes()).unwrap();
    assert_eq!(stored[0].label, format!("{}{sha}", cert_prefix()));
    let certificate = backend()
        .parse_certificate(stored[0].content.get("certificate").unwrap())
        .unwrap();
    // expiry = now + (not_after - now) * 0.9
    let expected = world.now + (certificate.not_after() - world.now) * 0.9;
    let got = stored[0].expires.unwrap();
    assert!(
        Duration::abs(got - expected) < Duration::seconds(2),
        "{got} vs {expected}"
    );
    let RequirerEvent::CertificateAvailable(assigned) = &plan.events[0] else {
        panic!()
    };
    assert_eq!(assigned.csr.pem().as_str(), csr_pem);
    assert_eq!(assigned.chain.len(), 2);
    // And not again on the next hook (the Python library re-emits; we do not).
    let again = world.reconcile();
    assert_eq!(available(&again), 0);
    assert!(again.is_quiescent());
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert!(view.assigned_certificate(&attrs("a.example.com")).is_some());
    assert!(
        view.assigned_certificate(&attrs("other.example.com"))
            .is_none()
    );
    world.assert_no_private_key_leaked();
}

#[test]
fn given_a_stored_certificate_when_a_hook_plans_then_queries_then_its_chain_is_verified_once() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    for r in &mut world.obs.relations {
        r.remote_app = world.provider_bag.clone();
    }
    // A new hook: a new requirer, so nothing is known yet.
    let requirer = Requirer::new(world.requirer.config().clone());
    let counting = Counting::default();
    let plan = requirer
        .plan(
            &world.obs,
            &RequirerTrigger::Reconcile,
            world.now,
            &counting,
        )
        .unwrap();
    assert!(plan.is_quiescent());
    assert!(counting.take() >= 1, "the plan verifies the chain");
    let view = requirer.view(&world.obs, world.now, &counting);
    let assigned = view.assigned_certificate(&attrs("a.example.com"));
    assert!(assigned.is_some());
    assert_eq!(counting.take(), 0, "the query reuses the plan's verdict");

    // Another entry (the same certificate, the CA twice in its chain) is verified anew.
    let mut obs = world.obs.clone();
    let raw = obs.relations[0].remote_app["certificates"].clone();
    let entries: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let mut entry = entries[0].clone();
    let (leaf, ca) = (entry["certificate"].clone(), entry["ca"].clone());
    entry["chain"] = serde_json::json!([leaf, ca.clone(), ca]);
    obs.relations[0].remote_app.insert(
        "certificates".to_owned(),
        serde_json::json!([entry]).to_string(),
    );
    let view = requirer.view(&obs, world.now, &counting);
    let again = view.assigned_certificate(&attrs("a.example.com")).unwrap();
    assert_eq!(again.chain.len(), 3);
    assert!(counting.take() >= 1, "a different entry is verified");
}

#[test]
fn given_certificate_request_changed_when_reconciled_then_new_certificate_is_requested() {
    let mut world = unit_world(&["old.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    world.requirer = Requirer::new(
        RequirerConfig::new(
            "certificates",
            Requests::Unit(vec![attrs("new.example.com")]),
        )
        .unwrap()
        .with_key_algorithm(KeyAlgorithm::EcdsaP256),
    );
    let plan = world.reconcile();
    let view = world.requirer.view(&world.obs, world.now, backend());
    let own = view.own_requests();
    assert_eq!(own.len(), 1);
    assert_eq!(
        own[0].csr.attributes().common_name(),
        Some("new.example.com")
    );
    // The old certificate secret goes with the old CSR.
    assert!(
        plan.secret_actions
            .iter()
            .any(|a| matches!(a, SecretAction::Remove { revision: None, .. }))
    );
    assert!(world.secrets_with_prefix(&cert_prefix()).is_empty());
    // The provider drops the unsolicited certificate and issues the new one.
    assert_eq!(world.provider_issues(), 1);
    assert_eq!(available(&world.reconcile()), 1);
}

#[test]
fn given_certificate_secret_expired_when_handled_then_new_csr_with_same_key_and_old_secret_removed()
{
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    let key_before = world.secrets_with_prefix(&key_label())[0]
        .content
        .get("private-key")
        .unwrap()
        .to_owned();
    let old_csr = csrs(&world);
    let secret = world.secrets_with_prefix(&cert_prefix())[0].clone();
    world.now = secret.expires.unwrap();
    let plan = world.requirer_hook(RequirerTrigger::SecretExpired {
        id: secret.id.clone(),
        label: Some(secret.label.clone()),
    });
    assert_ne!(csrs(&world), old_csr, "a new CSR is sent");
    assert!(plan.secret_actions.contains(&SecretAction::Remove {
        id: secret.id,
        revision: None
    }));
    assert_eq!(
        world.secrets_with_prefix(&key_label())[0]
            .content
            .get("private-key")
            .unwrap(),
        key_before
    );
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert!(
        view.assigned_certificate(&attrs("a.example.com")).is_none(),
        "old certificate is gone until re-issued"
    );
    assert_eq!(world.provider_issues(), 1);
    assert_eq!(available(&world.reconcile()), 1);
}

#[test]
fn given_certificate_past_safety_net_when_reconciled_then_renewed() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    let plan = world.reconcile();
    let deadline = plan.next_deadline.unwrap();
    // r = 0.9 => safety net at 0.95 of the validity from not_before (back-dated by a minute).
    let expected = T0 - Duration::minutes(1) + (world.lifetime + Duration::minutes(1)) * 0.95;
    assert!(Duration::abs(deadline - expected) < Duration::seconds(2));
    world.now = deadline - Duration::seconds(5);
    assert!(world.reconcile().is_quiescent());
    let old_csr = csrs(&world);
    world.now = deadline + Duration::seconds(1);
    world.step();
    assert_ne!(csrs(&world), old_csr);
}

#[test]
fn given_certificate_revoked_when_reconciled_then_secret_removed_csr_kept_and_reissue_picked_up() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    let csr_before = csrs(&world);
    // Provider revokes everything (CA change).
    let obs = world.provider_observation();
    let mut provider = tls_certificates_engine::provider::Provider::view(
        &obs,
        &tls_certificates_engine::provider::ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    provider.revoke_all_certificates().unwrap();
    for w in provider.plan().databag_writes {
        world.provider_bag.insert(w.key, w.value.unwrap());
    }
    assert!(world.provider_bag["certificates"].contains("\"revoked\": true"));
    let plan = world.reconcile();
    assert!(plan.events.is_empty(), "no event on revocation");
    assert!(world.secrets_with_prefix(&cert_prefix()).is_empty());
    assert_eq!(csrs(&world), csr_before, "CSR kept");
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert!(
        view.assigned_certificates(Scope::Unit).is_empty(),
        "revoked never assigned"
    );
    // Re-issue with a new CA for the same CSR.
    world.ca = Ca::new("new-ca");
    assert_eq!(world.provider_issues(), 1);
    assert_eq!(available(&world.reconcile()), 1);
}

#[test]
fn given_certificate_for_another_key_when_reconciled_then_rejected_and_not_stored() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    // A malicious provider answers our CSR with a certificate for its own key.
    let raw = csrs(&world);
    let csr_pem: String =
        serde_json::from_str::<serde_json::Value>(&raw).unwrap()[0]["certificate_signing_request"]
            .as_str()
            .unwrap()
            .to_owned();
    let b = backend();
    let other = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let other_csr = b.create_csr(&other, &attrs("a.example.com")).unwrap();
    let authority = b
        .load_authority(&world.ca.key, world.ca.certificate.clone())
        .unwrap();
    let cert = authority
        .issue(
            &other_csr,
            &tls_certificates_crypto::IssueProfile::leaf(
                tls_certificates_crypto::Validity::starting_at(T0, Duration::days(30)),
            ),
        )
        .unwrap();
    world.provider_bag.insert(
        "certificates".into(),
        serde_json::json!([{ "ca": world.ca.certificate.pem().as_str(), "certificate_signing_request": csr_pem, "certificate": cert.pem().as_str(), "chain": [cert.pem().as_str(), world.ca.certificate.pem().as_str()] }]).to_string(),
    );
    let plan = world.reconcile();
    assert!(
        plan.events
            .iter()
            .any(|e| matches!(e, RequirerEvent::CertificateRejected { .. }))
    );
    assert!(world.secrets_with_prefix(&cert_prefix()).is_empty());
}

#[test]
fn given_certificate_not_signed_by_given_ca_when_reconciled_then_rejected() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    // Swap the CA for an unrelated one.
    let other = Ca::new("impostor");
    let bag = world.provider_bag["certificates"].clone();
    let real_ca = serde_json::to_string(world.ca.certificate.pem().as_str()).unwrap();
    let fake_ca = serde_json::to_string(other.certificate.pem().as_str()).unwrap();
    world
        .provider_bag
        .insert("certificates".into(), bag.replacen(&real_ca, &fake_ca, 1));
    let plan = world.reconcile();
    assert_eq!(available(&plan), 0);
    assert!(
        plan.events
            .iter()
            .any(|e| matches!(e, RequirerEvent::CertificateRejected { .. }))
    );
}

#[test]
fn given_hostile_provider_databag_when_reconciled_then_no_panic_and_logged() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    for garbage in [
        "",
        "{",
        "[1,2,3]",
        "[{\"ca\": 1}]",
        "null",
        "[{\"ca\":\"x\",\"certificate_signing_request\":\"y\",\"certificate\":\"z\"}]",
    ] {
        world
            .provider_bag
            .insert("certificates".into(), garbage.into());
        world
            .provider_bag
            .insert("request_errors".into(), garbage.into());
        world
            .provider_bag
            .insert("capabilities".into(), garbage.into());
        let plan = world.reconcile();
        assert_eq!(available(&plan), 0);
    }
}

#[test]
fn given_app_mode_when_non_leader_then_nothing_is_written() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::App(vec![attrs("app.example.com")]),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, false);
    assert!(world.reconcile().is_quiescent());
    assert!(world.obs.secrets.is_empty());
}

#[test]
fn given_app_mode_when_leader_then_app_key_and_app_databag_are_used() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::App(vec![attrs("app.example.com")]),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, true);
    world.step();
    let key = world.secrets_with_prefix(&format!("{LIBID}-private-key-app-certificates"));
    assert_eq!(key.len(), 1);
    assert_eq!(key[0].owner, SecretOwner::Application);
    assert!(world.relation().local_unit.is_empty());
    assert!(
        world
            .relation()
            .local_app
            .contains_key("certificate_signing_requests")
    );
    world.provider_issues();
    assert_eq!(available(&world.reconcile()), 1);
    let stored = world.secrets_with_prefix(&format!("{LIBID}-certificate-certificates-"));
    assert_eq!(stored.len(), 1);
}

#[test]
fn given_app_and_unit_mode_when_leader_then_both_scopes_get_certificates() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::AppAndUnit {
            app: vec![attrs("app.example.com")],
            unit: vec![attrs("unit.example.com")],
        },
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, true);
    world.step();
    assert_eq!(world.provider_issues(), 2);
    assert_eq!(available(&world.reconcile()), 2);
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert_eq!(view.assigned_certificates(Scope::App).len(), 1);
    assert_eq!(view.assigned_certificates(Scope::Unit).len(), 1);
    assert_ne!(
        view.private_key(Scope::App).unwrap().public_key(),
        view.private_key(Scope::Unit).unwrap().public_key()
    );
}

#[test]
fn given_legacy_app_key_label_when_reconciled_then_key_is_migrated_without_rotation() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::App(vec![attrs("app.example.com")]),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, true);
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let pem = backend().export_private_key(&key).unwrap();
    world
        .obs
        .secrets
        .push(tls_certificates_engine::ObservedSecret {
            id: SecretId::parse("secret:legacy").unwrap(),
            label: format!("{LIBID}-private-key-certificates"),
            owner: SecretOwner::Unit,
            content: tls_certificates_engine::SecretContent::new()
                .with("private-key", pem.expose_secret())
                .unwrap(),
            expires: None,
        });
    let plan = world.reconcile();
    assert!(plan.secret_actions.contains(&SecretAction::Remove {
        id: SecretId::parse("secret:legacy").unwrap(),
        revision: None
    }));
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert_eq!(
        view.private_key(Scope::App).unwrap().public_key(),
        key.public_key()
    );
    assert!(view.own_requests()[0].csr.matches_key(&key));
}

#[test]
fn given_regenerate_private_key_when_handled_then_same_secret_new_key_and_new_csr() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    let before = world.secrets_with_prefix(&key_label())[0].clone();
    let csr_before = csrs(&world);
    let plan = world.requirer_hook(RequirerTrigger::RegenerateKey { scope: None });
    assert!(
        plan.secret_actions
            .iter()
            .any(|a| matches!(a, SecretAction::Set { id, .. } if id == &before.id))
    );
    let after = world.secrets_with_prefix(&key_label())[0].clone();
    assert_ne!(
        after.content.get("private-key"),
        before.content.get("private-key")
    );
    assert_ne!(csrs(&world), csr_before);
    world.assert_no_private_key_leaked();
}

#[test]
fn given_charm_supplied_key_when_reconciled_then_library_key_secret_is_removed_and_key_used() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    let key = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    world.requirer = Requirer::new(
        RequirerConfig::new("certificates", Requests::Unit(vec![attrs("a.example.com")]))
            .unwrap()
            .with_private_key(key.clone())
            .unwrap(),
    );
    world.step();
    assert!(world.secrets_with_prefix(&key_label()).is_empty());
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert!(view.own_requests()[0].csr.matches_key(&key));
    let err = world.requirer.plan(
        &world.obs,
        &RequirerTrigger::RegenerateKey { scope: None },
        world.now,
        backend(),
    );
    assert!(matches!(err, Err(Error::KeySuppliedByCharm)));
}

#[test]
fn given_relation_broken_when_handled_then_key_and_certificate_secrets_are_removed() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    assert_eq!(world.obs.secrets.len(), 2);
    world.obs.relations.clear();
    let _plan = world.requirer_hook(RequirerTrigger::RelationBroken { relation_id: rel() });
    assert!(world.obs.secrets.is_empty());
}

#[test]
fn given_a_unit_scope_left_behind_by_a_switch_to_app_mode_when_relation_broken_then_its_secrets_are_removed_too()
 {
    let mut world = unit_world(&["a.example.com"]);
    world.obs.is_leader = true;
    world.step();
    world.provider_issues();
    world.step();
    assert_eq!(world.obs.secrets.len(), 2, "the unit key and certificate");
    // The charm switches to app mode: the unit scope is no longer requested.
    let app = RequirerConfig::new("certificates", Requests::App(vec![attrs("a.example.com")]))
        .unwrap()
        .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    world.requirer = Requirer::new(app);
    world.obs.relations.clear();
    let _plan = world.requirer_hook(RequirerTrigger::RelationBroken { relation_id: rel() });
    assert!(
        world.obs.secrets.is_empty(),
        "{:?}",
        world
            .obs
            .secrets
            .iter()
            .map(|s| &s.label)
            .collect::<Vec<_>>()
    );
}

#[test]
fn given_a_switch_from_unit_to_app_mode_when_handled_then_the_unit_requests_and_certificate_are_withdrawn()
 {
    let mut world = unit_world(&["a.example.com"]);
    world.obs.is_leader = true;
    world.step();
    world.provider_issues();
    world.step();
    assert!(
        world
            .relation()
            .local_unit
            .contains_key("certificate_signing_requests")
    );
    let app = RequirerConfig::new("certificates", Requests::App(vec![attrs("b.example.com")]))
        .unwrap()
        .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    world.requirer = Requirer::new(app);
    world.step();
    assert!(
        !world
            .relation()
            .local_unit
            .contains_key("certificate_signing_requests"),
        "the unit requests are withdrawn"
    );
    assert!(
        world
            .obs
            .secrets
            .iter()
            .all(|s| !s.label.contains("-certificate-0-")),
        "the unit certificate secret is gone: {:?}",
        world
            .obs
            .secrets
            .iter()
            .map(|s| &s.label)
            .collect::<Vec<_>>()
    );
}

#[test]
fn given_no_relation_left_when_a_new_leader_handles_a_hook_then_the_app_certificate_secret_goes() {
    // The relation broke while another unit led (or before this one did): the app's
    // certificate secret was left behind. With no relation, no certificate is in use.
    let config = RequirerConfig::new(
        "certificates",
        Requests::App(vec![attrs("app.example.com")]),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, true);
    world.step();
    world.provider_issues();
    world.step();
    let certificate_secrets = |w: &World| {
        w.obs
            .secrets
            .iter()
            .filter(|s| s.label.contains("-certificate-"))
            .count()
    };
    assert_eq!(certificate_secrets(&world), 1);
    world.obs.relations.clear();
    world.step();
    assert_eq!(certificate_secrets(&world), 0);
    assert_eq!(world.obs.secrets.len(), 1, "the key stays");
}

#[test]
fn given_secret_remove_when_handled_then_that_revision_is_pruned() {
    let mut world = unit_world(&["a.example.com"]);
    let plan = world.requirer_hook(RequirerTrigger::SecretRemoved {
        id: SecretId::parse("secret:9").unwrap(),
        revision: 3,
    });
    assert_eq!(
        plan.secret_actions,
        vec![SecretAction::Remove {
            id: SecretId::parse("secret:9").unwrap(),
            revision: Some(3)
        }]
    );
}

#[test]
fn given_request_error_when_reconciled_then_certificate_denied_is_emitted() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    let obs = world.provider_observation();
    let mut provider = tls_certificates_engine::provider::Provider::view(
        &obs,
        &tls_certificates_engine::provider::ProviderConfig::new("certificates").unwrap(),
        backend(),
    );
    let csr = provider.outstanding_certificate_requests(None)[0]
        .csr_pem
        .clone();
    provider
        .set_relation_error(
            rel(),
            &csr,
            tls_certificates_engine::ProviderError::new(
                tls_certificates_engine::ErrorCode::DomainNotAllowed,
                "no",
            ),
        )
        .unwrap();
    for w in provider.plan().databag_writes {
        world.provider_bag.insert(w.key, w.value.unwrap());
    }
    let plan = world.reconcile();
    assert!(
        plan.events.iter().any(
            |e| matches!(e, RequirerEvent::CertificateDenied { error, .. } if error.code == tls_certificates_engine::ErrorCode::DomainNotAllowed)
        )
    );
    assert_eq!(
        world
            .requirer
            .view(&world.obs, world.now, backend())
            .request_errors()
            .len(),
        1
    );
}

#[test]
fn given_v3_era_csr_for_another_key_when_v4_reconciles_then_it_is_replaced_once() {
    let mut world = unit_world(&["a.example.com"]);
    // A v3 charm managed its own key: its CSR (same attributes) is in the databag, no key secret.
    let b = backend();
    let old_key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let old_csr = b.create_csr(&old_key, &attrs("a.example.com")).unwrap();
    world.obs.relations[0].local_unit.insert(
        "certificate_signing_requests".into(),
        serde_json::json!([{"certificate_signing_request": old_csr.pem().as_str(), "ca": false}])
            .to_string(),
    );
    world.step();
    let view = world.requirer.view(&world.obs, world.now, backend());
    let own = view.own_requests();
    assert_eq!(own.len(), 1);
    assert!(!own[0].csr.matches_key(&old_key), "the v3 CSR is gone");
    assert!(
        own[0]
            .csr
            .matches_key(&view.private_key(Scope::Unit).unwrap())
    );
    // One rotation only: the next reconcile is quiet.
    assert!(world.reconcile().is_quiescent());
}

#[test]
fn given_import_private_key_when_handled_then_key_stored_in_library_secret_and_csr_replaced() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    let imported = backend().generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let _plan = world.requirer_hook(RequirerTrigger::ImportKey {
        scope: Scope::Unit,
        key: imported.clone(),
    });
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert_eq!(
        view.private_key(Scope::Unit).unwrap().public_key(),
        imported.public_key()
    );
    assert!(view.own_requests()[0].csr.matches_key(&imported));
    assert_eq!(
        world.secrets_with_prefix(&key_label()).len(),
        1,
        "same secret, new revision"
    );
    world.assert_no_private_key_leaked();
}

#[test]
fn given_weak_private_key_when_loaded_then_no_backend_lets_it_reach_the_engine() {
    // Python refuses RSA keys under 2048 bits for `private_key=` and `import_private_key`. Both
    // backends already refuse to load one, so a weak `PrivateKey` cannot be built; the engine's
    // own check (`Error::WeakPrivateKey`) is defence in depth for other backends.
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/weak_rsa1024_key.pem"
    ))
    .unwrap();
    assert!(backend().load_private_key(&pem).is_err());
    assert!(
        tls_certificates_crypto::openssl::backend()
            .load_private_key(&pem)
            .is_err()
    );
}

#[test]
fn given_certificate_when_renew_certificate_then_new_certificate_is_requested() {
    let mut world = unit_world(&["a.example.com"]);
    world.step();
    world.provider_issues();
    world.step();
    let old = csrs(&world);
    let csr: serde_json::Value = serde_json::from_str(&old).unwrap();
    let csr = csr[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_owned();
    let _plan = world.requirer_hook(RequirerTrigger::Renew { csr });
    assert_ne!(csrs(&world), old);
    assert!(world.secrets_with_prefix(&cert_prefix()).is_empty());
}

#[test]
fn given_multiple_certificates_when_one_is_reissued_then_only_its_secret_is_updated() {
    let mut world = unit_world(&["a.example.com", "b.example.com"]);
    world.step();
    world.provider_issues();
    assert_eq!(available(&world.reconcile()), 2);
    // The provider re-issues one certificate for the same CSR (e.g. a new CA, without revoking).
    let obs = world.provider_observation();
    let b = backend();
    let mut provider = tls_certificates_engine::provider::Provider::view(
        &obs,
        &tls_certificates_engine::provider::ProviderConfig::new("certificates").unwrap(),
        b,
    );
    let request = provider.certificate_requests(None)[0].clone();
    world.ca = Ca::new("second-ca");
    let authority = b
        .load_authority(&world.ca.key, world.ca.certificate.clone())
        .unwrap();
    let reissued = authority
        .issue(
            &request.csr,
            &tls_certificates_crypto::IssueProfile::leaf(
                tls_certificates_crypto::Validity::starting_at(world.now, Duration::days(10)),
            ),
        )
        .unwrap();
    provider
        .set_relation_certificate(tls_certificates_engine::provider::NewCertificate {
            relation_id: rel(),
            csr_pem: request.csr_pem,
            certificate: reissued.clone(),
            ca: world.ca.certificate.clone(),
            chain: vec![reissued, world.ca.certificate.clone()],
        })
        .unwrap();
    for w in provider.plan().databag_writes {
        world.provider_bag.insert(w.key, w.value.unwrap());
    }
    let plan = world.reconcile();
    assert_eq!(available(&plan), 1);
    assert_eq!(plan.secret_actions.len(), 1);
    assert!(
        matches!(plan.secret_actions[0], SecretAction::Set { .. }),
        "updated in place: {:?}",
        plan.secret_actions
    );
}

#[test]
fn given_app_and_unit_mode_when_not_leader_then_only_the_unit_key_and_request_exist() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::AppAndUnit {
            app: vec![attrs("app.example.com")],
            unit: vec![attrs("unit.example.com")],
        },
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, false);
    world.step();
    assert_eq!(world.obs.secrets.len(), 1);
    assert_eq!(world.obs.secrets[0].label, key_label());
    assert!(world.relation().local_app.is_empty());
    assert!(
        world
            .relation()
            .local_unit
            .contains_key("certificate_signing_requests")
    );
}

#[test]
fn given_app_mode_non_leader_when_relation_broken_then_app_secrets_are_not_touched() {
    let config = RequirerConfig::new(
        "certificates",
        Requests::App(vec![attrs("app.example.com")]),
    )
    .unwrap()
    .with_key_algorithm(KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, true);
    world.step();
    assert_eq!(world.obs.secrets.len(), 1);
    world.obs.is_leader = false;
    world.obs.relations.clear();
    let plan = world.requirer_hook(RequirerTrigger::RelationBroken { relation_id: rel() });
    assert!(plan.secret_actions.is_empty());
}

#[test]
fn given_library_key_when_secret_id_queried_then_returned_and_none_otherwise() {
    let mut world = unit_world(&["a.example.com"]);
    assert!(
        world
            .requirer
            .view(&world.obs, world.now, backend())
            .private_key_secret_id(Scope::Unit)
            .is_none()
    );
    world.step();
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert_eq!(
        view.private_key_secret_id(Scope::Unit),
        Some(&world.obs.secrets[0].id)
    );
    assert!(view.private_key_secret_id(Scope::App).is_none());
}

#[test]
fn given_our_entry_escaped_oddly_and_rewrapped_among_others_when_reconciled_then_it_is_found() {
    // Without the malformed entry the provider's value decodes in one typed pass; with it, the
    // tolerant decoder reads it. Either way our entry is found by its CSR's canonical form.
    for with_malformed_entry in [false, true] {
        let mut world = unit_world(&["a.example.com"]);
        world.step();
        assert_eq!(world.provider_issues(), 1);
        let mut entries: Vec<serde_json::Value> =
            serde_json::from_str(&world.provider_bag["certificates"]).unwrap();
        let ours = &mut entries[0];
        // Our CSR re-wrapped at 76 columns with CRLF line ends and a trailing newline.
        let csr = ours["certificate_signing_request"].as_str().unwrap();
        let body: String = csr.lines().filter(|l| !l.starts_with("-----")).collect();
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        ours["certificate_signing_request"] = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\r\n{}\r\n-----END CERTIFICATE REQUEST-----\r\n",
            lines.join("\r\n")
        )
        .into();
        let mut other = ours.clone();
        other["certificate_signing_request"] =
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIBsomeoneelse\n-----END CERTIFICATE REQUEST-----"
                .into();
        let mut list = vec![other.clone(), ours.clone(), other];
        if with_malformed_entry {
            list.insert(1, serde_json::json!({"ca": 5}));
        }
        // Every `/` written `\/` and every `-----BEGIN` with `\u` escapes: valid JSON for the
        // same strings.
        let text = serde_json::to_string(&list)
            .unwrap()
            .replace('/', "\\/")
            .replace("-----BEGIN", "\\u002d\\u002d\\u002d\\u002d\\u002dBEGIN");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            serde_json::Value::from(list)
        );
        world.provider_bag.insert("certificates".into(), text);
        let plan = world.reconcile();
        assert_eq!(available(&plan), 1, "{plan:?}");
        let warned = plan
            .logs
            .iter()
            .any(|l| l.message.contains("malformed certificate entries"));
        assert_eq!(warned, with_malformed_entry, "{:?}", plan.logs);
    }
}
