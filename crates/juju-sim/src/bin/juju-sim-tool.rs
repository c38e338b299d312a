//! `juju-sim-tool`: the hook-tool executable of `juju-sim`.
//!
//! Installed under every hook-tool name (`relation-get`, `secret-add`, ...). It forwards its
//! argv, its stdin (when `--file -` asks for it) and the files its arguments name
//! (`key#file=<path>`, `--file <path>`) to the simulator over the Unix socket in
//! `JUJU_AGENT_SOCKET_ADDRESS`, prints the answer and exits with its code. Invoked as
//! `juju-sim-tool <tool> <args>...` it behaves as `<tool> <args>...`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use juju_sim::{ToolRequest, ToolResponse};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<i32, String> {
    let mut argv = std::env::args();
    let argv0 = argv.next().unwrap_or_default();
    let mut tool = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut args: Vec<String> = argv.collect();
    if tool == "juju-sim-tool" {
        if args.is_empty() {
            return Err("usage: juju-sim-tool <tool> [args...]".into());
        }
        tool = args.remove(0);
    }
    let socket = std::env::var("JUJU_AGENT_SOCKET_ADDRESS").map_err(|_| {
        "JUJU_AGENT_SOCKET_ADDRESS is not set: not running under juju-sim".to_owned()
    })?;
    let stdin = if ToolRequest::wants_stdin(&args) {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Some(s)
    } else {
        None
    };
    let files = ToolRequest::read_referenced_files(&args);
    let request = ToolRequest {
        tool,
        args,
        stdin,
        files,
        context_id: std::env::var("JUJU_CONTEXT_ID").ok(),
        cwd: ToolRequest::current_dir(),
    };
    let mut line = serde_json::to_string(&request).map_err(|e| format!("cannot encode: {e}"))?;
    line.push('\n');
    let mut stream =
        UnixStream::connect(&socket).map_err(|e| format!("cannot connect to {socket}: {e}"))?;
    stream
        .write_all(line.as_bytes())
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut answer = String::new();
    BufReader::new(&stream)
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    let response: ToolResponse =
        serde_json::from_str(&answer).map_err(|e| format!("malformed answer: {e}"))?;
    print!("{}", response.stdout);
    eprint!("{}", response.stderr);
    let _ = std::io::stdout().flush();
    Ok(response.code)
}
