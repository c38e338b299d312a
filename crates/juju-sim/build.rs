//! Compiles the hook-tool executable (`src/bin/juju-sim-tool.rs`, standard library only) with
//! `rustc` into `OUT_DIR`, and hands its path to the library as `JUJU_SIM_TOOL_PATH`
//! ([`juju_sim::tool_binary`]): a charm's tests then run it as a process with `cargo test`
//! alone, nothing installed by hand. Cargo cannot depend on another package's binary on stable
//! (artifact dependencies are unstable), hence `rustc` here.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = "src/bin/juju-sim-tool.rs";
    println!("cargo:rerun-if-changed={source}");
    // The tool includes this file by path.
    println!("cargo:rerun-if-changed=src/tool_args.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let binary = out.join("juju-sim-tool");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // For the machine the build runs on, which is where the tests run the tool.
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-name",
            "juju_sim_tool",
            "-C",
            "opt-level=2",
        ])
        .args(["-C", "debuginfo=0", "--cap-lints", "allow", "-o"])
        .arg(&binary)
        .arg(source)
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("cargo:rustc-env=JUJU_SIM_TOOL_PATH={}", binary.display());
        }
        // The library still builds; `tool_binary` reports the tool missing.
        Ok(s) => println!("cargo:warning=juju-sim: compiling {source} failed ({s})"),
        Err(e) => println!("cargo:warning=juju-sim: cannot run rustc for {source}: {e}"),
    }
}
