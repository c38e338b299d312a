//! PKCS#8 v2 (`OneAsymmetricKey`, RFC 5958) to v1 (`PrivateKeyInfo`) for OpenSSL.
//!
//! ring writes Ed25519 keys as PKCS#8 v2, with the public key in a trailing `[1]` field.
//! OpenSSL's PKCS#8 decoder only knows v1 and rejects that field. This module rewrites v2 DER as
//! v1 (version 0, `[1] publicKey` dropped) and hands back the embedded public key so the caller
//! can check it against the one OpenSSL derives. Every read is bounds-checked; malformed input
//! becomes [`Error::MalformedKey`].

use zeroize::Zeroizing;

use crate::Error;

/// DER tag of a SEQUENCE.
const TAG_SEQUENCE: u8 = 0x30;
/// DER tag of an INTEGER.
const TAG_INTEGER: u8 = 0x02;
/// DER tag of a BIT STRING.
const TAG_BIT_STRING: u8 = 0x03;
/// `[0] IMPLICIT Attributes` (constructed).
const TAG_ATTRIBUTES: u8 = 0xa0;
/// `[1] IMPLICIT BIT STRING` publicKey, as RFC 5958 writes it (primitive).
const TAG_PUBLIC_KEY_IMPLICIT: u8 = 0x81;
/// `[1]` publicKey wrapping a BIT STRING (constructed), as ring writes it.
const TAG_PUBLIC_KEY_EXPLICIT: u8 = 0xa1;

/// A PKCS#8 key in the form OpenSSL reads.
pub(super) struct V1Pkcs8 {
    /// `PrivateKeyInfo` DER (version 0). Secret.
    pub(super) der: Zeroizing<Vec<u8>>,
    /// The public key bits the v2 input carried, to be checked against the derived ones.
    pub(super) embedded_public_key: Option<Vec<u8>>,
}

/// Rewrites PKCS#8 v2 as v1; returns `None` when `der` is not v2 (let OpenSSL judge it as is).
pub(super) fn v2_to_v1(der: &[u8]) -> Result<Option<V1Pkcs8>, Error> {
    let Some(Tlv {
        tag: TAG_SEQUENCE,
        content: body,
        ..
    }) = read_tlv(der)
    else {
        return Ok(None);
    };
    let Some(Tlv {
        tag: TAG_INTEGER,
        content: [1],
        rest,
        ..
    }) = read_tlv(body)
    else {
        return Ok(None);
    };
    let (algorithm, rest) = element(rest, "privateKeyAlgorithm")?;
    let (private_key, mut rest) = element(rest, "privateKey")?;
    let mut attributes: &[u8] = &[];
    let mut embedded_public_key = None;
    while let Some(Tlv {
        tag,
        content,
        whole,
        rest: next,
    }) = read_tlv(rest)
    {
        match tag {
            TAG_ATTRIBUTES if attributes.is_empty() && embedded_public_key.is_none() => {
                attributes = whole;
            }
            TAG_PUBLIC_KEY_IMPLICIT if embedded_public_key.is_none() => {
                embedded_public_key = Some(bit_string_bits(content)?);
            }
            TAG_PUBLIC_KEY_EXPLICIT if embedded_public_key.is_none() => {
                let Some(Tlv {
                    tag: TAG_BIT_STRING,
                    content: bits,
                    rest: [],
                    ..
                }) = read_tlv(content)
                else {
                    return Err(malformed("publicKey is not a BIT STRING"));
                };
                embedded_public_key = Some(bit_string_bits(bits)?);
            }
            _ => return Err(malformed("unexpected field after privateKey")),
        }
        rest = next;
    }
    if !rest.is_empty() {
        return Err(malformed("trailing bytes in OneAsymmetricKey"));
    }

    let mut inner = Zeroizing::new(Vec::with_capacity(body.len()));
    inner.extend_from_slice(&[TAG_INTEGER, 1, 0]);
    inner.extend_from_slice(algorithm);
    inner.extend_from_slice(private_key);
    inner.extend_from_slice(attributes);
    let mut der = Zeroizing::new(Vec::with_capacity(inner.len() + 6));
    der.push(TAG_SEQUENCE);
    push_length(&mut der, inner.len());
    der.extend_from_slice(&inner);
    Ok(Some(V1Pkcs8 {
        der,
        embedded_public_key,
    }))
}

/// The next element, whole, or a [`Error::MalformedKey`] naming the missing `field`.
fn element<'a>(input: &'a [u8], field: &str) -> Result<(&'a [u8], &'a [u8]), Error> {
    read_tlv(input)
        .map(|tlv| (tlv.whole, tlv.rest))
        .ok_or_else(|| malformed(&format!("missing or malformed {field}")))
}

/// The bits of a BIT STRING's content (which must have no unused bits).
fn bit_string_bits(content: &[u8]) -> Result<Vec<u8>, Error> {
    match content.split_first() {
        Some((0, bits)) => Ok(bits.to_vec()),
        _ => Err(malformed(
            "publicKey BIT STRING has unused bits or is empty",
        )),
    }
}

/// One DER element and what follows it.
struct Tlv<'a> {
    /// The (single-byte) tag.
    tag: u8,
    /// The content octets.
    content: &'a [u8],
    /// The whole element: tag, length and content.
    whole: &'a [u8],
    /// The input after the element.
    rest: &'a [u8],
}

/// Reads one DER element. Single-byte tags, lengths below 2^24 (more than any key), definite
/// form only.
fn read_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_first) = after_tag.split_first()?;
    let (length, after_length) = match first {
        0..=0x7f => (usize::from(first), after_first),
        0x81..=0x83 => {
            let count = usize::from(first & 0x7f);
            let bytes = after_first.get(..count)?;
            let length = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (length, after_first.get(count..)?)
        }
        _ => return None,
    };
    let content = after_length.get(..length)?;
    let rest = after_length.get(length..)?;
    let header = input.len() - after_length.len();
    let whole = input.get(..header + length)?;
    Some(Tlv {
        tag,
        content,
        whole,
        rest,
    })
}

/// Appends a DER definite length.
fn push_length(out: &mut Vec<u8>, length: usize) {
    // Lossless: each byte is masked or shifted into range first.
    let byte = |shift: u32| u8::try_from((length >> shift) & 0xff).unwrap_or(0);
    match length {
        0..=0x7f => out.push(byte(0)),
        0x80..=0xff => out.extend_from_slice(&[0x81, byte(0)]),
        0x100..=0xffff => out.extend_from_slice(&[0x82, byte(8), byte(0)]),
        _ => out.extend_from_slice(&[0x83, byte(16), byte(8), byte(0)]),
    }
}

/// A [`Error::MalformedKey`] about PKCS#8 v2.
fn malformed(reason: &str) -> Error {
    Error::MalformedKey {
        reason: format!("pkcs#8 v2: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_lengths_of_every_form_when_written_and_read_then_they_round_trip() {
        for length in [0usize, 1, 0x7f, 0x80, 0xff, 0x100, 0x1234, 0xffff, 0x10000] {
            let mut der = vec![0x04];
            push_length(&mut der, length);
            der.resize(der.len() + length, 0xaa);
            let tlv = read_tlv(&der).unwrap();
            assert_eq!(
                (tlv.tag, tlv.content.len(), tlv.whole.len(), tlv.rest.len()),
                (4, length, der.len(), 0)
            );
        }
    }

    #[test]
    fn given_v1_or_non_pkcs8_input_then_it_is_left_alone() {
        assert!(v2_to_v1(&[]).unwrap().is_none());
        assert!(v2_to_v1(b"garbage").unwrap().is_none());
        assert!(v2_to_v1(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap().is_none());
    }

    #[test]
    fn given_a_v2_key_with_trailing_junk_then_it_is_malformed() {
        // SEQUENCE { INTEGER 1, SEQUENCE {}, OCTET STRING {}, NULL }
        let der = [
            0x30, 0x09, 0x02, 0x01, 0x01, 0x30, 0x00, 0x04, 0x00, 0x05, 0x00,
        ];
        assert!(matches!(v2_to_v1(&der), Err(Error::MalformedKey { .. })));
    }

    #[test]
    fn given_every_truncation_of_a_v2_key_then_no_panic() {
        let der = [
            0x30, 0x10, 0x02, 0x01, 0x01, 0x30, 0x00, 0x04, 0x02, 0xaa, 0xbb, 0x81, 0x03, 0x00,
            0x01, 0x02, 0xa0, 0x00,
        ];
        for len in 0..=der.len() {
            let _ = v2_to_v1(&der[..len]);
        }
    }
}
