//! Defects the lifecycle fuzzer and the soak found, fixed: each scenario replays what happened,
//! and the checker (with no waiver for it any more) passes.

use lifecycle_sim::{Action, Op, RequirerChange, run_ops};

/// Found while writing the checker: the requirer returned early (blocked) on invalid config in
/// every hook, `-relation-broken` included, so that relation's key and certificate secrets
/// were never removed. The checker's orphan-secret invariant now holds.
#[test]
fn a_relation_broken_while_blocked_on_invalid_config_still_removes_its_secrets() {
    let report = run_ops(
        &[
            Op::Settle,
            Op::RequirerConfig(RequirerChange::SansDns("not a name!")),
            Op::Settle,
            Op::Unrelate,
            Op::Settle,
            Op::RequirerConfig(RequirerChange::Reset),
            Op::Settle,
        ],
        1,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
    assert!(report.stats.known.is_empty(), "{:?}", report.stats.known);
}

/// Found by the soak (seed 50256): three `regenerate-private-key` runs, then the requirer was
/// blocked on invalid config before the `secret-remove` hooks of the old key revisions ran: it
/// ignored them, Juju does not send them again, and revisions piled up. The checker's bounded
/// revisions invariant now holds.
#[test]
fn secret_remove_hooks_while_blocked_on_invalid_config_still_remove_old_key_revisions() {
    let report = run_ops(
        &[
            Op::Settle,
            Op::Action(Action::RegeneratePrivateKey(0)),
            Op::Action(Action::RegeneratePrivateKey(0)),
            Op::Action(Action::RegeneratePrivateKey(0)),
            Op::RequirerConfig(RequirerChange::CommonName("bad name\u{7}")),
            Op::Settle,
        ],
        1,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
    assert!(report.stats.known.is_empty(), "{:?}", report.stats.known);
}
