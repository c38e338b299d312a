//! Juju secrets: what the secret tools take and report (the nouns, ids, owners and content, are
//! `juju-types`').

use std::str::FromStr;

use juju_types::{SecretContent, SecretId, SecretOwner};
use time::OffsetDateTime;

/// A secret rotation policy (`--rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RotatePolicy {
    /// `daily`.
    Daily,
    /// `hourly`.
    Hourly,
    /// `monthly`.
    Monthly,
    /// `never`.
    Never,
    /// `quarterly`.
    Quarterly,
    /// `weekly`.
    Weekly,
    /// `yearly`.
    Yearly,
}

impl RotatePolicy {
    /// The word `--rotate` takes, e.g. `daily`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Hourly => "hourly",
            Self::Monthly => "monthly",
            Self::Never => "never",
            Self::Quarterly => "quarterly",
            Self::Weekly => "weekly",
            Self::Yearly => "yearly",
        }
    }
}

impl FromStr for RotatePolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "daily" => Ok(Self::Daily),
            "hourly" => Ok(Self::Hourly),
            "monthly" => Ok(Self::Monthly),
            "never" => Ok(Self::Never),
            "quarterly" => Ok(Self::Quarterly),
            "weekly" => Ok(Self::Weekly),
            "yearly" => Ok(Self::Yearly),
            other => Err(format!("{other:?} is not a rotation policy")),
        }
    }
}

/// How `secret-get` picks the revision it returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ReadMode {
    /// `--peek`: the latest revision, without moving tracking.
    Peek,
    /// `--refresh`: the latest revision, and start tracking it.
    Refresh,
    /// No flag: the tracked revision (the first read starts tracking the latest).
    #[default]
    Tracked,
}

/// Which secret `secret-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretRef<'a> {
    /// By id.
    Id(&'a SecretId),
    /// By id, setting (or renaming) this unit's label for it at the same time.
    IdAndLabel(&'a SecretId, &'a str),
    /// By label (owned secrets first, then consumer labels).
    Label(&'a str),
}

/// Which secret `secret-info-get` describes: by id or by label, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretLookup<'a> {
    /// By id.
    Id(&'a SecretId),
    /// By (owner) label.
    Label(&'a str),
}

/// A secret to create with `secret-add`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSecret {
    /// The content of revision 1 (must not be empty).
    pub content: SecretContent,
    /// The owner label (unique per owner).
    pub label: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// When revision 1 expires (sent as RFC 3339, UTC).
    pub expire: Option<OffsetDateTime>,
    /// The rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// Who owns it.
    pub owner: SecretOwner,
}

/// Everything to change on an owned secret, in **one** `secret-set` call (Juju < 3.6 keeps only
/// the last `secret-set` per secret per hook). `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretUpdate {
    /// New content, making a new revision (on Juju ≥ 3.6 only if it differs).
    pub content: Option<SecretContent>,
    /// A new owner label.
    pub label: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// The expiry of the latest revision.
    pub expire: Option<OffsetDateTime>,
    /// A new rotation policy.
    pub rotate: Option<RotatePolicy>,
}

/// What `secret-info-get` reports about an owned secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The secret's id.
    pub id: SecretId,
    /// The owner label, if any.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    /// Who owns it.
    pub owner: SecretOwner,
    /// The description, if any.
    pub description: Option<String>,
    /// When the latest revision expires, if ever.
    pub expiry: Option<OffsetDateTime>,
    /// The rotation policy, if any.
    pub rotation: Option<RotatePolicy>,
    /// When the next rotation is due, if any.
    pub rotates: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_new_secret_when_debug_printed_then_values_are_redacted() {
        let content = SecretContent::from_pairs([("private-key", "SUPER-SECRET")]).unwrap();
        let secret = NewSecret {
            content,
            ..NewSecret::default()
        };
        assert!(!format!("{secret:?}").contains("SUPER-SECRET"));
    }

    #[test]
    fn given_words_when_parsed_then_rotation_policies_round_trip() {
        for policy in [
            RotatePolicy::Daily,
            RotatePolicy::Hourly,
            RotatePolicy::Monthly,
            RotatePolicy::Never,
            RotatePolicy::Quarterly,
            RotatePolicy::Weekly,
            RotatePolicy::Yearly,
        ] {
            assert_eq!(policy.as_str().parse::<RotatePolicy>().unwrap(), policy);
        }
        assert!("fortnightly".parse::<RotatePolicy>().is_err());
    }
}
