//! `databag encode|decode --side requirer|provider`: relation data of the `tls-certificates`
//! interface, exactly as the Python library writes it.
//!
//! * `decode` reads a databag (a JSON object of key to string value) and prints
//!   `{"side", "content": <decoded form>, "issues": [...], "other_keys": {...}}`. Decoding is
//!   per-entry tolerant: a malformed entry is reported (with its location) and skipped, the
//!   others still decode. Every PEM that survives is also parsed by the selected crypto backend
//!   (CSRs with their signature verified); failures are reported as issues of kind `pem`. Keys
//!   the interface does not own (Juju's `ingress-address`, other libraries' keys) are kept,
//!   verbatim, in `other_keys`. A key of the other side's databag is refused (wrong `--side`).
//!   The exit status is 0 even when there are issues, unless `--strict` is given.
//! * `encode` reads what `decode` prints, or the decoded form alone (a JSON object whose values
//!   are parsed, like the `*.decoded.json` fixtures), and prints the databag: a JSON object of
//!   key to **string** value, the interface's keys byte for byte what the Python library would
//!   write, plus `other_keys` unchanged; so `decode | encode` gives the databag back. Keys whose
//!   content is empty are left out (the Python library deletes them).
//!
//! Nothing is dropped silently: `encode` refuses input with any problem, any key (at any depth)
//! the interface does not know, a report of the other side, or a report whose `issues` say
//! entries were skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::{Map, Value};
use tls_certificates_crypto::CryptoBackend;
use tls_certificates_schema::v1::{ProviderData, RequirerData};
use tls_certificates_schema::{Databag, DatabagUpdate, Decoded, Error as SchemaError};

use crate::io::{self, GlobalArgs};

/// `databag ...`
#[derive(Debug, Subcommand)]
pub(crate) enum DatabagCommand {
    /// Encode what `databag decode` prints (or its content alone) into a databag (key -> string
    /// value), as the Python library writes it; `decode | encode` gives the databag back.
    Encode(SideArgs),
    /// Decode a databag (key -> string value): content, per-entry problems, and the keys the
    /// interface does not own.
    Decode(DecodeArgs),
}

/// Which side of the relation wrote (or will write) the databag.
#[derive(Clone, Copy, Debug, Eq, PartialEq, ValueEnum)]
pub(crate) enum Side {
    /// The requirer's unit or app databag (`certificate_signing_requests`).
    Requirer,
    /// The provider's app databag (`certificates`, `request_errors`, `capabilities`).
    Provider,
}

/// Options of `databag encode`.
#[derive(Debug, Args)]
pub(crate) struct SideArgs {
    /// Whose databag this is.
    #[arg(long, value_enum)]
    side: Side,
    /// The JSON input (default: stdin).
    #[arg(default_value = "-", value_name = "FILE")]
    file: PathBuf,
}

/// Options of `databag decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    #[command(flatten)]
    side: SideArgs,
    /// Exit with status 1 when any issue was found.
    #[arg(long)]
    strict: bool,
}

/// One problem found while decoding.
#[derive(Debug, Serialize)]
struct Issue {
    /// `schema` (shape of the relation data) or `pem` (the crypto backend rejected a PEM).
    kind: &'static str,
    /// Where: `certificates[2].chain[1]`, or just the databag key.
    at: Option<String>,
    /// The databag key.
    key: Option<String>,
    /// Index of the entry in the key's list, when the problem is inside one.
    index: Option<usize>,
    message: String,
}

/// What `decode` prints.
#[derive(Debug, Serialize)]
struct DecodeReport<'a, T> {
    side: Side,
    content: &'a T,
    issues: Vec<Issue>,
    other_keys: &'a BTreeMap<String, String>,
}

/// The members of a [`DecodeReport`], which `encode` accepts as its input.
const REPORT_KEYS: [&str; 4] = ["side", "content", "issues", "other_keys"];

impl Side {
    fn as_str(self) -> &'static str {
        match self {
            Self::Requirer => "requirer",
            Self::Provider => "provider",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Requirer => Self::Provider,
            Self::Provider => Self::Requirer,
        }
    }

    /// The side whose databag holds `key`, if it is a key of the interface.
    fn owner_of(key: &str) -> Option<Self> {
        [Self::Requirer, Self::Provider]
            .into_iter()
            .find(|side| side.keys().contains(&key))
    }

    /// The databag keys this side owns.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Requirer => &[RequirerData::KEY],
            Self::Provider => &ProviderData::KEYS,
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Side {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

pub(crate) fn run(command: DatabagCommand, global: &GlobalArgs) -> Result<ExitCode> {
    match command {
        DatabagCommand::Encode(args) => encode(&args, global),
        DatabagCommand::Decode(args) => decode(&args, global),
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let name = io::display_name(path);
    serde_json::from_str(&io::read_text(path)?).with_context(|| format!("{name}: not JSON"))
}

fn encode(args: &SideArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let name = io::display_name(&args.file);
    let side = args.side;
    let Value::Object(input) = read_json(&args.file)? else {
        bail!("{name}: expected a JSON object: what `databag decode` prints, or its content");
    };
    let (content, other_keys) = if input.contains_key("content") {
        unwrap_report(input, side, &name)?
    } else {
        (input, BTreeMap::new())
    };
    check_keys(content.keys(), side, &name)?;
    let content = Value::Object(content);
    let (update, understood) = match side {
        Side::Requirer => {
            let data = strict(RequirerData::from_decoded(&content), &name)?;
            (data.encode(), serde_json::to_value(&data)?)
        }
        Side::Provider => {
            let data = strict(ProviderData::from_decoded(&content), &name)?;
            (data.encode(), serde_json::to_value(&data)?)
        }
    };
    if let Some(path) = first_dropped(&content, &understood, String::new()) {
        bail!("{name}: unknown key {path} (the {side} databag has no such field)");
    }
    let mut databag = written(update);
    databag.extend(other_keys);
    io::emit_json(global.out.as_deref(), &databag)?;
    Ok(ExitCode::SUCCESS)
}

/// The content and `other_keys` of a `databag decode` report, refusing one of the other side,
/// one whose decoding skipped entries, and unknown members.
fn unwrap_report(
    mut report: Map<String, Value>,
    side: Side,
    name: &str,
) -> Result<(Map<String, Value>, BTreeMap<String, String>)> {
    if let Some(key) = report.keys().find(|k| !REPORT_KEYS.contains(&k.as_str())) {
        bail!(
            "{name}: unknown key {key:?} in a `databag decode` report (expected {})",
            REPORT_KEYS.join(", ")
        );
    }
    match report.get("side") {
        None => {}
        Some(Value::String(s)) if s == side.as_str() => {}
        Some(Value::String(s)) if s == side.other().as_str() => {
            bail!("{name}: the report of a {s} databag, not a {side} one: use --side {s}")
        }
        Some(other) => bail!("{name}: \"side\" is {other}, expected \"{side}\""),
    }
    match report.get("issues") {
        None => {}
        Some(Value::Array(issues)) if issues.is_empty() => {}
        Some(Value::Array(issues)) => bail!(
            "{name}: decoding reported {} issue(s), so entries are missing from \"content\": \
             fix the databag, or encode the content alone to drop them",
            issues.len()
        ),
        Some(other) => bail!("{name}: \"issues\" is {other}, expected a list"),
    }
    let mut other_keys = BTreeMap::new();
    match report.remove("other_keys") {
        None => {}
        Some(Value::Object(keys)) => {
            for (key, value) in keys {
                let Value::String(text) = value else {
                    bail!("{name}: other_keys.{key} is not a string (databag values are strings)");
                };
                if Side::owner_of(&key).is_some() {
                    bail!(
                        "{name}: other_keys holds {key:?}, a key of the interface: move it to the content"
                    );
                }
                other_keys.insert(key, text);
            }
        }
        Some(other) => bail!("{name}: \"other_keys\" is {other}, expected an object"),
    }
    match report.remove("content") {
        Some(Value::Object(content)) => Ok((content, other_keys)),
        other => bail!(
            "{name}: \"content\" is {}, expected an object",
            other.unwrap_or(Value::Null)
        ),
    }
}

/// Refuses a key of the other side's databag (a wrong `--side`) and any key neither side owns.
fn check_keys<'a>(
    keys: impl IntoIterator<Item = &'a String>,
    side: Side,
    name: &str,
) -> Result<()> {
    for key in keys {
        match Side::owner_of(key) {
            Some(owner) if owner == side => {}
            Some(owner) => return Err(wrong_side(name, key, side, owner)),
            None => bail!(
                "{name}: unknown key {key:?} (the {side} databag holds {})",
                side.keys().join(", ")
            ),
        }
    }
    Ok(())
}

/// The error for a key of `owner`'s databag met while reading `side`'s.
fn wrong_side(name: &str, key: &str, side: Side, owner: Side) -> anyhow::Error {
    anyhow::anyhow!(
        "{name}: {key:?} belongs to the {owner} databag, not the {side} one: use --side {owner}"
    )
}

/// The path (`certificates[0].extra`) of the first member of `input` that `understood` (the
/// decoded value serialized back) lacks: a field the schema does not know, which encoding would
/// drop. `null` and empty lists mean "absent" on this interface and are never a loss.
fn first_dropped(input: &Value, understood: &Value, at: String) -> Option<String> {
    match (input, understood) {
        (Value::Object(input), Value::Object(understood)) => {
            input.iter().find_map(|(key, value)| {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match understood.get(key) {
                    Some(kept) => first_dropped(value, kept, path),
                    None if is_absent(value) => None,
                    None => Some(path),
                }
            })
        }
        (Value::Array(input), Value::Array(understood)) => input
            .iter()
            .zip(understood)
            .enumerate()
            .find_map(|(index, (value, kept))| {
                first_dropped(value, kept, format!("{at}[{index}]"))
            }),
        _ => None,
    }
}

/// Whether a decoded-form value stands for an absent field.
fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The decoded value, or an error listing every problem.
fn strict<T>(decoded: Decoded<T>, name: &str) -> Result<T> {
    if decoded.is_clean() {
        return Ok(decoded.value);
    }
    let problems: Vec<String> = decoded.issues.iter().map(ToString::to_string).collect();
    bail!("{name}: {}", problems.join("; "))
}

/// The databag an update leaves behind when applied to an empty one.
fn written(update: DatabagUpdate) -> Databag {
    let mut databag = Databag::new();
    update.apply_to(&mut databag);
    databag
}

fn decode(args: &DecodeArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let backend = global.backend()?;
    let name = io::display_name(&args.side.file);
    let input = read_json(&args.side.file)?;
    let Value::Object(object) = input else {
        bail!("{name}: expected a JSON object of databag keys to string values");
    };
    let side = args.side.side;
    let mut databag = BTreeMap::new();
    let mut other_keys = BTreeMap::new();
    for (key, value) in object {
        let Value::String(text) = value else {
            bail!("{name}: value of {key:?} is not a string (databag values are strings)");
        };
        match Side::owner_of(&key) {
            Some(owner) if owner == side => {
                databag.insert(key, text);
            }
            Some(owner) => return Err(wrong_side(&name, &key, side, owner)),
            None => {
                other_keys.insert(key, text);
            }
        }
    }
    let clean = match side {
        Side::Requirer => {
            let decoded = RequirerData::decode(&databag);
            let mut issues = schema_issues(&decoded.issues);
            let requests = &decoded.value.certificate_signing_requests;
            let indices = original_indices(&decoded.issues, RequirerData::KEY, requests.len());
            for (&index, request) in indices.iter().zip(requests) {
                let pem = request.certificate_signing_request.as_str();
                check_pem(
                    &mut issues,
                    RequirerData::KEY,
                    index,
                    "certificate_signing_request",
                    || backend.parse_csr(pem).map(drop),
                );
            }
            report(
                global.out.as_deref(),
                &DecodeReport {
                    side,
                    content: &decoded.value,
                    issues,
                    other_keys: &other_keys,
                },
            )?
        }
        Side::Provider => {
            let decoded = ProviderData::decode(&databag);
            let mut issues = schema_issues(&decoded.issues);
            check_provider_pems(backend, &decoded, &mut issues);
            report(
                global.out.as_deref(),
                &DecodeReport {
                    side,
                    content: &decoded.value,
                    issues,
                    other_keys: &other_keys,
                },
            )?
        }
    };
    if args.strict && !clean {
        eprintln!("error: {name}: the databag has issues (see \"issues\")");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the report; returns whether there were no issues.
fn report<T: Serialize>(out: Option<&Path>, report: &DecodeReport<'_, T>) -> Result<bool> {
    io::emit_json(out, report)?;
    Ok(report.issues.is_empty())
}

fn schema_issues(errors: &[SchemaError]) -> Vec<Issue> {
    errors
        .iter()
        .map(|error| {
            let (at, key, index) = match error {
                SchemaError::InvalidField { at, .. } => (
                    Some(at.to_string()),
                    Some(at.databag_key().to_owned()),
                    at.index(),
                ),
                SchemaError::InvalidJson { key, .. } | SchemaError::ValueTooLarge { key, .. } => {
                    (Some(key.clone()), Some(key.clone()), None)
                }
                _ => (None, None, None),
            };
            Issue {
                kind: "schema",
                at,
                key,
                index,
                message: error.to_string(),
            }
        })
        .collect()
}

/// The databag-list index of each decoded entry of `key`: entries reported with an index were
/// skipped, so the `n`-th survivor is the `n`-th index that has no such report.
fn original_indices(errors: &[SchemaError], key: &str, survivors: usize) -> Vec<usize> {
    let skipped: std::collections::BTreeSet<usize> = errors
        .iter()
        .filter_map(|error| match error {
            SchemaError::InvalidField { at, .. } if at.databag_key() == key => at.index(),
            _ => None,
        })
        .collect();
    (0..)
        .filter(|index| !skipped.contains(index))
        .take(survivors)
        .collect()
}

fn check_provider_pems(
    backend: &dyn CryptoBackend,
    decoded: &Decoded<ProviderData>,
    issues: &mut Vec<Issue>,
) {
    let data = &decoded.value;
    let key = ProviderData::CERTIFICATES_KEY;
    let indices = original_indices(&decoded.issues, key, data.certificates.len());
    for (&index, entry) in indices.iter().zip(&data.certificates) {
        let csr = entry.certificate_signing_request.as_str();
        check_pem(issues, key, index, "certificate_signing_request", || {
            backend.parse_csr(csr).map(drop)
        });
        let certificates = [
            ("certificate".to_owned(), &entry.certificate),
            ("ca".to_owned(), &entry.ca),
        ]
        .into_iter()
        .chain(
            entry
                .chain
                .iter()
                .flatten()
                .enumerate()
                .map(|(n, pem)| (format!("chain[{n}]"), pem)),
        );
        for (field, pem) in certificates {
            check_pem(issues, key, index, &field, || {
                backend.parse_certificate(pem.as_str()).map(drop)
            });
        }
    }
    let key = ProviderData::REQUEST_ERRORS_KEY;
    let indices = original_indices(&decoded.issues, key, data.request_errors.len());
    for (&index, entry) in indices.iter().zip(&data.request_errors) {
        check_pem(issues, key, index, "csr", || {
            backend.parse_csr(entry.csr.as_str()).map(drop)
        });
    }
}

/// Runs one crypto check and records its failure as a `pem` issue at `key[index].field`.
fn check_pem(
    issues: &mut Vec<Issue>,
    key: &str,
    index: usize,
    field: &str,
    check: impl FnOnce() -> Result<(), tls_certificates_crypto::Error>,
) {
    if let Err(error) = check() {
        let at = format!("{key}[{index}].{field}");
        issues.push(Issue {
            kind: "pem",
            message: format!("{at}: {error}"),
            at: Some(at),
            key: Some(key.to_owned()),
            index: Some(index),
        });
    }
}
