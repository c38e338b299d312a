//! The cost of one hook: wall time and peak RSS of a requirer's `certificates-relation-changed`
//! hook process with its certificate already present, for our Rust requirer charm and for the
//! `ops` requirer (the real Python library) in `interop/e2e/ops-requirer`, both related to our
//! provider in juju-sim; then the same for the providers.
//!
//! Not a criterion benchmark (it times whole hook processes and reads `/usr/bin/time`), and not
//! run by a plain `cargo bench` (`bench = false`). One command builds what it needs and runs it:
//!
//! ```sh
//! just hook-cost 20    # ITERATIONS per charm (default 20); HOOK_COST_TRACE=1 lists the calls
//! ```
//!
//! which is `cargo build --release -p tls-certificates-requirer -p self-signed-certificates -p
//! juju-sim --bins`, `interop/setup-venv.sh`, then
//! `cargo bench --locked -p tls-certificates-benches --bench hook_cost -- 20`.
//!
//! Goals (the figures and verdicts live in `benches/README.md`, "Cost of a hook"):
//!
//! * at least 20× faster than the equivalent `ops` charm, for both charms, measured in one run;
//! * our in-process logic per hook at most 0.5 ms;
//! * the hook-tool calls per steady-state hook of each charm listed, each justified, and no more
//!   than the Python charm's.
//!
//! The last lines run the same hooks with the charms' logic in-process (juju-sim's in-memory
//! tools, no processes): the cost of our code alone, without Juju's process-per-tool protocol.
//!
//! Wall time is measured around the simulator's `run_hook` (it includes the charm's hook-tool
//! calls, each a `juju-sim-tool` process talking to the simulator, as Juju's tools are
//! processes too). Peak RSS is the charm process's maximum resident set (`/usr/bin/time %M`; the
//! `time` package on Debian/Ubuntu), not counting the tool processes it spawns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use juju_hook_tools::{CachedHookTools, Context, HookTools};
use juju_sim::Hook;
use time::OffsetDateTime;
use tls_certificates::crypto::CryptoBackend;
use tls_certificates_demo::sim::{Binaries, Sim};

struct Measured {
    wall: Vec<Duration>,
    rss_kib: Vec<u64>,
    /// User + system CPU time of the charm process and the tool processes it waited for,
    /// in 10 ms ticks' resolution.
    cpu_ms: Vec<u64>,
    /// Hook-tool calls per hook.
    calls: usize,
    /// The hook-tool calls of the first hook (`HOOK_COST_TRACE=1` prints them).
    trace: Vec<String>,
}

fn median<T: Copy + Ord>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied()
}

/// Replaces the charm's `dispatch` with one that runs `command` under `/usr/bin/time`.
fn wrap_dispatch(charm_dir: &Path, command: &str, rss_file: &Path) -> Result<()> {
    let script = format!(
        "#!/bin/sh\nJUJU_DISPATCH_PATH=\"${{JUJU_DISPATCH_PATH:-$0}}\" PYTHONPATH=src exec /usr/bin/time -a -o '{}' -f '%M %U %S' {command}\n",
        rss_file.display()
    );
    let dispatch = charm_dir.join("dispatch");
    std::fs::write(&dispatch, script)?;
    std::fs::set_permissions(
        &dispatch,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    Ok(())
}

/// Runs the hook `n` times and returns the wall time of each.
fn run_hooks(
    sim: &mut Sim,
    unit: &str,
    relation: u32,
    remote: &str,
    n: usize,
) -> Result<Vec<Duration>> {
    let mut wall = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let report = sim.model.run_hook(
            unit,
            Hook::RelationChanged {
                relation,
                unit: Some(remote.to_owned()),
            },
        )?;
        wall.push(started.elapsed());
        if !report.outcome.is_committed() {
            bail!("{report}");
        }
    }
    Ok(wall)
}

/// Wall time with the charm's own `dispatch` (what Juju runs), then peak RSS and CPU time in a
/// second pass under `/usr/bin/time` (which would otherwise add its own start-up to the wall time).
fn measure(
    sim: &mut Sim,
    app: &str,
    command: &str,
    relation: u32,
    remote: &str,
    rss_file: &Path,
    n: usize,
) -> Result<Measured> {
    let unit = format!("{app}/0");
    // The unit's own directory: an `ops` charm runs in a per-unit copy, as in Juju.
    let dispatch = sim.unit_dir(&unit).join("dispatch");
    let original = std::fs::read(&dispatch)?;
    sim.model.clear_records();
    let wall = run_hooks(sim, &unit, relation, remote, n)?;
    let calls = sim.model.trace().len() / n.max(1);
    let trace: Vec<String> = sim
        .model
        .trace()
        .iter()
        .take(calls)
        .map(|call| format!("{:>36} {} {}", call.index, call.tool, call.args.join(" ")))
        .collect();
    let _ = std::fs::remove_file(rss_file);
    wrap_dispatch(&sim.unit_dir(&unit), command, rss_file)?;
    run_hooks(sim, &unit, relation, remote, n)?;
    std::fs::write(&dispatch, original)?;
    let text = std::fs::read_to_string(rss_file)?;
    let mut rss_kib = Vec::new();
    let mut cpu_ms = Vec::new();
    for line in text.lines() {
        let fields: Vec<f64> = line
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [rss, user, system] = fields[..] {
            rss_kib.push(rss as u64);
            cpu_ms.push(((user + system) * 1e3).round() as u64);
        }
    }
    Ok(Measured {
        wall,
        rss_kib,
        cpu_ms,
        calls,
        trace,
    })
}

fn report(name: &str, m: &Measured) {
    let wall = median(&m.wall).unwrap_or_default();
    let min = m.wall.iter().min().copied().unwrap_or_default();
    let rss = median(&m.rss_kib).unwrap_or_default();
    let cpu = median(&m.cpu_ms).unwrap_or_default();
    println!(
        "{name:<32} wall median {:>7.1} ms (min {:>6.1})  charm CPU median {cpu:>4} ms  peak RSS median {:>5.1} MiB  ({} runs)",
        wall.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        rss as f64 / 1024.0,
        m.wall.len()
    );
}

fn main() -> Result<()> {
    // `cargo bench` adds `--bench`; the first other argument is the iteration count.
    let n: usize = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var_os("INTEROP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("interop/.venv/bin/python"));
    if !python.is_file() {
        bail!("no {}: run interop/setup-venv.sh", python.display());
    }
    // Absolute: the working directory changes below.
    let python = std::path::absolute(&python)?;
    if !Path::new("/usr/bin/time").is_file() {
        bail!("/usr/bin/time is missing: apt-get install time");
    }
    let binaries = Binaries::locate(&Binaries::default_dirs())?;
    let dir = tempfile::tempdir()?;
    // In-process charms have no charm directory: the requirer writes its files under `./data`.
    std::env::set_current_dir(dir.path())?;
    let mut sim = Sim::new(binaries, dir.path(), None);
    sim.set_clock(OffsetDateTime::now_utc());
    sim.deploy_provider("ca", 1, BTreeMap::new())?;
    sim.deploy_requirer("rust-requirer", 1, BTreeMap::new())?;
    let python_str = python.to_str().context("non-UTF-8 python path")?;
    sim.deploy_dir(
        "ops-requirer",
        &repo.join("interop/e2e/ops-requirer"),
        1,
        &[("SIM_OPS_PYTHON", python_str)],
    )?;
    sim.deploy_dir(
        "ops-provider",
        &repo.join("interop/e2e/ops-provider"),
        1,
        &[("SIM_OPS_PYTHON", python_str)],
    )?;
    sim.deploy_requirer("rust-requirer-2", 1, BTreeMap::new())?;
    // The provider comparison is one relation with one requirer unit on both sides.
    sim.deploy_provider("ca-solo", 1, BTreeMap::new())?;
    sim.deploy_requirer("rust-requirer-3", 1, BTreeMap::new())?;
    // The same charm logic in-process: what the hook costs without tool processes.
    let start = sim.now();
    let in_process = |run: CharmRun| {
        juju_sim::in_process(move |ctx, tools| {
            let cached = CachedHookTools::new(tools, ctx);
            run(
                ctx,
                &cached,
                tls_certificates::crypto::ring::backend(),
                start,
            )
        })
    };
    sim.model.deploy(
        "inproc-ca",
        tls_certificates_demo::meta::provider_meta()?,
        in_process(|ctx, tools, backend, now| {
            self_signed_certificates::run(&tls_certificates::Hook::new(ctx, tools, backend, now))
                .map_err(|e| e.to_string())
        }),
        1,
    )?;
    sim.model.deploy(
        "inproc-requirer",
        tls_certificates_demo::meta::requirer_meta()?,
        in_process(|ctx, tools, backend, now| {
            tls_certificates_requirer::run(&tls_certificates::Hook::new(ctx, tools, backend, now))
                .map_err(|e| e.to_string())
        }),
        1,
    )?;
    let inproc_rel = sim.model.relate(
        "inproc-requirer",
        "certificates",
        "inproc-ca",
        "certificates",
    )?;
    let rust_rel = sim
        .model
        .relate("rust-requirer", "certificates", "ca", "certificates")?;
    let ops_rel = sim
        .model
        .relate("ops-requirer", "certificates", "ca", "certificates")?;
    let solo_rel =
        sim.model
            .relate("rust-requirer-3", "certificates", "ca-solo", "certificates")?;
    let ops_provider_rel = sim.model.relate(
        "rust-requirer-2",
        "certificates",
        "ops-provider",
        "certificates",
    )?;
    sim.settle(1_000)?;
    for unit in [
        "rust-requirer/0",
        "ops-requirer/0",
        "rust-requirer-2/0",
        "rust-requirer-3/0",
        "inproc-requirer/0",
    ] {
        let status = sim.model.unit_status(unit).context("no status")?;
        if status.kind != "active" {
            bail!(
                "{unit} has no certificate yet: {} {}",
                status.kind,
                status.message
            );
        }
    }
    let ops_command = format!("'{python_str}' ./src/charm.py");
    let cases = [
        (
            "requirer",
            "Rust tls-certificates-requirer",
            "rust-requirer",
            "./tls-certificates-requirer",
            rust_rel,
            "ca/0",
        ),
        (
            "requirer",
            "ops + TLSCertificatesRequiresV4",
            "ops-requirer",
            ops_command.as_str(),
            ops_rel,
            "ca/0",
        ),
        (
            "provider",
            "Rust self-signed-certificates",
            "ca-solo",
            "./self-signed-certificates",
            solo_rel,
            "rust-requirer-3/0",
        ),
        (
            "provider",
            "ops + TLSCertificatesProvidesV4",
            "ops-provider",
            ops_command.as_str(),
            ops_provider_rel,
            "rust-requirer-2/0",
        ),
    ];
    let mut walls = Vec::new();
    for (role, name, app, command, relation, remote) in cases {
        if walls.len() % 2 == 0 {
            println!(
                "\ncertificates-relation-changed on a {role} with nothing left to do ({n} runs each):"
            );
        }
        let rss = dir.path().join(format!("rss-{app}"));
        let measured = measure(&mut sim, app, command, relation, remote, &rss, n)?;
        report(name, &measured);
        println!("{:<32} hook-tool calls per hook: {}", "", measured.calls);
        if std::env::var_os("HOOK_COST_TRACE").is_some() {
            for line in &measured.trace {
                println!("{line}");
            }
        }
        walls.push(median(&measured.wall).unwrap_or_default());
        if let [.., rust, ops] = walls[..]
            && walls.len() % 2 == 0
        {
            println!(
                "speed-up (median wall): {:.1}x",
                ops.as_secs_f64() / rust.as_secs_f64()
            );
        }
    }
    println!(
        "\nthe same hooks with the charms' logic run in-process (no dispatch, no tool processes):"
    );
    for (name, unit, remote) in [
        (
            "requirer (tls-certificates-requirer)",
            "inproc-requirer/0",
            "inproc-ca/0",
        ),
        (
            "provider (self-signed-certificates)",
            "inproc-ca/0",
            "inproc-requirer/0",
        ),
    ] {
        sim.model.clear_records();
        let wall = run_hooks(&mut sim, unit, inproc_rel, remote, n)?;
        println!(
            "{name:<38} wall median {:>7.2} ms (min {:>6.2})  hook-tool calls per hook: {}",
            median(&wall).unwrap_or_default().as_secs_f64() * 1e3,
            wall.iter().min().copied().unwrap_or_default().as_secs_f64() * 1e3,
            sim.model.trace().len() / n.max(1)
        );
    }
    Ok(())
}

/// A charm's logic, as the charm crates export it (errors as text for `in_process`).
type CharmRun =
    fn(&Context, &dyn HookTools, &dyn CryptoBackend, OffsetDateTime) -> Result<(), String>;
