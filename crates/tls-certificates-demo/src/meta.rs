//! The charms' `charmcraft.yaml`, read into [`juju_sim::CharmMeta`].
//!
//! The workspace has no YAML parser, and the simulator only needs endpoints, config options and
//! actions. This reads the block-style subset our two `charmcraft.yaml` files use (nested
//! `key: value` maps, plain / quoted scalars, `|` block scalars and `- ` lists, which are
//! skipped) into JSON, then into [`CharmMeta`] with [`CharmMeta::from_json`].

use juju_sim::CharmMeta;
use serde_json::{Map, Value};

use crate::DemoError;

/// The requirer charm's `charmcraft.yaml`.
pub const REQUIRER_YAML: &str =
    include_str!("../../../charms/tls-certificates-requirer/charmcraft.yaml");
/// The provider charm's `charmcraft.yaml`.
pub const PROVIDER_YAML: &str =
    include_str!("../../../charms/self-signed-certificates/charmcraft.yaml");
/// The requirer charm's `dispatch`.
pub const REQUIRER_DISPATCH: &str =
    include_str!("../../../charms/tls-certificates-requirer/dispatch");
/// The provider charm's `dispatch`.
pub const PROVIDER_DISPATCH: &str =
    include_str!("../../../charms/self-signed-certificates/dispatch");

/// The requirer charm's metadata.
///
/// # Errors
/// [`DemoError::Metadata`] if the embedded YAML does not have the expected shape.
pub fn requirer_meta() -> Result<CharmMeta, DemoError> {
    charm_meta(REQUIRER_YAML)
}

/// The provider charm's metadata.
///
/// # Errors
/// [`DemoError::Metadata`] if the embedded YAML does not have the expected shape.
pub fn provider_meta() -> Result<CharmMeta, DemoError> {
    charm_meta(PROVIDER_YAML)
}

/// Reads a `charmcraft.yaml` (the subset described in the module docs) into [`CharmMeta`].
///
/// # Errors
/// [`DemoError::Metadata`] if the text does not have the expected shape.
pub fn charm_meta(yaml: &str) -> Result<CharmMeta, DemoError> {
    let json = yaml_subset_to_json(yaml)?;
    CharmMeta::from_json(&json.to_string()).map_err(|e| DemoError::Metadata(e.to_string()))
}

fn scalar(text: &str) -> Value {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Value::String(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Value::String(inner.replace("''", "'"));
    }
    match t {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "" | "null" | "~" => return Value::Null,
        _ => {}
    }
    if let Ok(n) = t.parse::<i64>() {
        return Value::from(n);
    }
    Value::String(t.to_owned())
}

/// Converts the block-style YAML subset to a JSON object.
fn yaml_subset_to_json(yaml: &str) -> Result<Value, DemoError> {
    // Stack of (indent of the keys in this map, the map, the key it goes under in its parent).
    let mut stack: Vec<(usize, Map<String, Value>, String)> = vec![(0, Map::new(), String::new())];
    let mut skip_deeper_than: Option<usize> = None;
    for (number, raw) in yaml.lines().enumerate() {
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if let Some(limit) = skip_deeper_than {
            if indent > limit {
                continue;
            }
            skip_deeper_than = None;
        }
        if content.starts_with("- ") || content == "-" {
            // List items (assumes, build snaps): not needed by the simulator.
            continue;
        }
        let Some((key, rest)) = content.split_once(':') else {
            return Err(DemoError::Metadata(format!(
                "line {}: expected `key: value`: {content:?}",
                number + 1
            )));
        };
        let key = key.trim().to_owned();
        let rest = rest.trim();
        while stack.len() > 1 && stack.last().is_some_and(|(i, _, _)| indent < *i) {
            close(&mut stack);
        }
        if rest.is_empty() {
            // A nested map follows (its keys are indented more than this one).
            stack.push((indent + 1, Map::new(), key));
            continue;
        }
        let value =
            if rest == "|" || rest == ">" || rest.starts_with("|-") || rest.starts_with(">-") {
                skip_deeper_than = Some(indent);
                Value::String(String::new())
            } else {
                scalar(rest)
            };
        if let Some((_, map, _)) = stack.last_mut() {
            map.insert(key, value);
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    Ok(Value::Object(
        stack.pop().map(|(_, m, _)| m).unwrap_or_default(),
    ))
}

/// Closes the innermost map into its parent. A nested map's indent is only known at its first
/// key; `indent + 1` above is a lower bound, so the first key fixes it.
fn close(stack: &mut Vec<(usize, Map<String, Value>, String)>) {
    if let Some((_, map, key)) = stack.pop()
        && let Some((_, parent, _)) = stack.last_mut()
    {
        parent.insert(key, Value::Object(map));
    }
}

#[cfg(test)]
mod tests {
    use juju_sim::Role;

    use super::*;

    #[test]
    fn requirer_yaml_gives_endpoint_config_defaults_and_actions() {
        let meta = requirer_meta().unwrap();
        assert_eq!(meta.name, "tls-certificates-requirer");
        let (role, endpoint) = meta.endpoint("certificates").unwrap();
        assert_eq!(role, Role::Requires);
        assert_eq!(endpoint.interface, "tls-certificates");
        assert_eq!(endpoint.limit, Some(1));
        let defaults = meta.config_defaults();
        assert_eq!(defaults["mode"], "unit");
        assert_eq!(defaults["key-algorithm"], "rsa2048");
        assert_eq!(defaults["is-ca"], false);
        for action in [
            "get-certificate",
            "get-private-key-secret-id",
            "regenerate-private-key",
            "renew-certificates",
            "get-request-errors",
        ] {
            assert!(meta.actions.contains_key(action), "{action}");
        }
    }

    #[test]
    fn provider_yaml_gives_defaults_of_the_upstream_operator() {
        let meta = provider_meta().unwrap();
        assert_eq!(meta.endpoint("certificates").unwrap().0, Role::Provides);
        let defaults = meta.config_defaults();
        assert_eq!(
            defaults["ca-common-name"],
            "self-signed-certificates-operator"
        );
        assert_eq!(defaults["root-ca-validity"], "365d");
        assert_eq!(defaults["certificate-validity"], "90d");
        assert_eq!(defaults["certificate-limit"], 99);
        assert!(meta.actions.contains_key("rotate-private-key"));
    }

    #[test]
    fn nested_maps_close_at_the_right_level() {
        let json = yaml_subset_to_json(
            "a:\n  b:\n    c: 1\n  d: \"x: y\"\ne: |\n  text\n  more\nf: false\n",
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"a": {"b": {"c": 1}, "d": "x: y"}, "e": "", "f": false})
        );
    }
}
