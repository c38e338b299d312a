//! Log levels and lines.

use std::fmt;
use std::str::FromStr;

use crate::Error;

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
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "DEBUG" => Ok(Self::Debug),
            "ERROR" => Ok(Self::Error),
            "INFO" => Ok(Self::Info),
            "TRACE" => Ok(Self::Trace),
            "WARNING" | "WARN" => Ok(Self::Warning),
            _ => Err(Error::UnknownWord {
                word: s.to_owned(),
                expected: "a juju-log level",
            }),
        }
    }
}

/// A line for `juju-log`: its level and message.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// Message.
    pub message: String,
}

impl LogLine {
    /// A line at `level`.
    pub fn new(level: LogLevel, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_words_when_parsed_then_levels_round_trip() {
        for level in [
            LogLevel::Debug,
            LogLevel::Error,
            LogLevel::Info,
            LogLevel::Trace,
            LogLevel::Warning,
        ] {
            assert_eq!(level.as_str().parse::<LogLevel>().unwrap(), level);
        }
        assert_eq!("warn".parse::<LogLevel>().unwrap(), LogLevel::Warning);
        assert!(matches!(
            "loud".parse::<LogLevel>(),
            Err(Error::UnknownWord { word, .. }) if word == "loud"
        ));
    }
}
