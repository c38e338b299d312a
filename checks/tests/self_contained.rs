//! The repository stands on its own: a fresh `git clone`, with nothing beside it, holds every
//! file its tests, scripts and docs point to, and its docs speak to users, not to our tracker.
//!
//! Every tracked text file is scanned. The file list comes from `git ls-files`: a clone always
//! has git, and a run without it fails here rather than checking nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Tracked files that are data rather than tests, scripts or docs: fuzzer inputs.
const DATA: [&str; 2] = ["fuzz/corpus/", "fuzz/corpus-depth/"];

fn root() -> PathBuf {
    let checks = Path::new(env!("CARGO_MANIFEST_DIR"));
    checks
        .parent()
        .expect("the checks package lives in the workspace root")
        .to_path_buf()
}

/// A tracked file: its path relative to the root, with `/` separators, and its text.
struct Tracked {
    path: String,
    text: String,
}

/// Every tracked UTF-8 text file, fuzzer seeds left out.
fn tracked_text_files() -> Vec<Tracked> {
    let output = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `git ls-files` (a clone always has git): {e}"));
    assert!(
        output.status.success(),
        "`git ls-files` failed in {}: {}",
        root().display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let paths: Vec<String> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    assert!(
        paths.iter().any(|p| p == "Cargo.toml") && paths.len() > 100,
        "`git ls-files` in {} listed {} files: not this repository's checkout",
        root().display(),
        paths.len()
    );
    paths
        .into_iter()
        .filter(|path| !DATA.iter().any(|prefix| path.starts_with(prefix)))
        .filter_map(|path| {
            // A file deleted in the working tree has nothing left to check.
            let bytes = std::fs::read(root().join(&path)).ok()?;
            if bytes.contains(&0) {
                return None;
            }
            let text = String::from_utf8(bytes).ok()?;
            Some(Tracked { path, text })
        })
        .collect()
}

/// The directory of `path` (relative to the root), as components.
fn dir_of(path: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
}

/// The package directory of a Rust file: its nearest ancestor with a tracked `Cargo.toml`.
/// Paths a test joins to `CARGO_MANIFEST_DIR` (and the working directory of `cargo test`) start
/// there.
fn package_dir<'a>(path: &'a str, manifests: &BTreeSet<&str>) -> Vec<&'a str> {
    let mut dir = dir_of(path);
    while !dir.is_empty() {
        let manifest = format!("{}/Cargo.toml", dir.join("/"));
        if manifests.contains(manifest.as_str()) {
            return dir;
        }
        dir.pop();
    }
    dir
}

/// Whether `relative`, resolved from `base` (components under the root), leaves the root.
fn escapes(base: &[&str], relative: &str) -> bool {
    let mut depth = base.len();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

/// The path-like words of `line` (runs of `[A-Za-z0-9_.-/]`) that climb: `..`, `../x`, `/../x`.
fn climbing_words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || "_.-/".contains(c)))
        .filter(|word| {
            let word = word.strip_prefix('/').unwrap_or(word);
            word == ".." || word.starts_with("../")
        })
}

#[test]
fn no_tracked_file_refers_to_a_path_outside_the_repository() {
    let files = tracked_text_files();
    let manifests: BTreeSet<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| *p == "Cargo.toml" || p.ends_with("/Cargo.toml"))
        .collect();
    let outside = ["../shared", "shared/fixtures", "/work/"];
    let mut found = Vec::new();
    // This file's examples of what the rules catch are not references.
    for file in files.iter().filter(|f| f.path != file!()) {
        let is_rust = file.path.ends_with(".rs");
        let mut previous = "";
        for (number, line) in file.text.lines().enumerate() {
            let at = format!("{}:{}", file.path, number + 1);
            for text in outside {
                if line.contains(text) {
                    found.push(format!("{at}: names {text:?}: {}", line.trim()));
                }
            }
            // `include_str!` and `#[path]` (on this line or, formatted, the line before) are
            // relative to the file; every other path in Rust code to the package
            // (`CARGO_MANIFEST_DIR`, the tests' working directory); in scripts and docs to the
            // file's directory.
            let relative_to_file = ["include_str!", "include_bytes!", "#[path"]
                .iter()
                .any(|m| line.contains(m) || previous.contains(m));
            previous = line;
            let base = if is_rust && !relative_to_file {
                package_dir(&file.path, &manifests)
            } else {
                dir_of(&file.path)
            };
            for word in climbing_words(line) {
                if escapes(&base, word) {
                    found.push(format!(
                        "{at}: {word:?} leads out of the repository (from {}/): {}",
                        base.join("/"),
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} reference(s) to paths outside the repository; a fresh clone has nothing beside it, \
         so copy what is needed into the repository:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn no_tracked_file_cites_an_internal_tracker_number() {
    let mut found = Vec::new();
    for file in tracked_text_files() {
        for (number, line) in file.text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let cites = lower.match_indices("issue").any(|(start, word)| {
                let rest = &lower[start + word.len()..];
                let rest = rest.strip_prefix('s').unwrap_or(rest);
                let number = rest.trim_start_matches([' ', '#']);
                number.len() < rest.len() && number.starts_with(|c: char| c.is_ascii_digit())
            });
            if cites {
                found.push(format!("{}:{}: {}", file.path, number + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "user-facing files cite the project's internal tracker (readers cannot follow \
         \"issue N\"): say what the number stood for instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_path_rules_resolve_as_cargo_and_the_shell_do() {
    let manifests = BTreeSet::from(["crates/a/Cargo.toml"]);
    let package = package_dir("crates/a/tests/t.rs", &manifests);
    assert_eq!(package, ["crates", "a"]);
    assert!(!escapes(&package, "../../interop/fixtures"));
    assert!(escapes(&package, "../../../shared/fixtures"));
    assert!(!escapes(
        &dir_of("crates/a/src/lib.rs"),
        "../../../charms/x"
    ));
    assert!(escapes(&dir_of("README.md"), "../x"));
    let words: Vec<&str> =
        climbing_words(r#"cd "$(dirname "$0")/.." && join("../../x") + "a/../b""#).collect();
    assert_eq!(words, ["/..", "../../x"]);
}
