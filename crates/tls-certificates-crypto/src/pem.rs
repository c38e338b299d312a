//! PEM newtypes. All hold canonical PEM text: base64 in 64-column lines, `\n` line ends and no
//! trailing newline (the form the Python library puts on the wire).

use core::fmt;

use zeroize::Zeroizing;

/// A PEM certificate signing request (`-----BEGIN CERTIFICATE REQUEST-----`).
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CsrPem(pub(crate) String);

/// A PEM certificate (`-----BEGIN CERTIFICATE-----`).
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CertificatePem(pub(crate) String);

/// A PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) for RSA, SEC1 (`BEGIN EC PRIVATE KEY`) for
/// ECDSA, PKCS#8 (`BEGIN PRIVATE KEY`) for Ed25519. Zeroized on drop; `Debug` is redacted.
#[derive(Clone, Eq, PartialEq)]
pub struct PrivateKeyPem(pub(crate) Zeroizing<String>);

impl CsrPem {
    /// The PEM text (no trailing newline).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CertificatePem {
    /// The PEM text (no trailing newline).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PrivateKeyPem {
    /// The PEM text (no trailing newline). Handle with care: this is secret.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CsrPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CertificatePem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyPem([redacted])")
    }
}

/// Encodes `der` as canonical PEM under `label` (for example `"PUBLIC KEY"`): base64 in
/// 64-column lines, `\n` line ends, no trailing newline: the form every PEM this crate
/// produces has, and the one the Python library puts on the wire.
///
/// `label` is written as given; pass an RFC 7468 label. The result is a plain `String`: use it
/// for public data. Private keys go through the backend's `export_private_key`, whose
/// [`PrivateKeyPem`] is zeroized on drop.
///
/// # Examples
///
/// ```
/// let pem = tls_certificates_crypto::pem_from_der("PUBLIC KEY", &[0u8; 48]);
/// assert_eq!(
///     pem,
///     "-----BEGIN PUBLIC KEY-----\n\
///      AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\
///      -----END PUBLIC KEY-----"
/// );
/// ```
pub fn pem_from_der(label: &str, der: &[u8]) -> String {
    core::mem::take(&mut *encode(label, der))
}

/// Largest PEM or DER input accepted before any parsing (1 MiB): relation data is hostile.
pub(crate) const MAX_INPUT_SIZE: usize = 1 << 20;

/// Rejects inputs over [`MAX_INPUT_SIZE`].
pub(crate) fn check_size(size: usize) -> Result<(), crate::Error> {
    if size > MAX_INPUT_SIZE {
        Err(crate::Error::InputTooLarge {
            size,
            limit: MAX_INPUT_SIZE,
        })
    } else {
        Ok(())
    }
}

/// A decoded PEM section: its kind and its DER (zeroized on drop: it may be a key).
pub(crate) type Section = (rustls_pki_types::pem::SectionKind, Zeroizing<Vec<u8>>);

/// Decodes every PEM section of `pem` whose kind is in `kinds`, in order.
///
/// Text around and between sections is ignored; CRLF and any line wrapping are accepted.
/// Returns [`crate::Error::InvalidPem`] when the PEM is malformed or has no wanted section.
pub(crate) fn decode(
    pem: &str,
    kinds: &[rustls_pki_types::pem::SectionKind],
    expected: &'static str,
) -> Result<Vec<Section>, crate::Error> {
    use rustls_pki_types::pem::{PemObject, SectionKind};

    check_size(pem.len())?;
    let mut sections = Vec::new();
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem.as_bytes()) {
        let (kind, der) = section.map_err(|e| crate::Error::InvalidPem {
            expected,
            reason: e.to_string(),
        })?;
        let der = Zeroizing::new(der);
        if kinds.contains(&kind) {
            sections.push((kind, der));
        }
    }
    if sections.is_empty() {
        return Err(crate::Error::InvalidPem {
            expected,
            reason: "no such PEM block found".into(),
        });
    }
    Ok(sections)
}

/// Decodes the first PEM section of `pem` whose kind is in `kinds`, or `None` when there is
/// none, the input is over [`MAX_INPUT_SIZE`], or a section before it is malformed.
pub(crate) fn first(pem: &str, kinds: &[rustls_pki_types::pem::SectionKind]) -> Option<Section> {
    use rustls_pki_types::pem::{PemObject, SectionKind};

    check_size(pem.len()).ok()?;
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem.as_bytes()) {
        let (kind, der) = section.ok()?;
        let der = Zeroizing::new(der);
        if kinds.contains(&kind) {
            return Some((kind, der));
        }
    }
    None
}

/// Decodes `pem` when it is exactly one certificate or CSR section in the strict form libraries
/// write: the `BEGIN` line first, base64 lines (any width, `\n` or `\r\n`), the matching `END`
/// line, then only whitespace; canonical base64. `None` for anything else, and the caller then
/// uses [`first`], which accepts everything PEM allows and gives the same DER for what this
/// accepts (both are standard base64; this one refuses non-canonical padding bits).
///
/// About five times faster than [`first`] on a certificate because the base64 decoder is not
/// constant-time: **public data only** (certificates and CSRs from relation data), never keys.
pub(crate) fn single_public(pem: &str) -> Option<(rustls_pki_types::pem::SectionKind, Vec<u8>)> {
    use rustls_pki_types::pem::SectionKind;

    if pem.len() > MAX_INPUT_SIZE {
        return None;
    }
    let text = pem.trim_end_matches([' ', '\t', '\r', '\n']);
    let (kind, label) = if text.starts_with("-----BEGIN CERTIFICATE-----") {
        (SectionKind::Certificate, "CERTIFICATE")
    } else if text.starts_with("-----BEGIN CERTIFICATE REQUEST-----") {
        (SectionKind::Csr, "CERTIFICATE REQUEST")
    } else {
        return None;
    };
    // "-----BEGIN " + label + "-----" and "-----END " + label + "-----".
    let body = text
        .get(16 + label.len()..)?
        .strip_suffix("-----")?
        .strip_suffix(label)?
        .strip_suffix("-----END ")?;
    let bytes = body.as_bytes();
    let mut der = Vec::with_capacity(bytes.len() / 4 * 3);
    // The canonical layout (`\n`, then lines of 64 characters and a `\n`, the last one
    // shorter) is cut into lines without scanning for newlines.
    let lines = bytes.get(1..).unwrap_or_default();
    let canonical =
        bytes.first() == Some(&b'\n') && lines.chunks(65).all(|line| line.last() == Some(&b'\n'));
    if canonical {
        decode_lines(
            lines
                .chunks(65)
                .map(|line| line.strip_suffix(b"\n").unwrap_or(line)),
            &mut der,
        )?;
    } else {
        decode_lines(
            bytes
                .split(|b| *b == b'\n')
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line)),
            &mut der,
        )?;
    }
    Some((kind, der))
}

/// The DER of the first section of `kind` in `pem` (public data: a CSR or a certificate). The
/// strict form of [`single_public`] takes its fast decoder; anything else is decoded by
/// [`decode`], with its errors (`expected` names the block in them).
pub(crate) fn public_der(
    pem: &str,
    kind: rustls_pki_types::pem::SectionKind,
    expected: &'static str,
) -> Result<Vec<u8>, crate::Error> {
    if let Some((found, der)) = single_public(pem)
        && found == kind
    {
        return Ok(der);
    }
    let mut sections = decode(pem, &[kind], expected)?;
    let (_, der) = sections.swap_remove(0);
    Ok(der.to_vec())
}

/// Decodes base64 `lines` (empty ones skipped) into `der`, as their concatenation decodes.
///
/// Lines of whole quads (every line of a canonical PEM) decode one by one, straight into the
/// DER: the same as decoding them joined, as long as padding only ends the last one. Other
/// wrapping is joined first. The decoder refuses anything outside the base64 alphabet (spaces,
/// text, a second `-----`).
fn decode_lines<'a>(
    lines: impl Iterator<Item = &'a [u8]> + Clone,
    der: &mut Vec<u8>,
) -> Option<()> {
    use base64::Engine as _;

    let engine = &base64::engine::general_purpose::STANDARD;
    let lines = lines.filter(|line| !line.is_empty());
    let mut rest = lines.clone().peekable();
    while let Some(line) = rest.next() {
        if rest.peek().is_some() && (line.len() % 4 != 0 || line.last() == Some(&b'=')) {
            der.clear();
            engine
                .decode_vec(lines.collect::<Vec<_>>().concat(), der)
                .ok()?;
            return Some(());
        }
        engine.decode_vec(line, der).ok()?;
    }
    Some(())
}

/// Encodes DER as canonical PEM: 64-column base64 lines, `\n` line ends, no trailing newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> Zeroizing<String> {
    use base64::Engine as _;

    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----");
    Zeroizing::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_der_when_pem_from_der_then_canonical_and_it_decodes_back() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = pem_from_der("PUBLIC KEY", &der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN PUBLIC KEY-----"));
        assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
        assert!(lines.iter().all(|l| l.len() <= 64));
        assert!(!pem.ends_with('\n'));
        let (_, back) = first(&pem, &[rustls_pki_types::pem::SectionKind::PublicKey]).unwrap();
        assert_eq!(*back, der);
        assert_eq!(pem_from_der("X", &[]), "-----BEGIN X-----\n-----END X-----");
    }
}
