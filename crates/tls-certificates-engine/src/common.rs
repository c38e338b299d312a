//! Types shared by the requirer and the provider: observed relation data and secrets, and the
//! effects a plan asks the driver to perform.

use core::fmt;
use std::collections::BTreeMap;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::Error;

/// A Juju relation id (the number in `certificates:3`).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct RelationId(pub u32);

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A relation databag as Juju stores it: string keys to string values.
pub type Databag = BTreeMap<String, String>;

/// Which of the local unit's databags a write goes to.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum DatabagScope {
    /// The local unit's databag (every unit may write it).
    Unit,
    /// The local application's databag (only the leader may write it).
    App,
}

/// One key to write (`Some`) or delete (`None`) in a local databag.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DatabagWrite {
    /// The relation.
    pub relation_id: RelationId,
    /// Unit or application databag.
    pub scope: DatabagScope,
    /// The key.
    pub key: String,
    /// The new value, or `None` to delete the key.
    pub value: Option<String>,
}

/// A unit name `application/number`, parsed.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct UnitName {
    name: String,
    number: u32,
}

impl UnitName {
    /// Parses `application/number`.
    ///
    /// # Errors
    /// [`Error::InvalidUnitName`] if the name is not of that form.
    pub fn parse(name: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidUnitName {
            name: name.to_owned(),
        };
        let (app, number) = name.split_once('/').ok_or_else(invalid)?;
        if app.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let number = number.parse().map_err(|_| invalid())?;
        Ok(Self {
            name: name.to_owned(),
            number,
        })
    }

    /// The full name.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The unit number (used in secret labels).
    pub fn number(&self) -> u32 {
        self.number
    }
}

/// Who owns a Juju secret.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum SecretOwner {
    /// The unit (`secret-add --owner unit`).
    Unit,
    /// The application (`secret-add --owner application`; leader only).
    App,
}

/// The content of a Juju secret: string keys to string values. Values are zeroized on drop and
/// never printed by `Debug` (they may hold private keys).
#[derive(Clone, Default, Eq, PartialEq)]
pub struct SecretContent(BTreeMap<String, Zeroizing<String>>);

impl SecretContent {
    /// An empty content.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `key`.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.insert(key.to_owned(), Zeroizing::new(value.into()));
        self
    }

    /// The value of `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.as_str())
    }

    /// Iterates over `(key, value)` pairs in key order. Values may be secret.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for SecretContent {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), Zeroizing::new(v.into())))
                .collect(),
        )
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[redacted]")))
            .finish()
    }
}

/// A secret this unit (or, on the leader, its application) owns, as observed in the hook.
#[derive(Clone, Debug)]
pub struct ObservedSecret {
    /// Juju secret id (`secret:...`).
    pub id: String,
    /// Label.
    pub label: String,
    /// Owner.
    pub owner: SecretOwner,
    /// Current content.
    pub content: SecretContent,
    /// Expiry, if set.
    pub expires: Option<OffsetDateTime>,
}

/// A change to Juju secrets. The plan holds at most one action per secret.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SecretAction {
    /// `secret-add` with this label, owner, content and expiry.
    Add {
        /// Label.
        label: String,
        /// Owner.
        owner: SecretOwner,
        /// Content.
        content: SecretContent,
        /// Expiry.
        expire: Option<OffsetDateTime>,
    },
    /// `secret-set` of an existing secret (one call: content and expiry together).
    Set {
        /// Secret id.
        id: String,
        /// Label (unchanged; for the driver's bookkeeping).
        label: String,
        /// New content.
        content: SecretContent,
        /// New expiry.
        expire: Option<OffsetDateTime>,
    },
    /// `secret-remove`: one revision, or every revision when `revision` is `None`.
    Remove {
        /// Secret id.
        id: String,
        /// The revision to prune.
        revision: Option<u32>,
    },
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum LogLevel {
    /// Debug detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something is wrong with peer data or configuration but was handled.
    Warning,
    /// Something failed.
    Error,
}

impl LogLevel {
    /// The `juju-log --log-level` name.
    pub fn as_juju_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }
}

/// A log line. Never contains private key material.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// Message.
    pub message: String,
}

pub(crate) fn log(logs: &mut Vec<LogLine>, level: LogLevel, message: impl Into<String>) {
    logs.push(LogLine {
        level,
        message: message.into(),
    });
}

/// The canonical join key of a PEM CSR: its base64 body without whitespace. Two PEM texts of
/// the same CSR that differ only in line wrapping, CRLF or a trailing newline get the same key,
/// without parsing (cheap enough to run for every entry of a large databag).
pub(crate) fn pem_join_key(pem: &str) -> String {
    let body = pem
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .collect::<String>();
    body.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A certificate entry of the provider's databag, as sent: what a provider published and a
/// requirer reads (PEMs exactly as they are on the wire).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ProviderCertificate {
    /// The relation.
    pub relation_id: RelationId,
    /// The certificate PEM.
    pub certificate: String,
    /// The CSR PEM it answers.
    pub csr: String,
    /// The CA PEM.
    pub ca: String,
    /// The chain PEMs, leaf first.
    pub chain: Vec<String>,
    /// Whether it is revoked.
    pub revoked: bool,
}
