//! YAML input, read the way Juju reads it.
//!
//! Parsing is done by `saphyr-parser` (a YAML 1.2 event parser tested against the YAML test
//! suite); this module builds a small tree from its events and interprets it:
//!
//! * [`string_map`]: what Juju's `goyaml.Unmarshal(data, &map[string]string{})` makes of a
//!   `--file` given to `relation-set`, `state-set` and `secret-add`/`secret-set` (Juju
//!   `worker/uniter/runner/jujuc/relation-set.go` `readSettings`, `state-set.go`,
//!   `core/secrets/createsecret.go` `ReadSecretData`). go-yaml v2 sets a string target from the
//!   scalar's text whatever it resolves to (`1.50` stays `1.50`, `true` stays `true`), a null
//!   (`~`, `null`, empty) becomes `""`, `!!binary` is decoded, and a mapping or sequence where a
//!   string is expected is an error (`cannot unmarshal !!map into string`).
//! * [`to_json`]: `charmcraft.yaml` / `metadata.yaml` as JSON, plain scalars resolved as go-yaml
//!   v2 resolves them (null, booleans including `yes`/`no`/`on`/`off`, integers, floats).
//!
//! Anchors and aliases are followed, merge keys (`<<`) merge, multi-document input uses the
//! first document. Malformed input is an error with a line number, never a panic.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

/// A parsed YAML node.
#[derive(Debug, Clone)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
        line: usize,
    },
    Seq {
        items: Vec<Self>,
        line: usize,
    },
    Map {
        entries: Vec<(Self, Self)>,
        line: usize,
    },
}

impl Node {
    fn line(&self) -> usize {
        match self {
            Self::Scalar { line, .. } | Self::Seq { line, .. } | Self::Map { line, .. } => *line,
        }
    }

    /// go-yaml's name of the node's kind, as its error messages print it.
    fn kind(&self) -> &'static str {
        match self {
            Self::Scalar { .. } => "!!str",
            Self::Seq { .. } => "!!seq",
            Self::Map { .. } => "!!map",
        }
    }

    /// Whether the node is go-yaml's null: a plain `~`, `null`, `Null`, `NULL` or nothing.
    fn is_null(&self) -> bool {
        matches!(self, Self::Scalar { text, plain: true, tag: None, .. }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// Builds the first document of `text` as a tree (`None` for an empty stream).
fn document(text: &str) -> Result<Option<Node>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    // Open collections: the node being built and, for mappings, a pending key.
    let mut stack: Vec<(Node, Option<Node>, usize)> = Vec::new();
    loop {
        let Some(next) = parser.next_event() else {
            return Ok(None);
        };
        let (event, span) = next.map_err(|e| e.to_string())?;
        let line = span.start.line();
        let (node, anchor) = match event {
            Event::StreamEnd | Event::DocumentEnd if stack.is_empty() => return Ok(None),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => continue,
            Event::Alias(id) => (
                anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| format!("line {line}: unknown anchor"))?,
                0,
            ),
            Event::Scalar(value, style, anchor, tag) => (
                Node::Scalar {
                    text: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    line,
                },
                anchor,
            ),
            Event::SequenceStart(anchor, _) => {
                stack.push((
                    Node::Seq {
                        items: Vec::new(),
                        line,
                    },
                    None,
                    anchor,
                ));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push((
                    Node::Map {
                        entries: Vec::new(),
                        line,
                    },
                    None,
                    anchor,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _, anchor) = stack
                    .pop()
                    .ok_or_else(|| format!("line {line}: unbalanced collection"))?;
                (node, anchor)
            }
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => return Ok(Some(node)),
            Some((Node::Seq { items, .. }, _, _)) => items.push(node),
            Some((Node::Map { entries, .. }, pending, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
            Some((Node::Scalar { .. }, _, _)) => {
                return Err(format!("line {line}: scalar cannot hold children"));
            }
        }
    }
}

/// The entries of a mapping with merge keys (`<<: *base`) applied, later keys winning.
fn merged(entries: &[(Node, Node)]) -> Vec<(&Node, &Node)> {
    let mut out = Vec::new();
    for (k, v) in entries {
        let merge = matches!(k, Node::Scalar { text, plain: true, .. } if text == "<<");
        match (merge, v) {
            (true, Node::Map { entries, .. }) => out.extend(merged(entries)),
            (true, Node::Seq { items, .. }) => {
                for item in items {
                    if let Node::Map { entries, .. } = item {
                        out.extend(merged(entries));
                    }
                }
            }
            _ => out.push((k, v)),
        }
    }
    out
}

/// A scalar as go-yaml v2 sets a Go string from it.
fn scalar_text(node: &Node) -> Result<String, String> {
    match node {
        _ if node.is_null() => Ok(String::new()),
        Node::Scalar { text, tag, .. } if tag.as_deref() == Some("tag:yaml.org,2002:binary") => {
            use base64::Engine as _;
            let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|e| {
                    format!(
                        "line {}: !!binary value contains invalid base64 data: {e}",
                        node.line()
                    )
                })?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
        Node::Scalar { text, .. } => Ok(text.clone()),
        other => Err(format!(
            "line {}: cannot unmarshal {} into string",
            other.line(),
            other.kind()
        )),
    }
}

/// `text` read as go-yaml v2 reads it into a Go `map[string]string` (see the module docs).
/// Later duplicate keys win.
///
/// # Errors
/// A YAML syntax error, a document that is not a mapping, or a value that is not a scalar.
pub(crate) fn string_map(text: &str) -> Result<BTreeMap<String, String>, String> {
    let Some(root) = document(text)? else {
        return Ok(BTreeMap::new());
    };
    if root.is_null() {
        return Ok(BTreeMap::new());
    }
    let Node::Map { entries, .. } = &root else {
        let shown = match &root {
            Node::Scalar { text, .. } => {
                let short: String = text.chars().take(10).collect();
                format!("!!str `{short}`")
            }
            other => other.kind().to_owned(),
        };
        return Err(format!(
            "line {}: cannot unmarshal {shown} into map[string]string",
            root.line()
        ));
    };
    merged(entries)
        .into_iter()
        .map(|(k, v)| Ok((scalar_text(k)?, scalar_text(v)?)))
        .collect()
}

/// `text` as JSON, plain scalars resolved as go-yaml v2 does (see the module docs).
///
/// # Errors
/// A YAML syntax error, or a mapping key that is not a scalar.
pub(crate) fn to_json(text: &str) -> Result<Value, String> {
    document(text)?.map_or(Ok(Value::Null), |n| json_of(&n))
}

fn json_of(node: &Node) -> Result<Value, String> {
    Ok(match node {
        Node::Scalar {
            text, plain, tag, ..
        } => match tag.as_deref() {
            Some("tag:yaml.org,2002:str") => Value::String(text.clone()),
            _ if *plain => resolve_plain(text),
            _ => Value::String(text.clone()),
        },
        Node::Seq { items, .. } => {
            Value::Array(items.iter().map(json_of).collect::<Result<_, _>>()?)
        }
        Node::Map { entries, .. } => {
            let mut map = Map::new();
            for (k, v) in merged(entries) {
                let key = match k {
                    Node::Scalar { .. } => scalar_text(k)?,
                    other => {
                        return Err(format!(
                            "line {}: a {} cannot be a mapping key",
                            other.line(),
                            other.kind()
                        ));
                    }
                };
                map.insert(key, json_of(v)?);
            }
            Value::Object(map)
        }
    })
}

/// go-yaml v2's resolution of a plain scalar (`resolve.go`): YAML 1.1 booleans and nulls,
/// integers (decimal, `0x`, `0o`/leading-zero octal, `0b`, `_` separators) and floats.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.strip_prefix('+').unwrap_or(&plain)),
    };
    let radix = if let Some(hex) = digits.strip_prefix("0x") {
        Some((hex, 16))
    } else if let Some(bin) = digits.strip_prefix("0b") {
        Some((bin, 2))
    } else if let Some(oct) = digits.strip_prefix("0o") {
        Some((oct, 8))
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        digits.get(1..).map(|oct| (oct, 8))
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Some((digits, 10))
    } else {
        None
    };
    if let Some((body, radix)) = radix
        && let Ok(n) = i64::from_str_radix(body, radix)
    {
        return Value::Number(Number::from(if negative { -n } else { n }));
    }
    let looks_float = plain.bytes().any(|b| b.is_ascii_digit())
        && plain
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if looks_float && let Some(n) = plain.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{string_map, to_json};

    #[test]
    fn given_charmcraft_like_yaml_when_read_then_maps_sequences_and_scalars_come_out() {
        let text = r#"
name: tls-requirer   # a comment
type: charm
description: |
  Line one.
  Line two.
platforms:
  amd64:
assumes:
  - juju >= 3.6
requires:
  certificates:
    interface: tls-certificates
    limit: 1
config:
  options:
    common_name: {type: string, default: "banana", description: Certificate common name}
    port: {type: int, default: 8080}
    ratio:
      type: float
      default: 0.5
    flag:
      type: boolean
      default: false
actions:
  get-ca-certificate:
    params:
      accept-tos: {type: boolean, default: no}
    required: [accept-tos]
links:
  - name: a
    url: 'it''s'
"#;
        let v = to_json(text).unwrap();
        assert_eq!(v["name"], "tls-requirer");
        assert_eq!(v["description"], "Line one.\nLine two.\n");
        assert_eq!(v["platforms"]["amd64"], json!(null));
        assert_eq!(v["assumes"], json!(["juju >= 3.6"]));
        assert_eq!(v["requires"]["certificates"]["limit"], 1);
        assert_eq!(v["config"]["options"]["common_name"]["default"], "banana");
        assert_eq!(v["config"]["options"]["port"]["default"], 8080);
        assert_eq!(v["config"]["options"]["ratio"]["default"], 0.5);
        assert_eq!(v["config"]["options"]["flag"]["default"], false);
        assert_eq!(
            v["actions"]["get-ca-certificate"]["params"]["accept-tos"]["default"], false,
            "go-yaml v2 reads YAML 1.1 booleans"
        );
        assert_eq!(
            v["actions"]["get-ca-certificate"]["required"],
            json!(["accept-tos"])
        );
        assert_eq!(v["links"], json!([{"name": "a", "url": "it's"}]));
    }

    #[test]
    fn given_go_yaml_v2_scalar_rules_when_read_into_a_string_map_then_text_is_kept_and_null_is_empty()
     {
        let m = string_map(
            "a: 1.50\nb: true\nc: ~\nd:\ne: 0x10\nf: 'quoted: yes'\ng: !!binary aGVsbG8=\nh: \"x\\ty\"\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("a", "1.50"),
                ("b", "true"),
                ("c", ""),
                ("d", ""),
                ("e", "0x10"),
                ("f", "quoted: yes"),
                ("g", "hello"),
                ("h", "x\ty"),
            ]
        );
        // JSON is YAML.
        let j = string_map(r#"{"a":"b","c":"d"}"#).unwrap();
        assert_eq!(j["a"], "b");
        assert_eq!(j["c"], "d");
        // Anchors, aliases and merge keys.
        let m = string_map("base: &b shared\nx: *b\n").unwrap();
        assert_eq!(m["x"], "shared");
        assert!(string_map("").unwrap().is_empty());
        assert!(string_map("~").unwrap().is_empty());
    }

    #[test]
    fn given_non_string_values_when_read_into_a_string_map_then_go_yaml_v2_errors_are_given() {
        for (bad, message) in [
            ("a:\n  b: c\n", "cannot unmarshal !!map into string"),
            ("a: [1, 2]\n", "cannot unmarshal !!seq into string"),
            (
                "- a\n- b\n",
                "cannot unmarshal !!seq into map[string]string",
            ),
            (
                "just text",
                "cannot unmarshal !!str `just text` into map[string]string",
            ),
        ] {
            let err = string_map(bad).unwrap_err();
            assert!(err.contains(message), "{bad:?}: {err}");
        }
    }

    #[test]
    fn given_malformed_yaml_when_read_then_an_error_not_a_panic() {
        for bad in [
            "a: [1, 2",
            "a:\n    b: 1\n  c: 2",
            "a: *alias",
            "a: 'unterminated",
        ] {
            assert!(to_json(bad).is_err(), "{bad:?}");
            assert!(string_map(bad).is_err(), "{bad:?}");
        }
        for odd in [
            "",
            "\tkey: 1",
            "# only a comment",
            "-",
            "- - x",
            "a: |",
            ":",
            "'",
            "---\n...\n",
        ] {
            let _ = to_json(odd);
            let _ = string_map(odd);
        }
    }
}
