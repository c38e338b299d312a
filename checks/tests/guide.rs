//! The guide shows the example charm as it is: the `tls-certificates` crate docs carry the code
//! of `examples/web-server/src/lib.rs` (from its first `use` to its end), so the page a charm
//! author reads first compiles and is the charm the juju-sim tests run; and every Rust snippet of
//! `docs/first-charm.md` is a run of lines of the example's sources.

use std::path::Path;

fn read(relative: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the checks package lives in the workspace root");
    std::fs::read_to_string(root.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn the_crate_docs_carry_the_example_charm_verbatim() {
    let example = read("examples/web-server/src/lib.rs");
    let start = example
        .find("use std::")
        .expect("the example starts its code with a std import");
    let code = &example[start..];
    let docs: String = read("crates/tls-certificates/src/lib.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    assert!(
        docs.contains(code),
        "the example in crates/tls-certificates/src/lib.rs differs from examples/web-server/src/lib.rs: copy it over"
    );
}

/// The fenced blocks of a Markdown text in language `lang`, each as its lines.
fn fenced_blocks(markdown: &str, lang: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    // `Some(true)`: inside a block of `lang`; `Some(false)`: inside another block.
    let mut inside: Option<bool> = None;
    for line in markdown.lines() {
        match (inside, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => {
                inside = Some(info.trim() == lang);
                if info.trim() == lang {
                    blocks.push(Vec::new());
                }
            }
            (Some(_), Some(_)) => inside = None,
            (Some(true), None) => {
                if let Some(block) = blocks.last_mut() {
                    block.push(line.to_owned());
                }
            }
            (Some(false) | None, None) => {}
        }
    }
    blocks
}

/// Lines without their indentation, blank lines dropped: a snippet may be shown de-indented.
fn normalised<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn every_rust_snippet_of_the_first_charm_guide_is_in_the_example_sources() {
    let sources: Vec<String> = [
        "examples/web-server/src/lib.rs",
        "examples/web-server/src/main.rs",
        "examples/web-server/tests/sim.rs",
    ]
    .iter()
    .map(|path| read(path))
    .collect();
    let sources: Vec<Vec<&str>> = sources.iter().map(|s| normalised(s.lines())).collect();
    let guide = read("docs/first-charm.md");
    let snippets = fenced_blocks(&guide, "rust");
    assert!(
        snippets.len() >= 6,
        "the guide shows the charm in Rust snippets"
    );
    for snippet in &snippets {
        let wanted = normalised(snippet.iter().map(String::as_str));
        let found = sources.iter().any(|source| {
            source
                .windows(wanted.len())
                .any(|run| run == wanted.as_slice())
        });
        assert!(
            found,
            "docs/first-charm.md shows code that is not in examples/web-server: copy it over\n{}",
            snippet.join("\n")
        );
    }
}

#[test]
fn the_example_charm_is_under_fifty_lines_of_code_as_the_readme_and_guide_say() {
    // Lines of code: not blank, not a comment (`//`, `//!`, `///`), not the crate's lint
    // attribute (the four lines of `#![cfg_attr(not(test), deny(...))]`).
    let example = read("examples/web-server/src/lib.rs");
    let mut in_attribute = false;
    let code = example
        .lines()
        .map(str::trim)
        .filter(|line| {
            if line.starts_with("#![") {
                in_attribute = !line.ends_with(")]");
                return false;
            }
            if in_attribute {
                in_attribute = *line != ")]";
                return false;
            }
            !line.is_empty() && !line.starts_with("//")
        })
        .count();
    assert!(
        code < 50,
        "examples/web-server/src/lib.rs has {code} lines of code; README.md and \
         docs/first-charm.md say under fifty"
    );
    for doc in ["README.md", "docs/first-charm.md"] {
        assert!(
            read(doc).contains("under fifty lines"),
            "{doc} no longer says how long the example is"
        );
    }
}
