//! The fast path of list decoding ([`crate::fast`]) against the tolerant decoder, on version 1
//! entries: the fast path accepts exactly the regular values, and yields the same entries.

use proptest::prelude::*;

use super::{
    CertificateSigningRequest, ProviderCertificate, ProviderData, RequirerData, decode_list,
};
use crate::databag::parse;
use crate::fast::list;
use crate::{Databag, Decoded, Error};

const PEM: &str = r#""-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----""#;
const CSR: &str =
    r#""-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----""#;

/// An index into one of the value lists below, biased towards their regular values (which
/// come first), so that whole regular lists are common.
fn pick(len: usize) -> impl Strategy<Value = usize> {
    (0..len * 3).prop_map(move |i| if i < len { i } else { i % 3 })
}

/// Member values as raw JSON text, and whether the fast path may accept them.
fn pem_values() -> Vec<(&'static str, bool)> {
    vec![
        (PEM, true),
        (CSR, true),
        // The same PEM with every kind of escape Python or a hand-written peer might use.
        (
            r#""-----BEGIN CERTIFICATE-----\r\nMI\/IB\r\n-----END CERTIFICATE-----\n""#,
            true,
        ),
        (
            r#""\u002d\u002d\u002d\u002d\u002dBEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----""#,
            true,
        ),
        (r#""  \t-----BEGIN X-----\u3000""#, true),
        (r#""\u00e9t\u00e9 -----BEGIN X \ud83d\udd12""#, true),
        (r#""-----BEGIN ""#, false),
        (r#""not pem""#, false),
        (r#""""#, false),
        (r#""\ud800""#, false),
        ("42", false),
        ("null", false),
        ("true", false),
        ("[]", false),
        ("{}", false),
    ]
}

fn bool_values() -> Vec<(&'static str, bool)> {
    vec![
        ("true", true),
        ("false", true),
        ("null", true),
        (r#""yes""#, false),
        (r#""False""#, false),
        ("1", false),
        ("0.0", false),
        ("2", false),
        (r#""maybe""#, false),
        ("[]", false),
    ]
}

fn chain_values() -> Vec<(String, bool)> {
    vec![
        ("null".to_owned(), true),
        ("[]".to_owned(), true),
        (format!("[{PEM}]"), true),
        (format!("[{PEM}, {CSR}]"), true),
        (format!("[{PEM}, 42]"), false),
        (format!("[{PEM}, null]"), false),
        (r#"["garbage"]"#.to_owned(), false),
        (PEM.to_owned(), false),
        ("{}".to_owned(), false),
    ]
}

/// Unknown members: ignored by both paths, but parsed in full by both.
fn extra_values() -> Vec<(&'static str, bool)> {
    vec![
        (r#""recommended_expiry_notification_time": 168"#, true),
        (r#""x": {"y": [1, 2.5, "z", null]}"#, true),
        (r#""x": -0"#, true),
        (r#""x": 1e999"#, false),
        (r#""x": "\ud800""#, false),
    ]
}

prop_compose! {
    /// One provider entry as JSON text (members in a random order, some left out or given
    /// twice), and whether it is regular.
    fn provider_entry()(
        ca in pick(pem_values().len()),
        csr in pick(pem_values().len()),
        certificate in pick(pem_values().len()),
        chain in pick(chain_values().len()),
        revoked in pick(bool_values().len()),
        extra in pick(extra_values().len()),
        present in proptest::collection::vec(any::<bool>(), 6),
        duplicate in 0..16_usize,
        order in Just(()).prop_perturb(|(), mut rng| {
            let mut order: Vec<usize> = (0..6).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            order
        }),
        not_an_object in 0..30_usize,
    ) -> (String, bool) {
        if not_an_object < 2 {
            return (["42", r#""text""#][not_an_object].to_owned(), false);
        }
        let (pems, bools, chains, extras) =
            (pem_values(), bool_values(), chain_values(), extra_values());
        let members = [
            (format!(r#""ca": {}"#, pems[ca].0), pems[ca].1, true),
            (
                format!(r#""certificate_signing_request": {}"#, pems[csr].0),
                pems[csr].1,
                true,
            ),
            (
                format!(r#""certificate": {}"#, pems[certificate].0),
                pems[certificate].1,
                true,
            ),
            (format!(r#""chain": {}"#, chains[chain].0), chains[chain].1, false),
            (format!(r#""revoked": {}"#, bools[revoked].0), bools[revoked].1, false),
            (extras[extra].0.to_owned(), extras[extra].1, false),
        ];
        let mut regular = true;
        let mut parts = Vec::new();
        for &i in &order {
            let (text, ok, required) = &members[i];
            if present[i] || *required && duplicate != 7 {
                parts.push(text.clone());
                regular &= *ok;
            } else if *required {
                regular = false;
            }
        }
        if duplicate < members.len() && present[duplicate] {
            parts.push(members[duplicate].0.clone());
            // A known member given twice is irregular; a repeated unknown one is not.
            regular &= duplicate == 5 && members[5].1;
        }
        (format!("{{{}}}", parts.join(", ")), regular)
    }
}

fn issue_texts(issues: &[Error]) -> Vec<String> {
    issues.iter().map(ToString::to_string).collect()
}

/// The tolerant decoder alone: what decoding gave before the fast path existed.
fn tolerant_certificates(text: &str) -> Decoded<Vec<ProviderCertificate>> {
    let mut issues = Vec::new();
    let value = decode_list(
        parse("certificates", text).map(Some),
        "certificates",
        &mut issues,
        ProviderCertificate::decode,
    );
    Decoded { value, issues }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn given_any_provider_list_when_decoded_then_same_as_the_tolerant_decoder(
        entries in proptest::collection::vec(provider_entry(), 0..4),
        not_a_list in 0..20_usize,
    ) {
        let text = match not_a_list {
            0 => r#"{"a": 1}"#.to_owned(),
            1 => "[1] trailing".to_owned(),
            _ => format!(
                "[{}]",
                entries.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        let regular = not_a_list > 1 && entries.iter().all(|(_, regular)| *regular);
        let expected = tolerant_certificates(&text);
        // The fast path accepts exactly the regular values, and agrees on them.
        match list::<ProviderCertificate>(&text) {
            Some(fast) => {
                prop_assert!(regular, "fast path accepted {text}");
                prop_assert!(expected.is_clean(), "{text}: {:?}", expected.issues);
                prop_assert_eq!(&fast, &expected.value);
            }
            None => prop_assert!(!regular, "fast path refused {text}"),
        }
        // And the public decoder is the tolerant decoder, issues included.
        let bag = Databag::from([("certificates".to_owned(), text)]);
        let decoded = ProviderData::decode(&bag);
        prop_assert_eq!(&decoded.value.certificates, &expected.value);
        prop_assert_eq!(issue_texts(&decoded.issues), issue_texts(&expected.issues));
    }

    #[test]
    fn given_any_requirer_list_when_decoded_then_same_as_the_tolerant_decoder(
        entries in proptest::collection::vec(
            (pick(pem_values().len()), pick(bool_values().len()), any::<bool>(), 0..10_usize),
            0..4,
        ),
    ) {
        let (pems, bools) = (pem_values(), bool_values());
        let mut regular = true;
        let text = format!("[{}]", entries.iter().map(|&(csr, ca, with_ca, shape)| {
            let csr_member = format!(r#""certificate_signing_request": {}"#, pems[csr].0);
            let ca_member = format!(r#""ca": {}"#, bools[ca].0);
            match shape {
                0 => { regular = false; "7".to_owned() }
                1 => { regular = false; format!("{{{ca_member}}}") }
                2 => { regular = false; format!("{{{csr_member}, {ca_member}, {ca_member}}}") }
                3 => {
                    regular &= pems[csr].1 && (!with_ca || bools[ca].1);
                    let extra = r#""extra": [true, {"k": "\u00e9"}]"#;
                    if with_ca { format!("{{{ca_member}, {extra}, {csr_member}}}") }
                    else { format!("{{{extra}, {csr_member}}}") }
                }
                _ => {
                    regular &= pems[csr].1 && (!with_ca || bools[ca].1);
                    if with_ca { format!("{{{csr_member}, {ca_member}}}") }
                    else { format!("{{{csr_member}}}") }
                }
            }
        }).collect::<Vec<_>>().join(", "));
        let mut issues = Vec::new();
        let expected = decode_list(
            parse(RequirerData::KEY, &text).map(Some),
            RequirerData::KEY,
            &mut issues,
            CertificateSigningRequest::decode,
        );
        match list::<CertificateSigningRequest>(&text) {
            Some(fast) => {
                prop_assert!(regular, "fast path accepted {text}");
                prop_assert!(issues.is_empty(), "{text}: {issues:?}");
                prop_assert_eq!(&fast, &expected);
            }
            None => prop_assert!(!regular, "fast path refused {text}"),
        }
        let bag = Databag::from([(RequirerData::KEY.to_owned(), text)]);
        let decoded = RequirerData::decode(&bag);
        prop_assert_eq!(&decoded.value.certificate_signing_requests, &expected);
        prop_assert_eq!(issue_texts(&decoded.issues), issue_texts(&issues));
    }
}

#[test]
fn given_python_written_certificates_when_decoded_then_the_fast_path_takes_them() {
    let bag: Databag = serde_json::from_str(include_str!(
        "../../../../interop/fixtures/python-reference/provider_databag.json"
    ))
    .unwrap();
    let text = &bag["certificates"];
    let fast = list::<ProviderCertificate>(text).expect("a Python-written value is regular");
    assert_eq!(fast, tolerant_certificates(text).value);
    assert!(!fast.is_empty());
}

#[test]
fn given_deep_nesting_under_an_unknown_member_when_decoded_fast_then_refused_like_the_tolerant_decoder()
 {
    let depth = 100_000;
    let text = format!(
        r#"[{{"ca": {PEM}, "certificate_signing_request": {CSR}, "certificate": {PEM}, "x": {}1{}}}]"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(list::<ProviderCertificate>(&text).is_none());
    assert!(matches!(
        tolerant_certificates(&text).issues.as_slice(),
        [Error::InvalidJson { .. }]
    ));
}
