//! The guide shows the example charm as it is: the `tls-certificates` crate docs carry the code
//! of `examples/web-server/src/lib.rs` (from its first `use` to its end), so the page a charm
//! author reads first compiles and is the charm the juju-sim tests run.

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
