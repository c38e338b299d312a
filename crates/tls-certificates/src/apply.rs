//! Shared plumbing: reading databags tolerantly and applying plan effects through hook tools.

use std::collections::BTreeMap;

use juju_hook_tools::{HookTools, LogLevel, LogLine, Member, RelationId, Target};
use tls_certificates_engine::DatabagWrite;

use crate::Error;

/// Reads a remote databag; a databag Juju will not show (departed, not yet joined, or of a
/// relation that is gone) is empty.
pub(crate) fn tolerant_get(
    tools: &dyn HookTools,
    relation: &RelationId,
    member: Member<'_>,
) -> Result<BTreeMap<String, String>, Error> {
    match tools.relation_get(relation, member) {
        Ok(bag) => Ok(bag),
        Err(e)
            if e.is_not_found() || matches!(e, juju_hook_tools::Error::PermissionDenied { .. }) =>
        {
            Ok(BTreeMap::new())
        }
        Err(e) => Err(Error::tool("reading a remote databag")(e)),
    }
}

/// `Ok(None)` when the relation is gone ([`juju_hook_tools::Error::RelationGone`]: Juju still
/// lists it, but it can no longer be read or written, e.g. a cross-model relation after `juju
/// remove-saas --force`): the caller skips that relation instead of failing the hook.
pub(crate) fn unless_gone<T>(
    result: Result<T, juju_hook_tools::Error>,
) -> Result<Option<T>, juju_hook_tools::Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_relation_gone() => Ok(None),
        Err(e) => Err(e),
    }
}

/// One `relation-set` per databag, carrying every changed key (an empty value deletes a key).
/// A relation that is gone is logged and skipped: there is nothing left to write to.
pub(crate) fn databag_writes(tools: &dyn HookTools, writes: &[DatabagWrite]) -> Result<(), Error> {
    let mut grouped: BTreeMap<(&RelationId, Target), BTreeMap<String, String>> = BTreeMap::new();
    for w in writes {
        grouped
            .entry((&w.relation_id, w.target))
            .or_default()
            .insert(w.key.clone(), w.value.clone().unwrap_or_default());
    }
    for ((relation, target), delta) in grouped {
        if unless_gone(tools.relation_set(relation, target, &delta))
            .map_err(Error::tool("writing relation data"))?
            .is_none()
        {
            tools.log(
                LogLevel::Warning,
                &format!("not writing to relation {relation}: it is gone"),
            );
        }
    }
    Ok(())
}

/// Sends log lines to `juju-log`. Logging is best effort ([`HookTools::log`]): a failing
/// `juju-log` never fails the hook, and every line, whatever peer text it quotes, is bounded on
/// the way.
pub(crate) fn logs(tools: &dyn HookTools, lines: &[LogLine]) {
    for line in lines {
        tools.log(line.level, &line.message);
    }
}
