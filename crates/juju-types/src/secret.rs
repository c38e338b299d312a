//! Juju secrets: ids, owners, content.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::Error;

/// A secret's id, as Juju hands it out: `secret:<xid>` or `secret://<model-uuid>/<xid>`.
///
/// Opaque: two ids are equal when their *xid* (the part after `secret:` or after the last `/`)
/// is equal, whichever form they came in. A bare xid (as `secret-ids` prints it) is accepted and
/// canonicalized to `secret:<xid>`, as `ops` does.
#[derive(Debug, Clone)]
pub struct SecretId {
    uri: String,
    xid_start: usize,
}

impl SecretId {
    /// Parses `secret:<xid>`, `secret://<uuid>/<xid>` or a bare `<xid>` (surrounding whitespace
    /// is trimmed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecretId`] if the xid is empty or not made of lowercase ASCII letters
    /// and digits.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let uri = if s.starts_with("secret:") {
            s.to_owned()
        } else {
            format!("secret:{s}")
        };
        let xid_start = match uri.rfind('/') {
            Some(slash) => slash + 1,
            None => "secret:".len(),
        };
        let xid = uri.get(xid_start..).unwrap_or_default();
        if xid.is_empty()
            || !xid
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(Error::InvalidSecretId { id: s.to_owned() });
        }
        Ok(Self { uri, xid_start })
    }

    /// The unique part of the id, e.g. `cs8m0bqi1tasq7ahb0j0`.
    #[must_use]
    pub fn xid(&self) -> &str {
        self.uri.get(self.xid_start..).unwrap_or_default()
    }

    /// The id as a URI (`secret:<xid>` or `secret://<uuid>/<xid>`), as passed to the tools.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.uri
    }
}

impl PartialEq for SecretId {
    fn eq(&self, other: &Self) -> bool {
        self.xid() == other.xid()
    }
}

impl Eq for SecretId {}

impl Hash for SecretId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.xid().hash(state);
    }
}

impl PartialOrd for SecretId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SecretId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.xid().cmp(other.xid())
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri)
    }
}

impl FromStr for SecretId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether `key` is a valid secret content key: `^([a-z](?:-?[a-z0-9]){2,})$`, i.e. lowercase
/// letters, digits and single inner hyphens, starting with a letter, at least 3 characters
/// (`ca` is too short).
#[must_use]
pub fn is_valid_secret_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    // Count the `(?:-?[a-z0-9])` groups: each is an alphanumeric, optionally preceded by one `-`.
    let mut groups = 0usize;
    let mut after_hyphen = false;
    for &b in rest {
        if b == b'-' {
            if after_hyphen {
                return false;
            }
            after_hyphen = true;
        } else if b.is_ascii_lowercase() || b.is_ascii_digit() {
            groups += 1;
            after_hyphen = false;
        } else {
            return false;
        }
    }
    !after_hyphen && groups >= 2
}

/// The content of one secret revision: keys (validated as Juju requires) to values.
///
/// Values are zeroized when dropped and never shown by `Debug`, which prints only the keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretContent {
    entries: BTreeMap<String, Zeroizing<String>>,
}

impl SecretContent {
    /// Empty content (Juju rejects empty content; add at least one key before using it).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Content from `(key, value)` pairs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecretKey`] naming the first key that is not a valid secret key.
    pub fn from_pairs<K, V, I>(pairs: I) -> Result<Self, Error>
    where
        K: AsRef<str>,
        V: Into<String>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut content = Self::new();
        for (key, value) in pairs {
            content.insert(key.as_ref(), value)?;
        }
        Ok(content)
    }

    /// Sets `key` to `value`, returning `self` for chaining.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecretKey`] if `key` does not match `^([a-z](?:-?[a-z0-9]){2,})$`.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> Result<&mut Self, Error> {
        self.insert_zeroizing(key, Zeroizing::new(value.into()))
    }

    /// [`insert`](Self::insert) for a value already in a wiping buffer (no unwiped copy).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecretKey`] if `key` does not match `^([a-z](?:-?[a-z0-9]){2,})$`.
    pub fn insert_zeroizing(
        &mut self,
        key: &str,
        value: Zeroizing<String>,
    ) -> Result<&mut Self, Error> {
        if !is_valid_secret_key(key) {
            return Err(Error::InvalidSecretKey {
                key: key.to_owned(),
            });
        }
        self.entries.insert(key.to_owned(), value);
        Ok(self)
    }

    /// `self` with `key` set to `value`, for building content in one expression.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecretKey`] if `key` does not match `^([a-z](?:-?[a-z0-9]){2,})$`.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Result<Self, Error> {
        self.insert(key, value)?;
        Ok(self)
    }

    /// The value stored under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(|v| v.as_str())
    }

    /// Removes `key`, returning whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        self.entries.remove(key).is_some()
    }

    /// The keys and values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.keys().map(String::as_str)
    }

    /// The number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

/// Who owns a secret (and may update, remove, grant it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SecretOwner {
    /// The application; only its leader may manage the secret. Juju's default.
    #[default]
    Application,
    /// This unit alone (what the tls-certificates v4 library uses).
    Unit,
}

impl SecretOwner {
    /// The word `--owner` takes: `application` or `unit`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Unit => "unit",
        }
    }
}

impl FromStr for SecretOwner {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "application" | "app" => Ok(Self::Application),
            "unit" => Ok(Self::Unit),
            other => Err(Error::UnknownWord {
                word: other.to_owned(),
                expected: "a secret owner (application or unit)",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_id_forms_when_parsed_then_equal_by_xid() {
        let short = SecretId::parse("secret:cs8m0bqi1tasq7ahb0j0").unwrap();
        let long = SecretId::parse("secret://0b7f1c2e-aaaa/cs8m0bqi1tasq7ahb0j0").unwrap();
        let bare = SecretId::parse(" cs8m0bqi1tasq7ahb0j0\n").unwrap();
        assert_eq!(short, long);
        assert_eq!(short, bare);
        assert_eq!(bare.as_str(), "secret:cs8m0bqi1tasq7ahb0j0");
        assert_eq!(long.xid(), "cs8m0bqi1tasq7ahb0j0");
        assert_ne!(
            short,
            SecretId::parse("secret:d0000000000000000000").unwrap()
        );
        let set: std::collections::HashSet<_> = [short, long, bare].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn given_bad_ids_when_parsed_then_rejected() {
        for bad in [
            "",
            "secret:",
            "secret://uuid/",
            "UPPER",
            "secret:a b",
            "secret:a_b",
        ] {
            assert!(
                matches!(SecretId::parse(bad), Err(Error::InvalidSecretId { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn given_keys_when_checked_then_juju_regex_is_followed() {
        for good in [
            "csr",
            "private-key",
            "certificate",
            "a1b",
            "a-b-c",
            "abc123",
        ] {
            assert!(is_valid_secret_key(good), "{good}");
        }
        for bad in [
            "", "ca", "a", "1ab", "-ab", "ab-", "a--b", "Abc", "a_b", "ab.c", "a-b",
        ] {
            assert!(!is_valid_secret_key(bad), "{bad}");
        }
    }

    #[test]
    fn given_content_when_debug_printed_then_values_are_redacted() {
        let content =
            SecretContent::from_pairs([("private-key", "SUPER-SECRET"), ("csr", "x")]).unwrap();
        let debug = format!("{content:?}");
        assert!(!debug.contains("SUPER-SECRET"), "{debug}");
        assert!(
            debug.contains("private-key") && debug.contains("<redacted>"),
            "{debug}"
        );
    }

    #[test]
    fn given_invalid_key_when_inserted_then_refused_and_content_unchanged() {
        let mut content = SecretContent::new();
        let err = content.insert("ca", "x").unwrap_err();
        assert_eq!(err, Error::InvalidSecretKey { key: "ca".into() });
        assert!(content.is_empty());
        assert!(SecretContent::new().with("ca", "x").is_err());
        content
            .insert("csr", "a")
            .unwrap()
            .insert("csr", "b")
            .unwrap();
        assert_eq!(content.get("csr"), Some("b"));
        assert_eq!(content.len(), 1);
        assert!(content.remove("csr"));
        assert!(!content.remove("csr"));
        let built = SecretContent::new().with("private-key", "k").unwrap();
        assert_eq!(built.iter().collect::<Vec<_>>(), [("private-key", "k")]);
    }

    #[test]
    fn given_words_when_parsed_then_owners_round_trip() {
        for owner in [SecretOwner::Application, SecretOwner::Unit] {
            assert_eq!(owner.as_str().parse::<SecretOwner>().unwrap(), owner);
        }
        assert!("model".parse::<SecretOwner>().is_err());
    }
}
