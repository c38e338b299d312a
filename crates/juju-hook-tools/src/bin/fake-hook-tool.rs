//! A recording stand-in for every Juju hook tool, for `juju-hook-tools`' own tests.
//!
//! Symlink this binary under each tool name (`relation-get`, `secret-add`, ...) in a directory
//! and run the tools from there by path. Each run:
//!
//! 1. appends one JSON line to `<dir>/calls.jsonl`: `{"tool", "args", "stdin", "files"}`, where
//!    `files` maps each `key#file=<path>` argument to the file's content and the permission
//!    bits of the file and of its directory (read while the tool runs, since the caller removes
//!    them afterwards);
//! 2. answers from `<dir>/responses/<tool>.json`, `{"stdout": "...", "stderr": "...",
//!    "code": 0}` (every field optional; no file means exit 0 with no output). `"abort": true`
//!    makes the tool die from a signal instead.
//!
//! `<dir>` is the directory `argv[0]` lives in. Not part of the library; never installed by
//! charms.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value, json};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("fake-hook-tool: {message}");
            ExitCode::from(99)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut argv = std::env::args();
    let argv0 = PathBuf::from(argv.next().ok_or("no argv[0]")?);
    let args: Vec<String> = argv.collect();
    let tool = argv0
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("argv[0] has no file name")?
        .to_owned();
    let dir = argv0
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .ok_or("run me by path, from the fake tool directory")?
        .to_path_buf();

    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| format!("reading stdin: {e}"))?;

    let mut files = Map::new();
    for arg in &args {
        if let Some((key, path)) = arg.split_once("#file=") {
            files.insert(key.to_owned(), describe_file(Path::new(path)));
        }
    }
    let record = json!({ "tool": tool, "args": args, "stdin": stdin, "files": files });
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("calls.jsonl"))
        .map_err(|e| format!("opening the call log: {e}"))?;
    writeln!(log, "{record}").map_err(|e| format!("writing the call log: {e}"))?;

    let response_path = dir.join("responses").join(format!("{tool}.json"));
    let response: Value = match std::fs::read_to_string(&response_path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("bad response file: {e}"))?,
        Err(_) => Value::Null,
    };
    if response.get("abort").and_then(Value::as_bool) == Some(true) {
        std::process::abort();
    }
    let text = |field: &str| response.get(field).and_then(Value::as_str).unwrap_or("");
    print!("{}", text("stdout"));
    eprint!("{}", text("stderr"));
    let code = response.get("code").and_then(Value::as_u64).unwrap_or(0);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX)))
}

/// The content and permission bits of a `#file=` argument's file and its directory.
fn describe_file(path: &Path) -> Value {
    let mode = |p: &Path| -> Value {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(p)
                .map(|m| json!(format!("{:o}", m.permissions().mode() & 0o777)))
                .unwrap_or(Value::Null)
        }
        #[cfg(not(unix))]
        {
            let _ = p;
            Value::Null
        }
    };
    json!({
        "path": path.display().to_string(),
        "content": std::fs::read_to_string(path).ok(),
        "mode": mode(path),
        "dir_mode": path.parent().map_or(Value::Null, mode),
    })
}
