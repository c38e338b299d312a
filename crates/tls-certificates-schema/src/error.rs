//! The crate's error type and where in a databag a problem was found.

use core::fmt;

/// Everything that can go wrong in this crate.
///
/// Decoding never fails as a whole: each problem found in a databag is reported as one `Error`
/// in [`Decoded::issues`](crate::Decoded::issues), and decoding carries on with the rest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The value of a databag key is longer than [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN)
    /// bytes; it was not parsed, and the key decodes as if it were absent.
    #[error("value of `{key}` is {len} bytes, more than the limit of {limit}")]
    ValueTooLarge {
        /// The databag key.
        key: String,
        /// The length of its value, in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The value of a databag key is not a JSON document; the key decodes as if it were absent.
    #[error("value of `{key}` is not valid json")]
    InvalidJson {
        /// The databag key.
        key: String,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A field of the relation data is missing or has the wrong type or shape.
    ///
    /// When `at` names an entry of a list (it has an index) that entry was skipped and the other
    /// entries decoded. When it names a whole key, the key decodes as empty. A bad field of
    /// `capabilities` is left unset.
    #[error("{at}: {problem}")]
    InvalidField {
        /// Where the problem is.
        at: Location,
        /// What the problem is.
        problem: FieldProblem,
    },
    /// Text given to a PEM newtype has no `-----BEGIN ` line.
    #[error("not a pem block: no `-----BEGIN ` line")]
    NotPem,
}

/// What is wrong with a field; see [`Error::InvalidField`].
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A required field is absent.
    #[error("required field is missing")]
    Missing,
    /// The field holds the wrong JSON type (after Python-compatible lax coercion).
    #[error("expected {expected}, found {found}")]
    UnexpectedType {
        /// What the schema wants, e.g. `"a boolean"`.
        expected: &'static str,
        /// What was there, e.g. `"a string"`.
        found: &'static str,
    },
    /// A PEM field has no `-----BEGIN ` line.
    #[error("not a pem block: no `-----BEGIN ` line")]
    NotPem,
    /// A number does not fit in a 64-bit signed integer.
    #[error("integer out of range")]
    OutOfRange,
}

/// Where in a databag something was found: a key, optionally an index into the key's list, and
/// optionally a field path inside that entry.
///
/// Displays as `certificates[2].chain[1]` or `capabilities.allowed_domains`.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Location {
    key: String,
    index: Option<usize>,
    field: Option<String>,
}

impl Location {
    /// A whole databag key.
    pub fn key(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            index: None,
            field: None,
        }
    }

    /// The same location, narrowed to entry `index` of the key's list.
    #[must_use]
    pub fn at_index(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    /// The same location, narrowed to `field` (a path such as `error.code` or `chain[1]`).
    #[must_use]
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The databag key.
    pub fn databag_key(&self) -> &str {
        &self.key
    }

    /// The index of the entry in the key's list, if the location is inside a list.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// The field path inside the entry, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, ".{field}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_key_index_and_field_when_displayed_then_reads_like_a_path() {
        let at = Location::key("certificates")
            .at_index(2)
            .at_field("chain[1]");
        assert_eq!(at.to_string(), "certificates[2].chain[1]");
        assert_eq!(
            Location::key("capabilities")
                .at_field("provider_type")
                .to_string(),
            "capabilities.provider_type"
        );
    }

    #[test]
    fn given_a_field_problem_when_displayed_then_message_names_location_and_problem() {
        let error = Error::InvalidField {
            at: Location::key("certificate_signing_requests")
                .at_index(0)
                .at_field("ca"),
            problem: FieldProblem::UnexpectedType {
                expected: "a boolean",
                found: "an array",
            },
        };
        assert_eq!(
            error.to_string(),
            "certificate_signing_requests[0].ca: expected a boolean, found an array"
        );
    }
}
