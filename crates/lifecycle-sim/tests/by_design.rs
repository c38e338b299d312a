//! Behaviour the lifecycle runs show that is so by design, pinned so that a change to it is
//! noticed: hostile content that leaves nothing readable in the provider's own databag is
//! never overwritten ("nothing we cannot read is lost"), so that relation's requests wait until
//! it is repaired; the checker counts these cases in `Stats::unreadable_own_value` instead of
//! requiring convergence.

use lifecycle_sim::{Databag, HOSTILE, Op, run_ops};

#[test]
fn hostile_certificates_in_the_providers_own_databag_are_never_overwritten_so_requests_wait() {
    // HOSTILE[3]: one certificate entry whose fields are not PEM: nothing of it can be read.
    assert!(HOSTILE[3].iter().any(|(k, _)| *k == "certificates"));
    let report = run_ops(
        &[
            Op::Settle,
            Op::CorruptDatabag(Databag::ProviderApp, 3),
            Op::Settle,
        ],
        1,
    )
    .unwrap();
    assert_eq!(report.stats.unreadable_own_value, 1);
    assert_eq!(report.stats.converged_checks, 0);
}

/// Found by the fuzzer: hostile entries written into the requirer's own app databag while it
/// runs in `unit` mode stay there (no scope of that mode writes it) and ask for nothing: the
/// provider reports them as malformed and every unit still holds its one certificate.
#[test]
fn hostile_entries_in_the_requirers_app_databag_in_unit_mode_stay_and_ask_for_nothing() {
    use lifecycle_sim::Databag;
    let report = run_ops(
        &[
            Op::Settle,
            Op::CorruptDatabag(Databag::RequirerApp, 4),
            Op::UpdateStatus,
            Op::Settle,
        ],
        1,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
    assert_eq!(report.stats.converged_checks, 1);
}
