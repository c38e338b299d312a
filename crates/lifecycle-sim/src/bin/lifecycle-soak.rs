//! Runs seeded lifecycle sequences for a while (or one seed) and prints the counts.
//!
//! ```sh
//! lifecycle-soak --seconds 600 [--start SEED]   # soak: sequences/s, operations, checks
//! lifecycle-soak --seed 1234                    # reproduce one seed, printing its operations
//! lifecycle-soak --emit DIR --count 64           # write seeds 0..64 as fuzzer inputs
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use lifecycle_sim::{Stats, run_seed, seed_bytes};

fn usage() -> ExitCode {
    eprintln!(
        "usage: lifecycle-soak --seconds N [--start SEED] | --seed SEED | --emit DIR [--count N]"
    );
    ExitCode::from(2)
}

fn print_stats(stats: &Stats, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let rate = stats.sequences as f64 / secs;
    println!(
        "{} sequences in {:.1} s ({rate:.1} sequences/s), {} operations, {} hooks, {} final checks with certificates expected ({} more waived: provider's own value unreadable), {} tolerated settle errors",
        stats.sequences,
        secs,
        stats.operations,
        stats.hooks,
        stats.converged_checks,
        stats.unreadable_own_value,
        stats.tolerated_settle_errors
    );
    for (invariant, count) in &stats.checks {
        println!("  invariant {invariant}: checked {count} times");
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<u64> {
        let i = args.iter().position(|a| a == name)?;
        args.get(i + 1)?.parse().ok()
    };
    if let Some(seed) = value("--seed") {
        let started = Instant::now();
        return match run_seed(seed) {
            Ok(report) => {
                for (i, op) in report.ops.iter().enumerate() {
                    println!("{:>3}. {op:?}", i + 1);
                }
                print_stats(&report.stats, started.elapsed());
                println!("seed {seed}: clean");
                ExitCode::SUCCESS
            }
            Err(failure) => {
                for (i, op) in failure.ops.iter().enumerate() {
                    println!("{:>3}. {op:?}", i + 1);
                }
                println!("state:\n{}", failure.state);
                println!("seed {seed}: {failure}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(i) = args.iter().position(|a| a == "--emit") {
        let Some(dir) = args.get(i + 1) else {
            return usage();
        };
        let count = value("--count").unwrap_or(64);
        for seed in 0..count {
            let path = std::path::Path::new(dir).join(format!("seed-{seed}"));
            if let Err(e) = std::fs::write(&path, seed_bytes(seed)) {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let Some(seconds) = value("--seconds") else {
        return usage();
    };
    let start = value("--start").unwrap_or(0);
    let deadline = Duration::from_secs(seconds);
    let started = Instant::now();
    let mut total = Stats::default();
    let mut seed = start;
    while started.elapsed() < deadline {
        match run_seed(seed) {
            Ok(report) => total.merge(&report.stats),
            Err(failure) => {
                print_stats(&total, started.elapsed());
                println!("seed {seed}: {failure}");
                println!(
                    "reproduce: cargo run --release -p lifecycle-sim --bin lifecycle-soak -- --seed {seed}"
                );
                return ExitCode::FAILURE;
            }
        }
        seed += 1;
    }
    print_stats(&total, started.elapsed());
    println!("seeds {start}..{seed}: clean");
    ExitCode::SUCCESS
}
