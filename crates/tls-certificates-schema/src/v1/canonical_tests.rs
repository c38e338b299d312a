//! The canonical reader of `certificates` values against the writer: whatever the writer
//! writes reads back, and any other text is read only if it re-encodes to itself.

use proptest::prelude::*;

use super::canonical::{certificates, requests};
use super::{CertificateSigningRequest, ProviderCertificate, ProviderData, RequirerData};
use crate::{Databag, PemCertificate, PemCsr};

fn encode(entries: &[ProviderCertificate]) -> String {
    ProviderData::encode_certificates(entries).unwrap()
}

fn pem_text() -> impl Strategy<Value = String> {
    "(-----BEGIN [A-Z ]{1,12}-----|\\n|[A-Za-z0-9+/=]{1,64}|[\"\\\\\\r\\t\\u{8}\\u{c}\\u{0}\\u{1f}\\u{7f}]|é|\\u{3000}|🔒|\\u{ffff}){0,12}"
        .prop_map(|body| format!("-----BEGIN X-----\n{body}\n-----END X-----"))
}

prop_compose! {
    fn entry()(
        ca in pem_text(),
        csr in pem_text(),
        certificate in pem_text(),
        chain in proptest::option::of(proptest::collection::vec(pem_text(), 0..3)),
        revoked in proptest::option::of(any::<bool>()),
    ) -> ProviderCertificate {
        ProviderCertificate {
            ca: PemCertificate::new(ca).unwrap(),
            certificate_signing_request: PemCsr::new(csr).unwrap(),
            certificate: PemCertificate::new(certificate).unwrap(),
            chain: chain.map(|c| c.into_iter().map(|p| PemCertificate::new(p).unwrap()).collect()),
            revoked,
        }
    }
}

prop_compose! {
    fn request()(
        csr in pem_text(),
        ca in proptest::option::of(any::<bool>()),
    ) -> CertificateSigningRequest {
        CertificateSigningRequest { certificate_signing_request: PemCsr::new(csr).unwrap(), ca }
    }
}

/// Inserts, replaces or removes one `piece` at each `(at, kind)` of `text`.
fn edit(text: &mut String, edits: Vec<(prop::sample::Index, usize, &str)>) {
    for (at, kind, piece) in edits {
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        let end = text[i..].chars().next().map_or(i, |c| i + c.len_utf8());
        match kind {
            0 => text.insert_str(i, piece),
            1 => text.replace_range(i..end, piece),
            _ => text.replace_range(i..end, ""),
        }
    }
}

fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, &'static str)>> {
    proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            0..3_usize,
            prop::sample::select(vec![
                " ",
                "\\",
                "/",
                "\\/",
                "u",
                "\\u0041",
                "\\u00E9",
                "\\u00e9",
                "A",
                "\"",
                ",",
                "é",
                "\n",
                "}",
                "]",
                "null",
                "true",
                ", \"x\": 1",
            ]),
        ),
        1..3,
    )
}

proptest! {
    #[test]
    fn given_any_encoded_requests_when_read_canonically_then_the_same_requests_up_to_the_cap(
        entries in proptest::collection::vec(request(), 1..5),
        cap in 0..6_usize,
    ) {
        let text = RequirerData::encode_requests(&entries).unwrap();
        let (read, unread) = requests(&text, cap).unwrap();
        let kept = cap.min(entries.len());
        prop_assert_eq!(&read[..], &entries[..kept]);
        if kept == entries.len() {
            prop_assert_eq!(unread, 0);
        } else {
            // What follows is exactly the encoding of the rest, without its `[`.
            let rest = RequirerData::encode_requests(&entries[kept..]).unwrap();
            prop_assert_eq!(unread, rest.len() - 1);
            prop_assert_eq!(&text[text.len() - unread..], &rest[1..]);
        }
    }

    #[test]
    fn given_any_altered_requests_when_read_canonically_then_as_the_tolerant_decoder_reads_them(
        entries in proptest::collection::vec(request(), 1..3),
        edits in edits(),
    ) {
        let mut text = RequirerData::encode_requests(&entries).unwrap();
        edit(&mut text, edits);
        if let Some((read, unread)) = requests(&text, usize::MAX) {
            prop_assert_eq!(unread, 0);
            let again = RequirerData::encode_requests(&read);
            prop_assert_eq!(again.as_ref(), Some(&text));
            let bag = Databag::from([(RequirerData::KEY.to_owned(), text.clone())]);
            let decoded = RequirerData::decode(&bag);
            prop_assert!(decoded.is_clean(), "{:?}", decoded.issues);
            prop_assert_eq!(decoded.value.certificate_signing_requests, read);
        }
    }

    #[test]
    fn given_any_encoded_entries_when_read_canonically_then_the_same_entries(
        entries in proptest::collection::vec(entry(), 1..4),
    ) {
        prop_assert_eq!(certificates(&encode(&entries)), Some(entries));
    }

    #[test]
    fn given_any_altered_text_when_read_canonically_then_accepted_only_if_it_reencodes_to_itself(
        entries in proptest::collection::vec(entry(), 1..3),
        edits in edits(),
    ) {
        let mut text = encode(&entries);
        edit(&mut text, edits);
        if let Some(read) = certificates(&text) {
            prop_assert_eq!(&encode(&read), &text);
            let bag = Databag::from([("certificates".to_owned(), text.clone())]);
            let decoded = ProviderData::decode(&bag);
            prop_assert!(decoded.is_clean(), "{:?}", decoded.issues);
            prop_assert_eq!(decoded.value.certificates, read);
        }
    }
}

#[test]
fn given_texts_the_writer_would_write_differently_when_read_canonically_then_refused() {
    let entry = |ca: &str| {
        format!(
            r#"[{{"ca": "{ca}", "certificate_signing_request": "-----BEGIN C-----", "certificate": "-----BEGIN X-----"}}]"#
        )
    };
    assert!(certificates(&entry("-----BEGIN X-----")).is_some());
    for ca in [
        r"-----BEGIN X-----\/",
        r"\u002d----BEGIN X-----",
        r"-----BEGIN X-----\u00E9",
        "-----BEGIN X-----é",
        r"-----BEGIN X-----\u000a",
        r" -----BEGIN X-----",
        r"-----BEGIN X-----\n",
        r"-----BEGIN X-----\udc00",
        r"-----BEGIN X-----\ud800",
        "no pem",
    ] {
        assert_eq!(certificates(&entry(ca)), None, "{ca}");
    }
    assert!(certificates(&entry(r"-----BEGIN X-----\u00e9\ud83d\udd12")).is_some());
    assert_eq!(certificates("[]"), None);
    assert_eq!(
        certificates(&format!("{} ", entry("-----BEGIN X-----"))),
        None
    );
    assert_eq!(
        certificates(&entry("-----BEGIN X-----").replace(", ", ",")),
        None
    );
}

#[test]
fn given_requests_the_writer_would_write_differently_when_read_canonically_then_refused() {
    let entry = |csr: &str, ca: &str| {
        format!(r#"[{{"certificate_signing_request": "{csr}", "ca": {ca}}}]"#)
    };
    let pem = "-----BEGIN CERTIFICATE REQUEST-----";
    for ca in ["true", "false", "null"] {
        assert!(requests(&entry(pem, ca), 16).is_some(), "{ca}");
    }
    for (csr, ca) in [
        (pem, "\"true\""),
        (pem, "0"),
        (" -----BEGIN CERTIFICATE REQUEST-----", "false"),
        ("no pem", "false"),
        (r"-----BEGIN CERTIFICATE REQUEST-----\/", "false"),
    ] {
        assert_eq!(requests(&entry(csr, ca), 16), None, "{csr} {ca}");
    }
    // Python's older entries without `ca`, other separators, an empty list: the tolerant path.
    let without_ca = format!(r#"[{{"certificate_signing_request": "{pem}"}}]"#);
    assert_eq!(requests(&without_ca, 16), None);
    assert_eq!(requests(&entry(pem, "false").replace(", ", ","), 16), None);
    assert_eq!(requests("[]", 16), None);
    assert_eq!(requests(&format!("{} ", entry(pem, "false")), 16), None);
}

#[test]
fn given_python_certificates_when_encoded_then_the_buffer_sized_up_front_was_not_regrown() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference/provider_databag.json"
    );
    let bag: Databag = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let entries = ProviderData::decode(&bag).value.certificates;
    assert!(!entries.is_empty());
    let text = encode(&entries);
    let estimate = entries
        .iter()
        .map(ProviderCertificate::encoded_len_estimate)
        .sum::<usize>()
        + 2 * entries.len();
    // A buffer that had to grow would have at least doubled.
    assert!(estimate >= text.len(), "{estimate} < {}", text.len());
    assert!(text.capacity() < 2 * estimate);
    assert!(
        estimate <= text.len() + text.len() / 10 + 256,
        "{estimate} for {}",
        text.len()
    );
}
