//! A tiny DER writer and reader: just what keys, CSRs and certificates need.
//!
//! Parsing of whole CSRs and certificates is done by `x509-parser`; this module encodes the
//! structures we build (names, extensions, TBS certificates, PKCS#8 wrappers) and reads the few
//! key containers (PKCS#1 / SEC1 / PKCS#8) we convert between.

use time::{OffsetDateTime, UtcOffset};

use crate::Error;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const IA5_STRING: u8 = 0x16;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// Context-specific, constructed `[n]`.
pub(crate) const fn context_constructed(n: u8) -> u8 {
    0xa0 | n
}

/// Context-specific, primitive `[n]`.
pub(crate) const fn context_primitive(n: u8) -> u8 {
    0x80 | n
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Short form: the length fits in 7 bits.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Writes a TLV with `content`.
pub(crate) fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_length(out, content.len());
    out.extend_from_slice(content);
}

/// Writes a TLV whose content is produced by `f` directly into `out`.
pub(crate) fn nested<R>(out: &mut Vec<u8>, tag: u8, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    out.push(tag);
    let start = out.len();
    let result = f(out);
    let len = out.len() - start;
    let mut header = Vec::with_capacity(5);
    push_length(&mut header, len);
    out.splice(start..start, header);
    result
}

/// Writes a non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn unsigned_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let trimmed = magnitude.get(skip..).unwrap_or_default();
    match trimmed.first() {
        None => tlv(out, INTEGER, &[0]),
        Some(first) if first & 0x80 != 0 => nested(out, INTEGER, |out| {
            out.push(0);
            out.extend_from_slice(trimmed);
        }),
        Some(_) => tlv(out, INTEGER, trimmed),
    }
}

/// Writes a BIT STRING with no unused bits.
pub(crate) fn bit_string(out: &mut Vec<u8>, bits: &[u8]) {
    nested(out, BIT_STRING, |out| {
        out.push(0);
        out.extend_from_slice(bits);
    });
}

/// Writes a BOOLEAN.
pub(crate) fn boolean(out: &mut Vec<u8>, value: bool) {
    tlv(out, BOOLEAN, &[if value { 0xff } else { 0 }]);
}

/// Encodes the content octets of a dotted OID (already validated by `canonical_oid`).
pub(crate) fn oid_content(dotted: &str) -> Result<Vec<u8>, Error> {
    let bad = || Error::Encoding {
        what: "object identifier",
        reason: format!("{dotted:?} is not a dotted object identifier"),
    };
    let arcs = dotted
        .split('.')
        .map(|a| a.parse::<u128>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    let (first, second, rest) = match arcs.as_slice() {
        [first, second, rest @ ..] if *first <= 2 && (*first == 2 || *second < 40) => {
            (*first, *second, rest)
        }
        _ => return Err(bad()),
    };
    let mut out = Vec::with_capacity(arcs.len() * 2);
    let head = first
        .checked_mul(40)
        .and_then(|h| h.checked_add(second))
        .ok_or_else(bad)?;
    for arc in core::iter::once(head).chain(rest.iter().copied()) {
        let mut groups = [0u8; 19];
        let mut n = 0;
        let mut value = arc;
        loop {
            if let Some(slot) = groups.get_mut(n) {
                *slot = (value & 0x7f) as u8;
            }
            n += 1;
            value >>= 7;
            if value == 0 {
                break;
            }
        }
        for i in (0..n).rev() {
            let group = groups.get(i).copied().unwrap_or_default();
            out.push(if i == 0 { group } else { group | 0x80 });
        }
    }
    Ok(out)
}

/// Writes an OBJECT IDENTIFIER.
pub(crate) fn oid(out: &mut Vec<u8>, dotted: &str) -> Result<(), Error> {
    tlv(out, OID, &oid_content(dotted)?);
    Ok(())
}

/// Writes a `Time`: UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
pub(crate) fn time(out: &mut Vec<u8>, at: OffsetDateTime) -> Result<(), Error> {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    let (month, day) = (u8::from(at.month()), at.day());
    let (hour, minute, second) = (at.hour(), at.minute(), at.second());
    if (1950..2050).contains(&year) {
        let text = format!(
            "{:02}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z",
            year % 100
        );
        tlv(out, UTC_TIME, text.as_bytes());
    } else if (0..=9999).contains(&year) {
        let text = format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z");
        tlv(out, GENERALIZED_TIME, text.as_bytes());
    } else {
        return Err(Error::Encoding {
            what: "validity",
            reason: format!("year {year} cannot be encoded"),
        });
    }
    Ok(())
}

/// A forward-only DER reader over definite-length, single-byte-tag TLVs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// Reads the next TLV: `(tag, content, whole TLV)`.
    pub(crate) fn read_raw(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let (&tag, rest) = self.data.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags never occur in what we read
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let (len_bytes, after) = rest.split_at_checked(n)?;
            rest = after;
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 || len_bytes.first() == Some(&0) {
                return None; // not minimal: DER forbids it
            }
            len
        };
        let (content, after) = rest.split_at_checked(len)?;
        let header_len = self.data.len() - rest.len();
        let whole = self.data.get(..header_len + len)?;
        self.data = after;
        Some((tag, content, whole))
    }

    /// Reads the next TLV, which must have `tag`, and returns its content.
    pub(crate) fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.read_raw()? {
            (t, content, _) if t == tag => Some(content),
            _ => None,
        }
    }

    /// Reads an INTEGER that fits in a `u8`.
    pub(crate) fn small_integer(&mut self) -> Option<u8> {
        match self.expect(INTEGER)? {
            [value] if value & 0x80 == 0 => Some(*value),
            _ => None,
        }
    }
}

/// Reads `input` as exactly one TLV with `tag` and returns its content.
pub(crate) fn single(input: &[u8], tag: u8) -> Option<&[u8]> {
    let mut reader = Reader::new(input);
    let content = reader.expect(tag)?;
    reader.is_empty().then_some(content)
}

/// `CertificationRequest ::= SEQUENCE { CertificationRequestInfo ::= SEQUENCE { version
/// INTEGER, subject Name, subjectPKInfo SubjectPublicKeyInfo, [0] attributes }, ... }`: the
/// whole subjectPKInfo TLV, found without parsing the rest or checking the signature.
pub(crate) fn csr_spki(der: &[u8]) -> Option<&[u8]> {
    let request = single(der, SEQUENCE)?;
    let mut info = Reader::new(Reader::new(request).expect(SEQUENCE)?);
    info.expect(INTEGER)?;
    info.expect(SEQUENCE)?;
    sequence_tlv(&mut info)
}

/// `Certificate ::= SEQUENCE { TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serial
/// INTEGER, signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name,
/// subjectPublicKeyInfo, ... }, ... }`: the whole SPKI TLV, found without parsing the rest or
/// checking the signature.
pub(crate) fn certificate_spki(der: &[u8]) -> Option<&[u8]> {
    let certificate = single(der, SEQUENCE)?;
    let mut tbs = Reader::new(Reader::new(certificate).expect(SEQUENCE)?);
    if tbs.peek_tag() == Some(context_constructed(0)) {
        tbs.read_raw()?;
    }
    tbs.expect(INTEGER)?;
    for _ in 0..4 {
        // signature, issuer, validity, subject
        tbs.expect(SEQUENCE)?;
    }
    sequence_tlv(&mut tbs)
}

/// The next TLV, which must be a SEQUENCE, whole (header included).
fn sequence_tlv<'a>(reader: &mut Reader<'a>) -> Option<&'a [u8]> {
    match reader.read_raw()? {
        (SEQUENCE, _, whole) => Some(whole),
        _ => None,
    }
}

/// Decodes OID content octets to dotted text.
pub(crate) fn oid_to_string(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    let mut in_arc = false;
    for &b in content {
        if !in_arc && b == 0x80 {
            return None; // non-minimal encoding
        }
        value = value.checked_mul(128)?.checked_add(u128::from(b & 0x7f))?;
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(value);
            value = 0;
        }
    }
    if in_arc {
        return None;
    }
    let (&head, rest) = arcs.split_first()?;
    let (first, second) = match head {
        0..40 => (0, head),
        40..80 => (1, head - 40),
        _ => (2, head - 80),
    };
    let mut text = format!("{first}.{second}");
    for arc in rest {
        text.push('.');
        text.push_str(&arc.to_string());
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_dotted_oids_when_encoded_then_they_decode_back() {
        for dotted in [
            "2.5.29.17",
            "1.2.840.113549.1.1.11",
            "1.3.6.1.4.1.32473.1.2",
            "2.999.3",
        ] {
            let content = oid_content(dotted).unwrap_or_default();
            assert_eq!(oid_to_string(&content).as_deref(), Some(dotted));
        }
        assert_eq!(
            oid_content("2.5.29.17").unwrap_or_default(),
            [0x55, 0x1d, 0x11]
        );
    }

    #[test]
    fn given_long_content_when_nested_then_length_uses_long_form() {
        let mut out = Vec::new();
        nested(&mut out, SEQUENCE, |out| out.extend_from_slice(&[7u8; 300]));
        assert_eq!(out.get(..4), Some(&[0x30, 0x82, 0x01, 0x2c][..]));
        let content = single(&out, SEQUENCE).unwrap_or_default();
        assert_eq!(content.len(), 300);
    }

    #[test]
    fn given_integers_with_high_bit_or_leading_zeros_when_encoded_then_minimal_and_positive() {
        let mut out = Vec::new();
        unsigned_integer(&mut out, &[0, 0, 0x80, 1]);
        assert_eq!(out, [0x02, 0x03, 0x00, 0x80, 0x01]);
        out.clear();
        unsigned_integer(&mut out, &[0, 0]);
        assert_eq!(out, [0x02, 0x01, 0x00]);
    }

    #[test]
    fn given_truncated_or_non_minimal_lengths_when_read_then_rejected() {
        assert!(Reader::new(&[0x30, 0x05, 0x01]).read_raw().is_none());
        assert!(
            Reader::new(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0])
                .read_raw()
                .is_none()
        );
        assert!(Reader::new(&[0x30]).read_raw().is_none());
    }
}
