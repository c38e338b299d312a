//! `databag encode|decode --side requirer|provider`: relation data of the `tls-certificates`
//! interface, exactly as the Python library writes it.
//!
//! * `encode` reads the *decoded form* (a JSON object whose values are parsed, like the
//!   `*.decoded.json` fixtures) and prints the databag: a JSON object of key to **string**
//!   value, byte for byte what the Python library would write. Keys whose content is empty are
//!   left out (the Python library deletes them). Input with any problem is refused.
//! * `decode` reads a databag (a JSON object of key to string value) and prints
//!   `{"content": <decoded form>, "issues": [...]}`. Decoding is per-entry tolerant: a malformed
//!   entry is reported (with its location) and skipped, the others still decode. Every PEM that
//!   survives is also parsed by the selected crypto backend (CSRs with their signature
//!   verified); failures are reported as issues of kind `pem`. The exit status is 0 even when
//!   there are issues, unless `--strict` is given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::Value;
use tls_certificates_crypto::CryptoBackend;
use tls_certificates_schema::v1::{ProviderData, RequirerData};
use tls_certificates_schema::{Databag, DatabagUpdate, Decoded, Error as SchemaError};

use crate::io::{self, GlobalArgs};

/// `databag ...`
#[derive(Debug, Subcommand)]
pub(crate) enum DatabagCommand {
    /// Encode decoded-form JSON into a databag (key -> string value), as the Python library
    /// writes it.
    Encode(SideArgs),
    /// Decode a databag (key -> string value): content plus per-entry problems.
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
struct DecodeReport<T> {
    side: Side,
    content: T,
    issues: Vec<Issue>,
}

impl Serialize for Side {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::Requirer => "requirer",
            Self::Provider => "provider",
        })
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
    let input = read_json(&args.file)?;
    if !input.is_object() {
        bail!("{name}: expected a JSON object in decoded form");
    }
    let update = match args.side {
        Side::Requirer => strict(RequirerData::from_decoded(&input), &name)?.encode(),
        Side::Provider => strict(ProviderData::from_decoded(&input), &name)?.encode(),
    };
    io::emit_json(global.out.as_deref(), &written(update))?;
    Ok(ExitCode::SUCCESS)
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
    let mut databag = BTreeMap::new();
    for (key, value) in object {
        let Value::String(text) = value else {
            bail!("{name}: value of {key:?} is not a string (databag values are strings)");
        };
        databag.insert(key, text);
    }
    let out = global.out.as_deref();
    let clean = match args.side.side {
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
            report(out, args.side.side, &decoded.value, issues)?
        }
        Side::Provider => {
            let decoded = ProviderData::decode(&databag);
            let mut issues = schema_issues(&decoded.issues);
            check_provider_pems(backend, &decoded, &mut issues);
            report(out, args.side.side, &decoded.value, issues)?
        }
    };
    if args.strict && !clean {
        eprintln!("error: {name}: the databag has issues (see \"issues\")");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the report; returns whether there were no issues.
fn report<T: Serialize>(
    out: Option<&Path>,
    side: Side,
    content: &T,
    issues: Vec<Issue>,
) -> Result<bool> {
    let clean = issues.is_empty();
    io::emit_json(
        out,
        &DecodeReport {
            side,
            content,
            issues,
        },
    )?;
    Ok(clean)
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
