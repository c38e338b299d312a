//! The fast path of list decoding: one typed pass over a databag value whose entries are all
//! regular, with no intermediate `serde_json::Value` tree.
//!
//! "Regular" is what the Python library writes: every entry an object, the required PEM fields
//! strings of PEM shape, `chain` an array of PEM strings or `null`, `revoked`/`ca` a JSON
//! boolean or `null`, no member given twice. Anything else (a wrong type, a lax boolean such as
//! `"true"`, a duplicate member, text that is not PEM, invalid JSON) makes the fast path give up
//! on the *whole value* and return `None`; the caller then runs the tolerant decoder
//! ([`crate::lax`]), which produces the located issues. So the fast path never decides anything
//! the tolerant decoder would decide differently: it only accepts values that decode cleanly,
//! and for those it yields the same entries.
//!
//! Strictness: every member is parsed in full, unknown members included (as a
//! `serde_json::Value`, never skipped with `IgnoredAny`, which would not check number ranges,
//! surrogate escapes or nesting depth), by the same `serde_json` parser and recursion limit as
//! the tolerant decoder. A value the tolerant decoder rejects as invalid JSON is rejected here
//! too, and then reported by it.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::v1::{CertificateSigningRequest, ProviderCertificate};
use crate::{PemCertificate, PemCsr};

/// Decodes `text` as a list of regular entries, or `None` when any entry is not regular (see
/// the module docs).
pub(crate) fn list<T: FastEntry>(text: &str) -> Option<Vec<T>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let entries = deserializer
        .deserialize_seq(ListVisitor(PhantomData))
        .ok()?;
    deserializer.end().ok()?;
    Some(entries)
}

/// An entry type with a fast decoder.
pub(crate) trait FastEntry: Sized {
    /// The members the type reads; any other member is parsed and dropped.
    const FIELDS: &'static [&'static str];

    /// Reads one entry from its members; an error when it is not regular.
    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The error that makes the fast path give up; its text is never shown (the tolerant decoder
/// reports the real problem).
fn irregular<E: de::Error>() -> E {
    E::custom("irregular entry")
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: FastEntry> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // Bounded by the input: serde_json gives at most one element per byte.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = seq.next_element_seed(EntrySeed(PhantomData))? {
            out.push(entry);
        }
        Ok(out)
    }
}

struct EntrySeed<T>(PhantomData<T>);

impl<'de, T: FastEntry> DeserializeSeed<'de> for EntrySeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(EntryVisitor(PhantomData))
    }
}

struct EntryVisitor<T>(PhantomData<T>);

impl<'de, T: FastEntry> Visitor<'de> for EntryVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(map)
    }
}

/// A member name: the index of a known name in `T::FIELDS`, or `None` for any other name.
struct FieldSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldSeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|known| *known == name))
    }
}

/// Reads the members of one entry into `slots` (one per known field, `None` until seen) with
/// `read_field(index, map)`; unknown members are parsed in full and dropped. A known member
/// given twice is irregular.
fn read_members<'de, A: MapAccess<'de>>(
    mut map: A,
    fields: &'static [&'static str],
    mut read_field: impl FnMut(usize, &mut A) -> Result<bool, A::Error>,
) -> Result<(), A::Error> {
    // Seen flags, one bit per known field (entry types have at most a handful).
    let mut seen = 0_u32;
    while let Some(field) = map.next_key_seed(FieldSeed(fields))? {
        match field {
            Some(index) => {
                let bit = 1_u32 << index;
                if seen & bit != 0 {
                    return Err(irregular());
                }
                seen |= bit;
                if !read_field(index, &mut map)? {
                    return Err(irregular());
                }
            }
            None => {
                map.next_value::<Value>()?;
            }
        }
    }
    Ok(())
}

/// A JSON boolean or `null` (`None`); anything else, lax booleans included, is irregular.
struct NullableBool;

impl<'de> DeserializeSeed<'de> for NullableBool {
    type Value = Option<bool>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for NullableBool {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or null")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Some(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A JSON array of certificate PEM strings, or `null` (`None`).
struct NullableCertificates;

impl<'de> DeserializeSeed<'de> for NullableCertificates {
    type Value = Option<Vec<PemCertificate>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NullableCertificates {
    type Value = Option<Vec<PemCertificate>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of PEM strings or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(text) = seq.next_element::<String>()? {
            out.push(PemCertificate::from_string(text).map_err(|_| irregular())?);
        }
        Ok(Some(out))
    }
}

/// A required member that was not given.
fn required<T, E: de::Error>(slot: Option<T>) -> Result<T, E> {
    slot.ok_or_else(irregular)
}

impl FastEntry for ProviderCertificate {
    const FIELDS: &'static [&'static str] = &[
        "ca",
        "certificate_signing_request",
        "certificate",
        "chain",
        "revoked",
    ];

    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut ca = None;
        let mut csr = None;
        let mut certificate = None;
        let mut chain = None;
        let mut revoked = None;
        read_members(map, Self::FIELDS, |index, map| {
            Ok(match index {
                0 => {
                    ca = PemCertificate::from_string(map.next_value()?).ok();
                    ca.is_some()
                }
                1 => {
                    csr = PemCsr::from_string(map.next_value()?).ok();
                    csr.is_some()
                }
                2 => {
                    certificate = PemCertificate::from_string(map.next_value()?).ok();
                    certificate.is_some()
                }
                3 => {
                    chain = map.next_value_seed(NullableCertificates)?;
                    true
                }
                _ => {
                    revoked = map.next_value_seed(NullableBool)?;
                    true
                }
            })
        })?;
        Ok(Self {
            ca: required(ca)?,
            certificate_signing_request: required(csr)?,
            certificate: required(certificate)?,
            chain,
            revoked,
        })
    }
}

impl FastEntry for CertificateSigningRequest {
    const FIELDS: &'static [&'static str] = &["certificate_signing_request", "ca"];

    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut csr = None;
        let mut ca = None;
        read_members(map, Self::FIELDS, |index, map| {
            Ok(if index == 0 {
                csr = PemCsr::from_string(map.next_value()?).ok();
                csr.is_some()
            } else {
                ca = map.next_value_seed(NullableBool)?;
                true
            })
        })?;
        Ok(Self {
            certificate_signing_request: required(csr)?,
            ca,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::databag::parse;
    use crate::v1::{ProviderData, RequirerData, decode_list};
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
            "../../../interop/fixtures/python-reference/provider_databag.json"
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
}
