//! The [`HookTools`] trait: every hook tool a charm calls, typed.

use std::collections::BTreeMap;

use crate::{
    Error, LogLevel, Member, Network, NewSecret, ReadMode, RelationId, SecretContent, SecretId,
    SecretInfo, SecretLookup, SecretRef, SecretUpdate, StatusKind, Target, UnitName,
};

/// The hook tools a charm uses, one method per tool invocation.
///
/// [`ProcessHookTools`](crate::ProcessHookTools) runs the real commands; the `juju-sim` crate
/// implements it in memory. Object-safe: charm logic takes `&dyn HookTools`.
///
/// Writes (relation data, secrets, action results) are buffered by Juju and committed only if
/// the hook exits 0; `status_set`, `application_version_set`, `juju_log` and `action_log` take
/// effect immediately.
///
/// # Errors
///
/// Every method returns the classified [`Error`] of the tool that failed (see
/// [`Error::classify`]; a relation tool on a relation that is gone answers
/// [`Error::RelationGone`]), [`Error::MalformedOutput`] for output that is not what the tool
/// promises, or [`Error::InvalidInput`] when client-side validation rejects the call before any
/// tool runs.
///
/// Messages are text, not commands: whatever a message holds (a peer's error message, a common
/// name from a CSR), it is passed on one line and bounded (see [`bounded_line`]), so it cannot
/// stop the tool from running.
///
/// [`bounded_line`]: crate::bounded_line
pub trait HookTools {
    // --- relations ---

    /// `relation-ids <endpoint> --format=json`: the live relations of an endpoint (broken ones,
    /// including the one of the current `-broken` hook, are not listed).
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error>;

    /// `relation-list --format=json -r <ep:id>`: the remote units in scope (the departing unit is
    /// not listed in `-departed`; on a peer relation, the other peers).
    fn relation_list(&self, relation: &RelationId) -> Result<Vec<UnitName>, Error>;

    /// `relation-list --format=json --app -r <ep:id>`: the remote application, or `None` if Juju
    /// does not know it (prints an empty name) or the relation is gone (as `ops` answers).
    fn relation_remote_app(&self, relation: &RelationId) -> Result<Option<String>, Error>;

    /// `relation-get --format=json -r <ep:id> [--app] - <member>`: all keys of one databag
    /// (`{}` when empty). This hook's own pending writes are visible in its own databags.
    fn relation_get(
        &self,
        relation: &RelationId,
        member: Member<'_>,
    ) -> Result<BTreeMap<String, String>, Error>;

    /// `relation-set -r <ep:id> [--app] --file -` with `delta` as JSON on stdin: a merge into
    /// this unit's databag (or its app's, [`Target::App`], leader only); an empty value deletes
    /// the key.
    fn relation_set(
        &self,
        relation: &RelationId,
        target: Target,
        delta: &BTreeMap<String, String>,
    ) -> Result<(), Error>;

    // --- leadership ---

    /// `is-leader --format=json`. Once `false` in a hook, it stays `false` for that hook.
    fn is_leader(&self) -> Result<bool, Error>;

    // --- secrets ---

    /// `secret-add [--label L] [--description D] [--expire T] [--rotate P] --owner O
    /// key#file=<path>...`: creates a secret and returns its id. Values travel only through
    /// 0600 files, never on argv.
    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, Error>;

    /// `secret-get --format=json [<id>] [--label L] [--peek|--refresh]`: a revision's content.
    fn secret_get(&self, secret: SecretRef<'_>, mode: ReadMode) -> Result<SecretContent, Error>;

    /// `secret-set [--label L] [--description D] [--expire T] [--rotate P] <id>
    /// [key#file=<path>...]`: one call carrying everything that changes.
    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), Error>;

    /// `secret-remove <id> [--revision N]`: one revision, or (with `None`) the whole secret.
    fn secret_remove(&self, id: &SecretId, revision: Option<u32>) -> Result<(), Error>;

    /// `secret-info-get --format=json <id>` or `... --label L`: metadata of an owned secret
    /// (consumers get [`Error::NotFound`]).
    fn secret_info_get(&self, secret: SecretLookup<'_>) -> Result<SecretInfo, Error>;

    /// `secret-ids --format=json`: the secrets this unit (or its app, if leader) owns (Juju prints
    /// `null` when there are none: that is an empty list).
    fn secret_ids(&self) -> Result<Vec<SecretId>, Error>;

    /// `secret-grant --relation <ep:id> [--unit <unit>] <id>`: lets the relation's remote app (or one of
    /// its units) read the secret.
    fn secret_grant(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error>;

    /// `secret-revoke --relation <ep:id> [--unit <unit>] <id>`: undoes a grant.
    fn secret_revoke(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error>;

    // --- status, logs, config ---

    /// `status-set --application=<true|false> <status> -- <message>` (immediate;
    /// [`Target::App`] needs the leader). The message is put on one line and cut at
    /// [`MAX_STATUS_BYTES`](crate::MAX_STATUS_BYTES).
    fn status_set(&self, target: Target, status: StatusKind, message: &str) -> Result<(), Error>;

    /// `application-version-set -- <version>` (immediate).
    fn application_version_set(&self, version: &str) -> Result<(), Error>;

    /// `juju-log --log-level <LEVEL> -- <message>` (immediate). The message is put on one line
    /// and cut at [`MAX_ARG_BYTES`](crate::MAX_ARG_BYTES).
    ///
    /// A charm should not fail a hook because a log line could not be written: use
    /// [`log`](Self::log).
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), Error>;

    /// [`juju_log`](Self::juju_log), best effort: logging never fails a hook. If `juju-log`
    /// fails, the message and the reason go to stderr instead, which Juju copies to the unit's
    /// log at WARNING level.
    fn log(&self, level: LogLevel, message: &str) {
        if let Err(e) = self.juju_log(level, message) {
            eprintln!(
                "{level}: {} (juju-log failed: {e})",
                crate::bounded_line(message, crate::MAX_ARG_BYTES)
            );
        }
    }

    /// `config-get --format=json`: the options that are set or have a default.
    fn config_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, Error>;

    // --- network ---

    /// `network-get <binding> --format=json [-r <ep:id>]`: the addresses of one of this unit's
    /// bindings (an endpoint or an `extra-bindings` name): where to listen
    /// ([`Network::bind_address`]) and what others connect to ([`Network::ingress_address`],
    /// the address for a certificate's subject alternative names). With `relation`, the
    /// addresses as that relation's remote side sees them.
    ///
    /// A name the charm does not define answers [`Error::Failed`] with Juju's `no network
    /// config found for binding "<name>"`; a relation that is gone answers
    /// [`Error::RelationGone`] (ask again without `relation`, as `ops` does).
    fn network_get(&self, binding: &str, relation: Option<&RelationId>) -> Result<Network, Error>;

    // --- actions (only in action contexts) ---

    /// `action-get --format=json`: the action's parameters, with defaults filled in.
    fn action_get(&self) -> Result<serde_json::Value, Error>;

    /// `action-set key=value ...`: results, with dotted keys for nesting (keys are validated:
    /// `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$`, and `stdout`/`stderr`/`*-encoding` are reserved).
    /// An empty map runs nothing. Values are passed as they are (a PEM keeps its newlines); one
    /// `key=value` longer than [`MAX_ARG_BYTES`](crate::MAX_ARG_BYTES), or a value with a NUL
    /// byte, is refused with [`Error::InvalidInput`] before anything is set: give a long list
    /// one key per entry (`certificates.0`, `certificates.1`, ...). Many results are set by
    /// several `action-set` runs, which Juju merges.
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), Error>;

    /// `action-fail -- <message>`: marks the action failed (the charm should still exit 0). The
    /// message is put on one line and cut at [`MAX_ARG_BYTES`](crate::MAX_ARG_BYTES).
    fn action_fail(&self, message: &str) -> Result<(), Error>;

    /// `action-log -- <message>` (immediate). The message is put on one line and cut at
    /// [`MAX_ARG_BYTES`](crate::MAX_ARG_BYTES).
    fn action_log(&self, message: &str) -> Result<(), Error>;
}
