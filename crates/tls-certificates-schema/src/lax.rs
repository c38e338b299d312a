//! Reading JSON values the way pydantic v2 does in its default (lax) mode, with every problem
//! turned into a located [`Error`].

use serde_json::{Map, Value};

use crate::{Error, FieldProblem, Location, PemCertificate, PemCsr};

/// A human name for the JSON type of `value`, used in error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An error for a value of the wrong type at `at`.
pub(crate) fn unexpected(at: Location, expected: &'static str, found: &Value) -> Error {
    Error::InvalidField {
        at,
        problem: FieldProblem::UnexpectedType {
            expected,
            found: type_name(found),
        },
    }
}

/// pydantic's lax boolean: `true`/`false`, the integers and floats 0 and 1, and the strings
/// `0 off f false n no` / `1 on t true y yes` in any case (no surrounding whitespace).
pub(crate) fn lax_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => {
            // Longest accepted word is "false" (5 bytes): refuse long strings before lowercasing.
            if s.len() > 5 {
                return None;
            }
            match s.to_ascii_lowercase().as_str() {
                "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
                "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
                _ => None,
            }
        }
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// pydantic's lax integer: JSON integers, floats with no fractional part, and decimal strings
/// (surrounding whitespace allowed). Booleans are refused (pydantic would take them as 0/1;
/// nobody writes that on purpose).
fn lax_int(value: &Value) -> Result<i64, FieldProblem> {
    let not_int = || FieldProblem::UnexpectedType {
        expected: "an integer",
        found: type_name(value),
    };
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Err(FieldProblem::OutOfRange)
            } else {
                match n.as_f64() {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.0e18 =>
                    {
                        #[expect(
                            clippy::cast_possible_truncation,
                            reason = "integral and range-checked above"
                        )]
                        Ok(x as i64)
                    }
                    Some(x) if x.fract() == 0.0 => Err(FieldProblem::OutOfRange),
                    _ => Err(not_int()),
                }
            }
        }
        Value::String(s) => {
            let s = s.trim();
            let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(not_int());
            }
            s.parse::<i64>().map_err(|_| FieldProblem::OutOfRange)
        }
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(not_int()),
    }
}

/// One JSON object being read, with the location of its fields for error messages.
pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
    at: Location,
    prefix: &'static str,
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object located at `at`.
    pub(crate) fn new(value: &'a Value, at: Location) -> Result<Self, Error> {
        match value {
            Value::Object(object) => Ok(Self {
                object,
                at,
                prefix: "",
            }),
            other => Err(unexpected(at, "an object", other)),
        }
    }

    /// Reads a nested object member, for example `error` of a request error.
    pub(crate) fn nested(&self, name: &'static str) -> Result<Self, Error> {
        let value = self.required(name)?;
        match value {
            Value::Object(object) => Ok(Self {
                object,
                at: self.at.clone(),
                prefix: name,
            }),
            other => Err(unexpected(self.field_at(name), "an object", other)),
        }
    }

    fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// The location of member `name`.
    pub(crate) fn field_at(&self, name: &str) -> Location {
        self.at.clone().at_field(self.path(name))
    }

    fn problem(&self, name: &str, problem: FieldProblem) -> Error {
        Error::InvalidField {
            at: self.field_at(name),
            problem,
        }
    }

    /// A member that may be absent; JSON `null` counts as absent (pydantic `Optional`).
    pub(crate) fn optional(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|value| !value.is_null())
    }

    /// A required member (it may not be absent nor `null`).
    pub(crate) fn required(&self, name: &str) -> Result<&'a Value, Error> {
        self.optional(name)
            .ok_or_else(|| self.problem(name, FieldProblem::Missing))
    }

    fn as_str(&self, name: &str, value: &'a Value) -> Result<&'a str, Error> {
        value
            .as_str()
            .ok_or_else(|| unexpected(self.field_at(name), "a string", value))
    }

    /// A required string.
    pub(crate) fn str(&self, name: &str) -> Result<&'a str, Error> {
        self.as_str(name, self.required(name)?)
    }

    /// An optional string.
    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<String>, Error> {
        self.optional(name)
            .map(|value| self.as_str(name, value).map(str::to_owned))
            .transpose()
    }

    /// An optional lax boolean.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, Error> {
        self.optional(name)
            .map(|value| {
                lax_bool(value).ok_or_else(|| unexpected(self.field_at(name), "a boolean", value))
            })
            .transpose()
    }

    /// A required lax integer.
    pub(crate) fn int(&self, name: &str) -> Result<i64, Error> {
        lax_int(self.required(name)?).map_err(|problem| self.problem(name, problem))
    }

    /// An optional list of strings.
    pub(crate) fn opt_str_list(&self, name: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(value) = self.optional(name) else {
            return Ok(None);
        };
        let items = value
            .as_array()
            .ok_or_else(|| unexpected(self.field_at(name), "an array", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    unexpected(self.field_at(&format!("{name}[{i}]")), "a string", item)
                })
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// A required CSR PEM.
    pub(crate) fn csr(&self, name: &str) -> Result<PemCsr, Error> {
        PemCsr::new(self.str(name)?).map_err(|_| self.problem(name, FieldProblem::NotPem))
    }

    /// A required certificate PEM.
    pub(crate) fn certificate(&self, name: &str) -> Result<PemCertificate, Error> {
        PemCertificate::new(self.str(name)?).map_err(|_| self.problem(name, FieldProblem::NotPem))
    }

    /// An optional list of certificate PEMs.
    pub(crate) fn opt_certificate_list(
        &self,
        name: &str,
    ) -> Result<Option<Vec<PemCertificate>>, Error> {
        let Some(items) = self.opt_str_list(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                PemCertificate::new(item)
                    .map_err(|_| self.problem(&format!("{name}[{i}]"), FieldProblem::NotPem))
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Whether the object has member `name` (even if `null`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.object.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn given_pydantic_lax_booleans_when_read_then_same_answers_as_pydantic() {
        for (input, expected) in [
            (json!(true), Some(true)),
            (json!("true"), Some(true)),
            (json!("TRUE"), Some(true)),
            (json!("yes"), Some(true)),
            (json!("on"), Some(true)),
            (json!("t"), Some(true)),
            (json!("y"), Some(true)),
            (json!("1"), Some(true)),
            (json!(1), Some(true)),
            (json!(1.0), Some(true)),
            (json!("false"), Some(false)),
            (json!("off"), Some(false)),
            (json!("0"), Some(false)),
            (json!(0), Some(false)),
            (json!(0.0), Some(false)),
            (json!(" true"), None),
            (json!(""), None),
            (json!(2), None),
            (json!([]), None),
            (json!("falsey"), None),
        ] {
            assert_eq!(lax_bool(&input), expected, "input {input}");
        }
    }

    #[test]
    fn given_pydantic_lax_integers_when_read_then_same_answers_as_pydantic() {
        assert_eq!(lax_int(&json!(102)), Ok(102));
        assert_eq!(lax_int(&json!("102")), Ok(102));
        assert_eq!(lax_int(&json!(" 102")), Ok(102));
        assert_eq!(lax_int(&json!(102.0)), Ok(102));
        assert_eq!(lax_int(&json!(-5)), Ok(-5));
        assert!(lax_int(&json!(102.5)).is_err());
        assert!(lax_int(&json!("1e2")).is_err());
        assert!(lax_int(&json!("0x10")).is_err());
        assert!(lax_int(&json!(true)).is_err());
        assert_eq!(lax_int(&json!(u64::MAX)), Err(FieldProblem::OutOfRange));
        assert_eq!(
            lax_int(&json!("99999999999999999999")),
            Err(FieldProblem::OutOfRange)
        );
        assert_eq!(lax_int(&json!(1.0e30)), Err(FieldProblem::OutOfRange));
    }
}
