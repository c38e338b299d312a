//! A small reader for the subset of YAML that `charmcraft.yaml` / `metadata.yaml` use: block
//! mappings and sequences, flow `[..]` and `{..}` of scalars, quoted and plain scalars, block
//! scalars (`|`, `>`), comments. Anchors, tags and multi-document files are not supported and
//! are reported as errors (or read as plain text), never a panic.

use serde_json::{Map, Number, Value};

#[derive(Debug, Clone)]
struct Line {
    number: usize,
    indent: usize,
    text: String,
}

/// Parses `text` into a JSON value.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let raw: Vec<&str> = text.lines().collect();
    let mut lines = Vec::new();
    let mut i = 0;
    while let Some(line) = raw.get(i) {
        i += 1;
        let stripped = strip_comment(line);
        let trimmed = stripped.trim_end();
        if trimmed.trim().is_empty() || trimmed.trim() == "---" {
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        if trimmed.get(..indent).is_some_and(|p| p.contains('\t')) {
            return Err(format!("line {i}: tabs are not allowed for indentation"));
        }
        let content = trimmed.trim_start().to_owned();
        // Block scalars: gather the more-indented raw lines that follow.
        let block_style = content
            .rsplit_once(": ")
            .map(|(_, r)| r.trim())
            .or_else(|| content.strip_prefix("- ").map(str::trim))
            .filter(|r| matches!(*r, "|" | ">" | "|-" | ">-" | "|+" | ">+"));
        if let Some(style) = block_style {
            let mut body: Vec<String> = Vec::new();
            let mut body_indent: Option<usize> = None;
            while let Some(next) = raw.get(i) {
                let blank = next.trim().is_empty();
                let n_indent = next.len() - next.trim_start().len();
                if !blank && n_indent <= indent {
                    break;
                }
                if !blank && body_indent.is_none() {
                    body_indent = Some(n_indent);
                }
                let cut = body_indent.unwrap_or(0).min(next.len());
                body.push(if blank {
                    String::new()
                } else {
                    next.get(cut..).unwrap_or_default().to_owned()
                });
                i += 1;
            }
            while body.last().is_some_and(|l| l.trim().is_empty()) {
                body.pop();
            }
            let joined = if style.starts_with('>') {
                body.join(" ")
            } else {
                body.join("\n")
            };
            let value = if style.ends_with('-') {
                joined
            } else {
                joined + "\n"
            };
            let prefix_len = content.len() - style.len();
            let head = content.get(..prefix_len).unwrap_or_default();
            lines.push(Line {
                number: i,
                indent,
                text: format!("{head}{}", quote_double(&value)),
            });
            continue;
        }
        lines.push(Line {
            number: i,
            indent,
            text: content,
        });
    }
    let mut pos = 0;
    let Some(first) = lines.first() else {
        return Ok(Value::Null);
    };
    let indent = first.indent;
    let value = parse_block(&mut lines, &mut pos, indent)?;
    if let Some(extra) = lines.get(pos) {
        return Err(format!("line {}: unexpected indentation", extra.number));
    }
    Ok(value)
}

fn quote_double(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Removes a `#` comment that is outside quotes and starts a line or follows whitespace.
fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && prev_space => quote = Some(c),
            None if c == '#' && prev_space => break,
            None => {}
        }
        prev_space = c.is_whitespace() || (quote.is_none() && matches!(c, '[' | '{' | ','));
        out.push(c);
    }
    out
}

fn is_seq_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn parse_block(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Value, String> {
    let Some(first) = lines.get(*pos) else {
        return Ok(Value::Null);
    };
    if is_seq_item(&first.text) {
        parse_seq(lines, pos, indent)
    } else {
        parse_map(lines, pos, indent)
    }
}

fn parse_seq(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Value, String> {
    let mut items = Vec::new();
    while let Some(line) = lines.get(*pos) {
        if line.indent != indent || !is_seq_item(&line.text) {
            break;
        }
        let rest = line
            .text
            .get(1..)
            .unwrap_or_default()
            .trim_start()
            .to_owned();
        let number = line.number;
        if rest.is_empty() {
            *pos += 1;
            match lines.get(*pos) {
                Some(next) if next.indent > indent => {
                    let ni = next.indent;
                    items.push(parse_block(lines, pos, ni)?);
                }
                _ => items.push(Value::Null),
            }
        } else if split_key(&rest).is_some() && !rest.starts_with(['"', '\'', '[', '{']) {
            // `- key: value` starts a mapping indented at the text's column.
            let col = indent + (line.text.len() - rest.len());
            if let Some(l) = lines.get_mut(*pos) {
                l.indent = col;
                l.text = rest;
            }
            items.push(parse_map(lines, pos, col)?);
        } else {
            items.push(parse_inline(&rest).map_err(|e| format!("line {number}: {e}"))?);
            *pos += 1;
        }
    }
    Ok(Value::Array(items))
}

/// Splits `key: value` (or `key:`) at the first `:` followed by a space or the end, outside
/// quotes.
fn split_key(text: &str) -> Option<(String, String)> {
    let mut quote: Option<char> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, (idx, c)) in chars.iter().enumerate() {
        match quote {
            Some(q) if *c == q => quote = None,
            Some(_) => {}
            None if (*c == '"' || *c == '\'') && n == 0 => quote = Some(*c),
            None if *c == ':' => {
                let next = chars.get(n + 1).map(|(_, c)| *c);
                if next.is_none() || next == Some(' ') {
                    let key = text.get(..*idx).unwrap_or_default().trim();
                    let value = text.get(idx + 1..).unwrap_or_default().trim();
                    return Some((unquote(key), value.to_owned()));
                }
            }
            None => {}
        }
    }
    None
}

fn parse_map(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Value, String> {
    let mut map = Map::new();
    while let Some(line) = lines.get(*pos) {
        if line.indent < indent {
            break;
        }
        let number = line.number;
        if line.indent > indent {
            return Err(format!("line {number}: unexpected indentation"));
        }
        if is_seq_item(&line.text) {
            break;
        }
        let (key, rest) = split_key(&line.text)
            .ok_or_else(|| format!("line {number}: expected `key: value`, got {:?}", line.text))?;
        *pos += 1;
        let value = if rest.is_empty() {
            match lines.get(*pos) {
                Some(next) if next.indent > indent => {
                    let ni = next.indent;
                    parse_block(lines, pos, ni)?
                }
                Some(next) if next.indent == indent && is_seq_item(&next.text) => {
                    parse_seq(lines, pos, indent)?
                }
                _ => Value::Null,
            }
        } else {
            parse_inline(&rest).map_err(|e| format!("line {number}: {e}"))?
        };
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        return s.get(1..s.len() - 1).unwrap_or_default().replace("''", "'");
    }
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        let inner = s.get(1..s.len() - 1).unwrap_or_default();
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    s.to_owned()
}

/// Splits flow content at top-level commas.
fn split_flow(inner: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in inner.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            },
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
}

fn parse_inline(s: &str) -> Result<Value, String> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("unterminated flow sequence {s:?}"))?;
        return split_flow(inner)
            .iter()
            .map(|p| parse_inline(p))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Some(inner) = s.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or_else(|| format!("unterminated flow mapping {s:?}"))?;
        let mut map = Map::new();
        for part in split_flow(inner) {
            let (k, v) = split_key(part.trim())
                .ok_or_else(|| format!("expected `key: value` in {part:?}"))?;
            map.insert(
                k,
                if v.is_empty() {
                    Value::Null
                } else {
                    parse_inline(&v)?
                },
            );
        }
        return Ok(Value::Object(map));
    }
    if s.starts_with(['"', '\'']) {
        return Ok(Value::String(unquote(s)));
    }
    if s.starts_with(['&', '*', '!']) {
        return Err(format!(
            "anchors, aliases and tags are not supported: {s:?}"
        ));
    }
    Ok(match s {
        "null" | "Null" | "NULL" | "~" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Number(i.into())
            } else if let Some(n) = s
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && s.contains('.'))
                .and_then(Number::from_f64)
            {
                Value::Number(n)
            } else {
                Value::String(s.to_owned())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parse;

    #[test]
    fn given_charmcraft_like_yaml_when_parsed_then_maps_sequences_and_scalars_come_out() {
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
      accept-tos: {type: boolean, default: false}
    required: [accept-tos]
links:
  - name: a
    url: 'it''s'
"#;
        let v = parse(text).unwrap();
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
            v["actions"]["get-ca-certificate"]["required"],
            json!(["accept-tos"])
        );
        assert_eq!(v["links"], json!([{"name": "a", "url": "it's"}]));
    }

    #[test]
    fn given_malformed_yaml_when_parsed_then_an_error_not_a_panic() {
        for bad in [
            "a: [1, 2",
            "a:\n    b: 1\n  c: 2",
            "just text",
            "a: *alias",
            "\tkey: 1",
            "a: {b}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        for odd in [
            "",
            "# only a comment",
            "-",
            "- - x",
            "a: |",
            ":",
            "'",
            "a: 'unterminated",
        ] {
            let _ = parse(odd);
        }
    }
}
