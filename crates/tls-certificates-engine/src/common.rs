//! Types shared by the requirer and the provider: observed secrets, and the effects a plan asks
//! the driver to perform. Juju's nouns themselves (relation ids, unit names, secret ids, owners
//! and content, log lines) are `juju-types`', which the hook tools speak too.

use core::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::RandomState;
use std::sync::Arc;

use juju_types::{LogLevel, LogLine, RelationId, SecretContent, SecretId, SecretOwner, Target};

use crate::wire::ProviderError;
use time::OffsetDateTime;

/// One key to write (`Some`) or delete (`None`) in a local databag.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DatabagWrite {
    /// The relation.
    pub relation_id: RelationId,
    /// Unit or application databag.
    pub target: Target,
    /// The key.
    pub key: String,
    /// The new value, or `None` to delete the key.
    pub value: Option<String>,
}

/// A secret this unit (or, on the leader, its application) owns, as observed in the hook.
#[derive(Clone, Debug)]
pub struct ObservedSecret {
    /// Juju secret id.
    pub id: SecretId,
    /// Label.
    pub label: String,
    /// Owner.
    pub owner: SecretOwner,
    /// Current content.
    pub content: SecretContent,
    /// Expiry, if set.
    pub expires: Option<OffsetDateTime>,
}

/// A change to Juju secrets. The plan holds at most one action per secret.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SecretAction {
    /// `secret-add` with this label, owner, content and expiry.
    Add {
        /// Label.
        label: String,
        /// Owner.
        owner: SecretOwner,
        /// Content.
        content: SecretContent,
        /// Expiry.
        expire: Option<OffsetDateTime>,
    },
    /// `secret-set` of an existing secret (one call: content and expiry together).
    Set {
        /// Secret id.
        id: SecretId,
        /// Label (unchanged; for the driver's bookkeeping).
        label: String,
        /// New content.
        content: SecretContent,
        /// New expiry.
        expire: Option<OffsetDateTime>,
    },
    /// `secret-remove`: one revision, or every revision when `revision` is `None`.
    Remove {
        /// Secret id.
        id: SecretId,
        /// The revision to prune.
        revision: Option<u32>,
    },
}

pub(crate) fn log(logs: &mut Vec<LogLine>, level: LogLevel, message: impl Into<String>) {
    logs.push(LogLine::new(level, message));
}

/// The canonical join key of a PEM CSR: its base64 body without whitespace. Two PEM texts of
/// the same CSR that differ only in line wrapping, CRLF or a trailing newline get the same key,
/// without parsing (cheap enough to run for every entry of a large databag).
///
/// Precisely: the lines of `pem` (as [`str::lines`] splits them) that do not start with `-----`
/// after leading whitespace, concatenated, without any whitespace character
/// ([`char::is_whitespace`]). ASCII text (every real PEM) takes a byte-level path that copies
/// whole whitespace-free lines at once; other text takes the character-level definition.
pub(crate) fn pem_join_key(pem: &str) -> String {
    let mut out = String::new();
    pem_join_key_into(pem, &mut out);
    out
}

/// [`pem_join_key`], written into `out` (cleared first) so that a buffer can be reused.
fn pem_join_key_into(pem: &str, out: &mut String) {
    out.clear();
    if !pem.is_ascii() {
        out.push_str(&pem_join_key_chars(pem));
        return;
    }
    /// `char::is_whitespace` restricted to ASCII (it includes the vertical tab, unlike
    /// `u8::is_ascii_whitespace`).
    fn space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    }
    out.reserve(pem.len());
    for line in pem.split('\n') {
        let line = line.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}');
        if line.starts_with("-----") {
            // A header or footer line.
            continue;
        }
        // Every whitespace byte is at most a space: a line above that throughout (a whole
        // base64 line of a canonical PEM) is copied at once, in a pass that vectorizes.
        if line.bytes().fold(true, |plain, b| plain & (b > b' ')) {
            out.push_str(line);
        } else {
            // `pem` is ASCII, so each byte is a character.
            out.extend(line.chars().filter(|c| !space(*c as u8)));
        }
    }
}

/// The character-level definition of [`pem_join_key`], for text that is not ASCII.
fn pem_join_key_chars(pem: &str) -> String {
    let body = pem
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .collect::<String>();
    body.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A CSR's canonical join key ([`pem_join_key`]) with its hash computed once.
///
/// A hook does several map operations per request (index, look-up, reconcile); hashing a
/// kilobyte of base64 each time showed in profiles. The hash is keyed SipHash from the
/// `RandomState` of the hook, so hostile relation data cannot be made to collide. The text is
/// shared: a key is in a request, its index and the answers' indexes at once, and copying a
/// kilobyte for each showed in profiles too.
#[derive(Clone, Debug)]
pub(crate) struct JoinKey {
    hash: u64,
    text: Arc<str>,
}

impl JoinKey {
    /// The join key of `pem`, hashed with `hasher` (one per hook: keys are only comparable
    /// within it).
    pub(crate) fn new(pem: &str, hasher: &RandomState) -> Self {
        thread_local! {
            /// The text being stripped, reused so that a key costs one allocation.
            static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let text: Arc<str> = BUFFER.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut buffer) => {
                pem_join_key_into(pem, &mut buffer);
                Arc::from(buffer.as_str())
            }
            // Not reentrant in practice; were it, a fresh buffer gives the same key.
            Err(_) => Arc::from(pem_join_key(pem)),
        });
        Self {
            hash: hasher.hash_one(&*text),
            text,
        }
    }
}

impl PartialEq for JoinKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for JoinKey {}

impl Hash for JoinKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hasher of [`JoinMap`]: passes a [`JoinKey`]'s precomputed hash through.
#[derive(Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `JoinKey`; this keeps any other input well defined.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A map keyed by [`JoinKey`], hashing each key in O(1).
pub(crate) type JoinMap<V> = HashMap<JoinKey, V, BuildHasherDefault<Prehashed>>;

/// A certificate entry of the provider's databag, as published on one relation: what a provider
/// published and a requirer reads (PEMs exactly as they are on the wire). The wire entry itself
/// is the schema's `v1::ProviderCertificate`; this adds the relation.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PublishedCertificate {
    /// The relation.
    pub relation_id: RelationId,
    /// The certificate PEM.
    pub certificate: String,
    /// The CSR PEM it answers.
    pub csr: String,
    /// The CA PEM.
    pub ca: String,
    /// The chain PEMs, leaf first.
    pub chain: Vec<String>,
    /// Whether it is revoked.
    pub revoked: bool,
}

/// A provider's refusal of one request, as published on one relation (a `request_errors` entry
/// of the provider's databag): what a provider wrote and a requirer reads. The wire entry itself
/// is the schema's `v1::RequestError`; this adds the relation.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PublishedRequestError {
    /// The relation.
    pub relation_id: RelationId,
    /// The refused CSR (PEM as sent).
    pub csr: String,
    /// The error.
    pub error: ProviderError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_many_pem_like_texts_when_keyed_then_same_key_as_the_character_level_definition() {
        let pieces = [
            "-----BEGIN CERTIFICATE REQUEST-----",
            "-----END X-----",
            "-----",
            "--",
            "MIIBAAAA",
            "q/+=",
            " ",
            "\t",
            "\r",
            "\n",
            "\r\n",
            "\u{b}",
            "\u{c}",
            "\u{a0}",
            "\u{3000}",
            "\u{85}",
            "é",
        ];
        // A fixed linear congruential sequence: many varied texts, the same on every run.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 59) as usize;
            // One text in eight may hold non-ASCII pieces; the others take the byte-level path.
            let alphabet = if state & 7 == 0 { pieces.len() } else { 13 };
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                text.push_str(pieces[(state >> 33) as usize % alphabet]);
            }
            assert_eq!(pem_join_key(&text), pem_join_key_chars(&text), "{text:?}");
        }
    }

    #[test]
    fn given_the_same_csr_wrapped_differently_when_keyed_then_same_key() {
        let canonical =
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\nAAAA\n-----END CERTIFICATE REQUEST-----";
        for variant in [
            "-----BEGIN CERTIFICATE REQUEST-----\r\nMIIBAAAA\r\n-----END CERTIFICATE REQUEST-----\r\n",
            "  -----BEGIN CERTIFICATE REQUEST-----\n M I I B\t\u{b}\n\u{c}AAAA\n  -----END CERTIFICATE REQUEST-----\n\n",
        ] {
            assert_eq!(pem_join_key(variant), "MIIBAAAA");
        }
        assert_eq!(pem_join_key(canonical), "MIIBAAAA");
        // Non-ASCII whitespace is whitespace too (character-level path).
        assert_eq!(pem_join_key("\u{3000}MIIB\u{a0}AAAA"), "MIIBAAAA");
    }
}
