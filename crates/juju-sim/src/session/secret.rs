//! The secret tools: `secret-add`, `secret-get`, `secret-set`, `secret-remove`,
//! `secret-info-get`, `secret-ids`, `secret-grant`, `secret-revoke`.

use std::collections::BTreeMap;

use super::Session;
use super::argv::{
    Args, FORMAT, Fail, FlagSpec, OUTPUT, SMART, ToolResult, YAML, check_empty, decode_base64,
    encode_base64, fail, file_payload, parse_args, parse_expire, parse_secret_file, rfc3339, usage,
    valid_secret_key, xid_of,
};
use super::commit::{PendingUpdate, apply_metadata};
use crate::format::Go;
use crate::state::{Databag, Read, Revision, Secret, SecretOwnerRef, app_of, rotation_period};
use crate::wire::ToolRequest;

/// The flags of `secret-add` and `secret-set` (`secret-set` accepts and ignores `--owner`).
const SECRET_WRITE_FLAGS: &[FlagSpec] = &[
    ("label", &[], true),
    ("description", &[], true),
    ("expire", &[], true),
    ("rotate", &[], true),
    ("owner", &[], true),
    ("file", &[], true),
];

/// A Juju entity tag for an application or unit name (`application-x`, `unit-x-0`).
fn entity_tag(name: &str) -> String {
    if name.contains('/') {
        format!("unit-{}", name.replace('/', "-"))
    } else {
        format!("application-{name}")
    }
}

impl Session<'_> {
    /// Content from `--file` and `key=value`, `key#base64=...`, `key#file=path` args.
    fn secret_content(
        &self,
        positional: &[String],
        file: Option<&str>,
        req: &ToolRequest,
    ) -> Result<Databag, Fail> {
        let mut content = match file {
            Some(path) => parse_secret_file(file_payload(req, path)?)?,
            None => Databag::new(),
        };
        for kv in positional {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("key value {kv:?} not valid")))?;
            let (key, value) = if let Some(key) = k.strip_suffix("#file") {
                let data = req
                    .files
                    .get(v)
                    .ok_or_else(|| fail(format!("open {v}: no such file or directory")))?;
                (key, data.clone())
            } else if let Some(key) = k.strip_suffix("#base64") {
                (
                    key,
                    decode_base64(v).ok_or_else(|| usage(format!("invalid base64 for {key:?}")))?,
                )
            } else {
                (k, v.to_owned())
            };
            if !valid_secret_key(key) {
                return Err(usage(format!("key {key:?} not valid")));
            }
            content.insert(key.to_owned(), value);
        }
        Ok(content)
    }

    fn find_secret(&self, xid: &str) -> Option<&Secret> {
        self.tx
            .new_secrets
            .get(xid)
            .or_else(|| self.state.secrets.get(xid))
    }

    fn can_read(&self, s: &Secret) -> bool {
        if s.owner_side(&self.unit) {
            return true;
        }
        s.grants.iter().any(|(rel, targets)| {
            self.state.relations.get(rel).is_some_and(|r| !r.dying)
                && (targets.contains(&self.unit) || targets.contains(&self.app))
        })
    }

    /// `secret-get --label`: the owner labels of secrets the unit or its application owns
    /// (any unit of the app, leader or not: `secretsmanager/secrets.go`
    /// `getAppOwnedOrUnitOwnedSecretMetadata`), then the unit's consumer labels.
    fn lookup_label(&self, label: &str) -> Option<String> {
        let owned = self
            .tx
            .new_secrets
            .values()
            .chain(self.state.secrets.values())
            .find(|s| s.owner_side(&self.unit) && self.tx.owner_label(s).as_deref() == Some(label));
        if let Some(s) = owned {
            return Some(s.xid.clone());
        }
        self.state
            .secrets
            .values()
            .find(|s| s.trackers.get(&self.unit).and_then(|t| t.label.as_deref()) == Some(label))
            .map(|s| s.xid.clone())
    }

    /// The owned secret with owner label `label` that this unit manages (owner; leader for
    /// app-owned), for `secret-info-get --label`.
    fn managed_by_label(&self, label: &str) -> Option<String> {
        self.tx
            .new_secrets
            .values()
            .chain(self.state.secrets.values())
            .find(|s| {
                s.owned_by(&self.unit, &self.app, self.leader)
                    && self.tx.owner_label(s).as_deref() == Some(label)
            })
            .map(|s| s.xid.clone())
    }

    fn not_found(id: &str) -> Fail {
        fail(format!("secret {id:?} not found"))
    }

    pub(super) fn secret_add(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(&req.args, SECRET_WRITE_FLAGS)?;
        let content = self.secret_content(&args.positional, args.flag("file"), req)?;
        if content.is_empty() {
            return Err(usage("missing secret value"));
        }
        let owner = match args.flag("owner").unwrap_or("application") {
            "application" => {
                if !self.leader_now() {
                    return Err(fail("this unit is not the leader"));
                }
                SecretOwnerRef::App(self.app.clone())
            }
            "unit" => SecretOwnerRef::Unit(self.unit.clone()),
            other => return Err(usage(format!("secret owner {other:?} not valid"))),
        };
        let expire = args
            .flag("expire")
            .map(|e| parse_expire(e, self.state.now))
            .transpose()?;
        let rotate = self.rotate_flag(&args)?;
        let (xid, uri) = self.state.mint_secret_id();
        // No consumer record for the creator: it gets one when it first reads the secret.
        self.tx.new_secrets.insert(
            xid.clone(),
            Secret {
                xid,
                uri: uri.clone(),
                owner,
                label: args.flag("label").map(str::to_owned),
                description: args.flag("description").map(str::to_owned),
                rotates: rotate
                    .as_deref()
                    .and_then(rotation_period)
                    .and_then(|p| self.state.now.checked_add(p)),
                rotate,
                revisions: BTreeMap::from([(1, Revision::new(content, expire))]),
                latest: 1,
                trackers: BTreeMap::new(),
                grants: BTreeMap::new(),
            },
        );
        Ok(format!("{uri}\n"))
    }

    fn rotate_flag(&self, args: &Args) -> Result<Option<String>, Fail> {
        match args.flag("rotate") {
            None => Ok(None),
            Some(
                p @ ("never" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly"),
            ) => Ok(Some(p.to_owned())),
            Some(other) => Err(usage(format!("rotate policy {other:?} not valid"))),
        }
    }

    /// `secret-get`, as Juju 3.6 answers it (`context/context.go` `GetSecret`, `secretsmanager`
    /// `getSecretContent` / `getConsumedRevision`):
    ///
    /// * a secret created in this hook reads its pending content;
    /// * with `--peek` or `--refresh`, content set in this hook is returned, and `--refresh`
    ///   makes the unit track the new revision once it is committed;
    /// * otherwise the unit's consumer record decides: created at the latest revision on the
    ///   first read (by any unit, owner or not), moved to the latest by `--refresh`, read at
    ///   its revision otherwise (`--peek` reads the latest without moving). The record and a
    ///   consumer label are saved at once, not at commit (the controller does it during the
    ///   call); a consumer moving forward may make its old revision obsolete.
    pub(super) fn secret_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("label", &[], true),
                ("peek", &[], false),
                ("refresh", &[], false),
            ],
        )?;
        if args.bool("peek") && args.bool("refresh") {
            return Err(usage("specify one of --peek or --refresh but not both"));
        }
        let label = args.flag("label").map(str::to_owned);
        let mut pos = args.positional.iter();
        let (xid, key) = match pos.next() {
            Some(first) if first.starts_with("secret:") || label.is_none() => {
                (xid_of(first).to_owned(), pos.next().cloned())
            }
            Some(key) => {
                let l = label.clone().unwrap_or_default();
                (
                    self.lookup_label(&l).ok_or_else(|| Self::not_found(&l))?,
                    Some(key.clone()),
                )
            }
            None => {
                let l = label
                    .clone()
                    .ok_or_else(|| usage("require either a secret URI or label"))?;
                (
                    self.lookup_label(&l).ok_or_else(|| Self::not_found(&l))?,
                    None,
                )
            }
        };
        check_empty(pos.as_slice())?;
        let secret = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !self.can_read(secret) {
            return Err(Self::not_found(&xid));
        }
        let owner_side = secret.owner_side(&self.unit);
        let manager = secret.owned_by(&self.unit, &self.app, self.leader);
        let by_id = args
            .positional
            .first()
            .is_some_and(|p| p.starts_with("secret:"))
            || (label.is_none() && !args.positional.is_empty());
        let relabel = if by_id { label } else { None };
        // Giving an id and a label sets the owner label (owner; leader for app-owned), or the
        // consumer label of a consumer; a peer of an app-owned secret's leader is ignored.
        if let Some(l) = &relabel
            && manager
        {
            match self.tx.new_secrets.get_mut(&xid) {
                Some(s) => s.label = Some(l.clone()),
                None => {
                    if let Some(s) = self.state.secrets.get_mut(&xid) {
                        s.label = Some(l.clone());
                    }
                }
            }
        }
        let consumer_label = relabel.filter(|_| !owner_side);
        let content = if let Some(s) = self.tx.new_secrets.get(&xid) {
            s.revisions
                .get(&s.latest)
                .map(|r| r.content.clone())
                .unwrap_or_default()
        } else if let Some(pending) = self
            .tx
            .updates
            .get(&xid)
            .and_then(|u| u.content.clone())
            .filter(|_| args.bool("peek") || args.bool("refresh"))
        {
            if args.bool("refresh") {
                self.tx.track_latest.insert(xid.clone());
            }
            pending
        } else {
            let mode = if args.bool("refresh") {
                Read::Refresh
            } else if args.bool("peek") {
                Read::Peek
            } else {
                Read::Tracked
            };
            let unit = self.unit.clone();
            let secret = self
                .state
                .secrets
                .get_mut(&xid)
                .ok_or_else(|| Self::not_found(&xid))?;
            let revision = secret.consume(&unit, mode, consumer_label);
            secret
                .revisions
                .get(&revision)
                .map(|r| r.content.clone())
                .ok_or_else(|| fail(format!("secret {xid:?} revision {revision} not found")))?
        };
        let value = match key {
            Some(k) => {
                let (k, b64) = match k.strip_suffix("#base64") {
                    Some(k) => (k.to_owned(), true),
                    None => (k, false),
                };
                let v = content
                    .get(&k)
                    .ok_or_else(|| fail(format!("secret key value {k:?} not found")))?;
                Go::Str(if b64 {
                    encode_base64(v.as_bytes())
                } else {
                    v.clone()
                })
            }
            None => Go::string_map(&content),
        };
        self.write(&args, YAML, &value)
    }

    /// Checks that this unit may manage `id` (owner; leader for app-owned) and returns its xid.
    fn manageable(&self, id: &str) -> Result<String, Fail> {
        let xid = xid_of(id).to_owned();
        let s = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !s.owner_side(&self.unit) {
            return Err(Self::not_found(&xid));
        }
        if !s.owned_by(&self.unit, &self.app, self.leader) {
            return Err(fail("this unit is not the leader"));
        }
        Ok(xid)
    }

    fn merge_update(&mut self, xid: &str, update: PendingUpdate) {
        let coalesce = self.state.options.coalesce_secret_set;
        let entry = self.tx.updates.entry(xid.to_owned()).or_default();
        if coalesce {
            if update.content.is_some() {
                entry.content = update.content;
            }
            if update.label.is_some() {
                entry.label = update.label;
            }
            if update.description.is_some() {
                entry.description = update.description;
            }
            if update.expire.is_some() {
                entry.expire = update.expire;
            }
            if update.rotate.is_some() {
                entry.rotate = update.rotate;
            }
        } else {
            *entry = update;
        }
    }

    pub(super) fn secret_set(&mut self, req: &ToolRequest) -> ToolResult {
        let args = parse_args(&req.args, SECRET_WRITE_FLAGS)?;
        let (id, rest) = args
            .positional
            .split_first()
            .ok_or_else(|| usage("missing secret URI"))?;
        let xid = self.manageable(id)?;
        let content = self.secret_content(rest, args.flag("file"), req)?;
        let update = PendingUpdate {
            content: (!content.is_empty()).then_some(content),
            label: args.flag("label").map(str::to_owned),
            description: args.flag("description").map(str::to_owned),
            expire: args
                .flag("expire")
                .map(|e| parse_expire(e, self.state.now))
                .transpose()?,
            rotate: self.rotate_flag(&args)?,
        };
        if let Some(s) = self.tx.new_secrets.get_mut(&xid) {
            // Created in this hook: still revision 1.
            if let Some(rev) = s.revisions.get_mut(&1) {
                if let Some(c) = update.content {
                    rev.content = c;
                }
                if update.expire.is_some() {
                    rev.expire = update.expire;
                }
            }
            apply_metadata(
                s,
                update.label,
                update.description,
                update.rotate,
                self.state.now,
            );
            return Ok(String::new());
        }
        self.merge_update(&xid, update);
        Ok(String::new())
    }

    pub(super) fn secret_remove(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[("revision", &[], true)])?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let xid = self.manageable(id)?;
        let revision = args
            .flag("revision")
            .map(|r| {
                r.parse::<u32>()
                    .map_err(|_| usage(format!("invalid revision {r:?}")))
            })
            .transpose()?;
        if let Some(rev) = revision
            && !self
                .find_secret(&xid)
                .is_some_and(|s| s.revisions.contains_key(&rev))
        {
            return Err(fail(format!("secret revision {rev} not found")));
        }
        if self.tx.new_secrets.contains_key(&xid) && revision.is_none() {
            self.tx.new_secrets.remove(&xid);
            return Ok(String::new());
        }
        self.tx.removes.push((xid, revision));
        Ok(String::new())
    }

    /// `secret-info-get` (`jujuc/secret-info-get.go` `metadataDisplay`): `revision`, `label`
    /// and `owner` always, `description`, `expiry`, `rotation`, `rotates` and `access` when set.
    pub(super) fn secret_info_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT, ("label", &[], true)])?;
        let xid = match (args.positional.first(), args.flag("label")) {
            (Some(_), Some(_)) => {
                return Err(usage("specify either a secret URI or label but not both"));
            }
            (None, None) => return Err(usage("require either a secret URI or label")),
            (Some(id), None) => xid_of(id).to_owned(),
            (None, Some(l)) => self.managed_by_label(l).ok_or_else(|| Self::not_found(l))?,
        };
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let s = self
            .find_secret(&xid)
            .ok_or_else(|| Self::not_found(&xid))?;
        if !s.owned_by(&self.unit, &self.app, self.leader) {
            return Err(Self::not_found(&xid));
        }
        let mut fields: Vec<(&'static str, Go)> = vec![
            ("revision", Go::Int(i64::from(s.latest))),
            ("label", Go::Str(self.tx.owner_label(s).unwrap_or_default())),
            (
                "owner",
                Go::Str(
                    match s.owner {
                        SecretOwnerRef::App(_) => "application",
                        SecretOwnerRef::Unit(_) => "unit",
                    }
                    .to_owned(),
                ),
            ),
        ];
        let description = self
            .tx
            .updates
            .get(&xid)
            .and_then(|u| u.description.clone())
            .or_else(|| s.description.clone());
        if let Some(d) = description.filter(|d| !d.is_empty()) {
            fields.push(("description", Go::Str(d)));
        }
        if let Some(e) = s.revisions.get(&s.latest).and_then(|r| r.expire) {
            fields.push(("expiry", Go::Str(rfc3339(e))));
        }
        if let Some(r) = s.rotate.as_deref().filter(|r| *r != "never") {
            fields.push(("rotation", Go::Str(r.to_owned())));
        }
        if let Some(t) = s.rotates {
            fields.push(("rotates", Go::Str(rfc3339(t))));
        }
        let access: Vec<Go> = s
            .grants
            .iter()
            .flat_map(|(rel, targets)| {
                let scope = self.relation_tag(*rel);
                targets.iter().map(move |t| {
                    Go::Struct(vec![
                        ("target", Go::Str(entity_tag(t))),
                        ("scope", Go::Str(scope.clone())),
                        ("role", Go::Str("view".to_owned())),
                    ])
                })
            })
            .collect();
        if !access.is_empty() {
            fields.push(("access", Go::List(access)));
        }
        let value = Go::Map(vec![(xid, Go::Struct(fields))]);
        self.write(&args, YAML, &value)
    }

    /// A relation's tag (`relation-<app>.<ep>#<app>.<ep>`), as Juju names grant scopes.
    fn relation_tag(&self, id: u32) -> String {
        let key = self
            .state
            .relations
            .get(&id)
            .map(|r| {
                let mut sides: Vec<String> =
                    r.sides.iter().map(|(a, e)| format!("{a}.{e}")).collect();
                sides.sort();
                sides.join("#")
            })
            .unwrap_or_default();
        format!("relation-{key}")
    }

    /// `secret-ids` (`jujuc/secret-ids.go`): a nil `[]string` when the unit owns nothing (JSON
    /// `null`), in the controller's map order otherwise. The simulator uses creation order,
    /// never sorted: charms must not rely on any order.
    pub(super) fn secret_ids(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[FORMAT, OUTPUT])?;
        check_empty(&args.positional)?;
        let mut owned: Vec<&Secret> = self
            .state
            .secrets
            .values()
            .chain(self.tx.new_secrets.values())
            .filter(|s| s.owned_by(&self.unit, &self.app, self.leader))
            .collect();
        owned.sort_by_key(|s| {
            self.state
                .secret_order
                .get(&s.xid)
                .copied()
                .unwrap_or(u64::MAX)
        });
        let ids: Vec<String> = owned.iter().map(|s| s.xid.clone()).collect();
        self.write(&args, SMART, &Go::strings_or_nil(ids))
    }

    /// `secret-grant` (`jujuc/secret-grant.go`): `-r/--relation` and an optional `--unit` of
    /// the related application; there is no `--app`.
    pub(super) fn secret_grant(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(a, &[("relation", &["r"], true), ("unit", &[], true)])?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        if args.flag("relation").is_none() {
            return Err(usage("missing relation"));
        }
        let rel = self.relation_flag(&args)?;
        let remote = self.remote_app(rel);
        let target = match args.flag("unit") {
            Some(u) if app_of(u) != remote => {
                return Err(usage(format!(
                    "cannot specify unit {u:?} in relation to application {remote:?}"
                )));
            }
            Some(u) => u.to_owned(),
            None => remote,
        };
        let xid = self.manageable(id)?;
        self.tx.grants.push((xid, rel, target, true));
        Ok(String::new())
    }

    /// `secret-revoke` (`jujuc/secret-revoke.go`): `-r/--relation`, `--app/--application` or
    /// `--unit`; a relation and an application together are refused.
    pub(super) fn secret_revoke(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                ("relation", &["r"], true),
                ("app", &["application"], true),
                ("unit", &[], true),
            ],
        )?;
        let id = args
            .positional
            .first()
            .ok_or_else(|| usage("missing secret URI"))?;
        check_empty(args.positional.get(1..).unwrap_or_default())?;
        let (relation, app, unit) = (args.flag("relation"), args.flag("app"), args.flag("unit"));
        if relation.is_some() && app.is_some() {
            return Err(usage("either relation or application should be specified"));
        }
        if relation.is_none() && app.is_none() && unit.is_none() {
            return Err(usage("missing relation or application or unit"));
        }
        let xid = self.manageable(id)?;
        let secret = self.find_secret(&xid);
        let rels: Vec<u32> = match relation {
            Some(_) => vec![self.relation_flag(&args)?],
            None => secret
                .map(|s| s.grants.keys().copied().collect())
                .unwrap_or_default(),
        };
        for rel in rels {
            let target = match (unit, app) {
                (Some(u), _) => u.to_owned(),
                (None, Some(app)) => app.to_owned(),
                (None, None) => self.remote_app(rel),
            };
            self.tx.grants.push((xid.clone(), rel, target, false));
        }
        Ok(String::new())
    }

    fn remote_app(&self, relation: u32) -> String {
        self.state
            .relations
            .get(&relation)
            .and_then(|r| r.remote_app_of(&self.app))
            .unwrap_or_default()
            .to_owned()
    }
}
