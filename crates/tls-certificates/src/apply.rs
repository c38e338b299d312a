//! Shared plumbing: reading databags tolerantly and applying plan effects through hook tools.

use std::collections::{BTreeMap, HashMap};

use juju_hook_tools::{HookTools, Member, RelationId as JujuRelationId, SecretId, Target};
use tls_certificates_engine::{
    DatabagScope, DatabagWrite, LogLevel, LogLine, RelationId, SecretContent, SecretOwner,
};

use crate::Error;

/// Engine relation numbers to the Juju relation ids of one endpoint.
#[derive(Debug)]
pub(crate) struct Relations {
    endpoint: String,
    ids: HashMap<u32, JujuRelationId>,
}

impl Relations {
    /// No relation yet, on `endpoint`.
    pub(crate) fn new(endpoint: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            ids: HashMap::new(),
        }
    }

    pub(crate) fn insert(&mut self, id: JujuRelationId) {
        self.ids.insert(id.number(), id);
    }

    /// The Juju relation id of an engine relation; [`Error::UnknownRelation`] (naming this
    /// endpoint) when it was not observed.
    pub(crate) fn get(&self, id: RelationId) -> Result<&JujuRelationId, Error> {
        self.ids.get(&id.0).ok_or_else(|| Error::UnknownRelation {
            relation_id: id.0,
            endpoint: self.endpoint.clone(),
        })
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
    let mut grouped: BTreeMap<(RelationId, Target), BTreeMap<String, String>> = BTreeMap::new();
    for w in writes {
        let target = match w.scope {
            DatabagScope::App => Target::App,
            DatabagScope::Unit => Target::Unit,
        };
        grouped
            .entry((w.relation_id, target))
            .or_default()
            .insert(w.key.clone(), w.value.clone().unwrap_or_default());
    }
    for ((relation_id, target), delta) in grouped {
        let relation = relations.get(relation_id)?;
        if unless_gone(tools.relation_set(relation, target, &delta))
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

/// The engine's owner of a secret Juju reports. Exhaustive on purpose: an owner Juju may add
/// (a model-owned secret, say) must be decided here, not fall into one of these.
pub(crate) fn owner_of(owner: juju_hook_tools::SecretOwner) -> SecretOwner {
    match owner {
        juju_hook_tools::SecretOwner::Unit => SecretOwner::Unit,
        juju_hook_tools::SecretOwner::Application => SecretOwner::App,
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

#[cfg(test)]
mod tests {
    use juju_hook_tools::ProcessHookTools;
    use tls_certificates_engine::DatabagWrite;

    use super::*;

    #[test]
    fn a_write_to_a_relation_not_observed_names_the_endpoint() {
        // No tool runs: the write is refused before any relation-set.
        let tools = ProcessHookTools::new();
        let relations = Relations::new("certificates");
        let write = DatabagWrite {
            relation_id: RelationId(7),
            scope: DatabagScope::Unit,
            key: "certificate_signing_requests".to_owned(),
            value: Some("[]".to_owned()),
        };
        let e = databag_writes(&tools, &relations, &[write]).unwrap_err();
        assert!(
            matches!(&e, Error::UnknownRelation { relation_id: 7, endpoint } if endpoint == "certificates"),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "relation 7 is not on endpoint certificates");
    }

    #[test]
    fn secret_owners_map_both_ways_one_to_one() {
        for (juju, engine) in [
            (juju_hook_tools::SecretOwner::Unit, SecretOwner::Unit),
            (juju_hook_tools::SecretOwner::Application, SecretOwner::App),
        ] {
            assert_eq!(owner_of(juju), engine);
            assert_eq!(owner(engine), juju);
        }
    }
}
