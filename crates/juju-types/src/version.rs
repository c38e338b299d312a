//! Juju agent versions.

use std::fmt;
use std::str::FromStr;

use crate::Error;

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
    /// [`Error::InvalidJujuVersion`] if there is no numeric major and minor part.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidJujuVersion {
            text: text.to_owned(),
        };
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
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
