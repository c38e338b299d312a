//! What the simulator needs to know about a charm: endpoints, config options, actions.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// The role of an endpoint in a charm's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Declared under `peers`: the relation is between units of one application.
    Peer,
    /// Declared under `provides`.
    Provides,
    /// Declared under `requires`.
    Requires,
}

/// One endpoint (`interface`, `limit`) of a charm.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Endpoint {
    /// The interface name, e.g. `tls-certificates`.
    pub interface: String,
    /// Juju's `limit`: how many relations this endpoint accepts (`None`: unlimited).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One config option of a charm (`config.options.<name>` in `charmcraft.yaml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConfigOption {
    /// `string`, `int`, `float`, `boolean` or `secret`.
    #[serde(rename = "type", default = "string_type")]
    pub kind: String,
    /// The default value, if any.
    #[serde(default)]
    pub default: Option<Value>,
    /// Human description.
    #[serde(default)]
    pub description: Option<String>,
}

fn string_type() -> String {
    "string".to_owned()
}

/// The part of a charm's `charmcraft.yaml` that the simulator uses.
///
/// Build it in code with the builder methods, or deserialize it from the JSON form of the
/// unified `charmcraft.yaml` (`name`, `provides`, `requires`, `peers`, `config.options`,
/// `actions`) with [`CharmMeta::from_json`].
///
/// ```
/// use juju_sim::CharmMeta;
/// let meta = CharmMeta::new("tls-requirer")
///     .requires("certificates", "tls-certificates")
///     .config_option("common_name", "string", Some("banana".into()))
///     .action("get-certificate");
/// assert_eq!(meta.config_defaults()["common_name"], "banana");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CharmMeta {
    /// The charm name.
    pub name: String,
    /// Endpoints under `provides`.
    #[serde(default)]
    pub provides: BTreeMap<String, Endpoint>,
    /// Endpoints under `requires`.
    #[serde(default)]
    pub requires: BTreeMap<String, Endpoint>,
    /// Endpoints under `peers`.
    #[serde(default)]
    pub peers: BTreeMap<String, Endpoint>,
    /// `config.options`.
    #[serde(default)]
    pub config: ConfigSection,
    /// Action names and their parameters' defaults.
    #[serde(default)]
    pub actions: BTreeMap<String, ActionSpec>,
    /// `extra-bindings`: names `network-get` answers besides the endpoints (values unused).
    #[serde(default, rename = "extra-bindings")]
    pub extra_bindings: BTreeMap<String, Value>,
}

/// The `config:` section of `charmcraft.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ConfigSection {
    /// The options by name.
    #[serde(default)]
    pub options: BTreeMap<String, ConfigOption>,
}

/// One action of a charm.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ActionSpec {
    /// Parameters as a JSON schema (`{"name": {"type": ..., "default": ...}}`).
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

impl CharmMeta {
    /// An empty charm called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Parses the JSON form of a unified `charmcraft.yaml`.
    ///
    /// # Errors
    /// [`Error::InvalidMetadata`] when the JSON does not have the expected shape.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| Error::InvalidMetadata(e.to_string()))
    }

    /// Reads a unified `charmcraft.yaml` (or a `metadata.yaml`): `name`, `provides`,
    /// `requires`, `peers`, `extra-bindings`, `config.options` (with defaults) and `actions`; other keys are
    /// ignored. Plain scalars resolve as Juju's YAML parser (go-yaml v2) resolves them.
    ///
    /// ```
    /// use juju_sim::CharmMeta;
    /// let meta = CharmMeta::from_charmcraft_yaml(
    ///     "name: app\nrequires:\n  certificates:\n    interface: tls-certificates\n    limit: 1\n\
    ///      config:\n  options:\n    common-name: {type: string, default: banana}\n",
    /// ).unwrap();
    /// assert_eq!(meta.requires["certificates"].limit, Some(1));
    /// assert_eq!(meta.config_defaults()["common-name"], "banana");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidMetadata`] for malformed YAML or an unexpected shape.
    pub fn from_charmcraft_yaml(text: &str) -> Result<Self> {
        let mut value = crate::yaml::to_json(text).map_err(Error::InvalidMetadata)?;
        // `endpoint:` / `action:` with no body means an empty mapping.
        for section in ["provides", "requires", "peers", "actions"] {
            if let Some(Value::Object(entries)) = value.get_mut(section) {
                for v in entries.values_mut() {
                    if v.is_null() {
                        *v = Value::Object(serde_json::Map::new());
                    }
                }
            }
        }
        serde_json::from_value(value).map_err(|e| Error::InvalidMetadata(e.to_string()))
    }

    /// Reads a charm directory: `charmcraft.yaml` if present, else `metadata.yaml` plus
    /// `config.yaml` and `actions.yaml` (what `charmcraft pack` produces).
    ///
    /// # Errors
    /// [`Error::InvalidMetadata`] when no metadata file can be read or parsed.
    pub fn from_charm_dir(dir: &std::path::Path) -> Result<Self> {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        if let Some(text) = read("charmcraft.yaml") {
            return Self::from_charmcraft_yaml(&text);
        }
        let text = read("metadata.yaml").ok_or_else(|| {
            Error::InvalidMetadata(format!(
                "no charmcraft.yaml or metadata.yaml in {}",
                dir.display()
            ))
        })?;
        let mut meta = Self::from_charmcraft_yaml(&text)?;
        if let Some(config) = read("config.yaml") {
            let wrapped =
                Self::from_charmcraft_yaml(&format!("name: x\nconfig:\n{}", indent(&config)))?;
            meta.config = wrapped.config;
        }
        if let Some(actions) = read("actions.yaml") {
            let wrapped =
                Self::from_charmcraft_yaml(&format!("name: x\nactions:\n{}", indent(&actions)))?;
            meta.actions = wrapped.actions;
        }
        Ok(meta)
    }

    /// Adds a `provides` endpoint.
    #[must_use]
    pub fn provides(mut self, endpoint: &str, interface: &str) -> Self {
        self.provides
            .insert(endpoint.to_owned(), endpoint_of(interface));
        self
    }

    /// Adds a `requires` endpoint.
    #[must_use]
    pub fn requires(mut self, endpoint: &str, interface: &str) -> Self {
        self.requires
            .insert(endpoint.to_owned(), endpoint_of(interface));
        self
    }

    /// Adds a `peers` endpoint.
    #[must_use]
    pub fn peer(mut self, endpoint: &str, interface: &str) -> Self {
        self.peers
            .insert(endpoint.to_owned(), endpoint_of(interface));
        self
    }

    /// Adds a config option with an optional default.
    #[must_use]
    pub fn config_option(mut self, name: &str, kind: &str, default: Option<Value>) -> Self {
        self.config.options.insert(
            name.to_owned(),
            ConfigOption {
                kind: kind.to_owned(),
                default,
                description: None,
            },
        );
        self
    }

    /// Adds an action without parameters.
    #[must_use]
    pub fn action(mut self, name: &str) -> Self {
        self.actions.insert(name.to_owned(), ActionSpec::default());
        self
    }

    /// Adds an `extra-bindings` name (a binding `network-get` answers that is no endpoint).
    #[must_use]
    pub fn extra_binding(mut self, name: &str) -> Self {
        self.extra_bindings.insert(name.to_owned(), Value::Null);
        self
    }

    /// Whether `network-get` knows `name`: an endpoint, an `extra-bindings` name, or the
    /// `juju-info` endpoint every charm provides implicitly.
    pub fn has_binding(&self, name: &str) -> bool {
        name == "juju-info"
            || self.endpoint(name).is_some()
            || self.extra_bindings.contains_key(name)
    }

    /// The endpoint called `name`, with its role.
    pub fn endpoint(&self, name: &str) -> Option<(Role, &Endpoint)> {
        self.provides
            .get(name)
            .map(|e| (Role::Provides, e))
            .or_else(|| self.requires.get(name).map(|e| (Role::Requires, e)))
            .or_else(|| self.peers.get(name).map(|e| (Role::Peer, e)))
    }

    /// The config options that have a non-null default, with that default.
    pub fn config_defaults(&self) -> BTreeMap<String, Value> {
        self.config
            .options
            .iter()
            .filter_map(|(k, o)| match &o.default {
                Some(v) if !v.is_null() => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect()
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn endpoint_of(interface: &str) -> Endpoint {
    Endpoint {
        interface: interface.to_owned(),
        limit: None,
    }
}
