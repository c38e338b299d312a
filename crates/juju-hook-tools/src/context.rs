//! The hook context: who we are and which event is being dispatched, from Juju's environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{Error, JujuVersion, RelationId, SecretId, UnitName};

/// What Juju tells a charm process through its environment.
///
/// Build it with [`Context::from_env`] in a charm, or [`Context::from_map`] in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    unit: UnitName,
    model_name: Option<String>,
    model_uuid: Option<String>,
    juju_version: Option<JujuVersion>,
    charm_dir: Option<PathBuf>,
    dispatch_path: String,
    event: Event,
}

/// The event being dispatched (`JUJU_DISPATCH_PATH` and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An action (`actions/<name>`); read its parameters with
    /// [`HookTools::action_get`](crate::HookTools::action_get).
    Action {
        /// The action's name, e.g. `get-certificate`.
        name: String,
        /// Juju's id for this run (`JUJU_ACTION_UUID`).
        id: String,
    },
    /// `config-changed`.
    ConfigChanged,
    /// `install`.
    Install,
    /// `leader-elected` (only the new leader gets it).
    LeaderElected,
    /// `leader-settings-changed` (non-leaders).
    LeaderSettingsChanged,
    /// `<endpoint>-relation-broken`: the relation is gone (it is no longer in `relation-ids`).
    RelationBroken(RelationEvent),
    /// `<endpoint>-relation-changed`: a remote unit's databag, or (with no remote unit) the
    /// remote app's databag, changed.
    RelationChanged(RelationEvent),
    /// `<endpoint>-relation-created`.
    RelationCreated(RelationEvent),
    /// `<endpoint>-relation-departed`: a unit left (see [`RelationEvent::departing_unit`]).
    RelationDeparted(RelationEvent),
    /// `<endpoint>-relation-joined`: a remote unit entered scope.
    RelationJoined(RelationEvent),
    /// `remove`.
    Remove,
    /// `secret-changed`: an observed secret has a new revision.
    SecretChanged(SecretEvent),
    /// `secret-expired`: an owned revision's expiry passed (repeats until it is removed).
    SecretExpired(SecretRevisionEvent),
    /// `secret-remove`: an owned revision is no longer tracked by anyone.
    SecretRemove(SecretRevisionEvent),
    /// `secret-rotate`: an owned secret is due for rotation.
    SecretRotate(SecretEvent),
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// Any hook this crate does not model (storage, pebble, `meter-status-changed`, ...): exit 0
    /// unless you handle it. `meter-status-changed` runs in a restricted context, where only
    /// `juju-log` works.
    Unknown(String),
    /// `update-status`.
    UpdateStatus,
    /// `upgrade-charm`.
    UpgradeCharm,
}

/// The details of a relation hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationEvent {
    /// The relation (`JUJU_RELATION_ID`); its endpoint is `JUJU_RELATION`.
    pub relation: RelationId,
    /// The remote application (`JUJU_REMOTE_APP`), `None` when Juju left it empty.
    pub remote_app: Option<String>,
    /// The remote unit (`JUJU_REMOTE_UNIT`): `None` on `-created`, `-broken` and on a
    /// `-changed` caused by the remote app databag.
    pub remote_unit: Option<UnitName>,
    /// On `-departed`, the unit that is leaving (`JUJU_DEPARTING_UNIT`); it is this unit when
    /// this unit is the one going away. `None` on other hooks.
    pub departing_unit: Option<UnitName>,
}

/// The details of `secret-changed` and `secret-rotate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEvent {
    /// The secret (`JUJU_SECRET_ID`).
    pub id: SecretId,
    /// This unit's label for it (`JUJU_SECRET_LABEL`), `None` when empty.
    pub label: Option<String>,
    /// `JUJU_SECRET_REVISION`, when Juju sets it.
    pub revision: Option<u32>,
}

/// The details of `secret-expired` and `secret-remove`, which always name a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRevisionEvent {
    /// The secret (`JUJU_SECRET_ID`).
    pub id: SecretId,
    /// The owner label (`JUJU_SECRET_LABEL`), `None` when empty.
    pub label: Option<String>,
    /// The revision concerned (`JUJU_SECRET_REVISION`).
    pub revision: u32,
}

/// Relation hook kinds, by hook-name suffix.
const RELATION_KINDS: [&str; 5] = ["created", "joined", "changed", "departed", "broken"];

impl Context {
    /// Reads the context from this process's environment.
    ///
    /// # Errors
    ///
    /// As [`Context::from_map`].
    pub fn from_env() -> Result<Self, Error> {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("JUJU_") || k == "CHARM_DIR")
            .collect();
        Self::from_map(&vars)
    }

    /// Reads the context from a map of environment variables.
    ///
    /// Required always: `JUJU_DISPATCH_PATH` (read first) and `JUJU_UNIT_NAME` (a unit name,
    /// or the unit's tag `unit-<app>-<n>`, which is what `meter-status-changed` gets). Relation
    /// hooks need `JUJU_RELATION` and `JUJU_RELATION_ID`; secret hooks `JUJU_SECRET_ID` (and
    /// `JUJU_SECRET_REVISION` for `secret-expired` / `secret-remove`); actions
    /// `JUJU_ACTION_UUID`. The endpoint of a relation hook comes from `JUJU_RELATION`, never
    /// from splitting the hook name.
    ///
    /// `JUJU_MODEL_NAME`, `JUJU_MODEL_UUID` and `JUJU_VERSION` are read when set: Juju sets them
    /// for every hook but `meter-status-changed` on machines (its restricted context exports
    /// only the charm directory, the agent socket, the context id, the unit's tag and the meter
    /// status), and `ops` does not require them either.
    ///
    /// # Errors
    ///
    /// [`Error::MissingEnv`] for a required variable that is absent or empty,
    /// [`Error::MalformedEnv`] for one that does not parse (a `JUJU_VERSION` that is set must
    /// parse).
    pub fn from_map(vars: &BTreeMap<String, String>) -> Result<Self, Error> {
        let env = Env(vars);
        let dispatch_path = env.required("JUJU_DISPATCH_PATH")?.to_owned();
        let event = parse_event(&env, &dispatch_path)?;
        let unit = env.parse("JUJU_UNIT_NAME", |name| {
            UnitName::parse(name).or_else(|reason| UnitName::from_tag(name).map_err(|_| reason))
        })?;
        let model_name = env.optional("JUJU_MODEL_NAME").map(str::to_owned);
        let model_uuid = env.optional("JUJU_MODEL_UUID").map(str::to_owned);
        let juju_version = env.parse_optional("JUJU_VERSION", JujuVersion::parse)?;
        let charm_dir = env
            .optional("JUJU_CHARM_DIR")
            .or_else(|| env.optional("CHARM_DIR"))
            .map(PathBuf::from);
        Ok(Self {
            unit,
            model_name,
            model_uuid,
            juju_version,
            charm_dir,
            dispatch_path,
            event,
        })
    }

    /// This unit, e.g. `tls-requirer/0`.
    #[must_use]
    pub fn unit(&self) -> &UnitName {
        &self.unit
    }

    /// This unit's application, e.g. `tls-requirer`.
    #[must_use]
    pub fn app(&self) -> &str {
        self.unit.app()
    }

    /// This unit's number, e.g. `0`.
    #[must_use]
    pub fn unit_number(&self) -> u32 {
        self.unit.number()
    }

    /// The model's name (`None` in `meter-status-changed`, which Juju runs without it).
    #[must_use]
    pub fn model_name(&self) -> Option<&str> {
        self.model_name.as_deref()
    }

    /// The model's UUID (`None` in `meter-status-changed`, which Juju runs without it).
    #[must_use]
    pub fn model_uuid(&self) -> Option<&str> {
        self.model_uuid.as_deref()
    }

    /// The Juju agent version (`None` in `meter-status-changed`, which Juju runs without
    /// `JUJU_VERSION`).
    #[must_use]
    pub fn juju_version(&self) -> Option<&JujuVersion> {
        self.juju_version.as_ref()
    }

    /// The charm directory (`JUJU_CHARM_DIR`, or the legacy `CHARM_DIR`), if Juju set it.
    #[must_use]
    pub fn charm_dir(&self) -> Option<&Path> {
        self.charm_dir.as_deref()
    }

    /// `JUJU_DISPATCH_PATH` as given, e.g. `hooks/certificates-relation-changed`.
    #[must_use]
    pub fn dispatch_path(&self) -> &str {
        &self.dispatch_path
    }

    /// The event being dispatched.
    #[must_use]
    pub fn event(&self) -> &Event {
        &self.event
    }
}

impl Event {
    /// The relation details, for the five relation hooks.
    #[must_use]
    pub fn relation(&self) -> Option<&RelationEvent> {
        match self {
            Self::RelationBroken(r)
            | Self::RelationChanged(r)
            | Self::RelationCreated(r)
            | Self::RelationDeparted(r)
            | Self::RelationJoined(r) => Some(r),
            _ => None,
        }
    }

    /// Whether Juju runs this hook in a restricted context, where the hook tools other than
    /// `juju-log` fail: `meter-status-changed` (run by the meter-status worker with a
    /// `jujuc.RestrictedContext`) and the deprecated `collect-metrics`. A charm has nothing to do
    /// there, and should exit 0 at once.
    #[must_use]
    pub fn is_restricted(&self) -> bool {
        matches!(self, Self::Unknown(hook) if hook == "meter-status-changed" || hook == "collect-metrics")
    }

    /// The secret the event is about, for the four secret hooks.
    #[must_use]
    pub fn secret_id(&self) -> Option<&SecretId> {
        match self {
            Self::SecretChanged(s) | Self::SecretRotate(s) => Some(&s.id),
            Self::SecretExpired(s) | Self::SecretRemove(s) => Some(&s.id),
            _ => None,
        }
    }
}

/// Lookups in the variable map, with typed errors.
struct Env<'a>(&'a BTreeMap<String, String>);

impl Env<'_> {
    /// A variable's value, `None` when absent or empty.
    fn optional(&self, var: &str) -> Option<&str> {
        self.0
            .get(var)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn required(&self, var: &str) -> Result<&str, Error> {
        self.optional(var).ok_or_else(|| Error::MissingEnv {
            var: var.to_owned(),
        })
    }

    fn parse<T, E: std::fmt::Display>(
        &self,
        var: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, Error> {
        let value = self.required(var)?;
        parse(value).map_err(|reason| malformed(var, value, reason.to_string()))
    }

    fn parse_optional<T, E: std::fmt::Display>(
        &self,
        var: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Error> {
        self.optional(var)
            .map(|value| parse(value).map_err(|reason| malformed(var, value, reason.to_string())))
            .transpose()
    }
}

fn malformed(var: &str, value: &str, reason: impl Into<String>) -> Error {
    Error::MalformedEnv {
        var: var.to_owned(),
        value: value.to_owned(),
        reason: reason.into(),
    }
}

fn parse_revision(s: &str) -> Result<u32, String> {
    s.parse::<u32>()
        .map_err(|_| format!("{s:?} is not a revision number"))
}

fn parse_event(env: &Env<'_>, dispatch_path: &str) -> Result<Event, Error> {
    let (kind, name) = dispatch_path
        .trim_end_matches('/')
        .rsplit_once('/')
        .map_or(("", dispatch_path), |(dir, name)| {
            (dir.rsplit('/').next().unwrap_or(dir), name)
        });
    if name.is_empty() {
        return Err(malformed(
            "JUJU_DISPATCH_PATH",
            dispatch_path,
            "no hook or action name",
        ));
    }
    if kind == "actions" {
        let name = env.optional("JUJU_ACTION_NAME").unwrap_or(name).to_owned();
        let id = env.required("JUJU_ACTION_UUID")?.to_owned();
        return Ok(Event::Action { name, id });
    }
    if kind != "hooks" {
        return Err(malformed(
            "JUJU_DISPATCH_PATH",
            dispatch_path,
            "expected hooks/<name> or actions/<name>",
        ));
    }
    let event = match name {
        "install" => Event::Install,
        "start" => Event::Start,
        "stop" => Event::Stop,
        "remove" => Event::Remove,
        "config-changed" => Event::ConfigChanged,
        "upgrade-charm" => Event::UpgradeCharm,
        "update-status" => Event::UpdateStatus,
        "leader-elected" => Event::LeaderElected,
        "leader-settings-changed" => Event::LeaderSettingsChanged,
        "secret-changed" => Event::SecretChanged(secret_event(env)?),
        "secret-rotate" => Event::SecretRotate(secret_event(env)?),
        "secret-expired" => Event::SecretExpired(secret_revision_event(env)?),
        "secret-remove" => Event::SecretRemove(secret_revision_event(env)?),
        other => match relation_kind(other) {
            Some(kind) => relation_event(env, other, kind)?,
            None => Event::Unknown(other.to_owned()),
        },
    };
    Ok(event)
}

/// The relation hook kind, if `hook` ends in `-relation-<kind>` after a non-empty endpoint.
fn relation_kind(hook: &str) -> Option<&'static str> {
    RELATION_KINDS.into_iter().find(|kind| {
        hook.strip_suffix(kind)
            .and_then(|rest| rest.strip_suffix("-relation-"))
            .is_some_and(|endpoint| !endpoint.is_empty())
    })
}

fn relation_event(env: &Env<'_>, hook: &str, kind: &str) -> Result<Event, Error> {
    let endpoint = env.required("JUJU_RELATION")?;
    if hook != format!("{endpoint}-relation-{kind}") {
        return Err(malformed(
            "JUJU_RELATION",
            endpoint,
            format!("hook {hook:?} is not a relation hook of this endpoint"),
        ));
    }
    let id_text = env.required("JUJU_RELATION_ID")?;
    let relation = match id_text.parse::<u32>() {
        // Some old agents exported a bare number.
        Ok(number) => RelationId::new(endpoint, number)
            .map_err(|e| malformed("JUJU_RELATION", endpoint, e.to_string()))?,
        Err(_) => RelationId::parse(id_text)
            .map_err(|reason| malformed("JUJU_RELATION_ID", id_text, reason.to_string()))?,
    };
    if relation.endpoint() != endpoint {
        return Err(malformed(
            "JUJU_RELATION_ID",
            id_text,
            format!("does not belong to endpoint {endpoint:?}"),
        ));
    }
    let remote_app = env.optional("JUJU_REMOTE_APP").map(str::to_owned);
    let remote_unit = env.parse_optional("JUJU_REMOTE_UNIT", UnitName::parse)?;
    let departing_unit = if kind == "departed" {
        env.parse_optional("JUJU_DEPARTING_UNIT", UnitName::parse)?
    } else {
        None
    };
    let details = RelationEvent {
        relation,
        remote_app,
        remote_unit,
        departing_unit,
    };
    Ok(match kind {
        "created" => Event::RelationCreated(details),
        "joined" => Event::RelationJoined(details),
        "changed" => Event::RelationChanged(details),
        "departed" => Event::RelationDeparted(details),
        _ => Event::RelationBroken(details),
    })
}

fn secret_event(env: &Env<'_>) -> Result<SecretEvent, Error> {
    Ok(SecretEvent {
        id: env.parse("JUJU_SECRET_ID", SecretId::parse)?,
        label: env.optional("JUJU_SECRET_LABEL").map(str::to_owned),
        revision: env.parse_optional("JUJU_SECRET_REVISION", parse_revision)?,
    })
}

fn secret_revision_event(env: &Env<'_>) -> Result<SecretRevisionEvent, Error> {
    Ok(SecretRevisionEvent {
        id: env.parse("JUJU_SECRET_ID", SecretId::parse)?,
        label: env.optional("JUJU_SECRET_LABEL").map(str::to_owned),
        revision: env.parse("JUJU_SECRET_REVISION", parse_revision)?,
    })
}
