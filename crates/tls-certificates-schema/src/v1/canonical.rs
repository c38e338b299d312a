//! Reading a `certificates` value that is exactly what [`crate::json`] writes for its entries.
//!
//! A provider reads its own `certificates` value back on every hook, and needs to know whether
//! writing its entries would change it. When the value is in the canonical form (what this
//! crate and Python's `json.dumps` write: `", "` and `": "` separators, members in the model's
//! order, `chain`/`revoked` only when set, Python's escapes, PEMs without surrounding
//! whitespace), re-encoding the entries gives the value back byte for byte, so nothing needs
//! to be encoded or compared. This reader accepts exactly that form, as the inverse of the
//! writer, and gives up (`None`) on anything else; the caller then decodes tolerantly.

use super::certificate::ProviderCertificate;
use super::requirer::CertificateSigningRequest;
use crate::{PemCertificate, PemCsr};

/// A cursor over the text being read.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    /// Consumes `literal` if the text continues with it.
    fn eat(&mut self, literal: &str) -> bool {
        let found = self.rest().starts_with(literal.as_bytes());
        if found {
            self.at += literal.len();
        }
        found
    }

    fn expect(&mut self, literal: &str) -> Option<()> {
        self.eat(literal).then_some(())
    }

    /// Four lowercase hex digits (the writer's `{:04x}`).
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        let mut value = 0;
        for digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                _ => return None,
            };
            value = value * 16 + u32::from(nibble);
        }
        self.at += 4;
        Some(value)
    }

    /// The length in bytes of the string literal body starting here (up to its closing
    /// quote), an upper bound of its decoded length; `None` if it is not terminated.
    fn literal_len(&self) -> Option<usize> {
        let rest = self.text.get(self.at..)?;
        let mut from = 0;
        loop {
            // `str::find` of one byte is a fast memchr.
            let quote = from + rest.get(from..)?.find('"')?;
            let backslashes = rest.as_bytes()[..quote]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                return Some(quote);
            }
            from = quote + 1;
        }
    }

    /// A JSON string written by [`crate::json::write_str`], decoded.
    ///
    /// The closing quote is found first (a fast byte search); everything before it must be
    /// printable ASCII (checked in one pass the compiler vectorizes), and only the escapes are
    /// then looked at one by one.
    fn string(&mut self) -> Option<String> {
        self.expect("\"")?;
        let start = self.at;
        let end = start + self.literal_len()?;
        let body = self.text.get(start..end)?;
        // The writer escapes every control character, DEL and all non-ASCII text.
        if !body
            .bytes()
            .fold(true, |ok, b| ok & matches!(b, b' '..=b'~'))
        {
            return None;
        }
        let mut out = String::with_capacity(body.len());
        loop {
            let rest = self.text.as_bytes().get(self.at..end)?;
            // A PEM's base64 lines are 64 characters, each followed by `\n`: the next escape
            // is looked for there first, with a check of those 64 bytes that vectorizes.
            let backslash = match rest.get(64) {
                Some(b'\\')
                    if !rest[..64]
                        .iter()
                        .fold(false, |seen, b| seen | (*b == b'\\')) =>
                {
                    Some(64)
                }
                _ => rest.iter().position(|b| *b == b'\\'),
            };
            let Some(backslash) = backslash else {
                break;
            };
            // Printable ASCII up to the backslash: both ends are char boundaries.
            out.push_str(self.text.get(self.at..self.at + backslash)?);
            self.at += backslash + 1;
            out.push(self.escape()?);
        }
        out.push_str(self.text.get(self.at..end)?);
        self.at = end + 1;
        Some(out)
    }

    /// The character of the escape after a backslash, if the writer would write it that way.
    fn escape(&mut self) -> Option<char> {
        let short = match self.rest().first()? {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'u' => None,
            _ => return None,
        };
        self.at += 1;
        if short.is_some() {
            return short;
        }
        let unit = self.hex4()?;
        let c = match unit {
            0xd800..=0xdbff => {
                self.expect("\\u")?;
                let low = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return None;
                }
                char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))?
            }
            _ => char::from_u32(unit)?,
        };
        // Only what the writer writes as `\uXXXX`: not printable ASCII, no short escape.
        let written_plain_or_short =
            matches!(c, ' '..='~' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}');
        (!written_plain_or_short).then_some(c)
    }

    /// A PEM string as the writer writes it: no surrounding whitespace (the newtypes strip it,
    /// so a value with some would not come back the same).
    fn pem(&mut self) -> Option<String> {
        let text = self.string()?;
        (text.trim().len() == text.len()).then_some(text)
    }

    fn certificate(&mut self) -> Option<PemCertificate> {
        PemCertificate::from_string(self.pem()?).ok()
    }

    /// One request, as `CertificateSigningRequest::write` writes it.
    fn request(&mut self) -> Option<CertificateSigningRequest> {
        self.expect("{\"certificate_signing_request\": ")?;
        let certificate_signing_request = PemCsr::from_string(self.pem()?).ok()?;
        self.expect(", \"ca\": ")?;
        let ca = if self.eat("true") {
            Some(true)
        } else if self.eat("false") {
            Some(false)
        } else {
            self.expect("null")?;
            None
        };
        self.expect("}")?;
        Some(CertificateSigningRequest {
            certificate_signing_request,
            ca,
        })
    }

    /// One entry, as `ProviderCertificate::write` writes it.
    fn entry(&mut self) -> Option<ProviderCertificate> {
        self.expect("{\"ca\": ")?;
        let ca = self.certificate()?;
        self.expect(", \"certificate_signing_request\": ")?;
        let certificate_signing_request = PemCsr::from_string(self.pem()?).ok()?;
        self.expect(", \"certificate\": ")?;
        let certificate = self.certificate()?;
        let chain = if self.eat(", \"chain\": [") {
            let mut chain = Vec::new();
            if !self.eat("]") {
                loop {
                    chain.push(self.certificate()?);
                    if self.eat("]") {
                        break;
                    }
                    self.expect(", ")?;
                }
            }
            Some(chain)
        } else {
            None
        };
        let revoked = if self.eat(", \"revoked\": ") {
            if self.eat("true") {
                Some(true)
            } else {
                self.expect("false")?;
                Some(false)
            }
        } else {
            None
        };
        self.expect("}")?;
        Some(ProviderCertificate {
            ca,
            certificate_signing_request,
            certificate,
            chain,
            revoked,
        })
    }
}

/// The entries of `text` if it is exactly what encoding them writes (see the module docs), else
/// `None`. An empty list is never written (the key is deleted), so `[]` is not canonical.
pub(crate) fn certificates(text: &str) -> Option<Vec<ProviderCertificate>> {
    let mut reader = Reader { text, at: 0 };
    reader.expect("[")?;
    let mut entries = Vec::new();
    loop {
        entries.push(reader.entry()?);
        if reader.eat("]") {
            break;
        }
        reader.expect(", ")?;
    }
    (reader.at == text.len()).then_some(entries)
}

/// The first `cap` requests of `text` and the number of bytes after them (0 when the list ends
/// within the cap), if the list is exactly what encoding its requests writes up to there (see
/// the module docs); what follows the first `cap` is not read. `None` for anything else.
pub(crate) fn requests(text: &str, cap: usize) -> Option<(Vec<CertificateSigningRequest>, usize)> {
    let mut reader = Reader { text, at: 0 };
    reader.expect("[")?;
    let mut entries = Vec::new();
    loop {
        if entries.len() == cap {
            return Some((entries, text.len() - reader.at));
        }
        entries.push(reader.request()?);
        if reader.eat("]") {
            break;
        }
        reader.expect(", ")?;
    }
    (reader.at == text.len()).then_some((entries, 0))
}
