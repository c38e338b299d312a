//! Input and output shared by the subcommands: global options, bounded file reads, writing PEM
//! or JSON to stdout or `--out FILE` (private keys with mode 0600).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use tls_certificates_crypto::CryptoBackend;

use crate::backend::BackendChoice;

/// Inputs larger than this are refused before parsing (PEM files are a few kilobytes).
pub(crate) const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// Options every subcommand takes (they may be given before or after the subcommand).
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Crypto backend to use.
    #[arg(long, value_enum, global = true, default_value_t = BackendChoice::Ring)]
    pub(crate) backend: BackendChoice,
    /// Print machine-readable JSON instead of PEM.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Write the output to FILE instead of stdout (private keys are created with mode 0600).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

impl GlobalArgs {
    /// The selected backend.
    pub(crate) fn backend(&self) -> Result<&'static dyn CryptoBackend> {
        self.backend.backend()
    }
}

/// Whether output holds secret material (then a file is created with mode 0600).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Sensitivity {
    /// Certificates, CSRs, reports.
    Public,
    /// Private keys.
    Secret,
}

/// Reads a UTF-8 text input (`-` is stdin), refusing anything over [`MAX_INPUT_BYTES`].
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let limit = MAX_INPUT_BYTES + 1;
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        File::open(path)
            .and_then(|file| file.take(limit).read_to_end(&mut bytes))
            .with_context(|| format!("reading {}", path.display()))?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        bail!(
            "{}: input larger than {MAX_INPUT_BYTES} bytes",
            display_name(path)
        );
    }
    String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", display_name(path)))
}

/// How a path is named in messages (`stdin` for `-`).
pub(crate) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Writes `text` (plus a final newline if missing) to `out`, or to stdout when `out` is `None`.
pub(crate) fn emit(out: Option<&Path>, text: &str, sensitivity: Sensitivity) -> Result<()> {
    // Written in two parts rather than copied with the newline appended: a private key is never
    // duplicated into an allocation that would not be zeroized.
    let newline: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
    let parts = [text.as_bytes(), newline];
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            parts
                .iter()
                .try_for_each(|part| stdout.write_all(part))
                .and_then(|()| stdout.flush())
                .context("writing to stdout")
        }
        Some(path) => write_file(path, &parts, sensitivity)
            .with_context(|| format!("writing {}", path.display())),
    }
}

/// Serialises `value` as pretty JSON and [`emit`]s it.
pub(crate) fn emit_json(out: Option<&Path>, value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).context("serialising JSON output")?;
    emit(out, &text, Sensitivity::Public)
}

fn write_file(path: &Path, parts: &[&[u8]], sensitivity: Sensitivity) -> std::io::Result<()> {
    if sensitivity == Sensitivity::Secret {
        // A secret never goes through an existing path: it is written to a fresh 0600 file in the
        // same directory, then renamed over `path`. A symlink (or a file with a looser mode)
        // already at `path` is replaced, never followed or reused.
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        parts.iter().try_for_each(|part| file.write_all(part))?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        return Ok(());
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    write_all_synced(file, parts)
}

fn write_all_synced(mut file: File, parts: &[&[u8]]) -> std::io::Result<()> {
    parts.iter().try_for_each(|part| file.write_all(part))?;
    file.sync_all()
}
