//! Text on a hook tool's command line: every message bounded and escaped.
//!
//! Hook tools take their messages as argv strings, and Linux refuses to start a process with one
//! argv string longer than `MAX_ARG_STRLEN` (131 072 bytes, the terminating NUL included) or with
//! argv and environment together longer than `ARG_MAX` (at least 128 KiB; 2 MiB with the default
//! 8 MiB stack). A message that comes from a related application (a common name from a CSR, a
//! provider's error message) must therefore never reach argv as it is: at 140 000 characters the
//! tool fails to spawn with `E2BIG`, and a charm that treats that as a failed hook can be stopped
//! by its peer. [`bounded_line`] is the one place that makes such text safe; [`ProcessHookTools`]
//! applies it to every message it passes (`juju-log`, `status-set`, `action-fail`, `action-log`,
//! `application-version-set`), and charms use it to shorten peer text before composing it into a
//! longer message.
//!
//! The bounds:
//!
//! * [`MAX_ARG_BYTES`] (64 KiB) for one argument: half of `MAX_ARG_STRLEN`, and with room left
//!   under the 128 KiB floor of `ARG_MAX` for the environment and the other arguments. A
//!   `juju-log` message is cut there rather than split into several calls (as `ops` does, in
//!   131 071-character chunks): a peer cannot turn one message into many processes.
//! * [`MAX_STATUS_BYTES`] (1 KiB) for a status message, which `juju status` shows on one line.
//! * [`MAX_QUOTE_BYTES`] (256 bytes) for a piece of peer text quoted in a longer message.
//!
//! [`ProcessHookTools`]: crate::ProcessHookTools

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most bytes one message argument of a hook tool carries (`juju-log`, `action-fail`,
/// `action-log`, one `action-set` `key=value`): half of Linux's `MAX_ARG_STRLEN`.
pub const MAX_ARG_BYTES: usize = 64 * 1024;

/// The most bytes of a `status-set` message (and of an `application-version-set` version).
pub const MAX_STATUS_BYTES: usize = 1024;

/// The most bytes of peer text quoted inside a longer message (a common name, a peer's error
/// message in a status): enough to recognise it, and leaving the rest of a status line room.
pub const MAX_QUOTE_BYTES: usize = 256;

/// `text` made safe for one argv string of a hook tool: on one line, printable, and at most
/// `max_bytes` bytes long.
///
/// * Control characters are escaped as Rust writes them (`\n`, `\r`, `\t`, `\0`, `\u{1b}`), and
///   so are the invisible characters that reorder or break displayed text (the Unicode
///   bidirectional controls, U+2028 and U+2029): a peer cannot forge log lines, move the
///   terminal's cursor or hide text in `juju status`.
/// * When the escaped text is longer than `max_bytes`, it is cut on a character boundary (never
///   inside an escape) and ends with a marker that says how many bytes were left out, the
///   marker included in the bound. A bound too small for the marker gives the marker's start.
/// * Text that needs neither is returned as it is, without copying.
///
/// ```
/// use juju_hook_tools::bounded_line;
///
/// assert_eq!(bounded_line("ready", 64), "ready");
/// assert_eq!(bounded_line("two\nlines\u{1b}[2J", 64), "two\\nlines\\u{1b}[2J");
/// let long = "x".repeat(200_000);
/// let bounded = bounded_line(&long, 100);
/// assert_eq!(bounded, format!("{}… [199923 more bytes]", "x".repeat(77)));
/// ```
#[must_use]
pub fn bounded_line(text: &str, max_bytes: usize) -> Cow<'_, str> {
    let escaped_total: usize = text.chars().map(escaped_len).sum();
    if escaped_total == text.len() && text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(escaped_total.min(max_bytes));
    if escaped_total <= max_bytes {
        text.chars().for_each(|c| push_escaped(&mut out, c));
        return Cow::Owned(out);
    }
    // Room for the longest marker this text can need; the one written is never longer.
    let budget = max_bytes.saturating_sub(cut_marker(text.len()).len());
    let mut kept = 0;
    for c in text.chars() {
        if out.len() + escaped_len(c) > budget {
            break;
        }
        push_escaped(&mut out, c);
        kept += c.len_utf8();
    }
    push_marker(&mut out, &cut_marker(text.len() - kept), max_bytes);
    Cow::Owned(out)
}

/// Whether `c` is shown escaped: control characters (C0, DEL, C1), the bidirectional
/// formatting characters and the line and paragraph separators.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// The length of `c` as [`push_escaped`] writes it.
fn escaped_len(c: char) -> usize {
    match c {
        '\n' | '\r' | '\t' | '\0' => 2,
        // `\u{` + hex digits + `}`
        c if needs_escape(c) => 4 + (u32::from(c).ilog2() as usize / 4 + 1),
        c => c.len_utf8(),
    }
}

/// Appends `c`, or its escape.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if needs_escape(c) => {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// The marker that ends a cut text, counting the `remaining` bytes of the input left out.
fn cut_marker(remaining: usize) -> String {
    format!("… [{remaining} more bytes]")
}

/// Appends as much of `marker` as `max_bytes` allows (all of it, unless the bound is tiny).
fn push_marker(out: &mut String, marker: &str, max_bytes: usize) {
    let room = max_bytes.saturating_sub(out.len());
    let mut end = room.min(marker.len());
    while !marker.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(marker.get(..end).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_short_text_is_borrowed_unchanged() {
        assert!(matches!(bounded_line("ready", 5), Cow::Borrowed("ready")));
        assert!(matches!(bounded_line("", 0), Cow::Borrowed("")));
        assert!(matches!(bounded_line("héllo ✓", 64), Cow::Borrowed(_)));
    }

    #[test]
    fn every_control_character_and_display_trick_is_escaped() {
        let hostile = "a\nb\rc\td\0e\u{1b}[31mf\u{7f}g\u{85}h\u{202e}i\u{2028}j\u{2066}k";
        let safe = bounded_line(hostile, 1024);
        assert_eq!(
            safe,
            "a\\nb\\rc\\td\\0e\\u{1b}[31mf\\u{7f}g\\u{85}h\\u{202e}i\\u{2028}j\\u{2066}k"
        );
        assert!(!safe.chars().any(needs_escape));
    }

    #[test]
    fn a_cut_text_fits_the_bound_and_says_how_much_is_missing() {
        let text = "y".repeat(1000);
        let cut = bounded_line(&text, 100);
        // Room is kept for the longest marker, "… [1000 more bytes]" (21 bytes): 79 are kept.
        assert_eq!(cut, format!("{}… [921 more bytes]", "y".repeat(79)));
    }

    #[test]
    fn a_cut_never_splits_a_character_or_an_escape() {
        for max in 0..60 {
            let cut = bounded_line("ééééé\nééééé\u{1b}éééééééééééééééééééé", max);
            assert!(cut.len() <= max, "{max}: {cut}");
            // Valid UTF-8 by construction; an escape is either whole or absent.
            for escape in ["\\n", "\\u{1b}"] {
                let partial = &escape[..escape.len() - 1];
                assert!(
                    !cut.contains(partial) || cut.contains(escape),
                    "{max}: {cut}"
                );
            }
        }
    }

    #[test]
    fn text_at_the_bound_is_kept_whole_and_one_byte_more_is_cut() {
        let text = "z".repeat(50);
        assert_eq!(bounded_line(&text, 50), text);
        let over = "z".repeat(51);
        let cut = bounded_line(&over, 50);
        assert!(cut.len() <= 50 && cut.ends_with("more bytes]"), "{cut}");
    }

    #[test]
    fn escapes_count_towards_the_bound() {
        let text = "\n".repeat(40);
        let cut = bounded_line(&text, 40);
        assert!(cut.len() <= 40, "{cut}");
        assert!(
            cut.starts_with("\\n\\n") && cut.ends_with("more bytes]"),
            "{cut}"
        );
    }

    #[test]
    fn a_bound_smaller_than_the_marker_gives_a_prefix_of_the_marker() {
        let cut = bounded_line("abcdef", 3);
        assert_eq!(cut, "…");
        assert_eq!(bounded_line("abcdef", 0), "");
    }

    #[test]
    fn escaped_len_matches_what_is_written() {
        for c in [
            'a', 'é', '✓', '\n', '\0', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}',
            '\u{2066}',
        ] {
            let mut out = String::new();
            push_escaped(&mut out, c);
            assert_eq!(out.len(), escaped_len(c), "{c:?}");
        }
    }

    #[test]
    fn two_hundred_thousand_characters_become_one_safe_argument() {
        let text = "é".repeat(200_000);
        let cut = bounded_line(&text, MAX_ARG_BYTES);
        assert!(cut.len() <= MAX_ARG_BYTES);
        assert!(cut.len() > MAX_ARG_BYTES - 40, "{}", cut.len());
        assert!(cut.ends_with("more bytes]"));
    }
}
