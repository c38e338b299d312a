//! Tool output, byte for byte as Juju's hook tools print it.
//!
//! Juju's tools write their result through `juju/cmd`'s `Output` (`output.go`), with a
//! `--format` chosen per tool from `smart`, `yaml` and `json`:
//!
//! * `json`: Go's `json.Marshal(value)` and a newline. Map keys sorted, struct fields in
//!   declaration order, `<`, `>`, `&`, U+2028 and U+2029 escaped, a nil slice or map is `null`.
//! * `yaml`: go-yaml v2's `Marshal`, trailing newlines trimmed to one; nothing for nil.
//! * `smart`: a string as it is, a `[]string` one item per line, a bool as `True`/`False`,
//!   nothing for nil or `""`, anything else as `yaml`.
//!
//! An unknown `--format` value is a usage error (exit 2) with gnuflag's message
//! `invalid value "x" for flag --format: unknown format "x"`.

use std::cmp::Ordering;
use std::fmt::Write as _;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Smart,
    Yaml,
}

impl Format {
    /// The format named by a `--format` value, if this tool offers it.
    pub(crate) fn parse(name: &str, offered: &[Self]) -> Result<Self, String> {
        let format = match name {
            "json" => Self::Json,
            "smart" => Self::Smart,
            "yaml" => Self::Yaml,
            _ => return Err(format!("unknown format {name:?}")),
        };
        if offered.contains(&format) {
            Ok(format)
        } else {
            Err(format!("unknown format {name:?}"))
        }
    }

    /// `value` as this format prints it.
    pub(crate) fn render(self, value: &Go) -> String {
        match self {
            Self::Json => {
                let mut out = String::new();
                json(value, &mut out);
                out.push('\n');
                out
            }
            Self::Yaml => yaml(value),
            Self::Smart => match value {
                Go::Nil => String::new(),
                Go::Str(s) if s.is_empty() => String::new(),
                Go::Str(s) => format!("{s}\n"),
                Go::Strings(items) if items.is_empty() => String::new(),
                Go::Strings(items) => format!("{}\n", items.join("\n")),
                Go::Bool(true) => "True\n".to_owned(),
                Go::Bool(false) => "False\n".to_owned(),
                other => yaml(other),
            },
        }
    }
}

/// A Go value as a Juju tool hands it to its formatter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Go {
    /// A nil interface, slice or map.
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A `[]string` (not nil; see [`Go::strings`]).
    Strings(Vec<String>),
    /// A `[]interface{}` or slice of structs.
    List(Vec<Self>),
    /// A map (keys sorted on output, as Go's encoders sort them).
    Map(Vec<(String, Self)>),
    /// A struct: fields in declaration order (omitted `omitempty` fields left out by the caller).
    Struct(Vec<(&'static str, Self)>),
}

impl Go {
    /// A Go `[]string` that is nil when empty (`var out []string` then `append`).
    pub(crate) fn strings_or_nil(items: Vec<String>) -> Self {
        if items.is_empty() {
            Self::Nil
        } else {
            Self::Strings(items)
        }
    }

    /// A `map[string]string`.
    pub(crate) fn string_map<'a>(map: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        Self::Map(
            map.into_iter()
                .map(|(k, v)| (k.clone(), Self::Str(v.clone())))
                .collect(),
        )
    }

    /// A JSON value as Go's decoders leave it in an `interface{}` (numbers that are whole
    /// stay integers, as Juju's config and action parameters do).
    pub(crate) fn from_json(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Self::Nil,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map(Self::Int)
                .unwrap_or_else(|| Self::Float(n.as_f64().unwrap_or_default())),
            Value::String(s) => Self::Str(s.clone()),
            Value::Array(items) => Self::List(items.iter().map(Self::from_json).collect()),
            Value::Object(map) => Self::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::from_json(v)))
                    .collect(),
            ),
        }
    }
}

// --- JSON (encoding/json) ---

fn json(value: &Go, out: &mut String) {
    match value {
        Go::Nil => out.push_str("null"),
        Go::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Go::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Go::Float(f) => out.push_str(&json_float(*f)),
        Go::Str(s) => json_string(s, out),
        Go::Strings(items) => {
            out.push('[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(s, out);
            }
            out.push(']');
        }
        Go::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(v, out);
            }
            out.push(']');
        }
        Go::Map(entries) => {
            let mut sorted: Vec<&(String, Go)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            json_object(sorted.into_iter().map(|(k, v)| (k.as_str(), v)), out);
        }
        Go::Struct(fields) => json_object(fields.iter().map(|(k, v)| (*k, v)), out),
    }
}

fn json_object<'a>(entries: impl Iterator<Item = (&'a str, &'a Go)>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(k, out);
        out.push(':');
        json(v, out);
    }
    out.push('}');
}

/// Go's `encodeState.string` with HTML escaping (what `json.Marshal` uses).
fn json_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(char::from(HEX[(b >> 4) as usize & 0xf]));
                out.push(char::from(HEX[b as usize & 0xf]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `floatEncoder`: `'f'` format between 1e-6 and 1e21, else `'e'` with a two-digit
/// minimum exponent trimmed (`1e-07` becomes `1e-7`).
fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust prints `1e-7`, `1.5e21`: Go prints `1e-07`→`1e-7` and `1.5e+21`.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

// --- YAML (go-yaml v2 Marshal) ---

/// The widest column go-yaml v2's emitter writes before it folds a scalar at a space.
const BEST_WIDTH: usize = 80;
/// go-yaml v2's indentation step.
const INDENT: usize = 2;

fn yaml(value: &Go) -> String {
    if *value == Go::Nil {
        return String::new();
    }
    let mut e = Emitter::default();
    e.node(value, Context::Root, 0);
    let mut out = e.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    /// A mapping key (libyaml's simple key context).
    Key,
    /// A mapping value, after `key:`.
    Value,
    /// A sequence item, after `- `.
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    DoubleQuoted,
    Literal,
    Plain,
    SingleQuoted,
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
}

impl Emitter {
    fn put(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.column = 0;
            } else {
                self.column += 1;
            }
            self.out.push(c);
        }
    }

    fn newline_indent(&mut self, indent: usize) {
        self.put("\n");
        for _ in 0..indent {
            self.put(" ");
        }
    }

    /// Emits `value`; `indent` is the indentation of the enclosing collection's entries.
    fn node(&mut self, value: &Go, ctx: Context, indent: usize) {
        let entries: Option<Vec<(String, &Go)>> = match value {
            Go::Map(entries) => {
                // go-yaml's order is not a total order for every pair of keys (runs of digits
                // are compared from where the keys first differ), and `sort_by` may panic on
                // such a comparator: keys written by a charm must never crash the sim, so they
                // are inserted one by one at the place the comparator gives.
                let mut sorted: Vec<(String, &Go)> = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let at = sorted.partition_point(|(s, _)| key_order(s, k) != Ordering::Greater);
                    sorted.insert(at, (k.clone(), v));
                }
                Some(sorted)
            }
            Go::Struct(fields) => Some(fields.iter().map(|(k, v)| ((*k).to_owned(), v)).collect()),
            _ => None,
        };
        let items: Option<Vec<Go>> = match value {
            Go::List(items) => Some(items.clone()),
            Go::Strings(items) => Some(items.iter().cloned().map(Go::Str).collect()),
            _ => None,
        };
        if let Some(entries) = entries {
            if entries.is_empty() {
                self.flow_empty("{}", ctx);
                return;
            }
            // Entries of a mapping nested in a mapping value are indented one step; at the root
            // and in a sequence item they start where the node starts.
            let entry_indent = match ctx {
                Context::Root => 0,
                Context::Value => indent + INDENT,
                Context::Item | Context::Key => indent + INDENT,
            };
            for (i, (k, v)) in entries.iter().enumerate() {
                let first_in_item = i == 0 && ctx == Context::Item;
                if !(first_in_item || i == 0 && ctx == Context::Root) {
                    self.newline_indent(entry_indent);
                }
                self.scalar(k, Context::Key, entry_indent);
                self.put(":");
                self.node(v, Context::Value, entry_indent);
            }
            return;
        }
        if let Some(items) = items {
            if items.is_empty() {
                self.flow_empty("[]", ctx);
                return;
            }
            // go-yaml v2 writes a sequence in a mapping without indenting it ("indentless").
            let item_indent = match ctx {
                Context::Root | Context::Value => indent,
                Context::Item | Context::Key => indent + INDENT,
            };
            for (i, item) in items.iter().enumerate() {
                if !(i == 0 && (ctx == Context::Root || ctx == Context::Item)) {
                    self.newline_indent(item_indent);
                }
                self.put("-");
                self.put(" ");
                self.node(item, Context::Item, item_indent);
            }
            return;
        }
        if ctx == Context::Value {
            self.put(" ");
        }
        match value {
            Go::Nil => self.put("null"),
            Go::Bool(b) => self.put(if *b { "true" } else { "false" }),
            Go::Int(i) => self.put(&i.to_string()),
            Go::Float(f) => self.put(&yaml_float(*f)),
            Go::Str(s) => self.scalar(s, ctx, indent),
            Go::Map(_) | Go::Struct(_) | Go::List(_) | Go::Strings(_) => {}
        }
    }

    fn flow_empty(&mut self, text: &str, ctx: Context) {
        if ctx == Context::Value {
            self.put(" ");
        }
        self.put(text);
    }

    /// A string scalar in the style go-yaml v2 picks (`encode.go` `stringv` then the emitter's
    /// `yaml_emitter_select_scalar_style`).
    fn scalar(&mut self, s: &str, ctx: Context, indent: usize) {
        let a = analyze(s);
        let key = ctx == Context::Key;
        let mut style = if s.contains('\n') {
            Style::Literal
        } else if resolves_to_string(s) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        if key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && key)) {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || key) {
            style = Style::DoubleQuoted;
        }
        // The scalar's own indentation (libyaml increases the indent for every scalar).
        let scalar_indent = match ctx {
            Context::Root => INDENT,
            _ => indent + INDENT,
        };
        let breaks = !key;
        match style {
            Style::Plain => self.plain(s, scalar_indent, breaks),
            Style::SingleQuoted => self.single_quoted(s, scalar_indent, breaks),
            Style::DoubleQuoted => self.double_quoted(s, scalar_indent, breaks),
            Style::Literal => self.literal(s, scalar_indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, c) in chars.iter().enumerate() {
            if *c == ' ' {
                if breaks && !spaces && self.column > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.newline_indent(indent);
                } else {
                    self.put(" ");
                }
                spaces = true;
            } else {
                self.put(&c.to_string());
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put("'");
        let mut spaces = false;
        for (i, c) in chars.iter().enumerate() {
            if *c == ' ' {
                if breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline_indent(indent);
                } else {
                    self.put(" ");
                }
                spaces = true;
            } else {
                if *c == '\'' {
                    self.put("'");
                }
                self.put(&c.to_string());
                spaces = false;
            }
        }
        self.put("'");
    }

    fn double_quoted(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put("\"");
        let mut spaces = false;
        for (i, c) in chars.iter().enumerate() {
            let c = *c;
            if !printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                let escaped = match c {
                    '\0' => "\\0".to_owned(),
                    '\u{7}' => "\\a".to_owned(),
                    '\u{8}' => "\\b".to_owned(),
                    '\t' => "\\t".to_owned(),
                    '\n' => "\\n".to_owned(),
                    '\u{b}' => "\\v".to_owned(),
                    '\u{c}' => "\\f".to_owned(),
                    '\r' => "\\r".to_owned(),
                    '\u{1b}' => "\\e".to_owned(),
                    '"' => "\\\"".to_owned(),
                    '\\' => "\\\\".to_owned(),
                    '\u{85}' => "\\N".to_owned(),
                    '\u{a0}' => "\\_".to_owned(),
                    '\u{2028}' => "\\L".to_owned(),
                    '\u{2029}' => "\\P".to_owned(),
                    c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                    c => format!("\\U{:08X}", c as u32),
                };
                self.put(&escaped);
                spaces = false;
            } else if c == ' ' {
                if breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != chars.len() - 1 {
                    self.newline_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put("\\");
                    }
                } else {
                    self.put(" ");
                }
                spaces = true;
            } else {
                self.put(&c.to_string());
                spaces = false;
            }
        }
        self.put("\"");
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.put("|");
        if s.starts_with([' ', '\n']) {
            self.put(&INDENT.to_string());
        }
        if !s.ends_with('\n') {
            self.put("-");
        } else if s.len() == 1 || s.ends_with("\n\n") {
            self.put("+");
        }
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            self.put("\n");
            if !line.is_empty() {
                for _ in 0..indent {
                    self.put(" ");
                }
                self.put(line);
            }
        }
    }
}

/// go-yaml v2's `floatv`: `strconv.FormatFloat(f, 'g', -1, 64)`, `.inf`/`.nan` spelled YAML's way.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+.inf" } else { "-.inf" }.to_owned();
    }
    let exp = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    // Go uses `%e` when the exponent is below -4 or at least 6 (the shortest form's precision).
    if !(-4..6).contains(&exp) {
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        };
    }
    format!("{f}")
}

/// What libyaml's `yaml_emitter_analyze_scalar` concludes about a scalar (block context).
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `is_printable` (go-yaml v2 `yamlprivateh.go`): tab and CR are not printable,
/// nor is anything outside the BMP.
fn printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0a
        || (0x20..=0x7e).contains(&u)
        || u == 0x85
        || (0xa0..=0xd7ff).contains(&u)
        || ((0xe000..=0xfffd).contains(&u) && u != 0xfeff)
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let followed_by_whitespace = next.is_none_or(|n| n == ' ' || n == '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !printable(c) {
            special = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(c, ' ' | '\t') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// Whether go-yaml v2 would read `s`, written plain, back as a string (`resolve.go`): not a
/// null, a YAML 1.1 boolean, a number, a timestamp, `<<`, or a base 60 float.
fn resolves_to_string(s: &str) -> bool {
    const NON_STRINGS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    if NON_STRINGS.contains(&s) {
        return false;
    }
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_digit() || matches!(first, '+' | '-' | '.')) {
        return true;
    }
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    let body = plain.strip_prefix(['+', '-']).unwrap_or(&plain).to_owned();
    let is_int = body
        .strip_prefix("0x")
        .map(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
        .or_else(|| {
            body.strip_prefix("0b")
                .map(|b| !b.is_empty() && b.chars().all(|c| c == '0' || c == '1'))
        })
        .or_else(|| {
            body.strip_prefix("0o")
                .map(|o| !o.is_empty() && o.chars().all(|c| ('0'..='7').contains(&c)))
        })
        .unwrap_or_else(|| !body.is_empty() && body.chars().all(|c| c.is_ascii_digit()));
    if is_int {
        return false;
    }
    // go-yaml v2's float regexp: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body.as_str(), None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.chars().all(|c| c.is_ascii_digit())
                && frac.chars().all(|c| c.is_ascii_digit())
                && (!int.is_empty() || !frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.chars().all(|c| c.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    });
    if mantissa_ok && exponent_ok && mantissa != "." {
        return false;
    }
    // Base 60 floats (`1:20`) and timestamps (`2006-01-02...`) do not read back as strings.
    let base60 = s.contains(':')
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '_' | '+' | '-'));
    !(base60 || is_timestamp(s))
}

/// go-yaml v2's `parseTimestamp` formats: `2006-1-2T15:4:5.999999999Z07:00`,
/// `2006-1-2t15:4:5.999999999Z07:00`, `2006-1-2 15:4:5.999999999`, `2006-1-2`.
fn is_timestamp(s: &str) -> bool {
    let date_end = s.find(['T', 't', ' ']).unwrap_or(s.len());
    let Some(date) = s.get(..date_end) else {
        return false;
    };
    let parts: Vec<&str> = date.split('-').collect();
    let date_ok = parts.len() == 3
        && parts.first().is_some_and(|y| y.len() == 4)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()));
    if !date_ok {
        return false;
    }
    // A date alone, or a date and a time: the time part must at least start with `h:m`.
    match s.get(date_end + 1..) {
        None | Some("") => date_end == s.len(),
        Some(time) => {
            let hm: Vec<&str> = time.splitn(3, ':').collect();
            hm.len() >= 2
                && hm.first().is_some_and(|h| {
                    !h.is_empty() && h.len() <= 2 && h.chars().all(|c| c.is_ascii_digit())
                })
        }
    }
}

/// go-yaml v2's `keyList.Less` for string keys: runs of digits compare as numbers, and a
/// non-letter sorts before a letter.
fn key_order(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |x: &[char], y: &[char]| -> bool {
        for i in 0..x.len().min(y.len()) {
            let (xc, yc) = (x[i], y[i]);
            if xc == yc {
                continue;
            }
            let (xl, yl) = (xc.is_alphabetic(), yc.is_alphabetic());
            if xl && yl {
                return xc < yc;
            }
            if xl || yl {
                return yl;
            }
            let (mut xn, mut yn): (i64, i64) = (0, 0);
            if xc == '0' || yc == '0' {
                let mut j = i;
                while j > 0 {
                    j -= 1;
                    if !x[j].is_ascii_digit() {
                        break;
                    }
                    if x[j] != '0' {
                        xn = 1;
                        yn = 1;
                        break;
                    }
                }
            }
            let mut xi = i;
            while xi < x.len() && x[xi].is_ascii_digit() {
                xn = xn
                    .saturating_mul(10)
                    .saturating_add(i64::from(x[xi] as u8 - b'0'));
                xi += 1;
            }
            let mut yi = i;
            while yi < y.len() && y[yi].is_ascii_digit() {
                yn = yn
                    .saturating_mul(10)
                    .saturating_add(i64::from(y[yi] as u8 - b'0'));
                yi += 1;
            }
            if xn != yn {
                return xn < yn;
            }
            if xi != yi {
                return xi < yi;
            }
            return xc < yc;
        }
        x.len() < y.len()
    };
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::{Format, Go};

    fn all(v: &Go) -> [String; 3] {
        [Format::Smart, Format::Yaml, Format::Json].map(|f| f.render(v))
    }

    #[test]
    fn given_keys_on_which_go_yamls_order_is_not_total_when_rendered_as_yaml_then_every_key_is_written_once()
     {
        // Keys mixing digit runs, zeros, letters and punctuation, where comparing digit runs
        // from the first difference breaks transitivity: a charm may write any of them.
        let alphabet = ['0', '1', '9', 'a', 'B', '_', '-', '.'];
        let mut state = 0x9e37_79b9_u32;
        let mut keys = Vec::new();
        for _ in 0..600 {
            let mut key = String::new();
            for _ in 0..1 + state % 7 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                key.push(alphabet[(state >> 16) as usize % alphabet.len()]);
            }
            keys.push(key);
        }
        keys.sort();
        keys.dedup();
        let bag = Go::Map(
            keys.iter()
                .map(|k| (k.clone(), Go::Str("v".into())))
                .collect(),
        );
        let yaml = Format::Yaml.render(&bag);
        assert_eq!(yaml.lines().count(), keys.len(), "{yaml}");
    }

    #[test]
    fn given_juju_cmd_formatters_when_values_are_written_then_the_bytes_match_output_go() {
        assert_eq!(all(&Go::Nil), ["", "", "null\n"]);
        assert_eq!(all(&Go::Str(String::new())), ["", "\"\"\n", "\"\"\n"]);
        assert_eq!(
            all(&Go::Str("hello".into())),
            ["hello\n", "hello\n", "\"hello\"\n"]
        );
        assert_eq!(all(&Go::Bool(true)), ["True\n", "true\n", "true\n"]);
        assert_eq!(all(&Go::Bool(false)), ["False\n", "false\n", "false\n"]);
        assert_eq!(
            all(&Go::Strings(vec!["db:1".into(), "db:2".into()])),
            ["db:1\ndb:2\n", "- db:1\n- db:2\n", "[\"db:1\",\"db:2\"]\n"]
        );
        assert_eq!(all(&Go::Strings(vec![])), ["", "[]\n", "[]\n"]);
        assert_eq!(all(&Go::Int(5)), ["5\n", "5\n", "5\n"]);
        let bag = Go::Map(vec![
            ("b".into(), Go::Str("2".into())),
            ("a".into(), Go::Str("x y".into())),
        ]);
        assert_eq!(
            all(&bag),
            [
                "a: x y\nb: \"2\"\n",
                "a: x y\nb: \"2\"\n",
                "{\"a\":\"x y\",\"b\":\"2\"}\n"
            ]
        );
        assert_eq!(all(&Go::Map(vec![])), ["{}\n", "{}\n", "{}\n"]);
    }

    #[test]
    fn given_go_json_escaping_when_strings_are_marshalled_then_html_and_separators_are_escaped() {
        assert_eq!(
            Format::Json.render(&Go::Str("<a&b>\u{2028}\u{1}\t\"\\".into())),
            "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\\t\\\"\\\\\"\n"
        );
        assert_eq!(Format::Json.render(&Go::Float(1.0)), "1\n");
        assert_eq!(Format::Json.render(&Go::Float(0.5)), "0.5\n");
        assert_eq!(Format::Json.render(&Go::Float(1e21)), "1e+21\n");
        assert_eq!(Format::Json.render(&Go::Float(1e-7)), "1e-7\n");
    }

    #[test]
    fn given_go_yaml_v2_styles_when_strings_are_marshalled_then_quoting_and_blocks_follow_the_emitter()
     {
        let y = |s: &str| Format::Yaml.render(&Go::Map(vec![("k".into(), Go::Str(s.into()))]));
        assert_eq!(y("plain text"), "k: plain text\n");
        assert_eq!(y("true"), "k: \"true\"\n");
        assert_eq!(y("yes"), "k: \"yes\"\n");
        assert_eq!(y("123"), "k: \"123\"\n");
        assert_eq!(y("1.5"), "k: \"1.5\"\n");
        assert_eq!(y("2026-01-01"), "k: \"2026-01-01\"\n");
        assert_eq!(y("10.0.0.1"), "k: 10.0.0.1\n");
        assert_eq!(y("secret:abc"), "k: secret:abc\n");
        assert_eq!(y("a: b"), "k: 'a: b'\n");
        assert_eq!(y("- x"), "k: '- x'\n");
        assert_eq!(y(" lead"), "k: ' lead'\n");
        assert_eq!(y("it's"), "k: it's\n");
        assert_eq!(y("'q'"), "k: '''q'''\n");
        assert_eq!(y("tab\there"), "k: \"tab\\there\"\n");
        assert_eq!(y("[{\"a\": 1}]"), "k: '[{\"a\": 1}]'\n");
        assert_eq!(y("line1\nline2"), "k: |-\n  line1\n  line2\n");
        assert_eq!(y("line1\nline2\n"), "k: |\n  line1\n  line2\n");
        assert_eq!(y("trailing \nspace"), "k: \"trailing \\nspace\"\n");
        // Folding at a space once the column passes 80.
        let long = "word ".repeat(20) + "end";
        let out = y(&long);
        let first = out.lines().next().unwrap_or_default();
        assert!(first.len() > 80 && first.len() <= 86, "{out}");
        assert!(
            out.lines().nth(1).unwrap_or_default().starts_with("  word"),
            "{out}"
        );
        assert_eq!(
            out.lines()
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join(" "),
            format!("k: {long}")
        );
    }

    #[test]
    fn given_go_yaml_v2_key_sorting_when_maps_are_marshalled_then_digit_runs_compare_as_numbers() {
        let m = Go::Map(
            ["a10", "a2", "b", "a-b", "ab"]
                .iter()
                .map(|k| ((*k).to_owned(), Go::Int(1)))
                .collect(),
        );
        assert_eq!(
            Format::Yaml.render(&m),
            "a-b: 1\na2: 1\na10: 1\nab: 1\nb: 1\n"
        );
        let nested = Go::Map(vec![(
            "application-status".into(),
            Go::Map(vec![
                ("status".into(), Go::Str("active".into())),
                (
                    "units".into(),
                    Go::Map(vec![(
                        "app/0".into(),
                        Go::Map(vec![("status".into(), Go::Str("active".into()))]),
                    )]),
                ),
            ]),
        )]);
        assert_eq!(
            Format::Yaml.render(&nested),
            "application-status:\n  status: active\n  units:\n    app/0:\n      status: active\n"
        );
        let list = Go::Map(vec![(
            "access".into(),
            Go::List(vec![Go::Struct(vec![
                ("target", Go::Str("application-b".into())),
                ("role", Go::Str("view".into())),
            ])]),
        )]);
        assert_eq!(
            Format::Yaml.render(&list),
            "access:\n- target: application-b\n  role: view\n"
        );
        assert_eq!(
            Format::parse("xml", &[Format::Json]).unwrap_err(),
            "unknown format \"xml\""
        );
        assert_eq!(
            Format::parse("smart", &[Format::Json, Format::Yaml]).unwrap_err(),
            "unknown format \"smart\""
        );
    }
}
