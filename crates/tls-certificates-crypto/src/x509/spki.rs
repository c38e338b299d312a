//! The SPKI fast path: a CSR's or certificate's public key found without a full parse.

use rustls_pki_types::pem::SectionKind;

use crate::der;

/// The `SubjectPublicKeyInfo` DER (the whole TLV) of the first `CERTIFICATE REQUEST` or
/// `CERTIFICATE` block of `pem`, found without a full parse.
///
/// **Unverified**: this finds the SPKI bytes of a CSR or certificate without checking any
/// signature, name, extension or key, and does not say which of the two it read. It is a cheap
/// pre-check (for example "is this request already answered with a certificate for the same
/// key?"); anything it answers must be confirmed by the verifying `parse_csr` /
/// `parse_certificate` of a [`CryptoBackend`](crate::CryptoBackend) before it is trusted. For a
/// parsed value use [`PublicKey::spki_der`](crate::PublicKey::spki_der).
///
/// Returns `None` for anything unexpected: no such block, malformed PEM, input over 1 MiB,
/// non-DER lengths, or a structure that is not a CSR / certificate up to its public key.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "ring")] {
/// use tls_certificates_crypto::{spki_of_pem, CertificateRequestAttributes, KeyAlgorithm};
///
/// let backend = tls_certificates_crypto::ring::backend();
/// let key = backend.generate_key(KeyAlgorithm::EcdsaP256)?;
/// let attributes = CertificateRequestAttributes::builder().common_name("a").build()?;
/// let csr = backend.create_csr(&key, &attributes)?;
/// assert_eq!(spki_of_pem(csr.pem().as_str()).as_deref(), Some(key.public_key().spki_der()));
/// assert_eq!(spki_of_pem("not PEM"), None);
/// # }
/// # Ok::<(), tls_certificates_crypto::Error>(())
/// ```
pub fn spki_of_pem(pem: &str) -> Option<Vec<u8>> {
    match crate::pem::single_public(pem) {
        Some((kind, der)) => spki_of_der(kind, &der),
        None => {
            let (kind, der) =
                crate::pem::first(pem, &[SectionKind::Csr, SectionKind::Certificate])?;
            spki_of_der(kind, &der)
        }
    }
}

fn spki_of_der(kind: SectionKind, der: &[u8]) -> Option<Vec<u8>> {
    let spki = match kind {
        SectionKind::Csr => der::csr_spki(der),
        _ => der::certificate_spki(der),
    };
    spki.map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interop/fixtures/python-reference"
    );

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn given_python_csr_and_its_certificate_when_spki_found_then_equal_and_the_parsed_key() {
        let csr = spki_of_pem(&fixture("csr.pem")).unwrap();
        let cert = spki_of_pem(&fixture("certificate.pem")).unwrap();
        assert_eq!(csr, cert);
        let other = spki_of_pem(&fixture("ec_certificate.pem")).unwrap();
        assert_ne!(other, csr);
        let ec_csr = spki_of_pem(&fixture("ec_csr.pem")).unwrap();
        assert_eq!(ec_csr, other);
        // A bundle: the first block decides; text around it and CRLF are fine.
        let chain = fixture("chain.pem");
        let first = chain
            .split_inclusive("-----END CERTIFICATE-----")
            .next()
            .unwrap();
        let bundle = format!("leading text\r\n{}\r\n", chain.replace('\n', "\r\n"));
        assert_eq!(spki_of_pem(&bundle), spki_of_pem(first));
        // Keys are not CSRs or certificates.
        assert_eq!(spki_of_pem(&fixture("private_key.pem")), None);
    }

    /// The general decoder alone (what `spki_of_pem` falls back to).
    fn spki_general(pem: &str) -> Option<Vec<u8>> {
        let (kind, der) = crate::pem::first(pem, &[SectionKind::Csr, SectionKind::Certificate])?;
        spki_of_der(kind, &der)
    }

    #[test]
    fn the_strict_public_decoder_agrees_with_the_general_one_or_declines() {
        let agree = |text: &str| {
            assert_eq!(spki_of_pem(text), spki_general(text), "{text}");
            let strict = crate::pem::single_public(text);
            if let Some((kind, der)) = &strict {
                let (general_kind, general_der) =
                    crate::pem::first(text, &[SectionKind::Csr, SectionKind::Certificate]).unwrap();
                assert_eq!(
                    (*kind, der.as_slice()),
                    (general_kind, general_der.as_slice())
                );
            }
            strict.is_some()
        };
        for name in [
            "csr.pem",
            "certificate.pem",
            "ec_certificate.pem",
            "ec_csr.pem",
        ] {
            let pem = fixture(name);
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let (begin, end) = (pem.lines().next().unwrap(), pem.lines().last().unwrap());
            let rewrapped = |width: usize, eol: &str| {
                let lines: Vec<&str> = body
                    .as_bytes()
                    .chunks(width)
                    .map(|c| core::str::from_utf8(c).unwrap())
                    .collect();
                format!("{begin}{eol}{}{eol}{end}{eol}", lines.join(eol))
            };
            // What libraries write: the fast path takes it.
            for text in [
                pem.clone(),
                format!("{pem}\n\n"),
                pem.replace('\n', "\r\n"),
                rewrapped(76, "\n"),
                rewrapped(1, "\r\n"),
                rewrapped(10_000, "\n"),
            ] {
                assert!(agree(&text), "{name}: the fast path declined\n{text}");
            }
            // Everything else: same answer, whichever path gives it.
            let mut others = vec![
                format!("text before\n{pem}"),
                format!("{pem}\n{pem}"),
                pem.replacen(end, "-----END X509 CRL-----", 1),
                pem.replace("-----\n", "-----\n "),
                pem.replacen(&body[..8], "AA*AAAAA", 1),
                pem.get(..pem.len() - 40).unwrap().to_owned(),
                format!("{}\n{end}", &pem[..pem.len() - end.len() - 6]),
            ];
            // Non-canonical padding bits.
            if let Some(i) = pem.find("=\n") {
                let mut bytes = pem.clone().into_bytes();
                bytes[i - 1] = if bytes[i - 1] == b'A' { b'B' } else { b'A' };
                others.push(String::from_utf8(bytes).unwrap());
            }
            // Padding that ends an earlier line: joined, the body is invalid base64, although
            // each line alone would decode.
            let mut padded: Vec<String> = pem.lines().map(str::to_owned).collect();
            padded.insert(2, "AA==".to_owned());
            others.push(padded.join("\n"));
            // The same in the canonical layout: a full line ending in padding.
            let mut lines: Vec<String> = pem.lines().map(str::to_owned).collect();
            lines[2].replace_range(62.., "==");
            let canonical_padded = lines.join("\n");
            others.push(canonical_padded.clone());
            for text in &others {
                agree(text);
            }
            assert_eq!(spki_of_pem(&padded.join("\n")), None);
            assert_eq!(spki_of_pem(&canonical_padded), None);
            assert!(!agree(&format!("text before\n{pem}")));
            assert!(!agree(&format!("{pem}\n{pem}")));
        }
    }

    #[cfg(feature = "ring")]
    #[test]
    fn given_our_csrs_and_certificates_when_spki_found_then_it_is_the_parsed_public_key() {
        use time::{Duration, OffsetDateTime};

        use crate::{CertificateRequestAttributes, IssueProfile, Validity};

        let backend = crate::ring::backend();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let attributes = CertificateRequestAttributes::builder()
            .common_name("x")
            .build()
            .unwrap();
        let ca_key = backend
            .generate_key(crate::KeyAlgorithm::EcdsaP256)
            .unwrap();
        let ca = backend
            .create_self_signed_ca(
                &ca_key,
                &attributes,
                Validity::starting_at(now, Duration::days(9)),
            )
            .unwrap();
        let authority = backend.load_authority(&ca_key, ca).unwrap();
        for algorithm in [
            crate::KeyAlgorithm::Rsa2048,
            crate::KeyAlgorithm::EcdsaP384,
            crate::KeyAlgorithm::Ed25519,
        ] {
            let key = backend.generate_key(algorithm).unwrap();
            let csr = backend.create_csr(&key, &attributes).unwrap();
            let cert = authority
                .issue(
                    &csr,
                    &IssueProfile::leaf(Validity::starting_at(now, Duration::days(1))),
                )
                .unwrap();
            let expected = Some(key.public_key().spki_der());
            assert_eq!(spki_of_pem(csr.pem().as_str()).as_deref(), expected);
            assert_eq!(spki_of_pem(cert.pem().as_str()).as_deref(), expected);
            assert_eq!(der::csr_spki(csr.der()), expected);
            assert_eq!(der::certificate_spki(cert.der()), expected);
            // The walkers do not confuse the two structures.
            assert_eq!(der::csr_spki(cert.der()), None);
            assert_eq!(der::certificate_spki(csr.der()), None);
        }
    }

    #[test]
    fn given_hostile_input_when_spki_searched_then_none_and_no_panic() {
        for pem in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----",
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----\nMIQ=\n",
        ] {
            assert_eq!(spki_of_pem(pem), None, "{pem:?}");
        }
        let huge = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
            "A".repeat((1 << 20) + 4)
        );
        assert_eq!(spki_of_pem(&huge), None);
        for input in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x30, 0x80, 0x00, 0x00],
            &[0x30, 0x02, 0x30],
            &[0x30, 0x02, 0x30, 0x00],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
            &[0x3f, 0x01, 0x00],
        ] {
            assert_eq!(der::csr_spki(input), None, "{input:?}");
            assert_eq!(der::certificate_spki(input), None, "{input:?}");
        }
    }

    #[test]
    fn given_non_minimal_lengths_or_trailing_bytes_when_spki_searched_then_none() {
        let csr_pem = fixture("csr.pem");
        let (_, csr) = crate::pem::first(&csr_pem, &[SectionKind::Csr]).unwrap();
        assert!(der::csr_spki(&csr).is_some());
        // Trailing bytes after the outer SEQUENCE.
        let mut trailing = csr.to_vec();
        trailing.push(0);
        assert_eq!(der::csr_spki(&trailing), None);
        // The same CSR with its outer length in a non-minimal (one byte longer) form.
        let (_, content, _) = der::Reader::new(&csr).read_raw().unwrap();
        let mut long = vec![0x30, 0x83, 0x00];
        long.extend_from_slice(&u16::try_from(content.len()).unwrap().to_be_bytes());
        long.extend_from_slice(content);
        assert_eq!(der::csr_spki(&long), None);
        // Truncation anywhere.
        for end in 0..csr.len() {
            assert_eq!(der::csr_spki(csr.get(..end).unwrap()), None, "{end}");
        }
    }
}
