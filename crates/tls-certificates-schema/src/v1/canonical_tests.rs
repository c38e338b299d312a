//! The canonical reader of `certificates` values against the writer: whatever the writer
//! writes reads back, and any other text is read only if it re-encodes to itself.

use proptest::prelude::*;

use super::canonical::certificates;
use super::{ProviderCertificate, ProviderData};
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

proptest! {
    #[test]
    fn given_any_encoded_entries_when_read_canonically_then_the_same_entries(
        entries in proptest::collection::vec(entry(), 1..4),
    ) {
        prop_assert_eq!(certificates(&encode(&entries)), Some(entries));
    }

    #[test]
    fn given_any_altered_text_when_read_canonically_then_accepted_only_if_it_reencodes_to_itself(
        entries in proptest::collection::vec(entry(), 1..3),
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), 0..3_usize, prop::sample::select(vec![
                " ", "\\", "/", "\\/", "u", "\\u0041", "\\u00E9", "\\u00e9", "A", "\"", ",",
                "é", "\n", "}", "]", "null", "true", ", \"x\": 1",
            ])),
            1..3,
        ),
    ) {
        let mut text = encode(&entries);
        for (at, kind, piece) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            match kind {
                0 => text.insert_str(i, piece),
                1 => {
                    let end = text[i..].chars().next().map_or(i, |c| i + c.len_utf8());
                    text.replace_range(i..end, piece);
                }
                _ => {
                    let end = text[i..].chars().next().map_or(i, |c| i + c.len_utf8());
                    text.replace_range(i..end, "");
                }
            }
        }
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
