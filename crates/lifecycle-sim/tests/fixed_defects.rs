//! Defects the lifecycle fuzzer and the soak found, fixed: each scenario replays what happened,
//! and the checker (with no waiver for it any more) passes.

use lifecycle_sim::{Action, Databag, Op, RequirerChange, run_ops};

/// Found while writing the checker: the requirer returned early (blocked) on invalid config in
/// every hook, `-relation-broken` included, so that relation's key and certificate secrets
/// were never removed. The checker's orphan-secret invariant now holds.
#[test]
fn a_relation_broken_while_blocked_on_invalid_config_still_removes_its_secrets() {
    run_ops(
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
}

/// Found by the soak (seed 50256): three `regenerate-private-key` runs, then the requirer was
/// blocked on invalid config before the `secret-remove` hooks of the old key revisions ran: it
/// ignored them, Juju does not send them again, and revisions piled up. The checker's bounded
/// revisions invariant now holds.
#[test]
fn secret_remove_hooks_while_blocked_on_invalid_config_still_remove_old_key_revisions() {
    run_ops(
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
}

/// Found by the fuzzer: three requirer units in `unit` mode, then `app` mode; the units' old
/// requests stayed, some answered, some not, next to the app's. They are withdrawn now.
#[test]
fn unit_requests_are_withdrawn_after_a_switch_to_app_mode() {
    let bytes = include_bytes!("fixtures/stale-unit-requests-after-switch-to-app-mode.bin");
    lifecycle_sim::run_bytes(bytes, 0)
        .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
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
    assert_eq!(report.stats.converged_checks, 1);
}

/// Found by the soak (seed 20436): hostile content in the provider's databag, an operator
/// removes the provider's CA secret, its leader moves, `rotate-private-key`, and at last a
/// `root-ca-validity` shorter than the certificates' blocks the provider. The checker expected
/// the blocked provider to revoke the lost CA's certificates; it now expects nothing of a
/// blocked provider (the Python operator does nothing either) and that, not blocked, the same
/// history ends with every certificate in use one of the current CA.
fn seed_20436_ops() -> Vec<Op> {
    use lifecycle_sim::{Action, App, ProviderChange};
    vec![
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
    ]
}

#[test]
fn after_the_ca_secret_is_lost_and_the_leader_moves_no_certificate_of_the_lost_ca_stays_in_use() {
    let mut ops = seed_20436_ops();
    // Without the last step the provider can act: every certificate in use is one of its
    // current CA.
    ops.pop();
    run_ops(&ops, 20_436).unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}

/// With the last step the provider is blocked on invalid configuration: it changes nothing (no
/// revocation either) until the configuration is fixed, and the checker expects nothing of it.
#[test]
fn a_provider_blocked_on_invalid_config_is_not_expected_to_revoke_the_lost_cas_certificates() {
    run_ops(&seed_20436_ops(), 20_436)
        .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}

/// Found by the soak (seed 43794): valid config on both sides, `app-and-unit` mode, three
/// requirer units; a new provider unit becomes leader and an operator removes the CA secret
/// before its `install`. It made a new CA there, when it could not see the relation yet, so
/// revoked nothing, and the leader's app certificate of the lost CA stayed in use. The charm now
/// revokes, in any hook, what names a CA it no longer holds, and issues it again.
#[test]
fn a_new_leader_that_replaces_a_lost_ca_before_it_sees_the_relation_reissues_its_certificates_later()
 {
    use lifecycle_sim::{Action, App, ProviderChange, ToolFault};
    run_ops(
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
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}

/// Found by the fuzzer (05:46): a requirer switched from `app` to `unit` mode kept the app's
/// CSRs in its databag (the provider kept answering them, and they counted against its limit)
/// and the app's certificate secret: in `unit` mode the adapter read neither leadership nor the
/// app databag. It now does when it lists an app-owned secret of ours (only the leader does),
/// and the engine withdraws the dropped app scope.
#[test]
fn a_mode_change_from_app_to_unit_withdraws_the_app_request_and_its_certificate() {
    run_ops(
        &[
            Op::RequirerConfig(RequirerChange::Mode("app")),
            Op::Settle,
            Op::RequirerConfig(RequirerChange::Mode("unit")),
            Op::Settle,
        ],
        1,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}

/// Found by the soak (seed 102116): in `app-and-unit` mode the app's CA request was refused,
/// an operator removed the app's private key secret, and the mode went back to `unit`. With no
/// app-owned secret left to list, the leader never looked at the app databag again and the
/// refused app request stayed. The leader now also looks in `config-changed` (where a mode
/// changes), `leader-elected` and `upgrade-charm`.
#[test]
fn an_app_request_left_by_a_mode_change_goes_even_when_the_app_key_secret_was_removed() {
    use lifecycle_sim::{App, ProviderChange, ToolFault};
    run_ops(
        &[
            Op::UpdateStatus,
            Op::AddUnit(App::Requirer),
            Op::Steps(4),
            Op::ProviderConfig(ProviderChange::CaCommonName("Ca Three")),
            Op::RequirerConfig(RequirerChange::Mode("app-and-unit")),
            Op::RemoveSecret(App::Provider, 1),
            Op::Steps(8),
            Op::RequirerConfig(RequirerChange::IsCa(true)),
            Op::Steps(8),
            Op::CorruptDatabag(Databag::RequirerUnit(1), 2),
            Op::RemoveSecret(App::Requirer, 3),
            Op::ProviderConfig(ProviderChange::CertificateValidity("1h")),
            Op::FailTools {
                fault: ToolFault::Tool("relation-get"),
                count: 1,
                unit: Some((App::Requirer, 4)),
            },
            Op::RemoveUnit(App::Provider, 0),
            Op::Settle,
            Op::ProviderConfig(ProviderChange::CaOrganization("Ünïcode & Co")),
            Op::AdvanceClock(383),
            Op::FailTools {
                fault: ToolFault::Tool("status-set"),
                count: 4,
                unit: None,
            },
            Op::RequirerConfig(RequirerChange::Reset),
            Op::RequirerConfig(RequirerChange::KeyAlgorithm("ed25519")),
            Op::Relate,
            Op::RemoveSecret(App::Requirer, 6),
            Op::RequirerConfig(RequirerChange::KeyAlgorithm("p256")),
        ],
        102_116,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}

/// Found by the soak (seed 106043): a CA request served while CA requests were offered; the
/// operator refuses them, then removes the provider's CA secret. The next hook made a new CA and
/// revoked every certificate, but refused the CA request only in the following hook (refusals
/// were decided before the charm revoked), so an identical hook still changed the databag. The
/// refusal goes out in the hook that revokes now.
#[test]
fn a_ca_request_revoked_with_a_lost_ca_after_ca_requests_were_refused_is_refused_in_that_hook() {
    use lifecycle_sim::{App, ProviderChange};
    run_ops(
        &[
            Op::ProviderConfig(ProviderChange::AllowCaRequests(true)),
            Op::RequirerConfig(RequirerChange::IsCa(true)),
            Op::Settle,
            Op::ProviderConfig(ProviderChange::AllowCaRequests(false)),
            Op::Settle,
            Op::RemoveSecret(App::Provider, 3),
        ],
        106_043,
    )
    .unwrap_or_else(|failure| panic!("{failure}\n{}", failure.state));
}
