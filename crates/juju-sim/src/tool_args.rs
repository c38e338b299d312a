//! What a hook tool's arguments ask of its caller: stdin (`--file -`) and files to send along
//! (`key#file=<path>`, `--file <path>`). Standard library only: the library's
//! `ToolRequest` and the `juju-sim-tool` executable (compiled by the build script with `rustc`
//! alone, which includes this file by path) share it, so that both read arguments alike.

/// Whether an argument asks for stdin (`--file -` / `--file=-`).
pub(crate) fn wants_stdin(args: &[String]) -> bool {
    args.iter()
        .zip(args.iter().skip(1))
        .any(|(a, b)| a == "--file" && b == "-")
        || args.iter().any(|a| a == "--file=-")
}

/// The file paths the arguments name (`key#file=<path>`, `--file <path>`, `--file=<path>`).
pub(crate) fn referenced_files(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev_file_flag = false;
    for a in args {
        if prev_file_flag && a != "-" {
            out.push(a.clone());
        }
        prev_file_flag = a == "--file";
        if let Some(p) = a.strip_prefix("--file=")
            && p != "-"
        {
            out.push(p.to_owned());
        }
        if let Some((_, path)) = a.split_once("#file=") {
            out.push(path.to_owned());
        }
    }
    out
}
