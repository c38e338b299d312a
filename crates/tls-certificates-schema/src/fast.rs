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

use crate::PemCertificate;

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
pub(crate) fn irregular<E: de::Error>() -> E {
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
pub(crate) fn read_members<'de, A: MapAccess<'de>>(
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
pub(crate) struct NullableBool;

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
pub(crate) struct NullableCertificates;

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
pub(crate) fn required<T, E: de::Error>(slot: Option<T>) -> Result<T, E> {
    slot.ok_or_else(irregular)
}
