//! A tiny JSON writer that produces exactly what Python's `json.dumps` produces with its
//! defaults: separators `", "` and `": "`, `ensure_ascii=True`.
//!
//! Python's ASCII string encoder (`py_encode_basestring_ascii` in `json/encoder.py`, and the C
//! accelerator `c_encode_basestring_ascii`) keeps the printable ASCII range `' '..='~'` as is,
//! except `"` and `\`, writes `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f` as short escapes, and
//! writes every other character as `\uXXXX` in lowercase hex. Characters beyond the Basic
//! Multilingual Plane become a UTF-16 surrogate pair. So `/` is kept, and DEL (0x7f) *is*
//! escaped (as `\u007f`).

use core::fmt::Write as _;

/// Appends `text` as a Python-`json.dumps`-compatible JSON string literal.
///
/// Runs of characters kept as they are (all of a PEM's base64 lines) are copied at once; only
/// the characters that need an escape are looked at one by one.
pub(crate) fn write_str(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut rest = text;
    loop {
        let plain = plain_prefix(rest.as_bytes());
        // Every byte before `plain` is ASCII, so `plain` is a character boundary.
        let (kept, tail) = rest.split_at(plain);
        out.push_str(kept);
        let mut chars = tail.chars();
        let Some(c) = chars.next() else {
            break;
        };
        write_escaped(out, c);
        rest = chars.as_str();
    }
    out.push('"');
}

/// Whether byte `b` is written as it is: printable ASCII other than `"` and `\\`.
fn is_plain(b: u8) -> bool {
    matches!(b, b' '..=b'~') && b != b'"' && b != b'\\'
}

/// The length of the longest prefix of `bytes` written as it is, looked at eight bytes at a
/// time: a word is skipped whole when none of its bytes can need an escape (the word tests
/// may report a byte that needs none, which the byte-by-byte tail then settles).
pub(crate) fn plain_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// Some byte of `word` may be zero.
    fn zero_byte(word: u64) -> bool {
        word.wrapping_sub(ONES) & !word & HIGH != 0
    }
    let mut done = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut eight = [0_u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
        let high_or_del = (word | word.wrapping_add(ONES)) & HIGH != 0;
        if control
            || high_or_del
            || zero_byte(word ^ (ONES * u64::from(b'"')))
            || zero_byte(word ^ (ONES * u64::from(b'\\')))
        {
            break;
        }
        done += 8;
    }
    done + bytes[done..]
        .iter()
        .position(|b| !is_plain(*b))
        .unwrap_or(bytes.len() - done)
}

/// Appends the escape of one character that is not kept as it is.
fn write_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        ' '..='~' => out.push(c),
        _ => {
            let mut units = [0_u16; 2];
            for unit in c.encode_utf16(&mut units) {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
}

/// Writes a JSON object member by member, in the order the caller adds them (which is the
/// Python model's field order).
pub(crate) struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object.
    pub(crate) fn open(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, empty: true }
    }

    /// Starts a member and returns the buffer to write its value into.
    pub(crate) fn member(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push_str(", ");
        }
        self.empty = false;
        write_str(self.out, name);
        self.out.push_str(": ");
        self.out
    }

    /// A string member.
    pub(crate) fn str(&mut self, name: &str, value: &str) {
        let out = self.member(name);
        write_str(out, value);
    }

    /// An optional string member, left out when `None` (the model default).
    pub(crate) fn opt_str(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(name, value);
        }
    }

    /// A boolean member.
    pub(crate) fn bool(&mut self, name: &str, value: bool) {
        self.member(name)
            .push_str(if value { "true" } else { "false" });
    }

    /// An optional boolean member, left out when `None` (the model default).
    pub(crate) fn opt_bool(&mut self, name: &str, value: Option<bool>) {
        if let Some(value) = value {
            self.bool(name, value);
        }
    }

    /// A nullable boolean member that has no default, so `None` is written as `null`.
    pub(crate) fn nullable_bool(&mut self, name: &str, value: Option<bool>) {
        match value {
            Some(value) => self.bool(name, value),
            None => self.member(name).push_str("null"),
        }
    }

    /// An integer member.
    pub(crate) fn int(&mut self, name: &str, value: i64) {
        let out = self.member(name);
        let _ = write!(out, "{value}");
    }

    /// An optional list of strings, left out when `None` (the model default).
    pub(crate) fn opt_str_list<'s>(
        &mut self,
        name: &str,
        values: Option<impl IntoIterator<Item = &'s str>>,
    ) {
        if let Some(values) = values {
            let out = self.member(name);
            write_list(out, values, write_str);
        }
    }

    /// Closes the object.
    pub(crate) fn close(self) {
        self.out.push('}');
    }
}

/// Writes a JSON array with Python's `", "` separator.
pub(crate) fn write_list<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut write_item: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (position, item) in items.into_iter().enumerate() {
        if position > 0 {
            out.push_str(", ");
        }
        write_item(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_python_golden_escapes_when_writing_strings_then_bytes_are_identical() {
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../tests/fixtures/python_string_escapes.json"))
                .unwrap();
        assert!(cases.len() >= 20);
        for case in cases {
            let input = case["input"].as_str().unwrap();
            let mut out = String::new();
            write_str(&mut out, input);
            assert_eq!(out, case["python"].as_str().unwrap(), "input {input:?}");
        }
    }

    /// The character-by-character writer `write_str` replaced, as the reference.
    fn reference_write_str(out: &mut String, text: &str) {
        out.push('"');
        for c in text.chars() {
            write_escaped(out, c);
        }
        out.push('"');
    }

    proptest::proptest! {
        #[test]
        fn given_any_text_when_writing_strings_then_same_bytes_as_one_char_at_a_time(
            text in "(\\PC|[\"\\\\\n\r\t\u{8}\u{c}\u{0}-\u{1f}\u{7f}-\u{a0}\u{10000}-\u{10ffff}]|-----BEGIN [A-Z]{1,64}){0,40}",
        ) {
            let (mut fast, mut reference) = (String::new(), String::new());
            write_str(&mut fast, &text);
            reference_write_str(&mut reference, &text);
            proptest::prop_assert_eq!(fast, reference);
        }
    }

    #[test]
    fn given_members_when_writing_an_object_then_python_separators_are_used() {
        let mut out = String::new();
        let mut object = ObjectWriter::open(&mut out);
        object.str("a", "x");
        object.opt_str("skipped", None);
        object.nullable_bool("b", None);
        object.int("c", -7);
        object.opt_str_list("d", Some(["p", "q"]));
        object.opt_str_list("e", Some(Vec::<&str>::new()));
        object.close();
        assert_eq!(
            out,
            r#"{"a": "x", "b": null, "c": -7, "d": ["p", "q"], "e": []}"#
        );
    }
}
