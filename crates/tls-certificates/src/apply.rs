//! Shared plumbing: reading databags tolerantly and applying plan effects through hook tools.

use std::collections::{BTreeMap, HashMap};

use juju_hook_tools::{HookTools, Member, RelationId as JujuRelationId, SecretId};
use tls_certificates_engine::{
    DatabagScope, DatabagWrite, LogLevel, LogLine, RelationId, SecretContent, SecretOwner,
};

use crate::Error;

/// Engine relation numbers to Juju relation ids.
#[derive(Debug, Default)]
pub(crate) struct Relations(HashMap<u32, JujuRelationId>);

impl Relations {
    pub(crate) fn insert(&mut self, id: JujuRelationId) {
        self.0.insert(id.number(), id);
    }

    pub(crate) fn get(&self, id: RelationId) -> Option<&JujuRelationId> {
        self.0.get(&id.0)
    }
}

/// Reads a remote databag; a databag Juju will not show (departed, not yet joined, or of a
/// relation that is gone) is empty.
pub(crate) fn tolerant_get(
    tools: &dyn HookTools,
    relation: &JujuRelationId,
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
pub(crate) fn databag_writes(
    tools: &dyn HookTools,
    relations: &Relations,
    writes: &[DatabagWrite],
) -> Result<(), Error> {
    let mut grouped: BTreeMap<(RelationId, bool), BTreeMap<String, String>> = BTreeMap::new();
    for w in writes {
        grouped
            .entry((w.relation_id, w.scope == DatabagScope::App))
            .or_default()
            .insert(w.key.clone(), w.value.clone().unwrap_or_default());
    }
    for ((relation_id, app), delta) in grouped {
        let relation = relations
            .get(relation_id)
            .ok_or_else(|| Error::UnknownRelation {
                relation_id: relation_id.0,
                endpoint: String::new(),
            })?;
        if unless_gone(tools.relation_set(relation, app, &delta))
            .map_err(Error::tool("writing relation data"))?
            .is_none()
        {
            tools.log(
                juju_hook_tools::LogLevel::Warning,
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
        let level = match line.level {
            LogLevel::Debug => juju_hook_tools::LogLevel::Debug,
            LogLevel::Info => juju_hook_tools::LogLevel::Info,
            LogLevel::Warning => juju_hook_tools::LogLevel::Warning,
            _ => juju_hook_tools::LogLevel::Error,
        };
        tools.log(level, &line.message);
    }
}

pub(crate) fn content(content: &SecretContent) -> Result<juju_hook_tools::SecretContent, Error> {
    juju_hook_tools::SecretContent::from_pairs(content.iter())
        .map_err(Error::tool("preparing secret content"))
}

pub(crate) fn owner(owner: SecretOwner) -> juju_hook_tools::SecretOwner {
    match owner {
        SecretOwner::Unit => juju_hook_tools::SecretOwner::Unit,
        SecretOwner::App => juju_hook_tools::SecretOwner::Application,
    }
}

pub(crate) fn secret_id(id: &str) -> Result<SecretId, Error> {
    SecretId::parse(id).map_err(|reason| {
        Error::tool("parsing a secret id")(juju_hook_tools::Error::InvalidInput {
            tool: "secret".to_owned(),
            reason,
        })
    })
}
