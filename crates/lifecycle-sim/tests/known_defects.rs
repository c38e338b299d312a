//! Defects the lifecycle fuzzer and the soak found that are not fixed here (they need design
//! decisions in the engine): each scenario replays what happened and pins the current
//! behaviour, which the checker waives under a named counter. When a defect is fixed, its
//! scenario fails: remove the waiver from `checks.rs` and turn the scenario into a regression
//! test of the fix.

use lifecycle_sim::{Databag, HOSTILE, Op, RequirerChange, STALE_SCOPE, run_ops};

#[test]
fn a_mode_change_from_app_to_unit_leaves_the_app_request_and_its_certificate_behind() {
    let report = run_ops(
        &[
            Op::RequirerConfig(RequirerChange::Mode("app")),
            Op::Settle,
            Op::RequirerConfig(RequirerChange::Mode("unit")),
            Op::Settle,
        ],
        1,
    )
    .unwrap();
    assert!(report.stats.known.get(STALE_SCOPE).copied().unwrap_or(0) > 0);
}

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
