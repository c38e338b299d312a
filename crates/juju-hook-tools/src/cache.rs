//! [`CachedHookTools`]: every read made once per hook.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use crate::{
    Context, Error, HookTools, LogLevel, Member, Network, NewSecret, ReadMode, RelationId,
    SecretContent, SecretId, SecretInfo, SecretLookup, SecretRef, SecretUpdate, StatusKind, Target,
    UnitName,
};

/// A [`HookTools`] that remembers, for the rest of the hook, what it has read, so a charm and
/// the libraries it uses can each ask for the same databag, leadership or secret without paying
/// for another tool process. Writes pass straight through and forget what they may change.
///
/// It is sound because what a hook reads cannot change under it except through its own writes
/// (`juju-hook-protocol.md`): remote databags are a snapshot taken when first read, relation
/// membership and config are fixed for the hook, `is-leader` once `false` stays `false` and
/// once `true` holds for the lease (Juju guarantees at least 30 s). A binding's addresses
/// (`network-get`) are read once per hook and relation, as `ops` reads them once per
/// `Binding`: a unit's addresses do not change while a hook runs. What the hook itself
/// changes is forgotten when it changes it:
///
/// * `relation-set` on a relation forgets this unit's and this application's databags of that
///   relation (the next read sees the pending write, as Juju shows it);
/// * any secret write (`secret-add`, `secret-set`, `secret-remove`) forgets every secret read.
///
/// Two answers come without a call at all: the remote application of the hook's own relation
/// (`JUJU_REMOTE_APP`), and that of a relation whose units were listed (units are named after
/// their application).
///
/// Failures are not remembered: a failed read is retried by the next call. `secret-get` with an
/// id *and* a label (which sets the consumer label) always runs. Use one per hook: create it
/// next to the [`Context`], drop it when the hook ends.
///
/// ```no_run
/// use juju_hook_tools::{CachedHookTools, Context, HookTools, ProcessHookTools};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = Context::from_env()?;
/// let process = ProcessHookTools::new();
/// let tools = CachedHookTools::new(&process, &ctx);
/// assert_eq!(tools.is_leader()?, tools.is_leader()?); // one `is-leader` process
/// # Ok(()) }
/// ```
pub struct CachedHookTools<'a> {
    inner: &'a dyn HookTools,
    unit: UnitName,
    app: String,
    reads: RefCell<Reads>,
}

impl core::fmt::Debug for CachedHookTools<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CachedHookTools")
            .field("unit", &self.unit.as_str())
            .finish_non_exhaustive()
    }
}

/// A databag: which relation, and whose.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bag {
    App(RelationId, String),
    Unit(RelationId, UnitName),
}

/// A secret as named by the caller: by xid or by label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SecretKey {
    Id(String),
    Label(String),
}

impl SecretKey {
    fn of_lookup(lookup: SecretLookup<'_>) -> Self {
        match lookup {
            SecretLookup::Id(id) => Self::Id(id.xid().to_owned()),
            SecretLookup::Label(label) => Self::Label(label.to_owned()),
        }
    }
}

#[derive(Default)]
struct Reads {
    relation_ids: HashMap<String, Vec<RelationId>>,
    relation_list: HashMap<RelationId, Vec<UnitName>>,
    remote_app: HashMap<RelationId, Option<String>>,
    databags: HashMap<Bag, BTreeMap<String, String>>,
    is_leader: Option<bool>,
    config: Option<serde_json::Map<String, serde_json::Value>>,
    networks: HashMap<(String, Option<RelationId>), Network>,
    secret_ids: Option<Vec<SecretId>>,
    secret_info: HashMap<SecretKey, SecretInfo>,
    secret_content: HashMap<(SecretKey, ReadMode), SecretContent>,
}

impl Reads {
    fn forget_secrets(&mut self) {
        self.secret_ids = None;
        self.secret_info.clear();
        self.secret_content.clear();
    }
}

impl<'a> CachedHookTools<'a> {
    /// Wraps `inner` for the hook described by `ctx` (whose unit and application own the
    /// databags that `relation-set` changes).
    ///
    /// The remote application of the hook's own relation is known from `JUJU_REMOTE_APP`
    /// without a call.
    pub fn new(inner: &'a dyn HookTools, ctx: &Context) -> Self {
        let mut reads = Reads::default();
        if let Some(event) = ctx.event().relation()
            && let Some(app) = &event.remote_app
        {
            reads
                .remote_app
                .insert(event.relation.clone(), Some(app.clone()));
        }
        Self {
            inner,
            unit: ctx.unit().clone(),
            app: ctx.app().to_owned(),
            reads: RefCell::new(reads),
        }
    }

    /// Looks `key` up in the map `pick` selects, or reads it with `read` and remembers it.
    fn remember<K, V>(
        &self,
        pick: impl Fn(&mut Reads) -> &mut HashMap<K, V>,
        key: K,
        read: impl FnOnce() -> Result<V, Error>,
    ) -> Result<V, Error>
    where
        K: Eq + core::hash::Hash,
        V: Clone,
    {
        if let Some(value) = pick(&mut self.reads.borrow_mut()).get(&key) {
            return Ok(value.clone());
        }
        let value = read()?;
        pick(&mut self.reads.borrow_mut()).insert(key, value.clone());
        Ok(value)
    }

    /// The same for a value kept in an `Option` field.
    fn remember_one<V: Clone>(
        &self,
        pick: impl Fn(&mut Reads) -> &mut Option<V>,
        read: impl FnOnce() -> Result<V, Error>,
    ) -> Result<V, Error> {
        if let Some(value) = pick(&mut self.reads.borrow_mut()).as_ref() {
            return Ok(value.clone());
        }
        let value = read()?;
        *pick(&mut self.reads.borrow_mut()) = Some(value.clone());
        Ok(value)
    }
}

impl HookTools for CachedHookTools<'_> {
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<RelationId>, Error> {
        self.remember(
            |r| &mut r.relation_ids,
            endpoint.to_owned(),
            || self.inner.relation_ids(endpoint),
        )
    }

    fn relation_list(&self, relation: &RelationId) -> Result<Vec<UnitName>, Error> {
        self.remember(
            |r| &mut r.relation_list,
            relation.clone(),
            || self.inner.relation_list(relation),
        )
    }

    fn relation_remote_app(&self, relation: &RelationId) -> Result<Option<String>, Error> {
        // Remote units are named after their application.
        let listed = self
            .reads
            .borrow()
            .relation_list
            .get(relation)
            .and_then(|units| units.first().map(|unit| unit.app().to_owned()));
        if let Some(app) = listed {
            return Ok(Some(app));
        }
        self.remember(
            |r| &mut r.remote_app,
            relation.clone(),
            || self.inner.relation_remote_app(relation),
        )
    }

    fn relation_get(
        &self,
        relation: &RelationId,
        member: Member<'_>,
    ) -> Result<BTreeMap<String, String>, Error> {
        let bag = match member {
            Member::App(app) => Bag::App(relation.clone(), app.to_owned()),
            Member::Unit(unit) => Bag::Unit(relation.clone(), unit.clone()),
        };
        self.remember(
            |r| &mut r.databags,
            bag,
            || self.inner.relation_get(relation, member),
        )
    }

    fn relation_set(
        &self,
        relation: &RelationId,
        target: Target,
        delta: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        // Forget first: if the write fails half-way, the next read asks Juju.
        {
            let mut reads = self.reads.borrow_mut();
            reads
                .databags
                .remove(&Bag::App(relation.clone(), self.app.clone()));
            reads
                .databags
                .remove(&Bag::Unit(relation.clone(), self.unit.clone()));
        }
        self.inner.relation_set(relation, target, delta)
    }

    fn is_leader(&self) -> Result<bool, Error> {
        self.remember_one(|r| &mut r.is_leader, || self.inner.is_leader())
    }

    fn secret_add(&self, secret: &NewSecret) -> Result<SecretId, Error> {
        self.reads.borrow_mut().forget_secrets();
        self.inner.secret_add(secret)
    }

    fn secret_get(&self, secret: SecretRef<'_>, mode: ReadMode) -> Result<SecretContent, Error> {
        let key = match secret {
            SecretRef::Id(id) => SecretKey::Id(id.xid().to_owned()),
            SecretRef::Label(label) => SecretKey::Label(label.to_owned()),
            // Sets the consumer label: a write, so it always runs.
            SecretRef::IdAndLabel(..) => return self.inner.secret_get(secret, mode),
        };
        self.remember(
            |r| &mut r.secret_content,
            (key, mode),
            || self.inner.secret_get(secret, mode),
        )
    }

    fn secret_set(&self, id: &SecretId, update: &SecretUpdate) -> Result<(), Error> {
        self.reads.borrow_mut().forget_secrets();
        self.inner.secret_set(id, update)
    }

    fn secret_remove(&self, id: &SecretId, revision: Option<u32>) -> Result<(), Error> {
        self.reads.borrow_mut().forget_secrets();
        self.inner.secret_remove(id, revision)
    }

    fn secret_info_get(&self, secret: SecretLookup<'_>) -> Result<SecretInfo, Error> {
        self.remember(
            |r| &mut r.secret_info,
            SecretKey::of_lookup(secret),
            || self.inner.secret_info_get(secret),
        )
    }

    fn secret_ids(&self) -> Result<Vec<SecretId>, Error> {
        self.remember_one(|r| &mut r.secret_ids, || self.inner.secret_ids())
    }

    fn secret_grant(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error> {
        self.inner.secret_grant(id, relation, unit)
    }

    fn secret_revoke(
        &self,
        id: &SecretId,
        relation: &RelationId,
        unit: Option<&UnitName>,
    ) -> Result<(), Error> {
        self.inner.secret_revoke(id, relation, unit)
    }

    fn status_set(&self, target: Target, status: StatusKind, message: &str) -> Result<(), Error> {
        self.inner.status_set(target, status, message)
    }

    fn application_version_set(&self, version: &str) -> Result<(), Error> {
        self.inner.application_version_set(version)
    }

    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), Error> {
        self.inner.juju_log(level, message)
    }

    fn config_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        self.remember_one(|r| &mut r.config, || self.inner.config_get())
    }

    fn network_get(&self, binding: &str, relation: Option<&RelationId>) -> Result<Network, Error> {
        self.remember(
            |r| &mut r.networks,
            (binding.to_owned(), relation.cloned()),
            || self.inner.network_get(binding, relation),
        )
    }

    fn action_get(&self) -> Result<serde_json::Value, Error> {
        self.inner.action_get()
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), Error> {
        self.inner.action_set(results)
    }

    fn action_fail(&self, message: &str) -> Result<(), Error> {
        self.inner.action_fail(message)
    }

    fn action_log(&self, message: &str) -> Result<(), Error> {
        self.inner.action_log(message)
    }
}
