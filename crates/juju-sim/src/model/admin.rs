//! The admin API: what a test or the demo does to the model from outside any hook.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use super::Model;
use crate::charm::Charm;
use crate::error::{Error, Result};
use crate::hook::{Fault, Hook};
use crate::meta::{CharmMeta, Role};
use crate::state::{
    App, Databag, Relation, Revision, Secret, SecretOwnerRef, Status, Unit, app_of,
};

impl Model {
    /// Deploys `units` units of an application `name` running `charm`, described by `meta`.
    /// Peer relations of the charm are created with the application. The first unit becomes
    /// the leader. No hook runs until [`Model::step`] or [`Model::run_until_quiescent`].
    ///
    /// # Errors
    /// [`Error::ApplicationExists`] if the name is taken.
    pub fn deploy(
        &mut self,
        name: &str,
        meta: CharmMeta,
        charm: Arc<dyn Charm>,
        units: u32,
    ) -> Result<()> {
        if self.state.apps.contains_key(name) {
            return Err(Error::ApplicationExists(name.to_owned()));
        }
        let peers: Vec<(String, String)> = meta
            .peers
            .iter()
            .map(|(ep, e)| (ep.clone(), e.interface.clone()))
            .collect();
        self.state.apps.insert(
            name.to_owned(),
            App {
                name: name.to_owned(),
                meta,
                charm,
                config: BTreeMap::new(),
                config_version: 1,
                units: BTreeMap::new(),
                next_unit: 0,
                leader: None,
                status: Status {
                    kind: "unknown".into(),
                    message: String::new(),
                },
                dying: false,
            },
        );
        for (endpoint, interface) in peers {
            let id = self.next_relation;
            self.next_relation += 1;
            self.state.relations.insert(
                id,
                Relation {
                    id,
                    sides: vec![(name.to_owned(), endpoint)],
                    interface,
                    app_bags: BTreeMap::new(),
                    unit_bags: BTreeMap::new(),
                    scope: BTreeSet::new(),
                    dying: false,
                },
            );
        }
        for _ in 0..units {
            self.add_unit(name)?;
        }
        Ok(())
    }

    /// Adds a unit to an application and returns its name. It becomes leader if the
    /// application has none.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`].
    pub fn add_unit(&mut self, app: &str) -> Result<String> {
        let address = format!("192.0.2.{}", self.next_address);
        self.next_address += 1;
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        let n = a.next_unit;
        a.next_unit += 1;
        let name = format!("{app}/{n}");
        a.units.insert(
            n,
            Unit {
                name: name.clone(),
                installed: false,
                started: false,
                stopped: false,
                dying: false,
                leader_seen: None,
                config_seen: 0,
                views: BTreeMap::new(),
                status: Status {
                    kind: "unknown".into(),
                    message: String::new(),
                },
                status_history: Vec::new(),
                status_set: false,
                workload_version: String::new(),
                logs: Vec::new(),
                state: Databag::new(),
                secret_changed_seen: BTreeMap::new(),
                expired_fired: BTreeSet::new(),
                remove_fired: BTreeSet::new(),
                rotate_fired: BTreeSet::new(),
                address,
                queued: VecDeque::new(),
            },
        );
        if a.leader.is_none() {
            a.leader = Some(name.clone());
        }
        Ok(name)
    }

    /// Starts removing a unit: it leaves every relation's scope (the others get `-departed`),
    /// then runs `-departed`/`-broken` for its relations (no `-broken` for peer relations),
    /// `stop` and `remove`, after which it is gone with its unit-owned secrets. A new leader is
    /// elected if it led.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn remove_unit(&mut self, unit: &str) -> Result<()> {
        let u = self
            .state
            .unit_mut(unit)
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        u.dying = true;
        for rel in self.state.relations.values_mut() {
            rel.scope.remove(unit);
        }
        let app = app_of(unit).to_owned();
        if let Some(a) = self.state.apps.get_mut(&app)
            && a.leader.as_deref() == Some(unit)
        {
            a.leader = a.units.values().find(|u| !u.dying).map(|u| u.name.clone());
        }
        Ok(())
    }

    /// Removes an application: its relations are removed (the other side gets `-departed`
    /// and `-broken`), its units go away as with [`Model::remove_unit`], and when the last one
    /// is gone the application and its app-owned secrets are deleted.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`].
    pub fn remove_application(&mut self, app: &str) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        a.dying = true;
        let units: Vec<String> = a.units.values().map(|u| u.name.clone()).collect();
        if units.is_empty() {
            self.forget_app(app);
        }
        for rel in self.state.relations.values_mut() {
            if rel.endpoint_of(app).is_some() {
                rel.dying = true;
                rel.scope.retain(|u| app_of(u) != app);
            }
        }
        for unit in units {
            self.remove_unit(&unit)?;
        }
        Ok(())
    }

    /// Deletes an application and its app-owned secrets.
    pub(super) fn forget_app(&mut self, app: &str) {
        self.state.apps.remove(app);
        self.state
            .secrets
            .retain(|_, s| s.owner != SecretOwnerRef::App(app.to_owned()));
    }

    /// Relates `a_app:a_endpoint` to `b_app:b_endpoint` and returns the relation id. The
    /// units then get `-created`, `-joined` and `-changed` as they run.
    ///
    /// # Errors
    /// [`Error::RelationRefused`] if the roles or interfaces do not match or a `limit` is
    /// reached; [`Error::ApplicationNotFound`] / [`Error::EndpointNotFound`].
    pub fn relate(
        &mut self,
        a_app: &str,
        a_endpoint: &str,
        b_app: &str,
        b_endpoint: &str,
    ) -> Result<u32> {
        let (ra, ea) = self.endpoint(a_app, a_endpoint)?;
        let (rb, eb) = self.endpoint(b_app, b_endpoint)?;
        let refuse = |reason: String| Error::RelationRefused {
            a: format!("{a_app}:{a_endpoint}"),
            b: format!("{b_app}:{b_endpoint}"),
            reason,
        };
        let roles_ok = matches!(
            (ra, rb),
            (Role::Provides, Role::Requires) | (Role::Requires, Role::Provides)
        );
        if !roles_ok {
            return Err(refuse("one side must provide and the other require".into()));
        }
        if ea.interface != eb.interface {
            return Err(refuse(format!(
                "interfaces differ ({} and {})",
                ea.interface, eb.interface
            )));
        }
        for (app, ep, limit) in [(a_app, a_endpoint, ea.limit), (b_app, b_endpoint, eb.limit)] {
            if let Some(limit) = limit {
                let used = self
                    .state
                    .relations
                    .values()
                    .filter(|r| !r.dying && r.endpoint_of(app) == Some(ep))
                    .count();
                if used >= limit as usize {
                    return Err(refuse(format!(
                        "establishing a new relation for {app}:{ep} would exceed its maximum relation limit of {limit}"
                    )));
                }
            }
        }
        let id = self.next_relation;
        self.next_relation += 1;
        self.state.relations.insert(
            id,
            Relation {
                id,
                sides: vec![
                    (a_app.to_owned(), a_endpoint.to_owned()),
                    (b_app.to_owned(), b_endpoint.to_owned()),
                ],
                interface: ea.interface,
                app_bags: BTreeMap::new(),
                unit_bags: BTreeMap::new(),
                scope: BTreeSet::new(),
                dying: false,
            },
        );
        Ok(id)
    }

    /// Removes a relation: every unit gets `-departed` for each remote unit, then `-broken`;
    /// then the relation and its secret grants are gone.
    ///
    /// # Errors
    /// [`Error::RelationNotFound`].
    pub fn remove_relation(&mut self, id: u32) -> Result<()> {
        let rel = self
            .state
            .relations
            .get_mut(&id)
            .ok_or(Error::RelationNotFound(id))?;
        rel.dying = true;
        rel.scope.clear();
        Ok(())
    }

    /// Sets config values of an application (`Value::Null` resets to the default); its units
    /// get `config-changed`.
    ///
    /// # Errors
    /// [`Error::ApplicationNotFound`], or [`Error::InvalidInput`] for an option the charm
    /// does not declare.
    pub fn set_config(&mut self, app: &str, values: BTreeMap<String, Value>) -> Result<()> {
        let a = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        for (k, v) in values {
            if !a.meta.config.options.contains_key(&k) {
                return Err(Error::InvalidInput(format!(
                    "{app} has no config option {k:?}"
                )));
            }
            if v.is_null() {
                a.config.remove(&k);
            } else {
                a.config.insert(k, v);
            }
        }
        a.config_version += 1;
        Ok(())
    }

    /// Makes `unit` the leader of its application: it gets `leader-elected`; the old leader
    /// resigns without a hook (Juju fires `leader-settings-changed` only when leader settings
    /// change, which the simulator does not model).
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn set_leader(&mut self, unit: &str) -> Result<()> {
        if self.state.unit(unit).is_none() {
            return Err(Error::UnitNotFound(unit.to_owned()));
        }
        if let Some(a) = self.state.apps.get_mut(app_of(unit)) {
            a.leader = Some(unit.to_owned());
            // The old leader resigns without a hook (`worker/uniter/leadership/resolver.go`).
            for u in a.units.values_mut() {
                if u.name != unit && u.leader_seen == Some(true) {
                    u.leader_seen = Some(false);
                }
            }
        }
        Ok(())
    }

    /// Sets the address of `unit` (by default the model gives its units `192.0.2.1`,
    /// `192.0.2.2`, ... in the order they are added). `network-get` answers it from the next
    /// tool call on, as bind and ingress address with `<address>/32` as egress subnet (an IPv6
    /// address gets `/128`; a host name is accepted as Juju accepts one as an ingress address).
    /// The databags of relations the unit enters later carry it as `private-address` and
    /// `ingress-address`; those it is in already keep the address they were given.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn set_unit_address(&mut self, unit: &str, address: &str) -> Result<()> {
        let u = self
            .state
            .unit_mut(unit)
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        address.clone_into(&mut u.address);
        Ok(())
    }

    /// Queues a hook (e.g. [`Hook::UpdateStatus`], [`Hook::UpgradeCharm`]) on a unit; it runs
    /// once the unit has started and has no relation or secret hook pending.
    ///
    /// # Errors
    /// [`Error::UnitNotFound`].
    pub fn queue_hook(&mut self, unit: &str, hook: Hook) -> Result<()> {
        let u = self
            .state
            .unit_mut(unit)
            .ok_or_else(|| Error::UnitNotFound(unit.to_owned()))?;
        u.queued.push_back(hook);
        Ok(())
    }

    /// Queues `update-status` on every unit that is not being removed (Juju's periodic hook).
    pub fn update_status(&mut self) {
        for u in self
            .state
            .apps
            .values_mut()
            .flat_map(|a| a.units.values_mut())
        {
            if !u.dying {
                u.queued.push_back(Hook::UpdateStatus);
            }
        }
    }

    /// Adds a fault to inject into the next matching hook-tool call (one-shot).
    pub fn inject_fault(&mut self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Clears the trace and the hook history (e.g. between phases of a test).
    pub fn clear_records(&mut self) {
        self.state.trace.clear();
        self.state.history.clear();
    }
    /// Writes a databag from outside any hook (test setup), bumping its version so the other
    /// side gets `-changed`. `owner` is a unit name (`app/0`) or an application name.
    ///
    /// # Errors
    /// [`Error::RelationNotFound`].
    pub fn set_relation_data(&mut self, relation: u32, owner: &str, data: Databag) -> Result<()> {
        let rel = self
            .state
            .relations
            .get_mut(&relation)
            .ok_or(Error::RelationNotFound(relation))?;
        let bag = if owner.contains('/') {
            rel.unit_bags.entry(owner.to_owned()).or_default()
        } else {
            rel.app_bags.entry(owner.to_owned()).or_default()
        };
        if bag.data != data {
            bag.data = data;
            bag.version += 1;
        }
        Ok(())
    }

    /// Creates a secret owned by `owner` outside any hook (test setup), returning its URI.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty content or a key Juju would reject.
    pub fn add_secret(
        &mut self,
        owner: SecretOwnerRef,
        label: Option<&str>,
        content: Databag,
    ) -> Result<String> {
        check_secret_content(&content)?;
        let (xid, uri) = self.state.mint_secret_id();
        self.state.secrets.insert(
            xid.clone(),
            Secret {
                xid,
                uri: uri.clone(),
                owner,
                label: label.map(str::to_owned),
                description: None,
                rotate: None,
                rotates: None,
                revisions: BTreeMap::from([(1, Revision::new(content, None))]),
                latest: 1,
                trackers: BTreeMap::new(),
                grants: BTreeMap::new(),
            },
        );
        Ok(uri)
    }

    /// Grants `app_or_unit` access to a secret over a relation, outside any hook.
    ///
    /// # Errors
    /// [`Error::SecretNotFound`] / [`Error::RelationNotFound`].
    pub fn grant_secret(&mut self, xid: &str, relation: u32, app_or_unit: &str) -> Result<()> {
        if !self.state.relations.contains_key(&relation) {
            return Err(Error::RelationNotFound(relation));
        }
        let s = self
            .state
            .secrets
            .get_mut(xid)
            .ok_or_else(|| Error::SecretNotFound(xid.to_owned()))?;
        s.grants
            .entry(relation)
            .or_default()
            .insert(app_or_unit.to_owned());
        Ok(())
    }

    /// Publishes a new revision of a secret from outside any hook (test setup for an owner
    /// that is not simulated); observers get `secret-changed`.
    ///
    /// # Errors
    /// [`Error::SecretNotFound`]; [`Error::InvalidInput`] as for [`Model::add_secret`].
    pub fn set_secret_content(&mut self, xid: &str, content: Databag) -> Result<u32> {
        check_secret_content(&content)?;
        let s = self
            .state
            .secrets
            .get_mut(xid)
            .ok_or_else(|| Error::SecretNotFound(xid.to_owned()))?;
        if s.revisions.get(&s.latest).map(|r| &r.content) != Some(&content) {
            s.add_revision(content);
        }
        Ok(s.latest)
    }

    fn endpoint(&self, app: &str, endpoint: &str) -> Result<(Role, crate::meta::Endpoint)> {
        let a = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| Error::ApplicationNotFound(app.to_owned()))?;
        a.meta
            .endpoint(endpoint)
            .map(|(r, e)| (r, e.clone()))
            .ok_or_else(|| Error::EndpointNotFound {
                app: app.to_owned(),
                endpoint: endpoint.to_owned(),
            })
    }
}

/// Juju's rules for secret content: not empty, keys matching `^([a-z](?:-?[a-z0-9]){2,})$`.
fn check_secret_content(content: &Databag) -> Result<()> {
    if content.is_empty() {
        return Err(Error::InvalidInput("empty secret content".into()));
    }
    if let Some(bad) = content.keys().find(|k| !juju_types::is_valid_secret_key(k)) {
        return Err(Error::InvalidInput(format!("secret key {bad:?} not valid")));
    }
    Ok(())
}
