//! Version 1 of the `tls-certificates` interface: the only published version, spoken by the
//! Python library (charmlibs-interfaces-tls-certificates 1.x, charm library v4, and v3).
//!
//! * The **requirer** writes [`RequirerData`] to its unit databag, its app databag, or both.
//! * The **provider** writes [`ProviderData`] to its app databag.
//!
//! Field order in every type is the Python model's field order, which is also the order of keys
//! in the encoded JSON.

mod canonical;
#[cfg(test)]
mod canonical_tests;
mod certificate;
#[cfg(test)]
mod fast_tests;
mod provider;
mod requirer;

pub use certificate::ProviderCertificate;
pub use provider::{
    ErrorCode, ProviderCapabilities, ProviderData, ProviderError, RequestError, UnknownErrorCode,
};
pub use requirer::{CertificateSigningRequest, RequirerData};

use serde_json::Value;

use crate::databag::{parse, raw_value};
use crate::fast::{self, FastEntry};
use crate::lax::{Fields, unexpected};
use crate::{DatabagSource, Error, Location};

/// Decodes the JSON list stored under `key`, one entry at a time; malformed entries are
/// reported in `issues` and skipped.
pub(crate) fn decode_list<T>(
    value: Result<Option<Value>, Error>,
    key: &'static str,
    issues: &mut Vec<Error>,
    decode_entry: impl Fn(&Fields<'_>) -> Result<T, Error>,
) -> Vec<T> {
    let value = match value {
        Ok(Some(value)) => value,
        Ok(None) => return Vec::new(),
        Err(error) => {
            issues.push(error);
            return Vec::new();
        }
    };
    let Value::Array(entries) = &value else {
        issues.push(unexpected(Location::key(key), "an array", &value));
        return Vec::new();
    };
    entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let decoded = Fields::new(entry, Location::key(key).at_index(index))
                .and_then(|fields| decode_entry(&fields));
            decoded.map_err(|error| issues.push(error)).ok()
        })
        .collect()
}

/// Decodes the list stored under `key` in `databag`: in one typed pass when every entry is
/// regular ([`crate::fast`]), otherwise tolerantly with [`decode_list`]. Both give the same
/// entries for a regular value; only the tolerant path can report issues.
fn decode_raw_list<T: FastEntry>(
    databag: &(impl DatabagSource + ?Sized),
    key: &'static str,
    issues: &mut Vec<Error>,
    decode_entry: impl Fn(&Fields<'_>) -> Result<T, Error>,
) -> Vec<T> {
    match raw_value(databag, key) {
        Ok(Some(text)) => fast::list(text)
            .unwrap_or_else(|| decode_list(parse(key, text).map(Some), key, issues, decode_entry)),
        Ok(None) => Vec::new(),
        Err(error) => {
            issues.push(error);
            Vec::new()
        }
    }
}

/// The value of `key` in the decoded form of a databag (every value already parsed).
fn from_decoded_form(decoded: &Value, key: &str) -> Result<Option<Value>, Error> {
    Ok(decoded.get(key).filter(|value| !value.is_null()).cloned())
}

/// Checks that the decoded form of a databag is a JSON object.
fn check_decoded_form(decoded: &Value, issues: &mut Vec<Error>) {
    if !decoded.is_object() {
        issues.push(unexpected(Location::key("(databag)"), "an object", decoded));
    }
}
