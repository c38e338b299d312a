//! Defects the lifecycle fuzzer and the soak found, fixed: each scenario replays what happened,
//! and the checker (with no waiver for it any more) passes.

use lifecycle_sim::{Action, Databag, Op, RequirerChange, run_ops};

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

/// Found by the fuzzer: three requirer units in `unit` mode, then `app` mode; the units' old
/// requests stayed, some answered, some not, next to the app's. They are withdrawn now.
#[test]
fn unit_requests_are_withdrawn_after_a_switch_to_app_mode() {
    let bytes = include_bytes!("fixtures/stale-unit-requests-after-switch-to-app-mode.bin");
    let report = lifecycle_sim::run_bytes(bytes, 0)
        .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
    assert!(report.stats.known.is_empty(), "{:?}", report.stats.known);
}

/// Found by the soak (seed 10651): with `certificate-limit` 1, the unit request left from
/// `unit` mode took the only certificate, and the app request after the switch to `app` mode
/// was over the limit for good. The unit request is withdrawn now, and the app request served.
#[test]
fn after_a_switch_to_app_mode_the_app_request_gets_the_only_certificate_the_limit_allows() {
    use lifecycle_sim::{App, ProviderChange, ToolFault};
    let report = run_ops(
        &[
            Op::Action(Action::RenewCertificates(6)),
            Op::ProviderConfig(ProviderChange::CertificateLimit(1)),
            Op::Steps(3),
            Op::AdvanceClock(576_000),
            Op::CorruptDatabag(Databag::RequirerApp, 7),
            Op::UpdateStatus,
            Op::FailTools {
                fault: ToolFault::Tool("juju-log"),
                count: 6,
                unit: Some((App::Requirer, 7)),
            },
            Op::Settle,
            Op::RequirerConfig(RequirerChange::Mode("app")),
            Op::ProviderConfig(ProviderChange::CertificateValidity("2h")),
            Op::AddUnit(App::Provider),
        ],
        1,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
    assert!(report.stats.known.is_empty(), "{:?}", report.stats.known);
    assert_eq!(report.stats.converged_checks, 1);
}
