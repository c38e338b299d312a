//! Whole-lifecycle chaos for the two charms of this repository, run in-process in juju-sim.
//!
//! A sequence of [`Op`]s — units added and removed, relate/unrelate, config changes on both
//! sides (CA attributes, validities, limits, certificate attributes, mode, key algorithm),
//! leadership moves, clock jumps (within a certificate's life and past every expiry), hook-tool
//! failures for a bounded stretch, hostile databag content, secrets removed by an operator,
//! actions, partial and full settles — is decoded from bytes ([`arbitrary::Unstructured`]: a
//! cargo-fuzz input, or a seeded PRNG's output with [`run_seed`]) and applied to a model
//! running the `self-signed-certificates` provider and the `tls-certificates-requirer`
//! (its three modes).
//!
//! After every operation the checker verifies that no private key material is in a relation
//! databag, log line, status message or action result, and that no private key changed unless
//! asked for (regenerate action, new key algorithm, or the key's secret removed). After the
//! sequence, faults are withdrawn and the model must settle (no hook failing forever); then
//! every request of every requirer unit (and of the application, per mode) must be answered
//! by exactly one certificate of the provider's current CA (active, or the expiring one kept
//! while certificates renew), matching its key, valid at the model's clock, with the configured
//! attributes, written to its file; every secret a charm owns must be referenced by its state,
//! keep at most [`MAX_REVISIONS`] revisions, and repeated `update-status` hooks must change
//! nothing. A failure is a typed [`Violation`].
//!
//! The charms get ring with pooled keys and a seeded random stream ([`PooledBackend`]): a
//! sequence costs no key generation after the pool is warm and reruns identically.
//!
//! ```no_run
//! let report = lifecycle_sim::run_seed(42)?;
//! println!("{} operations, {} hooks", report.stats.operations, report.stats.hooks);
//! # Ok::<(), Box<lifecycle_sim::Failure>>(())
//! ```

mod backend;
mod charms;
mod checks;
mod harness;
mod ops;
mod violation;

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use backend::PooledBackend;
pub use checks::MAX_REVISIONS;
pub use harness::{Harness, PROVIDER, REQUIRER, SETTLE_BOUND, Stats};
pub use ops::{
    Action, App, Databag, HOSTILE, MAX_OPS, MAX_UNITS, Op, ProviderChange, RequirerChange,
    ToolFault,
};
pub use violation::Violation;

/// What a clean sequence did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The operations, as decoded.
    pub ops: Vec<Op>,
    /// The counts.
    pub stats: Stats,
}

/// A sequence that broke an invariant.
#[derive(Debug, Clone, thiserror::Error)]
#[error("after operation {step} of {total} ({op}): {violation}")]
pub struct Failure {
    /// 1-based index of the operation after which the check failed (`total + 1`: the final
    /// fault-free settle and its checks).
    pub step: usize,
    /// How many operations the sequence has.
    pub total: usize,
    /// The operation (or `final settle`).
    pub op: String,
    /// The broken invariant.
    pub violation: Violation,
    /// The operations, as decoded.
    pub ops: Vec<Op>,
    /// The model's state when the check failed ([`Harness::describe`]).
    pub state: String,
}

/// Decodes a sequence from `data` and runs it, then the fault-free settle and the final checks.
/// A panic of the code under test propagates (cargo-fuzz reports it).
///
/// # Errors
/// The first invariant that does not hold.
pub fn run_bytes(data: &[u8], seed: u64) -> Result<Report, Box<Failure>> {
    let mut u = arbitrary::Unstructured::new(data);
    let ops = Op::decode_sequence(&mut u);
    run_ops(&ops, seed)
}

/// Runs `ops` on a fresh [`Harness`], then the fault-free settle and the final checks.
///
/// # Errors
/// The first invariant that does not hold.
pub fn run_ops(ops: &[Op], seed: u64) -> Result<Report, Box<Failure>> {
    let total = ops.len();
    let fail = |step: usize, op: String, violation: Violation, state: String| {
        Box::new(Failure {
            step,
            total,
            op,
            violation,
            ops: ops.to_vec(),
            state,
        })
    };
    let mut harness = Harness::new(seed).map_err(|v| fail(0, "setup".into(), v, String::new()))?;
    for (i, op) in ops.iter().enumerate() {
        if let Err(v) = harness.apply(op) {
            return Err(fail(i + 1, format!("{op:?}"), v, harness.describe()));
        }
    }
    let final_step = total + 1;
    if let Err(v) = harness
        .settle_fault_free()
        .and_then(|()| harness.check_final())
    {
        return Err(fail(
            final_step,
            "final settle".into(),
            v,
            harness.describe(),
        ));
    }
    harness.stats.sequences += 1;
    Ok(Report {
        ops: ops.to_vec(),
        stats: harness.stats,
    })
}

/// The input bytes of seed `seed`: 16 to 255 bytes of SplitMix64 output.
pub fn seed_bytes(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let len = 16 + usize::from(backend::splitmix(&mut state).to_le_bytes()[0] % 240);
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend(backend::splitmix(&mut state).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Runs the sequence of seed `seed` ([`seed_bytes`]), turning a panic into
/// [`Violation::Panic`].
///
/// # Errors
/// The first invariant that does not hold.
pub fn run_seed(seed: u64) -> Result<Report, Box<Failure>> {
    let bytes = seed_bytes(seed);
    guarded(|| run_bytes(&bytes, seed))
}

/// Runs `f`, turning a panic into a [`Failure`] with [`Violation::Panic`].
///
/// # Errors
/// `f`'s failure, or the panic.
pub fn guarded(f: impl FnOnce() -> Result<Report, Box<Failure>>) -> Result<Report, Box<Failure>> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(non-text panic payload)".to_owned());
        Err(Box::new(Failure {
            step: 0,
            total: 0,
            op: "unknown (panicked)".into(),
            violation: Violation::Panic { message },
            ops: Vec::new(),
            state: String::new(),
        }))
    })
}
