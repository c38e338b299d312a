//! The relation tools: `relation-ids`, `relation-list`, `relation-get`, `relation-set`.

use std::collections::BTreeSet;

use super::Session;
use super::argv::{
    Args, FORMAT, Fail, OUTPUT, SMART, ToolResult, check_empty, fail, file_payload, parse_args,
    parse_settings_file, usage,
};
use crate::format::Go;
use crate::hook::Hook;
use crate::state::{Databag, app_of};
use crate::wire::ToolRequest;

impl Session<'_> {
    pub(super) fn current_relation(&self) -> Option<u32> {
        self.hook.relation()
    }

    /// Resolves `-r` (`<id>` or `<endpoint>:<id>`), defaulting to the hook's relation.
    pub(super) fn relation_flag(&self, args: &Args) -> Result<u32, Fail> {
        match args.flag("relation") {
            Some(v) => {
                let num = v.rsplit(':').next().unwrap_or(v);
                let id: u32 = num.parse().map_err(|_| {
                    usage(format!(
                        "invalid value {v:?} for option -r: relation not found"
                    ))
                })?;
                if self.known.contains(&id) && self.state.relations.contains_key(&id) {
                    Ok(id)
                } else {
                    Err(usage(format!(
                        "invalid value {v:?} for option -r: relation not found"
                    )))
                }
            }
            None => self
                .current_relation()
                .ok_or_else(|| usage("no relation id specified")),
        }
    }

    pub(super) fn rel_ref(&self, id: u32) -> String {
        let ep = self
            .state
            .relations
            .get(&id)
            .and_then(|r| r.endpoint_of(&self.app))
            .unwrap_or_default();
        format!("{ep}:{id}")
    }

    /// Juju's `relation-ids`: every relation of the endpoint that is not dead and not
    /// "broken" for this unit (`jujuc/relation-ids.go`; `context/contextfactory.go`: broken
    /// means dying, not a peer relation, and no remote member left), nor the relation whose
    /// `-broken` hook is running. Sorted, never `null`.
    pub(super) fn relation_ids(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        let endpoint = match args.positional.first() {
            Some(e) => e.clone(),
            None => match self.current_relation() {
                Some(id) => self
                    .state
                    .relations
                    .get(&id)
                    .and_then(|r| r.endpoint_of(&self.app))
                    .unwrap_or_default()
                    .to_owned(),
                None => return Err(usage("no endpoint name specified")),
            },
        };
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let broken_now = match &self.hook {
            Hook::RelationBroken { relation } => Some(*relation),
            _ => None,
        };
        let mut ids: Vec<String> = self
            .state
            .relations
            .values()
            .filter(|r| {
                let broken = r.dying
                    && !r.is_peer()
                    && self.members.get(&r.id).is_none_or(BTreeSet::is_empty);
                r.endpoint_of(&self.app) == Some(endpoint.as_str())
                    && !broken
                    && self.known.contains(&r.id)
                    && broken_now != Some(r.id)
            })
            .map(|r| format!("{endpoint}:{}", r.id))
            .collect();
        ids.sort();
        self.write(&args, SMART, &Go::Strings(ids))
    }

    pub(super) fn relation_list(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("relation", &["r"], true),
                ("app", &[], false),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        check_empty(&args.positional)?;
        if args.bool("app") {
            let remote = self
                .state
                .relations
                .get(&id)
                .and_then(|r| r.remote_app_of(&self.app))
                .unwrap_or_default()
                .to_owned();
            return self.write(&args, SMART, &Go::Str(remote));
        }
        let members: Vec<String> = self
            .members
            .get(&id)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        self.write(&args, SMART, &Go::Strings(members))
    }

    /// Own databag content: committed data merged with this hook's pending writes.
    fn own_bag(&self, id: u32, owner: &str) -> Databag {
        let mut bag = self
            .state
            .relations
            .get(&id)
            .and_then(|r| {
                if owner.contains('/') {
                    r.unit_bags.get(owner)
                } else {
                    r.app_bags.get(owner)
                }
            })
            .map(|b| b.data.clone())
            .unwrap_or_default();
        if let Some(delta) = self.tx.rel_writes.get(&(id, owner.to_owned())) {
            for (k, v) in delta {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
        }
        bag
    }

    pub(super) fn relation_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("relation", &["r"], true),
                ("app", &[], false),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        let mut app_flag = args.bool("app");
        let key = args
            .positional
            .first()
            .cloned()
            .unwrap_or_else(|| "-".into());
        check_empty(args.positional.get(2..).unwrap_or_default())?;
        let rel = self
            .state
            .relations
            .get(&id)
            .ok_or_else(|| usage("relation not found"))?;
        let is_peer = rel.is_peer();
        let remote_app = rel.remote_app_of(&self.app).unwrap_or_default().to_owned();
        let target = match args.positional.get(1) {
            Some(t) if app_flag => app_of(t).to_owned(),
            Some(t) if !t.contains('/') => {
                return Err(fail(format!(
                    "expected unit name, got application name {t:?}"
                )));
            }
            Some(t) => t.clone(),
            None if app_flag => remote_app.clone(),
            None => {
                let ctx_unit = match &self.hook {
                    Hook::RelationJoined { relation, unit }
                    | Hook::RelationDeparted { relation, unit, .. }
                    | Hook::RelationChanged {
                        relation,
                        unit: Some(unit),
                    } if *relation == id => Some(unit.clone()),
                    _ => None,
                };
                match ctx_unit {
                    Some(u) => u,
                    None if self.current_relation() == Some(id) => {
                        app_flag = true;
                        remote_app.clone()
                    }
                    None => return Err(usage("no unit or application specified")),
                }
            }
        };
        let bag = if app_flag && target == self.app {
            if !is_peer && !self.leader {
                return Err(fail("permission denied"));
            }
            self.own_bag(id, &target)
        } else if !app_flag && target == self.unit {
            self.own_bag(id, &target)
        } else {
            let in_relation = if app_flag {
                target == remote_app
            } else {
                app_of(&target) == remote_app
            };
            if !in_relation {
                return Err(fail(format!(
                    "cannot read settings for {target:?} in relation {}: not found",
                    self.rel_ref(id)
                )));
            }
            match self.snapshot.get(&(id, target.clone())) {
                Some(b) => b.clone(),
                None if app_flag => Databag::new(),
                None => {
                    return Err(fail(format!(
                        "cannot read settings for unit {target:?} in relation {}: settings not found",
                        self.rel_ref(id)
                    )));
                }
            }
        };
        let value = if key == "-" {
            Go::string_map(&bag)
        } else {
            bag.get(&key).map_or(Go::Nil, |v| Go::Str(v.clone()))
        };
        self.write(&args, SMART, &value)
    }

    pub(super) fn relation_set(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(
            &req.args,
            &[
                FORMAT,
                ("relation", &["r"], true),
                ("app", &[], false),
                ("file", &[], true),
            ],
        )?;
        let id = self.relation_flag(&args)?;
        let mut delta = match args.flag("file") {
            Some(path) => parse_settings_file(file_payload(req, path)?)?,
            None => Databag::new(),
        };
        let mut seen = BTreeSet::new();
        for kv in &args.positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("expected \"key=value\", got {kv:?}")))?;
            if k.is_empty() {
                return Err(usage(format!("expected \"key=value\", got {kv:?}")));
            }
            if !seen.insert(k.to_owned()) {
                return Err(usage(format!("duplicate key specified: {k:?}")));
            }
            delta.insert(k.to_owned(), v.to_owned());
        }
        let owner = if args.bool("app") {
            if !self.leader_now() {
                return Err(fail("cannot write relation settings"));
            }
            self.app.clone()
        } else {
            self.unit.clone()
        };
        let pending = self.tx.rel_writes.entry((id, owner)).or_default();
        pending.extend(delta);
        Ok(String::new())
    }
}
