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

/// Found by the soak (seed 20436): hostile content in the provider's databag, an operator
/// removes the provider's CA secret, its leader moves, `rotate-private-key` makes a new CA but
/// revokes and re-issues nothing in its hook, and the provider is blocked on invalid config
/// before any other hook: the requirer keeps using the certificate of the lost CA.
#[test]
fn after_the_ca_secret_is_lost_a_rotation_then_a_blocked_provider_leave_old_certificates_in_use() {
    use lifecycle_sim::{Action, App, ProviderChange};
    let report = run_ops(
        &[
            Op::SetLeader(App::Provider, 7),
            Op::Steps(8),
            Op::Steps(5),
            Op::Settle,
            Op::CorruptDatabag(Databag::ProviderApp, 9),
            Op::CorruptDatabag(Databag::ProviderApp, 4),
            Op::Action(Action::RotateCaKey(3)),
            Op::AddUnit(App::Requirer),
            Op::Relate,
            Op::RequirerConfig(RequirerChange::IsCa(false)),
            Op::AddUnit(App::Provider),
            Op::Relate,
            Op::AddUnit(App::Requirer),
            Op::SetLeader(App::Requirer, 5),
            Op::Steps(2),
            Op::ProviderConfig(ProviderChange::Reset),
            Op::RemoveUnit(App::Requirer, 1),
            Op::RemoveSecret(App::Provider, 7),
            Op::SetLeader(App::Requirer, 1),
            Op::RemoveUnit(App::Provider, 4),
            Op::AdvanceClock(161),
            Op::Action(Action::RotateCaKey(4)),
            Op::AdvanceClock(67_680),
            Op::ProviderConfig(ProviderChange::RootValidity("4h")),
        ],
        20_436,
    )
    .unwrap();
    assert!(
        report
            .stats
            .known
            .get(lifecycle_sim::LOST_CA)
            .copied()
            .unwrap_or(0)
            > 0
    );
}

/// Found by the soak (seed 43794): valid config on both sides, `app-and-unit` mode, three
/// requirer units; the provider's leader moves and an operator removes its CA secret. After the
/// fault-free settle the leader's app certificate file still holds a certificate of the lost
/// CA.
#[test]
fn after_the_ca_secret_is_lost_the_app_certificate_in_use_can_stay_one_of_the_lost_ca() {
    use lifecycle_sim::{Action, App, ProviderChange, ToolFault};
    let report = run_ops(
        &[
            Op::RemoveSecret(App::Requirer, 2),
            Op::UpdateStatus,
            Op::SetLeader(App::Provider, 0),
            Op::Settle,
            Op::UpdateStatus,
            Op::AddUnit(App::Requirer),
            Op::Action(Action::GetIssuedCertificates(4)),
            Op::AddUnit(App::Requirer),
            Op::Steps(1),
            Op::RequirerConfig(RequirerChange::Reset),
            Op::AdvanceClock(470),
            Op::FailTools {
                fault: ToolFault::Tool("status-set"),
                count: 8,
                unit: Some((App::Provider, 4)),
            },
            Op::RequirerConfig(RequirerChange::Mode("app-and-unit")),
            Op::Settle,
            Op::Steps(6),
            Op::Steps(6),
            Op::AddUnit(App::Provider),
            Op::SetLeader(App::Provider, 7),
            Op::RemoveSecret(App::Provider, 7),
            Op::Steps(4),
            Op::Settle,
            Op::Action(Action::RenewCertificates(5)),
            Op::ProviderConfig(ProviderChange::Reset),
            Op::Settle,
        ],
        43_794,
    )
    .unwrap();
    assert!(
        report
            .stats
            .known
            .get(lifecycle_sim::LOST_CA)
            .copied()
            .unwrap_or(0)
            > 0
    );
}
