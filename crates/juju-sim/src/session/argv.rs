//! Argument parsing as Juju's `jujuc` tools do it (gnuflag style), `--format` and `--output`,
//! and the values tools take (durations, secret ids, `--file` payloads, base64).

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::format::Format;
use crate::state::Databag;
use crate::wire::ToolRequest;

/// A tool failure: exit code and message (printed as `ERROR <message>`).
pub(super) struct Fail {
    pub(super) code: i32,
    pub(super) message: String,
}

pub(super) fn fail(message: impl Into<String>) -> Fail {
    Fail {
        code: 1,
        message: message.into(),
    }
}

pub(super) fn usage(message: impl Into<String>) -> Fail {
    Fail {
        code: 2,
        message: message.into(),
    }
}

pub(super) type ToolResult = Result<String, Fail>;
/// Parsed gnuflag-style arguments.
pub(super) struct Args {
    pub(super) flags: BTreeMap<&'static str, String>,
    pub(super) positional: Vec<String>,
}

impl Args {
    pub(super) fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    pub(super) fn bool(&self, name: &str) -> bool {
        self.flags.get(name).is_some_and(|v| v == "true")
    }
}

/// A flag spec: (canonical name, aliases, takes a value).
pub(super) type FlagSpec = (&'static str, &'static [&'static str], bool);

/// Parses `args` against a spec of flags. Flags and positionals may be interleaved; `--` ends
/// flags.
pub(super) fn parse_args(args: &[String], spec: &[FlagSpec]) -> Result<Args, Fail> {
    let mut flags = BTreeMap::new();
    let mut positional = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            positional.extend(iter.by_ref().cloned());
            break;
        }
        if arg == "-" || !arg.starts_with('-') {
            positional.push(arg.clone());
            continue;
        }
        let body = arg.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (body, None),
        };
        let Some((canonical, _, takes_value)) = spec
            .iter()
            .find(|(c, aliases, _)| *c == name || aliases.contains(&name))
        else {
            return Err(usage(format!("flag provided but not defined: {arg}")));
        };
        let value = if *takes_value {
            match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| usage(format!("flag needs an argument: {arg}")))?,
            }
        } else {
            match inline.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("true" | "1" | "t") => "true".to_owned(),
                Some("false" | "0" | "f") => "false".to_owned(),
                Some(other) => {
                    return Err(usage(format!("invalid boolean value {other:?} for {arg}")));
                }
            }
        };
        flags.insert(*canonical, value);
    }
    Ok(Args { flags, positional })
}

/// `--format` and `-o`/`--output`, as `juju/cmd`'s `Output.AddFlags` declares them.
pub(super) const FORMAT: FlagSpec = ("format", &[], true);
pub(super) const OUTPUT: FlagSpec = ("output", &["o"], true);

/// The formats a tool offers and its default (Juju's `c.out.AddFlags(f, default, formatters)`).
#[derive(Clone, Copy)]
pub(super) struct Formats {
    default: Format,
    offered: &'static [Format],
}

/// `cmd.DefaultFormatters` with `smart` as default: most tools.
pub(super) const SMART: Formats = Formats {
    default: Format::Smart,
    offered: &[Format::Json, Format::Smart, Format::Yaml],
};
/// `json` and `yaml`, `yaml` by default: `secret-get`, `secret-info-get`, `goal-state`.
pub(super) const YAML: Formats = Formats {
    default: Format::Yaml,
    offered: &[Format::Json, Format::Yaml],
};

/// The format chosen by `--format` (default otherwise); an unknown one is gnuflag's usage error.
pub(super) fn chosen_format(args: &Args, formats: Formats) -> Result<Format, Fail> {
    match args.flag("format") {
        None => Ok(formats.default),
        Some(name) => Format::parse(name, formats.offered)
            .map_err(|e| usage(format!("invalid value {name:?} for flag --format: {e}"))),
    }
}

/// Go-style duration (`24h`, `1h30m`, `90s`).
pub(super) fn parse_duration(s: &str) -> Option<time::Duration> {
    let mut total = time::Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            unit = "ms".into();
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let secs = match unit.as_str() {
            "h" => n * 3600.0,
            "m" => n * 60.0,
            "s" => n,
            "ms" => n / 1000.0,
            _ => return None,
        };
        total = total.checked_add(time::Duration::checked_seconds_f64(secs)?)?;
        any = true;
    }
    (any && num.is_empty() && total > time::Duration::ZERO).then_some(total)
}

/// `--expire`: RFC 3339, RFC 3339 without zone (UTC), or a Go duration from now.
pub(super) fn parse_expire(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, Fail> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    if let Ok(t) = OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339) {
        return Ok(t);
    }
    parse_duration(s)
        .and_then(|d| now.checked_add(d))
        .ok_or_else(|| usage(format!("invalid expire value {s:?}")))
}

pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The xid of `secret:<xid>`, `secret://<uuid>/<xid>` or a bare xid.
pub(super) fn xid_of(id: &str) -> &str {
    let id = id.trim();
    match id.rfind('/') {
        Some(p) => id.get(p + 1..).unwrap_or_default(),
        None => id.strip_prefix("secret:").unwrap_or(id),
    }
}

pub(super) fn valid_secret_key(key: &str) -> bool {
    juju_types::is_valid_secret_key(key)
}

pub(super) fn valid_action_key(key: &str) -> bool {
    key.split('.').all(|seg| {
        let b = seg.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b.first().is_some_and(|c| *c != b'-')
            && b.last().is_some_and(|c| *c != b'-')
    })
}

/// A `--file` payload as Juju reads it for `relation-set` and `state-set`: YAML into a
/// `map[string]string` (`goyaml.Unmarshal`; JSON is YAML).
pub(super) fn parse_settings_file(text: &str) -> Result<Databag, Fail> {
    crate::yaml::string_map(text).map_err(|e| fail(format!("yaml: {e}")))
}

/// A secret `--file` payload as Juju reads it (`core/secrets/createsecret.go`
/// `ReadSecretData`): JSON first, then YAML, into a `map[string]string`.
pub(super) fn parse_secret_file(text: &str) -> Result<Databag, Fail> {
    if let Ok(map) = serde_json::from_str::<BTreeMap<String, String>>(text) {
        return Ok(map);
    }
    parse_settings_file(text)
}

/// The contents of the file a `--file` flag names (`-` is stdin).
pub(super) fn file_payload<'r>(req: &'r ToolRequest, path: &str) -> Result<&'r str, Fail> {
    if path == "-" {
        return Ok(req.stdin.as_deref().unwrap_or_default());
    }
    req.files
        .get(path)
        .map(String::as_str)
        .ok_or_else(|| fail(format!("open {path}: no such file or directory")))
}

/// `juju/cmd`'s `CheckEmpty`: extra positional arguments are a usage error.
pub(super) fn check_empty(extra: &[String]) -> Result<(), Fail> {
    if extra.is_empty() {
        return Ok(());
    }
    let quoted: Vec<String> = extra.iter().map(|a| format!("{a:?}")).collect();
    Err(usage(format!("unrecognized args: [{}]", quoted.join(" "))))
}

/// `base64` as Go's `base64.StdEncoding` writes it (what `secret-get <key>#base64` prints).
pub(super) fn encode_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes a `key#base64=` value as Juju does (Go's `base64.StdEncoding.DecodeString`: padded,
/// `\r` and `\n` skipped); the value must also be UTF-8 text.
pub(super) fn decode_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let text: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn given_gnuflag_style_argv_when_parsed_then_flags_and_positionals_are_separated() {
        let spec: &[FlagSpec] = &[FORMAT, ("relation", &["r"], true), ("app", &[], false)];
        let a = parse_args(
            &strings(&["--format=json", "-", "-r", "db:3", "unit/0", "--app=False"]),
            spec,
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(a.flag("relation"), Some("db:3"));
        assert_eq!(a.flag("format"), Some("json"));
        assert!(!a.bool("app"));
        assert_eq!(a.positional, ["-", "unit/0"]);
        let a = parse_args(&strings(&["--app", "--", "--not-a-flag"]), spec)
            .unwrap_or_else(|_| unreachable!());
        assert!(a.bool("app"));
        assert_eq!(a.positional, ["--not-a-flag"]);
        assert!(parse_args(&strings(&["--nope"]), spec).is_err_and(|f| f.code == 2));
        assert!(parse_args(&strings(&["-r"]), spec).is_err_and(|f| f.code == 2));
        assert!(parse_args(&strings(&["--app=maybe"]), spec).is_err_and(|f| f.code == 2));
    }

    #[test]
    fn given_expire_values_when_parsed_then_rfc3339_and_go_durations_work() {
        let now = time::macros::datetime!(2026-01-01 00:00:00 UTC);
        let at = |s: &str| parse_expire(s, now).map_err(|f| f.message);
        assert_eq!(
            at("2026-02-01T00:00:00Z"),
            Ok(time::macros::datetime!(2026-02-01 00:00:00 UTC))
        );
        assert_eq!(
            at("2026-02-01T00:00:00"),
            Ok(time::macros::datetime!(2026-02-01 00:00:00 UTC))
        );
        assert_eq!(at("1h30m"), Ok(now + time::Duration::minutes(90)));
        assert_eq!(at("24h"), Ok(now + time::Duration::days(1)));
        for bad in [
            "",
            "h",
            "5",
            "-1h",
            "1d",
            "tomorrow",
            "99999999999999999999h",
            "1e308h",
        ] {
            assert!(at(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn given_base64_round_trip_then_values_survive() {
        for text in ["", "a", "ab", "abc", "hello, world", "ünïcödé"] {
            assert_eq!(
                decode_base64(&encode_base64(text.as_bytes())).as_deref(),
                Some(text)
            );
        }
        assert_eq!(encode_base64(b"hello"), "aGVsbG8=");
        assert_eq!(decode_base64("not base64!"), None);
        // Juju (Go's StdEncoding) refuses what is not canonical padded base64.
        assert_eq!(decode_base64("QQ"), None, "missing padding");
        assert_eq!(decode_base64("QQ=="), Some("A".to_owned()));
        assert_eq!(decode_base64("QQ==QQ=="), None, "padding inside");
        assert_eq!(decode_base64("Q"), None, "truncated");
        assert_eq!(
            decode_base64("QU\nJD"),
            Some("ABC".to_owned()),
            "Go skips newlines"
        );
    }

    #[test]
    fn given_settings_files_when_parsed_then_yaml_is_read_as_juju_reads_it() {
        let j = parse_settings_file(r#"{"a": "1", "b": "", "n": 2}"#)
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(j.get("a").map(String::as_str), Some("1"));
        assert_eq!(j.get("b").map(String::as_str), Some(""));
        assert_eq!(j.get("n").map(String::as_str), Some("2"));
        let y = parse_settings_file("a: '1'\nb: two\n").unwrap_or_else(|_| unreachable!());
        assert_eq!(y.get("b").map(String::as_str), Some("two"));
        assert!(parse_settings_file("no colon here").is_err());
    }

    #[test]
    fn given_a_secret_file_when_parsed_then_json_is_tried_before_yaml() {
        let j = parse_secret_file(r#"{"password": "p: w"}"#).unwrap_or_else(|_| unreachable!());
        assert_eq!(j.get("password").map(String::as_str), Some("p: w"));
        let y = parse_secret_file("password: secret\n").unwrap_or_else(|_| unreachable!());
        assert_eq!(y.get("password").map(String::as_str), Some("secret"));
    }
}
