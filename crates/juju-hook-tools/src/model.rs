//! Names and identifiers of the Juju model: units, relations, statuses, log levels.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A unit name such as `tls-requirer/0`: an application name, `/`, and a unit number.
///
/// Parsed, never constructed unchecked: the application part is non-empty and free of `/` and
/// whitespace, and the number is a `u32`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitName {
    name: String,
    slash: usize,
    number: u32,
}

impl UnitName {
    /// Parses `app/N`.
    ///
    /// # Errors
    ///
    /// A string without exactly one `/`, with an empty or whitespace-containing application
    /// part, or with a number that is not a `u32`, is returned as the reason it was rejected.
    pub fn parse(name: &str) -> Result<Self, String> {
        let (app, number) = name
            .split_once('/')
            .ok_or_else(|| format!("unit name {name:?} has no '/'"))?;
        if app.is_empty() || app.contains(char::is_whitespace) || number.contains('/') {
            return Err(format!(
                "unit name {name:?} is not of the form <app>/<number>"
            ));
        }
        let number = number
            .parse::<u32>()
            .map_err(|_| format!("unit name {name:?} does not end in a unit number"))?;
        Ok(Self {
            name: name.to_owned(),
            slash: app.len(),
            number,
        })
    }

    /// Parses a unit tag, `unit-<app>-<N>` (Juju's `names.UnitTag`), into the unit `<app>/<N>`.
    /// Juju passes the tag instead of the name in one place: `JUJU_UNIT_NAME` of
    /// `meter-status-changed`.
    ///
    /// # Errors
    ///
    /// The reason, if `tag` is not `unit-`, an application name, `-` and a unit number.
    pub fn from_tag(tag: &str) -> Result<Self, String> {
        let bad = || format!("{tag:?} is not a unit tag (unit-<app>-<number>)");
        let (app, number) = tag
            .strip_prefix("unit-")
            .and_then(|rest| rest.rsplit_once('-'))
            .ok_or_else(bad)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Self::parse(&format!("{app}/{number}")).map_err(|_| bad())
    }

    /// The application this unit belongs to (the part before `/`).
    #[must_use]
    pub fn app(&self) -> &str {
        self.name.get(..self.slash).unwrap_or_default()
    }

    /// The unit number (the part after `/`).
    #[must_use]
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The whole name, `app/N`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for UnitName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A relation: its endpoint name and Juju's relation number. Displayed (and passed to `-r`) as
/// `endpoint:number`, e.g. `certificates:7`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelationId {
    endpoint: String,
    number: u32,
}

impl RelationId {
    /// A relation id from its parts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] if the endpoint is empty or contains `:`, `/` or whitespace.
    pub fn new(endpoint: impl Into<String>, number: u32) -> Result<Self, Error> {
        let endpoint = endpoint.into();
        if endpoint.is_empty()
            || endpoint.contains([':', '/'])
            || endpoint.contains(char::is_whitespace)
        {
            return Err(Error::InvalidInput {
                tool: "relation".to_owned(),
                reason: format!("{endpoint:?} is not an endpoint name"),
            });
        }
        Ok(Self { endpoint, number })
    }

    /// Parses `endpoint:number` (the form of `JUJU_RELATION_ID` and of `relation-ids` output).
    ///
    /// # Errors
    ///
    /// The reason, if `s` is not of that form.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (endpoint, number) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("relation id {s:?} is not of the form <endpoint>:<number>"))?;
        let number = number
            .parse::<u32>()
            .map_err(|_| format!("relation id {s:?} does not end in a relation number"))?;
        Self::new(endpoint, number).map_err(|e| e.to_string())
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
    type Err = String;

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

/// A status a charm may set with `status-set` (`error` and `unknown` are Juju's alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// The workload is ready.
    Active,
    /// The charm needs a human (missing relation, bad config).
    Blocked,
    /// The charm is doing work on its own.
    Maintenance,
    /// The charm waits for something outside it (a remote app, a certificate).
    Waiting,
}

impl StatusKind {
    /// The word `status-set` takes: `active`, `blocked`, `maintenance` or `waiting`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Blocked => "blocked",
            Self::Maintenance => "maintenance",
            Self::Waiting => "waiting",
        }
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "blocked" => Ok(Self::Blocked),
            "maintenance" => Ok(Self::Maintenance),
            "waiting" => Ok(Self::Waiting),
            other => Err(format!("{other:?} is not a status a charm can set")),
        }
    }
}

/// A `juju-log --log-level` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `DEBUG`.
    Debug,
    /// `ERROR`.
    Error,
    /// `INFO`.
    Info,
    /// `TRACE`.
    Trace,
    /// `WARNING`.
    Warning,
}

impl LogLevel {
    /// The word `juju-log --log-level` takes, e.g. `WARNING`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Error => "ERROR",
            Self::Info => "INFO",
            Self::Trace => "TRACE",
            Self::Warning => "WARNING",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "DEBUG" => Ok(Self::Debug),
            "ERROR" => Ok(Self::Error),
            "INFO" => Ok(Self::Info),
            "TRACE" => Ok(Self::Trace),
            "WARNING" | "WARN" => Ok(Self::Warning),
            _ => Err(format!("{s:?} is not a juju-log level")),
        }
    }
}

/// A Juju agent version such as `3.6.14` (from `JUJU_VERSION`), compared numerically.
///
/// Pre-release tags (`3.6-beta2`) are kept in the text and count as patch 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JujuVersion {
    text: String,
    major: u32,
    minor: u32,
    patch: u32,
}

impl JujuVersion {
    /// Parses `major.minor[.patch][-tag][.build]`.
    ///
    /// # Errors
    ///
    /// The reason, if there is no numeric major and minor part.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a Juju version");
        let mut parts = text.splitn(3, '.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let minor_part = parts.next().ok_or_else(bad)?;
        let (minor, tagged) = match minor_part.split_once('-') {
            Some((minor, _tag)) => (minor, true),
            None => (minor_part, false),
        };
        let minor = minor.parse().map_err(|_| bad())?;
        let patch = match parts.next() {
            Some(rest) if !tagged => rest
                .split(['.', '-'])
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(bad)?,
            _ => 0,
        };
        Ok(Self {
            text: text.to_owned(),
            major,
            minor,
            patch,
        })
    }

    /// The major version (`3` in `3.6.14`).
    #[must_use]
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The minor version (`6` in `3.6.14`).
    #[must_use]
    pub fn minor(&self) -> u32 {
        self.minor
    }

    /// The patch version (`14` in `3.6.14`; `0` for pre-releases).
    #[must_use]
    pub fn patch(&self) -> u32 {
        self.patch
    }

    /// Whether this version is at least `major.minor.patch`.
    #[must_use]
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// The version as Juju spelled it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for JujuVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_unit_names_when_parsed_then_app_and_number_or_rejected() {
        let unit = UnitName::parse("tls-requirer/12").unwrap();
        assert_eq!((unit.app(), unit.number()), ("tls-requirer", 12));
        assert_eq!(unit.to_string(), "tls-requirer/12");
        assert_eq!(UnitName::from_tag("unit-tls-requirer-12").unwrap(), unit);
        for bad in [
            "",
            "unit-",
            "unit-app",
            "unit-app-",
            "unit--0",
            "app-0",
            "unit-app-x",
            "unit-a b-0",
        ] {
            assert!(UnitName::from_tag(bad).is_err(), "{bad:?}");
        }
        for bad in [
            "", "app", "/0", "app/", "app/x", "app/0/1", "a b/0", "app/-1",
        ] {
            assert!(UnitName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn given_relation_ids_when_parsed_then_round_trip_or_rejected() {
        let id = RelationId::parse("tls-certificates:7").unwrap();
        assert_eq!((id.endpoint(), id.number()), ("tls-certificates", 7));
        assert_eq!(id.to_string(), "tls-certificates:7");
        assert_eq!("certificates:0".parse::<RelationId>().unwrap().number(), 0);
        for bad in ["", "7", ":7", "ep:", "ep:x", "a:b:7", "e p:1", "ep:-1"] {
            assert!(RelationId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(RelationId::new("", 1).is_err());
    }

    #[test]
    fn given_words_when_parsed_then_status_and_level_round_trip() {
        for kind in [
            StatusKind::Active,
            StatusKind::Blocked,
            StatusKind::Maintenance,
            StatusKind::Waiting,
        ] {
            assert_eq!(kind.as_str().parse::<StatusKind>().unwrap(), kind);
        }
        assert!("error".parse::<StatusKind>().is_err());
        for level in [
            LogLevel::Debug,
            LogLevel::Error,
            LogLevel::Info,
            LogLevel::Trace,
            LogLevel::Warning,
        ] {
            assert_eq!(level.as_str().parse::<LogLevel>().unwrap(), level);
        }
    }

    #[test]
    fn given_versions_when_parsed_then_numeric_parts() {
        let v = JujuVersion::parse("3.6.14").unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (3, 6, 14));
        assert!(v.at_least(3, 6, 14) && v.at_least(3, 1, 99) && !v.at_least(3, 6, 15));
        assert_eq!(JujuVersion::parse("4.0").unwrap().patch(), 0);
        for bad in ["", "3", "x.y", "3.x.1", "3.6.x"] {
            assert!(JujuVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
