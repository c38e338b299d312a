//! The provider writes its app databag as it likes. These scenarios are what a hostile (or
//! merely old) provider sends our requirer, and what the requirer does before it stores
//! anything: the certificate is ours and names what we asked for, the CA is a CA, the chain
//! links (either order) to it, the validity holds; and however much the provider writes, a
//! hook costs a few log lines.

mod common;

use common::*;
use time::Duration;
use tls_certificates_crypto::{
    Certificate, CertificateRequestAttributes, IssueProfile, PrivateKey, Validity,
};
use tls_certificates_engine::requirer::{NOT_BEFORE_SKEW, Requests, RequirerConfig, RequirerEvent};
use tls_certificates_engine::{LogLevel, PRIVATE_KEY_CONTENT_KEY};

fn world() -> World {
    let config = RequirerConfig::new("certificates", Requests::Unit(vec![attrs("a.example.com")]))
        .unwrap()
        .with_key_algorithm(tls_certificates_crypto::KeyAlgorithm::EcdsaP256);
    let mut world = World::new(config, false);
    world.step();
    world
}

/// Our CSR as it is on the wire.
fn our_csr(world: &World) -> String {
    let raw = &world.relation().local_unit["certificate_signing_requests"];
    let list: serde_json::Value = serde_json::from_str(raw).unwrap();
    list[0]["certificate_signing_request"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn our_key(world: &World) -> PrivateKey {
    let secret = world
        .obs
        .secrets
        .iter()
        .find(|s| s.label.contains("private-key"))
        .unwrap();
    backend()
        .load_private_key(secret.content.get(PRIVATE_KEY_CONTENT_KEY).unwrap())
        .unwrap()
}

/// What the CA issues for our CSR, valid over `validity`.
fn issued(world: &World, validity: Validity) -> Certificate {
    let b = backend();
    let csr = b.parse_csr(&our_csr(world)).unwrap();
    b.load_authority(&world.ca.key, world.ca.certificate.clone())
        .unwrap()
        .issue(&csr, &IssueProfile::leaf(validity))
        .unwrap()
}

/// What a CA issues for a CSR of our key with other `attributes` (made without a unique id,
/// so that only the differences the test makes count).
fn issued_for(world: &World, attributes: &CertificateRequestAttributes) -> Certificate {
    let b = backend();
    let csr = b.create_csr(&our_key(world), attributes).unwrap();
    b.load_authority(&world.ca.key, world.ca.certificate.clone())
        .unwrap()
        .issue(&csr, &IssueProfile::leaf(thirty_days(world)))
        .unwrap()
}

fn without_unique_id() -> tls_certificates_crypto::CertificateRequestAttributesBuilder {
    CertificateRequestAttributes::builder().add_unique_id_to_subject_name(false)
}

fn thirty_days(world: &World) -> Validity {
    Validity::starting_at(world.now, Duration::days(30))
}

/// The provider answers our CSR with this entry.
fn answer(world: &mut World, certificate: &Certificate, ca: &Certificate, chain: &[&Certificate]) {
    let entry = serde_json::json!([{
        "ca": ca.pem().as_str(),
        "certificate_signing_request": our_csr(world),
        "certificate": certificate.pem().as_str(),
        "chain": chain.iter().map(|c| c.pem().as_str()).collect::<Vec<_>>(),
    }]);
    world
        .provider_bag
        .insert("certificates".into(), entry.to_string());
}

fn rejection(plan: &tls_certificates_engine::requirer::RequirerPlan) -> Option<&str> {
    plan.events.iter().find_map(|e| match e {
        RequirerEvent::CertificateRejected { reason, .. } => Some(reason.as_str()),
        _ => None,
    })
}

#[test]
fn provider_writing_the_chain_ca_first_like_v3_era_providers_is_accepted_and_handed_out_leaf_first()
{
    let mut world = world();
    let certificate = issued(&world, thirty_days(&world));
    let ca = world.ca.certificate.clone();
    // Exactly what a v3-era provider writes: [ca, leaf], and its own expiry hint.
    let entry = serde_json::json!([{
        "certificate": certificate.pem().as_str(),
        "certificate_signing_request": our_csr(&world),
        "ca": ca.pem().as_str(),
        "chain": [ca.pem().as_str(), certificate.pem().as_str()],
        "recommended_expiry_notification_time": 720,
    }]);
    world
        .provider_bag
        .insert("certificates".into(), entry.to_string());
    let plan = world.reconcile();
    assert_eq!(available(&plan), 1, "{plan:?}");
    let RequirerEvent::CertificateAvailable(assigned) = &plan.events[0] else {
        panic!("{:?}", plan.events)
    };
    let order: Vec<&[u8]> = assigned.chain.iter().map(Certificate::der).collect();
    assert_eq!(order, [certificate.der(), ca.der()], "leaf first");
    let said = |plan: &tls_certificates_engine::requirer::RequirerPlan| {
        plan.logs
            .iter()
            .filter(|l| l.message.contains("sent the chain CA first"))
            .count()
    };
    assert_eq!(said(&plan), 1);
    // Stored once, said once; the view hands it out leaf first too.
    let again = world.reconcile();
    assert!(again.is_quiescent() && again.events.is_empty(), "{again:?}");
    assert_eq!(said(&again), 0);
    let view = world.requirer.view(&world.obs, world.now, backend());
    let assigned = view.assigned_certificate(&attrs("a.example.com")).unwrap();
    assert_eq!(assigned.chain[0].der(), certificate.der());
}

#[test]
fn provider_sending_a_chain_that_does_not_link_the_certificate_to_the_ca_is_rejected() {
    let world0 = world();
    let certificate = issued(&world0, thirty_days(&world0));
    let another_issue = issued(&world0, thirty_days(&world0));
    let ca = world0.ca.certificate.clone();
    let impostor = Ca::new("impostor").certificate;
    for (chain, expected) in [
        (
            vec![&another_issue, &ca],
            "the certificate is neither its first nor its last element",
        ),
        (vec![&certificate, &impostor], "chain is out of order"),
        (vec![&certificate], "it does not lead to the given CA"),
    ] {
        let mut world = world_like(&world0);
        let ca = if chain.len() == 1 { &impostor } else { &ca };
        answer(&mut world, &certificate, ca, &chain);
        let plan = world.reconcile();
        assert_eq!(available(&plan), 0);
        let reason = rejection(&plan).unwrap_or_else(|| panic!("{plan:?}"));
        assert!(reason.contains(expected), "{reason}");
        assert!(
            world
                .secrets_with_prefix("afd8c2bccf834997afce12c2706d2ede-certificate")
                .is_empty()
        );
    }
    // The same entry, linked properly, is taken.
    let mut world = world_like(&world0);
    answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
    assert_eq!(available(&world.reconcile()), 1);
}

/// A copy of `world` (same key, CSR and CA) for one more attempt.
fn world_like(world: &World) -> World {
    World {
        requirer: world.requirer.clone(),
        obs: world.obs.clone(),
        provider_bag: world.provider_bag.clone(),
        ca: Ca {
            key: world.ca.key.clone(),
            certificate: world.ca.certificate.clone(),
        },
        now: world.now,
        next_secret: world.next_secret,
        debug_trail: Vec::new(),
        lifetime: world.lifetime,
    }
}

#[test]
fn provider_passing_off_a_leaf_as_the_ca_is_rejected() {
    let mut world = world();
    let certificate = issued(&world, thirty_days(&world));
    // Our own certificate as "ca": it is not a CA.
    answer(
        &mut world,
        &certificate,
        &certificate.clone(),
        &[&certificate],
    );
    let plan = world.reconcile();
    let reason = rejection(&plan).unwrap();
    assert!(reason.contains("not a certificate authority"), "{reason}");
}

#[test]
fn provider_certifying_names_we_did_not_ask_for_is_rejected() {
    let world0 = world();
    let ca = world0.ca.certificate.clone();
    let more_sans = without_unique_id()
        .common_name("a.example.com")
        .san_dns("login.bank.example")
        .build()
        .unwrap();
    let other_subject = without_unique_id()
        .common_name("a.example.com")
        .organization("Someone Else Ltd")
        .build()
        .unwrap();
    let other_cn = without_unique_id()
        .common_name("b.example.com")
        .build()
        .unwrap();
    for (attributes, expected) in [
        (
            more_sans,
            "names DNS \"login.bank.example\", which we did not ask for",
        ),
        (other_subject, "which we did not ask for"),
        (other_cn, "where we asked for \"a.example.com\""),
    ] {
        let mut world = world_like(&world0);
        let certificate = issued_for(&world, &attributes);
        answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
        let plan = world.reconcile();
        assert_eq!(available(&plan), 0);
        let reason = rejection(&plan).unwrap_or_else(|| panic!("{plan:?}"));
        assert!(reason.contains(expected), "{reason}");
        assert!(
            plan.logs
                .iter()
                .any(|l| l.level == LogLevel::Warning && l.message.contains(expected)),
            "{:?}",
            plan.logs
        );
    }
}

#[test]
fn provider_keeping_only_some_subject_attributes_and_adding_our_common_name_as_san_is_accepted() {
    // What Vault and ACME CAs do: the subject keeps the CN only, the CN is also a DNS SAN.
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let like_vault = without_unique_id()
        .common_name("a.example.com")
        .san_dns("a.example.com")
        .build()
        .unwrap();
    let certificate = issued_for(&world, &like_vault);
    answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
    let plan = world.reconcile();
    assert_eq!(available(&plan), 1, "{plan:?}");
}

#[test]
fn provider_sending_a_certificate_not_valid_yet_is_kept_waiting_until_it_is() {
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let later = world.now + Duration::days(1);
    let certificate = issued(
        &world,
        Validity {
            not_before: later,
            not_after: later + Duration::days(30),
        },
    );
    answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
    let plan = world.reconcile();
    assert_eq!(available(&plan), 0);
    assert!(rejection(&plan).is_none());
    assert!(
        plan.logs
            .iter()
            .any(|l| l.level == LogLevel::Warning && l.message.contains("is not valid before")),
        "{:?}",
        plan.logs
    );
    assert_eq!(plan.next_deadline, Some(later - NOT_BEFORE_SKEW));
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert!(view.assigned_certificate(&attrs("a.example.com")).is_none());
    // Within the tolerated clock skew of its start, it is taken.
    world.now = later - NOT_BEFORE_SKEW;
    assert_eq!(available(&world.reconcile()), 1);
}

#[test]
fn provider_sending_an_expired_certificate_makes_the_requirer_ask_again() {
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let before = our_csr(&world);
    let certificate = issued(
        &world,
        Validity {
            not_before: world.now - Duration::days(30),
            not_after: world.now - Duration::days(1),
        },
    );
    answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
    let plan = world.reconcile();
    assert_eq!(available(&plan), 0);
    assert!(
        plan.logs
            .iter()
            .any(|l| l.message.contains("has expired: renewing")),
        "{:?}",
        plan.logs
    );
    assert_ne!(our_csr(&world), before, "a new CSR was sent");
}

#[test]
fn provider_writing_20000_hostile_entries_costs_a_few_log_lines_and_one_denial() {
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let certificate = issued(&world, thirty_days(&world));
    let ours = serde_json::json!({
        "ca": ca.pem().as_str(),
        "certificate_signing_request": our_csr(&world),
        "certificate": certificate.pem().as_str(),
        "chain": [certificate.pem().as_str(), ca.pem().as_str()],
    });
    let mut certificates: Vec<serde_json::Value> =
        (0..20_000).map(|i| serde_json::json!({"ca": i})).collect();
    certificates.push(ours);
    let mut errors: Vec<serde_json::Value> = (0..20_000)
        .map(|i| {
            serde_json::json!({
                "csr": our_csr(&world),
                "error": {"code": 999, "name": "OTHER", "message": format!("no {i}")},
            })
        })
        .collect();
    errors.push(serde_json::json!({"csr": 5}));
    world.provider_bag.insert(
        "certificates".into(),
        serde_json::to_string(&certificates).unwrap(),
    );
    world.provider_bag.insert(
        "request_errors".into(),
        serde_json::to_string(&errors).unwrap(),
    );
    let plan = world.reconcile();
    assert_eq!(available(&plan), 1);
    let denied: Vec<&RequirerEvent> = plan
        .events
        .iter()
        .filter(|e| matches!(e, RequirerEvent::CertificateDenied { .. }))
        .collect();
    assert_eq!(denied.len(), 1, "one denial per CSR of ours");
    let RequirerEvent::CertificateDenied { error, .. } = denied[0] else {
        unreachable!()
    };
    assert_eq!(error.message, "no 19999", "the provider's last word counts");
    assert!(plan.logs.len() <= 4, "{:#?}", plan.logs);
    assert!(
        plan.logs.iter().any(|l| l
            .message
            .starts_with("ignoring 20000 malformed certificate entries")),
        "{:#?}",
        plan.logs
    );
    let view = world.requirer.view(&world.obs, world.now, backend());
    assert_eq!(view.request_errors().len(), 1);
}

/// Certificates our crypto never builds, as a hostile (or merely different) provider may send
/// them, built with OpenSSL.
mod forged {
    use openssl::{hash::MessageDigest, pkey::PKey, pkey::Private, x509};
    use tls_certificates_crypto::{Certificate, PrivateKey};

    use super::backend;

    pub(crate) fn key(key: &PrivateKey) -> PKey<Private> {
        let pem = backend().export_private_key(key).unwrap();
        PKey::private_key_from_pem(pem.expose_secret().as_bytes()).unwrap()
    }

    pub(crate) fn x509(certificate: &Certificate) -> x509::X509 {
        x509::X509::from_pem(certificate.pem().as_str().as_bytes()).unwrap()
    }

    /// A v3 certificate builder with `serial`, `subject` and `issuer` set.
    pub(crate) fn builder(
        serial: u32,
        subject: &x509::X509NameRef,
        issuer: &x509::X509NameRef,
    ) -> x509::X509Builder {
        let mut builder = x509::X509Builder::new().unwrap();
        builder.set_version(2).unwrap();
        let serial = openssl::bn::BigNum::from_u32(serial)
            .unwrap()
            .to_asn1_integer()
            .unwrap();
        builder.set_serial_number(&serial).unwrap();
        builder.set_subject_name(subject).unwrap();
        builder.set_issuer_name(issuer).unwrap();
        builder
    }

    /// Signs with `by` (SHA-256) and parses the result with our backend.
    pub(crate) fn sign(mut builder: x509::X509Builder, by: &PKey<Private>) -> Certificate {
        builder.sign(by, MessageDigest::sha256()).unwrap();
        let pem = String::from_utf8(builder.build().to_pem().unwrap()).unwrap();
        backend().parse_certificate(&pem).unwrap()
    }
}

/// A certificate for our key and name, signed by the CA, that also carries a URI SAN.
fn issued_with_uri_san(world: &World) -> Certificate {
    use openssl::{asn1::Asn1Time, x509};
    let ca = forged::x509(&world.ca.certificate);
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "a.example.com").unwrap();
    let name = name.build();
    let mut builder = forged::builder(4242, &name, ca.subject_name());
    builder.set_pubkey(&forged::key(&our_key(world))).unwrap();
    let start = world.now.unix_timestamp();
    builder
        .set_not_before(&Asn1Time::from_unix(start).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::from_unix(start + 30 * 86_400).unwrap())
        .unwrap();
    let san = x509::extension::SubjectAlternativeName::new()
        .dns("a.example.com")
        .uri("spiffe://bank.example/admin")
        .build(&builder.x509v3_context(Some(&ca), None))
        .unwrap();
    builder.append_extension(san).unwrap();
    forged::sign(builder, &forged::key(&world.ca.key))
}

#[test]
fn provider_slipping_a_uri_san_into_our_certificate_is_rejected() {
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let certificate = issued_with_uri_san(&world);
    assert_eq!(certificate.sans_other(), ["URI"]);
    answer(&mut world, &certificate, &ca, &[&certificate, &ca]);
    let plan = world.reconcile();
    assert_eq!(available(&plan), 0, "{plan:?}");
    let reason = rejection(&plan).unwrap_or_else(|| panic!("{plan:?}"));
    assert!(
        reason.contains("names a URI SAN, which we did not ask for"),
        "{reason}"
    );
}

/// A copy of the world's CA (same subject, same key) signed by another root, as a provider
/// whose CA is cross-signed ends its chain with.
fn cross_signed_ca(world: &World) -> Certificate {
    use openssl::x509::extension::{BasicConstraints, KeyUsage};
    let other_root = Ca::new("other-root");
    let root = forged::x509(&other_root.certificate);
    let ca = forged::x509(&world.ca.certificate);
    let mut builder = forged::builder(77, ca.subject_name(), root.subject_name());
    builder.set_pubkey(&ca.public_key().unwrap()).unwrap();
    builder.set_not_before(ca.not_before()).unwrap();
    builder.set_not_after(ca.not_after()).unwrap();
    let constraints = BasicConstraints::new().critical().ca().build().unwrap();
    builder.append_extension(constraints).unwrap();
    let usage = KeyUsage::new()
        .critical()
        .key_cert_sign()
        .crl_sign()
        .build()
        .unwrap();
    builder.append_extension(usage).unwrap();
    forged::sign(builder, &forged::key(&other_root.key))
}

#[test]
fn provider_whose_chain_ends_in_a_cross_signed_copy_of_its_ca_is_accepted() {
    let mut world = world();
    let ca = world.ca.certificate.clone();
    let certificate = issued(&world, thirty_days(&world));
    let cross = cross_signed_ca(&world);
    assert_ne!(cross.der(), ca.der());
    answer(&mut world, &certificate, &ca, &[&certificate, &cross]);
    let plan = world.reconcile();
    assert_eq!(rejection(&plan), None, "{plan:?}");
    assert_eq!(available(&plan), 1, "{plan:?}");
}
