//! The tls-certificates demo: both charms as **real processes** in a simulated Juju model.
//!
//! [`run`] deploys the `self-signed-certificates` provider (1 unit) and the
//! `tls-certificates-requirer` (N units) into a [`juju_sim::Model`], relates them, runs hooks
//! until the model is quiet, and prints a timeline (hooks, CSRs, issued certificates, statuses)
//! as it goes. It then advances the simulated clock past the renewal point to show automatic
//! renewal, changes the CA common name to show revocation and re-issue by the new CA, writes
//! the resulting certificates to an output directory, and verifies each one against the written
//! CA at the real time.
//!
//! The simulated clock starts [`RENEWAL_ADVANCE`] before the real time (or at
//! [`DemoOptions::start`]), so that advancing it for renewal brings it to the real time: the
//! certificates the demo writes are valid now, for `openssl verify` and any TLS client.
//!
//! The charm binaries and `juju-sim-tool` are found next to the running executable
//! (`target/<profile>/`) or through environment variables (see [`sim::BIN_ENV`]).
//!
//! The [`sim`] module is the harness the charms' end-to-end tests use too; it lives in the
//! `tls-certificates-testkit` crate, which the charms' tests depend on instead of this one.
//!
//! # Getting started
//!
//! ```no_run
//! use tls_certificates_demo::{DemoOptions, run};
//!
//! let options = DemoOptions { units: 2, ..DemoOptions::default() };
//! let report = run(&options, &mut std::io::stdout())?;
//! println!("{} certificates written to {}", report.files.len(), options.out.display());
//! # Ok::<(), tls_certificates_demo::DemoError>(())
//! ```
//!
//! # Crate features
//!
//! None.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// The charms' metadata (from the harness crate, `tls-certificates-testkit`).
pub use tls_certificates_testkit::meta;
/// The process-mode harness (from `tls-certificates-testkit`).
pub use tls_certificates_testkit::sim;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use juju_sim::HookReport;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tls_certificates::crypto::{Certificate, CryptoBackend, KeyAlgorithm};

use crate::sim::{Binaries, Sim};

/// The provider application's name in the demo model.
pub const PROVIDER_APP: &str = "self-signed-certificates";
/// The requirer application's name in the demo model.
pub const REQUIRER_APP: &str = "tls-requirer";

/// Everything that can stop the demo.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The charm harness failed: a binary missing or stale, charm metadata, the model.
    #[error(transparent)]
    Kit(#[from] tls_certificates_testkit::KitError),
    /// The simulator refused an operation or could not run a charm.
    #[error("the simulated model failed")]
    Sim(#[from] juju_sim::Error),
    /// A hook failed (the charm exited non-zero or its commit was refused).
    #[error("hook failed: {hook}\nlast log lines:\n{logs}")]
    HookFailed {
        /// The hook report.
        hook: String,
        /// The unit's last log lines.
        logs: String,
    },
    /// A file could not be read or written.
    #[error("I/O error on {path}")]
    Io {
        /// The file or directory.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The charms did not reach the state the demo expects.
    #[error("unexpected outcome: {0}")]
    Unexpected(String),
    /// An option value is invalid.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

impl DemoError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The requirer's `mode`.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum Mode {
    /// One certificate for the application (leader).
    App,
    /// Both an application and a per-unit certificate.
    AppAndUnit,
    /// One certificate per unit.
    #[default]
    Unit,
}

impl Mode {
    /// The config value: `unit`, `app`, `app-and-unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::AppAndUnit => "app-and-unit",
            Self::Unit => "unit",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = DemoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unit" => Ok(Self::Unit),
            "app" => Ok(Self::App),
            "app-and-unit" => Ok(Self::AppAndUnit),
            other => Err(DemoError::InvalidOption(format!(
                "mode {other:?}: expected unit, app or app-and-unit"
            ))),
        }
    }
}

/// The crypto backend the charms use.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum Backend {
    /// OpenSSL (the charm binaries must be built with `--features openssl`).
    Openssl,
    /// ring.
    #[default]
    Ring,
}

impl Backend {
    /// `ring` or `openssl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openssl => "openssl",
            Self::Ring => "ring",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Backend {
    type Err = DemoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ring" => Ok(Self::Ring),
            "openssl" => Ok(Self::Openssl),
            other => Err(DemoError::InvalidOption(format!(
                "backend {other:?}: expected ring or openssl"
            ))),
        }
    }
}

/// What the demo does.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Requirer units (default 3).
    pub units: u32,
    /// The requirer's mode (default `unit`).
    pub mode: Mode,
    /// The charms' crypto backend (default ring).
    pub backend: Backend,
    /// The requirer's key algorithm (default RSA-2048).
    pub key_algorithm: KeyAlgorithm,
    /// Where the certificates are written (default `tls-certificates-demo`).
    pub out: PathBuf,
    /// The binaries; `None` finds them next to the running executable.
    pub binaries: Option<Binaries>,
    /// The simulated time the demo starts at, for reproducible timelines. `None` (the
    /// default): [`RENEWAL_ADVANCE`] before the real time, so that the simulated clock reaches
    /// the real time with the renewal step and the certificates written are valid now.
    pub start: Option<OffsetDateTime>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            units: 3,
            mode: Mode::Unit,
            backend: Backend::Ring,
            key_algorithm: KeyAlgorithm::default(),
            out: PathBuf::from("tls-certificates-demo"),
            binaries: None,
            start: None,
        }
    }
}

/// What the demo did.
#[derive(Clone, Debug, Default)]
pub struct DemoReport {
    /// Hooks run (all phases).
    pub hooks: usize,
    /// Certificates renewed when the clock advanced.
    pub renewed: usize,
    /// Certificates re-issued by the new CA after the CA common name changed.
    pub reissued: usize,
    /// Files written to the output directory.
    pub files: Vec<PathBuf>,
    /// Written certificates verified against the written CA (issuer and signature).
    pub verified: usize,
    /// Whether the CA and every written certificate are valid at the real time of the check.
    pub valid_now: bool,
}

/// How far the simulated clock moves to reach renewal: the default certificate validity is 90
/// days and the requirer renews at 90 % of it (81 days).
pub const RENEWAL_ADVANCE: time::Duration = time::Duration::days(82);
/// Hooks one phase may run before the demo calls it a livelock.
const HOOK_BOUND: usize = 2_000;

struct Printer<'w> {
    out: &'w mut dyn Write,
    log_seen: BTreeMap<String, usize>,
}

impl Printer<'_> {
    fn line(&mut self, text: &str) -> Result<(), DemoError> {
        writeln!(self.out, "{text}")
            .and_then(|()| self.out.flush())
            .map_err(DemoError::io(Path::new("<stdout>")))
    }

    /// Prints one hook and the INFO+ log lines its unit wrote since the last hook printed.
    fn hook(&mut self, sim: &Sim, report: &HookReport) -> Result<(), DemoError> {
        let at = rfc3339(sim.model.now());
        let outcome = if report.outcome.is_committed() {
            ""
        } else {
            "  [FAILED]"
        };
        self.line(&format!(
            "  {at}  {:<28} {}{outcome}",
            report.unit, report.name
        ))?;
        let logs = sim.model.logs(&report.unit);
        let seen = self.log_seen.entry(report.unit.clone()).or_insert(0);
        let new: Vec<String> = logs
            .iter()
            .skip(*seen)
            .filter(|l| matches!(l.level.as_str(), "INFO" | "WARNING" | "ERROR"))
            .map(|l| format!("      {:<7} {}", l.level, l.message))
            .collect();
        *seen = logs.len();
        for line in new {
            self.line(&line)?;
        }
        Ok(())
    }

    fn settle(&mut self, sim: &mut Sim) -> Result<usize, DemoError> {
        let mut ran = 0;
        while let Some(report) = sim.model.step()? {
            ran += 1;
            self.hook(sim, &report)?;
            if !report.outcome.is_committed() {
                return Err(DemoError::HookFailed {
                    hook: report.to_string(),
                    logs: sim
                        .model
                        .logs(&report.unit)
                        .iter()
                        .rev()
                        .take(8)
                        .map(|l| format!("{} {}", l.level, l.message))
                        .collect::<Vec<_>>()
                        .join("\n"),
                });
            }
            if ran >= HOOK_BOUND {
                return Err(DemoError::Unexpected(format!(
                    "the model did not settle after {HOOK_BOUND} hooks"
                )));
            }
        }
        Ok(ran)
    }

    /// Step 6: checks that the CA at `ca_path` issued every written certificate (issuer and
    /// signature) and whether each is valid at `at`, printing a line per file; returns the files
    /// not valid at `at`.
    fn verify_written(
        &mut self,
        files: &[PathBuf],
        ca_path: &Path,
        ca_pem: &str,
        backend: &dyn CryptoBackend,
        at: OffsetDateTime,
    ) -> Result<Vec<PathBuf>, DemoError> {
        self.line(&format!(
            "\n== 6. Verify every written certificate against {} at the real time ({})",
            ca_path.display(),
            rfc3339(at)
        ))?;
        let ca = backend
            .parse_certificate(ca_pem)
            .map_err(|e| DemoError::Unexpected(format!("{}: {e}", ca_path.display())))?;
        let mut not_valid_now = Vec::new();
        if !is_valid_at(&ca, at) {
            not_valid_now.push(ca_path.to_path_buf());
        }
        self.line(&format!(
            "    {:<44} {}",
            ca_path.display(),
            validity(&ca, at)
        ))?;
        for file in files.iter().filter(|f| is_leaf_file(f)) {
            let pem = std::fs::read_to_string(file).map_err(DemoError::io(file))?;
            let leaf = backend
                .parse_certificate(&pem)
                .map_err(|e| DemoError::Unexpected(format!("{}: {e}", file.display())))?;
            backend.verify_issued_by(&leaf, &ca).map_err(|e| {
                DemoError::Unexpected(format!(
                    "{} is not issued by {}: {e}",
                    file.display(),
                    ca_path.display()
                ))
            })?;
            if !is_valid_at(&leaf, at) {
                not_valid_now.push(file.clone());
            }
            self.line(&format!(
                "    {:<44} issued by the CA, {}",
                file.display(),
                validity(&leaf, at)
            ))?;
        }
        Ok(not_valid_now)
    }

    fn statuses(&mut self, sim: &Sim) -> Result<(), DemoError> {
        self.line("  statuses:")?;
        for unit in sim.model.units() {
            if let Some(s) = sim.model.unit_status(&unit) {
                self.line(&format!("    {unit:<28} {:<8} {}", s.kind, s.message))?;
            }
        }
        Ok(())
    }
}

/// The certificates the requirer units wrote: `(unit, scope) -> certificate`.
fn certificates(
    sim: &Sim,
    backend: &dyn CryptoBackend,
) -> Result<BTreeMap<(String, String), Certificate>, DemoError> {
    let mut out = BTreeMap::new();
    for unit in sim
        .model
        .units()
        .into_iter()
        .filter(|u| u.starts_with(REQUIRER_APP))
    {
        for scope in ["unit", "app"] {
            let path = sim
                .unit_data_dir(&unit)
                .join(format!("{scope}-certificate.pem"));
            let Ok(pem) = std::fs::read_to_string(&path) else {
                continue;
            };
            let certificate = backend
                .parse_certificate(&pem)
                .map_err(|e| DemoError::Unexpected(format!("{}: {e}", path.display())))?;
            out.insert((unit.clone(), scope.to_owned()), certificate);
        }
    }
    Ok(out)
}

fn serial(c: &Certificate) -> String {
    let hex: String = c
        .serial()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hex}…")
}

fn describe(c: &Certificate) -> String {
    format!(
        "CN={} issuer={} serial={} valid until {}",
        c.common_name().unwrap_or("-"),
        c.issuer().value("2.5.4.3").unwrap_or("-"),
        serial(c),
        rfc3339(c.not_after())
    )
}

/// Runs the demo, printing progress and the timeline to `out`.
///
/// # Errors
/// [`DemoError::Kit`] with a build hint when a binary is not found; a failed hook,
/// a model that does not settle, or certificates that are not renewed / re-issued as expected;
/// I/O errors writing the output directory.
pub fn run(options: &DemoOptions, out: &mut dyn Write) -> Result<DemoReport, DemoError> {
    if options.units == 0 {
        return Err(DemoError::InvalidOption(
            "--units must be at least 1".into(),
        ));
    }
    let parse_backend = tls_certificates::crypto::ring::backend();
    let binaries = match &options.binaries {
        Some(b) => b.clone(),
        None => Binaries::locate(&Binaries::default_dirs())?,
    };
    let workdir = tempfile::Builder::new()
        .prefix("tls-certificates-demo-")
        .tempdir()
        .map_err(DemoError::io(Path::new("<temporary directory>")))?;
    let mut p = Printer {
        out,
        log_seen: BTreeMap::new(),
    };
    let mut report = DemoReport::default();
    let mut sim = Sim::new(binaries, workdir.path(), Some(options.backend.as_str()));
    let start = options
        .start
        .unwrap_or_else(|| whole_seconds(OffsetDateTime::now_utc()) - RENEWAL_ADVANCE);
    sim.set_clock(start);
    p.line(&format!(
        "The simulated clock starts at {}{}.\n",
        rfc3339(start),
        if options.start.is_some() {
            " (--start)"
        } else {
            ", as many days before the real time as the renewal step advances it: the demo ends at the real time"
        }
    ))?;

    p.line(&format!(
        "== 1. Deploy: {PROVIDER_APP} (1 unit) and {REQUIRER_APP} ({} units, mode={}, key={}, backend={}) as real processes",
        options.units, options.mode, options.key_algorithm, options.backend
    ))?;
    sim.deploy_provider(PROVIDER_APP, 1, BTreeMap::new())?;
    let requirer_config = BTreeMap::from([
        ("mode".to_owned(), Value::from(options.mode.as_str())),
        (
            "key-algorithm".to_owned(),
            Value::from(options.key_algorithm.name()),
        ),
        ("sans-dns".to_owned(), Value::from("demo.example.com")),
    ]);
    sim.deploy_requirer(REQUIRER_APP, options.units, requirer_config)?;
    report.hooks += p.settle(&mut sim)?;
    p.statuses(&sim)?;

    p.line(&format!(
        "\n== 2. Relate {REQUIRER_APP}:certificates to {PROVIDER_APP}:certificates"
    ))?;
    sim.model
        .relate(REQUIRER_APP, "certificates", PROVIDER_APP, "certificates")?;
    report.hooks += p.settle(&mut sim)?;
    p.statuses(&sim)?;
    let issued = certificates(&sim, parse_backend)?;
    let expected = match options.mode {
        Mode::Unit => options.units as usize,
        Mode::App => 1,
        Mode::AppAndUnit => options.units as usize + 1,
    };
    if issued.len() != expected {
        return Err(DemoError::Unexpected(format!(
            "{} certificates on disk after relating, expected {expected}",
            issued.len()
        )));
    }
    p.line("  certificates on disk:")?;
    for ((unit, scope), c) in &issued {
        p.line(&format!("    {unit:<16} {scope:<5} {}", describe(c)))?;
    }

    p.line(&format!(
        "\n== 3. Advance the simulated clock by {} days: certificate secrets expire at 90 % of the lifetime, so every certificate is renewed",
        RENEWAL_ADVANCE.whole_days()
    ))?;
    sim.advance_clock(RENEWAL_ADVANCE);
    report.hooks += p.settle(&mut sim)?;
    p.statuses(&sim)?;
    let renewed = certificates(&sim, parse_backend)?;
    for (key, c) in &renewed {
        let before = issued.get(key);
        if before.is_some_and(|b| b.serial() != c.serial() && c.not_after() > b.not_after()) {
            report.renewed += 1;
            p.line(&format!(
                "    renewed {:<16} {:<5} {} -> {}",
                key.0,
                key.1,
                before.map(serial).unwrap_or_default(),
                describe(c)
            ))?;
        }
    }
    if report.renewed != expected {
        return Err(DemoError::Unexpected(format!(
            "{} of {expected} certificates renewed after advancing the clock",
            report.renewed
        )));
    }

    p.line(
        "\n== 4. Change ca-common-name: a new CA; every certificate is revoked and re-issued by it",
    )?;
    sim.model.set_config(
        PROVIDER_APP,
        BTreeMap::from([("ca-common-name".to_owned(), Value::from("demo-ca-rotated"))]),
    )?;
    report.hooks += p.settle(&mut sim)?;
    p.statuses(&sim)?;
    let reissued = certificates(&sim, parse_backend)?;
    for ((unit, scope), c) in &reissued {
        if c.issuer().value("2.5.4.3") == Some("demo-ca-rotated") {
            report.reissued += 1;
            p.line(&format!(
                "    re-issued {unit:<16} {scope:<5} {}",
                describe(c)
            ))?;
        }
    }
    if report.reissued != expected {
        return Err(DemoError::Unexpected(format!(
            "{} of {expected} certificates re-issued by the new CA",
            report.reissued
        )));
    }

    p.line(&format!(
        "\n== 5. Write the certificates to {}",
        options.out.display()
    ))?;
    let ca = sim.model.run_action(
        &format!("{PROVIDER_APP}/0"),
        "get-ca-certificate",
        serde_json::Map::new(),
    )?;
    let ca_pem = ca.results.get("ca-certificate").cloned().ok_or_else(|| {
        DemoError::Unexpected(format!(
            "get-ca-certificate returned no certificate: {:?}",
            ca.failure
        ))
    })?;
    std::fs::create_dir_all(&options.out).map_err(DemoError::io(&options.out))?;
    let ca_path = options.out.join("ca.pem");
    std::fs::write(&ca_path, format!("{}\n", ca_pem.trim_end()))
        .map_err(DemoError::io(&ca_path))?;
    report.files.push(ca_path.clone());
    for unit in sim
        .model
        .units()
        .into_iter()
        .filter(|u| u.starts_with(REQUIRER_APP))
    {
        let from = sim.unit_data_dir(&unit);
        let to = options.out.join(unit.replace('/', "-"));
        report.files.extend(copy_dir(&from, &to)?);
    }
    for file in &report.files {
        p.line(&format!("    {}", file.display()))?;
    }

    let checked_at = OffsetDateTime::now_utc();
    let not_valid_now =
        p.verify_written(&report.files, &ca_path, &ca_pem, parse_backend, checked_at)?;
    report.verified = report.files.iter().filter(|f| is_leaf_file(f)).count();
    report.valid_now = not_valid_now.is_empty();
    let end = sim.now();
    if !report.valid_now && options.start.is_none() {
        return Err(DemoError::Unexpected(format!(
            "not valid at the real time {}: {}",
            rfc3339(checked_at),
            not_valid_now
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    p.line(&format!(
        "\nDone: {} hooks ran as real processes; {} issued, {} renewed, {} re-issued after the CA change; {} verified against {}.",
        report.hooks,
        match issued.len() {
            1 => "1 certificate".to_owned(),
            n => format!("{n} certificates"),
        },
        report.renewed,
        report.reissued,
        report.verified,
        ca_path.display()
    ))?;
    let attime = if report.valid_now {
        p.line("The certificates are valid now. Check them with OpenSSL:")?;
        String::new()
    } else {
        p.line(&format!(
            "--start put the simulated clock at {}: the certificates are valid at the simulated time the demo ended ({}), not now. Check them at that time with OpenSSL:",
            rfc3339(start),
            rfc3339(end)
        ))?;
        format!(" -attime {}", end.unix_timestamp())
    };
    let out_dir = shell_quote(&options.out.display().to_string());
    p.line(&format!(
        "  openssl verify{attime} -CAfile {out_dir}/ca.pem {out_dir}/*/*-certificate.pem"
    ))?;
    Ok(report)
}

/// `at` without its fraction of a second (rounded down).
fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}

/// `at` in RFC 3339, to the second.
fn rfc3339(at: OffsetDateTime) -> String {
    let at = whole_seconds(at);
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// Whether `path` is a certificate the requirer wrote (`unit-certificate.pem`,
/// `app-certificate.pem`).
fn is_leaf_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with("-certificate.pem"))
}

fn is_valid_at(c: &Certificate, at: OffsetDateTime) -> bool {
    c.not_before() <= at && at <= c.not_after()
}

/// `valid now (until ...)`, or why not.
fn validity(c: &Certificate, at: OffsetDateTime) -> String {
    if at < c.not_before() {
        format!("NOT valid yet (from {})", rfc3339(c.not_before()))
    } else if at > c.not_after() {
        format!("EXPIRED (on {})", rfc3339(c.not_after()))
    } else {
        format!("valid now (until {})", rfc3339(c.not_after()))
    }
}

/// `text` as one word for a POSIX shell: unchanged when it is made of safe characters, else in
/// single quotes.
fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+:@%".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Copies the files of `from` into `to` (private keys keep mode 0600). A unit that wrote no
/// files (a non-leader in app mode) has no directory: nothing to copy.
fn copy_dir(from: &Path, to: &Path) -> Result<Vec<PathBuf>, DemoError> {
    if !from.is_dir() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(to).map_err(DemoError::io(to))?;
    let mut copied = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(DemoError::io(from))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pem"))
        .collect();
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name() else {
            continue;
        };
        let target = to.join(name);
        std::fs::copy(&path, &target).map_err(DemoError::io(&target))?;
        copied.push(target);
    }
    Ok(copied)
}
