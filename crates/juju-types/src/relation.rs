//! Relations and their databags.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::{Error, UnitName};

/// A relation databag as Juju stores it: string keys to string values.
pub type Databag = BTreeMap<String, String>;

/// A relation: its endpoint name and Juju's relation number. Displayed (and passed to `-r`) as
/// `endpoint:number`, e.g. `certificates:7`.
///
/// Cheap to clone (the endpoint name is shared): a provider keeps one per request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationId {
    endpoint: Arc<str>,
    number: u32,
}

impl RelationId {
    /// A relation id from its parts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] if the endpoint is empty or contains `:`, `/` or whitespace.
    pub fn new(endpoint: impl Into<String>, number: u32) -> Result<Self, Error> {
        let endpoint = endpoint.into();
        if endpoint.is_empty()
            || endpoint.contains([':', '/'])
            || endpoint.contains(char::is_whitespace)
        {
            return Err(Error::InvalidEndpoint { endpoint });
        }
        Ok(Self {
            endpoint: endpoint.into(),
            number,
        })
    }

    /// Parses `endpoint:number` (the form of `JUJU_RELATION_ID` and of `relation-ids` output).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRelationId`] if `s` is not of that form.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidRelationId { id: s.to_owned() };
        let (endpoint, number) = s.rsplit_once(':').ok_or_else(invalid)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let number = number.parse::<u32>().map_err(|_| invalid())?;
        Self::new(endpoint, number).map_err(|_| invalid())
    }

    /// The endpoint name, e.g. `certificates`.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Juju's relation number, e.g. `7`.
    #[must_use]
    pub fn number(&self) -> u32 {
        self.number
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.number)
    }
}

impl FromStr for RelationId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whose databag `relation-get` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// An application's databag (`relation-get --app - <app>`): the remote app, or this
    /// unit's own app (leader only on non-peer relations).
    App(&'a str),
    /// A unit's databag (`relation-get - <unit>`): a remote unit or this unit.
    Unit(&'a UnitName),
}

/// Whose databag `relation-set` writes, or whose status `status-set` sets: this unit's, or its
/// application's (the leader only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// This unit.
    Unit,
    /// This unit's application (`--app` / `--application=true`; leader only).
    App,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_relation_ids_when_parsed_then_round_trip_or_rejected() {
        let id = RelationId::parse("tls-certificates:7").unwrap();
        assert_eq!((id.endpoint(), id.number()), ("tls-certificates", 7));
        assert_eq!(id.to_string(), "tls-certificates:7");
        assert_eq!("certificates:0".parse::<RelationId>().unwrap().number(), 0);
        for bad in [
            "", "7", ":7", "ep:", "ep:x", "a:b:7", "e p:1", "ep:-1", "ep:+1",
        ] {
            assert!(
                matches!(RelationId::parse(bad), Err(Error::InvalidRelationId { id }) if id == bad),
                "{bad:?}"
            );
        }
        for bad in ["", "a:b", "a/b", "a b"] {
            assert!(
                matches!(RelationId::new(bad, 1), Err(Error::InvalidEndpoint { endpoint }) if endpoint == bad),
                "{bad:?}"
            );
        }
    }
}
