//! `juju-sim-tool`: the hook-tool executable of `juju-sim`.
//!
//! Installed under every hook-tool name (`relation-get`, `secret-add`, ...). It forwards its
//! argv, its stdin (when `--file -` asks for it) and the files its arguments name
//! (`key#file=<path>`, `--file <path>`) to the simulator over the Unix socket in
//! `JUJU_AGENT_SOCKET_ADDRESS`, prints the answer and exits with its code. Invoked as
//! `juju-sim-tool <tool> <args>...` it behaves as `<tool> <args>...`.
//!
//! This file uses the standard library only: juju-sim's build script compiles it with `rustc`
//! alone, so that [`juju_sim::tool_binary`] exists wherever juju-sim is built (no
//! `cargo install`). It speaks the JSON of `juju_sim::ToolRequest` and `juju_sim::ToolResponse`
//! itself; juju-sim's process tests run every tool through it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

#[path = "../tool_args.rs"]
mod tool_args;
use tool_args::{referenced_files, wants_stdin};

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<i64, String> {
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
    let stdin = if wants_stdin(&args) {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Some(s)
    } else {
        None
    };
    let files: BTreeMap<String, String> = referenced_files(&args)
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect();
    let cwd = std::env::current_dir()
        .ok()
        .map(|d| d.to_string_lossy().into_owned());
    let mut line = String::from("{\"tool\":");
    push_json_string(&mut line, &tool);
    line.push_str(",\"args\":[");
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_json_string(&mut line, arg);
    }
    line.push_str("],\"stdin\":");
    push_json_option(&mut line, stdin.as_deref());
    line.push_str(",\"files\":{");
    for (i, (path, content)) in files.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_json_string(&mut line, path);
        line.push(':');
        push_json_string(&mut line, content);
    }
    line.push_str("},\"context_id\":");
    push_json_option(&mut line, std::env::var("JUJU_CONTEXT_ID").ok().as_deref());
    line.push_str(",\"cwd\":");
    push_json_option(&mut line, cwd.as_deref());
    line.push_str("}\n");
    let mut stream =
        UnixStream::connect(&socket).map_err(|e| format!("cannot connect to {socket}: {e}"))?;
    stream
        .write_all(line.as_bytes())
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut answer = String::new();
    BufReader::new(&stream)
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    let response = Response::parse(&answer).map_err(|e| format!("malformed answer: {e}"))?;
    print!("{}", response.stdout);
    eprint!("{}", response.stderr);
    let _ = std::io::stdout().flush();
    Ok(response.code)
}

fn push_json_option(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => push_json_string(out, v),
        None => out.push_str("null"),
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The simulator's answer: `{"stdout": "...", "stderr": "...", "code": N}`.
#[derive(Default)]
struct Response {
    stdout: String,
    stderr: String,
    code: i64,
}

impl Response {
    fn parse(text: &str) -> Result<Self, String> {
        let mut p = Parser {
            chars: text.trim().chars().collect(),
            at: 0,
        };
        let mut response = Self::default();
        p.expect('{')?;
        loop {
            p.skip_ws();
            if p.eat('}') {
                break;
            }
            let key = p.string()?;
            p.skip_ws();
            p.expect(':')?;
            p.skip_ws();
            match key.as_str() {
                "stdout" => response.stdout = p.string()?,
                "stderr" => response.stderr = p.string()?,
                "code" => response.code = p.integer()?,
                other => return Err(format!("unexpected field {other:?}")),
            }
            p.skip_ws();
            if !p.eat(',') {
                p.skip_ws();
                p.expect('}')?;
                break;
            }
        }
        Ok(response)
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied();
        self.at += 1;
        c
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.chars.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected {c:?} at {}", self.at))
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        let start = self.at;
        if self.chars.get(self.at) == Some(&'-') {
            self.at += 1;
        }
        while self.chars.get(self.at).is_some_and(char::is_ascii_digit) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits
            .parse()
            .map_err(|e| format!("bad code {digits:?}: {e}"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or("bad \\u escape")?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.next().ok_or("unterminated string")? {
                '"' => return Ok(out),
                '\\' => match self.next().ok_or("unterminated escape")? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let high = self.hex4()?;
                        let code = if (0xD800..0xDC00).contains(&high) {
                            self.expect('\\')?;
                            self.expect('u')?;
                            let low = self.hex4()?;
                            0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
                        } else {
                            high
                        };
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                    other => return Err(format!("bad escape \\{other}")),
                },
                c => out.push(c),
            }
        }
    }
}
