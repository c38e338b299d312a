//! The JSON-lines protocol between `juju-sim-tool` and the simulator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One hook-tool invocation, as the tool executable forwards it to the simulator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolRequest {
    /// The tool name (`relation-get`, ...), from argv\[0\].
    pub tool: String,
    /// The arguments after the tool name.
    pub args: Vec<String>,
    /// The tool's stdin, when an argument asks for it (`--file -`).
    #[serde(default)]
    pub stdin: Option<String>,
    /// Contents of files named by arguments (`key#file=<path>`, `--file <path>`), by path.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// `JUJU_CONTEXT_ID` of the calling process.
    #[serde(default)]
    pub context_id: Option<String>,
    /// The working directory of the calling process (`-o`/`--output` paths are relative to it).
    #[serde(default)]
    pub cwd: Option<String>,
}

/// The simulator's answer: what the tool prints and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolResponse {
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
    /// Exit code.
    pub code: i32,
}

impl ToolRequest {
    /// The working directory of this process, as a request carries it.
    pub fn current_dir() -> Option<String> {
        std::env::current_dir()
            .ok()
            .map(|d| d.to_string_lossy().into_owned())
    }

    /// A request with no stdin and no files.
    pub fn new(tool: &str, args: &[&str]) -> Self {
        Self {
            tool: tool.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Whether an argument asks for stdin (`--file -` / `--file=-`).
    pub fn wants_stdin(args: &[String]) -> bool {
        crate::tool_args::wants_stdin(args)
    }

    /// The contents of the files the arguments name, by path, read as the real tool would
    /// (lossy UTF-8). A file that cannot be read is left out: the simulator reports it, as Juju
    /// would.
    pub fn read_referenced_files(args: &[String]) -> BTreeMap<String, String> {
        Self::referenced_files(args)
            .into_iter()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                Some((path, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect()
    }

    /// The file paths the arguments name (`key#file=<path>`, `--file <path>`).
    pub fn referenced_files(args: &[String]) -> Vec<String> {
        crate::tool_args::referenced_files(args)
    }
}
