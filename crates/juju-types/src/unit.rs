//! Unit names.

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
    /// [`Error::InvalidUnitName`] for a string without exactly one `/`, with an empty or
    /// whitespace-containing application part, or with a number that is not a `u32`.
    pub fn parse(name: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidUnitName {
            name: name.to_owned(),
        };
        let (app, number) = name.split_once('/').ok_or_else(invalid)?;
        if app.is_empty()
            || app.contains(char::is_whitespace)
            || number.is_empty()
            || !number.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let number = number.parse::<u32>().map_err(|_| invalid())?;
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
    /// [`Error::InvalidUnitTag`] if `tag` is not `unit-`, an application name, `-` and a unit
    /// number.
    pub fn from_tag(tag: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidUnitTag {
            tag: tag.to_owned(),
        };
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

    /// The unit number (the part after `/`; the Python library puts it in secret labels).
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
    type Err = Error;

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
            assert!(
                matches!(UnitName::from_tag(bad), Err(Error::InvalidUnitTag { tag }) if tag == bad),
                "{bad:?}"
            );
        }
        for bad in [
            "", "app", "/0", "app/", "app/x", "app/0/1", "a b/0", "app/-1", "app/+1",
        ] {
            assert!(
                matches!(UnitName::parse(bad), Err(Error::InvalidUnitName { name }) if name == bad),
                "{bad:?}"
            );
        }
    }
}
