//! Workload statuses.

use std::fmt;
use std::str::FromStr;

use crate::Error;

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
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(Self::Active),
            "blocked" => Ok(Self::Blocked),
            "maintenance" => Ok(Self::Maintenance),
            "waiting" => Ok(Self::Waiting),
            other => Err(Error::UnknownWord {
                word: other.to_owned(),
                expected: "a status a charm can set",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_words_when_parsed_then_statuses_round_trip() {
        for kind in [
            StatusKind::Active,
            StatusKind::Blocked,
            StatusKind::Maintenance,
            StatusKind::Waiting,
        ] {
            assert_eq!(kind.as_str().parse::<StatusKind>().unwrap(), kind);
        }
        assert!("error".parse::<StatusKind>().is_err());
    }
}
