//! Requirer unit tests: v3-era chains, provider hints, how peer text is shown.

use tls_certificates_crypto::Certificate;

use super::verify::{SHOWN_CHARS, check_chain, check_names, leaf_first, shown};
use super::{ProviderHint, RequirerRelation, provider_hint};
use crate::wire;
use juju_types::{Databag, RelationId};

/// Golden databags written by the real v3 library (see the README there).
const V3: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../interop/fixtures/python-v3"
);
const PYTHON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../interop/fixtures/python-reference"
);

fn databag(path: &str) -> Databag {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn relation(path: &str) -> RequirerRelation {
    RequirerRelation {
        remote_app: databag(path),
        ..RequirerRelation::new(RelationId::new("certificates", 1).unwrap())
    }
}

#[test]
fn v3_chains_written_ca_first_are_put_leaf_first_and_pass_every_check_but_the_key() {
    let backend = tls_certificates_crypto::ring::backend();
    for libpatch in ["17", "27"] {
        for (file, expect_ca_first) in [
            (format!("provider-app-ca-first.v3.{libpatch}.json"), true),
            (format!("provider-app.v3.{libpatch}.json"), false),
        ] {
            let bag = databag(&format!("{V3}/{file}"));
            let (entries, bad) = wire::decode_certificates(&bag["certificates"]);
            assert!(bad.is_empty(), "{file}: {bad:?}");
            assert_eq!(entries.len(), 2, "{file}");
            for entry in entries {
                let parse = |pem: &str| backend.parse_certificate(pem).unwrap();
                let certificate = parse(entry.certificate.as_str());
                let ca = parse(entry.ca.as_str());
                assert!(ca.is_certificate_authority(), "{file}");
                let chain: Vec<Certificate> = entry
                    .chain
                    .iter()
                    .flatten()
                    .map(|pem| parse(pem.as_str()))
                    .collect();
                let (chain, ca_first) = leaf_first(chain, &certificate).unwrap();
                assert_eq!(ca_first, expect_ca_first, "{file}");
                assert_eq!(chain[0].der(), certificate.der(), "{file}");
                check_chain(&chain, &ca, backend).unwrap();
                let csr = backend
                    .parse_csr(entry.certificate_signing_request.as_str())
                    .unwrap();
                check_names(&certificate, &csr).unwrap();
            }
            assert_eq!(
                provider_hint(&relation(&format!("{V3}/{file}"))),
                ProviderHint::V3Library,
                "{file}"
            );
        }
    }
}

#[test]
fn only_v3_providers_are_told_apart_and_silence_is_not_taken_for_v3() {
    for file in [
        "provider_databag.json",
        "provider_databag_error.json",
        "provider_databag_capabilities_only.json",
    ] {
        assert_eq!(
            provider_hint(&relation(&format!("{PYTHON}/{file}"))),
            ProviderHint::Answering,
            "{file}"
        );
    }
    assert_eq!(
        provider_hint(&RequirerRelation::new(
            RelationId::new("certificates", 1).unwrap()
        )),
        ProviderHint::NothingPublished
    );
    // Revoked v3 entries still carry the v3 field.
    assert_eq!(
        provider_hint(&relation(&format!("{V3}/provider-app-revoked.v3.17.json"))),
        ProviderHint::V3Library
    );
}

#[test]
fn peer_text_in_reasons_is_quoted_and_cut() {
    assert_eq!(shown("a\nb"), "\"a\\nb\"");
    let long = shown(&"x".repeat(10_000));
    assert!(long.chars().count() <= SHOWN_CHARS + 3, "{long}");
    assert!(long.ends_with("…\""));
}
