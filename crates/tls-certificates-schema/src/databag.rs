//! Databags, the key/value updates we write, and the result of a tolerant decode.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use serde_json::Value;

use crate::{Error, MAX_VALUE_LEN};

/// A Juju databag: string keys to string values, as `relation-get` returns it.
pub type Databag = BTreeMap<String, String>;

/// Anything a databag can be read from.
///
/// Implemented for [`BTreeMap<String, String>`] (the [`Databag`] alias) and
/// [`HashMap<String, String>`].
pub trait DatabagSource {
    /// The value of `key`, if present.
    fn value(&self, key: &str) -> Option<&str>;
}

impl DatabagSource for BTreeMap<String, String> {
    fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: BuildHasher> DatabagSource for HashMap<String, String, S> {
    fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// The writes one side makes to a databag: for each key it owns, the new value, or `None` to
/// delete the key.
///
/// Keys the writer does not own never appear here, so applying an update never touches other
/// libraries' keys (unlike the Python library, which clears the whole databag on every write).
#[derive(Clone, Debug, Default, Eq, PartialEq)]
#[must_use = "an update does nothing until it is applied to the databag"]
pub struct DatabagUpdate(BTreeMap<String, Option<String>>);

impl DatabagUpdate {
    /// An update that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, or deletes it when `value` is `None`.
    pub fn set(&mut self, key: impl Into<String>, value: Option<String>) {
        self.0.insert(key.into(), value);
    }

    /// What this update does to `key`: `None` if it leaves it alone, `Some(None)` if it deletes
    /// it, `Some(Some(value))` if it writes `value`.
    pub fn change(&self, key: &str) -> Option<Option<&str>> {
        self.0.get(key).map(Option::as_deref)
    }

    /// The changes, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_deref()))
    }

    /// Whether this update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of keys this update writes or deletes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The same update without the changes that `current` already reflects (a key set to the
    /// value it already has, or deleted when it is already absent).
    ///
    /// Juju fires `relation-changed` on every byte change, so writing only real changes avoids
    /// waking peers for nothing.
    pub fn minimized_against(&self, current: &impl DatabagSource) -> Self {
        Self(
            self.0
                .iter()
                .filter(|(key, value)| current.value(key) != value.as_deref())
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )
    }

    /// Applies the update to `databag`, leaving keys the update does not mention untouched.
    pub fn apply_to(&self, databag: &mut Databag) {
        for (key, value) in &self.0 {
            match value {
                Some(value) => databag.insert(key.clone(), value.clone()),
                None => databag.remove(key),
            };
        }
    }

    /// The changes as a map of key to new value (`None` = delete).
    pub fn into_map(self) -> BTreeMap<String, Option<String>> {
        self.0
    }
}

impl IntoIterator for DatabagUpdate {
    type Item = (String, Option<String>);
    type IntoIter = std::collections::btree_map::IntoIter<String, Option<String>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The result of decoding relation data: what could be read, and every problem found.
///
/// Decoding is per-entry tolerant: a malformed entry is reported in `issues` and left out of
/// `value`; the other entries are still there.
#[derive(Debug)]
#[must_use]
pub struct Decoded<T> {
    /// What was read.
    pub value: T,
    /// The problems found, in the order they were found. Empty for well-formed data.
    pub issues: Vec<Error>,
}

impl<T> Decoded<T> {
    /// Whether decoding found no problem at all.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }

    /// The decoded value, or the first problem if there was any.
    ///
    /// # Errors
    /// The first issue found, when there is at least one.
    pub fn into_strict(self) -> Result<T, Error> {
        match self.issues.into_iter().next() {
            None => Ok(self.value),
            Some(first) => Err(first),
        }
    }
}

/// Reads the JSON document stored under `key`.
///
/// An absent key, and an empty value (which Juju treats as absent), read as `Ok(None)`.
pub(crate) fn json_value(
    databag: &(impl DatabagSource + ?Sized),
    key: &str,
) -> Result<Option<Value>, Error> {
    match raw_value(databag, key)? {
        Some(text) => parse(key, text).map(Some),
        None => Ok(None),
    }
}

/// The text stored under `key`, checked against [`MAX_VALUE_LEN`] but not parsed.
///
/// An absent key, and an empty value (which Juju treats as absent), read as `Ok(None)`.
pub(crate) fn raw_value<'a>(
    databag: &'a (impl DatabagSource + ?Sized),
    key: &str,
) -> Result<Option<&'a str>, Error> {
    let Some(text) = databag.value(key) else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_VALUE_LEN {
        return Err(Error::ValueTooLarge {
            key: key.to_owned(),
            len: text.len(),
            limit: MAX_VALUE_LEN,
        });
    }
    Ok(Some(text))
}

/// Parses the JSON document `text` stored under `key`.
pub(crate) fn parse(key: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|source| Error::InvalidJson {
        key: key.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn databag(pairs: &[(&str, &str)]) -> Databag {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn given_foreign_keys_when_update_applied_then_they_survive() {
        let mut bag = databag(&[("ingress-address", "10.0.0.1"), ("certificates", "[1]")]);
        let mut update = DatabagUpdate::new();
        update.set("certificates", None);
        update.set("capabilities", Some("{}".to_owned()));
        update.apply_to(&mut bag);
        assert_eq!(
            bag,
            databag(&[("ingress-address", "10.0.0.1"), ("capabilities", "{}")])
        );
    }

    #[test]
    fn given_unchanged_keys_when_minimized_then_only_real_changes_remain() {
        let bag = databag(&[("a", "1"), ("b", "2")]);
        let mut update = DatabagUpdate::new();
        update.set("a", Some("1".to_owned()));
        update.set("b", Some("3".to_owned()));
        update.set("c", None);
        update.set("d", Some("4".to_owned()));
        let minimal = update.minimized_against(&bag);
        assert_eq!(
            minimal.iter().collect::<Vec<_>>(),
            vec![("b", Some("3")), ("d", Some("4"))]
        );
    }

    #[test]
    fn given_empty_value_when_read_then_treated_as_absent() {
        assert!(json_value(&databag(&[("k", "")]), "k").unwrap().is_none());
        assert!(json_value(&databag(&[]), "k").unwrap().is_none());
    }

    #[test]
    fn given_invalid_json_when_read_then_typed_error_names_the_key() {
        let error = json_value(&databag(&[("k", "[{")]), "k").unwrap_err();
        assert!(
            matches!(error, Error::InvalidJson { ref key, .. } if key == "k"),
            "{error}"
        );
    }
}
