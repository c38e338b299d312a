//! Just enough DER to find the `SubjectPublicKeyInfo` of a CSR or a certificate without a full
//! parse or a signature check, so the provider can tell in microseconds that a request it
//! already answered is still answered. Any surprise returns `None` and the caller falls back
//! to the full, verifying parse.

use base64::Engine as _;

/// The DER inside a PEM text (first block), or `None`.
pub(crate) fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// One TLV at the start of `input`: `(tag, whole TLV, contents, rest)`.
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_len) = after_tag.split_first()?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = after_len.get(..n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let whole = input.get(..end)?;
    let contents = input.get(header..end)?;
    let rest = input.get(end..)?;
    Some((tag, whole, contents, rest))
}

const SEQUENCE: u8 = 0x30;

/// `CertificationRequest ::= SEQ { CertificationRequestInfo ::= SEQ { version, subject,
/// subjectPKInfo, [0] attributes }, ... }`: the subjectPKInfo TLV.
pub(crate) fn csr_spki(der: &[u8]) -> Option<&[u8]> {
    let (SEQUENCE, _, request, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, _, info, _) = tlv(request)? else {
        return None;
    };
    let (_, _, _, after_version) = tlv(info)?;
    let (SEQUENCE, _, _, after_subject) = tlv(after_version)? else {
        return None;
    };
    let (SEQUENCE, spki, _, _) = tlv(after_subject)? else {
        return None;
    };
    Some(spki)
}

/// `Certificate ::= SEQ { TBSCertificate ::= SEQ { [0] version OPTIONAL, serial, signature,
/// issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }`: the SPKI TLV.
pub(crate) fn certificate_spki(der: &[u8]) -> Option<&[u8]> {
    let (SEQUENCE, _, certificate, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, _, tbs, _) = tlv(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.3;
    }
    // serial, signature, issuer, validity, subject
    for _ in 0..5 {
        rest = tlv(rest)?.3;
    }
    let (SEQUENCE, spki, _, _) = tlv(rest)? else {
        return None;
    };
    Some(spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/python-reference"
    );

    fn read(name: &str) -> String {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
    }

    #[test]
    fn given_python_csr_and_its_certificate_when_walked_then_the_same_spki_is_found() {
        let csr = pem_der(&read("csr.pem")).unwrap();
        let cert = pem_der(&read("certificate.pem")).unwrap();
        let a = csr_spki(&csr).unwrap();
        let b = certificate_spki(&cert).unwrap();
        assert_eq!(a, b);
        let other = pem_der(&read("ec_certificate.pem")).unwrap();
        assert_ne!(certificate_spki(&other).unwrap(), a);
    }

    #[test]
    fn given_garbage_when_walked_then_none_and_no_panic() {
        for input in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80],
            &[0x30, 0x02, 0x30],
        ] {
            assert!(csr_spki(input).is_none());
            assert!(certificate_spki(input).is_none());
        }
        assert!(pem_der("not pem").is_none_or(|d| csr_spki(&d).is_none()));
    }
}

#[cfg(test)]
mod backend_tests {
    use super::*;
    use tls_certificates_crypto::{
        CertificateRequestAttributes, IssueProfile, KeyAlgorithm, Validity,
    };

    #[test]
    fn given_our_backends_issue_a_certificate_then_its_spki_bytes_equal_the_csrs() {
        let b = tls_certificates_crypto::ring::backend();
        let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        for algorithm in [
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::Ed25519,
        ] {
            let attrs = CertificateRequestAttributes::builder()
                .common_name("x")
                .build()
                .unwrap();
            let ca_key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
            let ca = b
                .create_self_signed_ca(
                    &ca_key,
                    &attrs,
                    Validity::starting_at(now, time::Duration::days(9)),
                )
                .unwrap();
            let authority = b.load_authority(&ca_key, ca).unwrap();
            let key = b.generate_key(algorithm).unwrap();
            let csr = b.create_csr(&key, &attrs).unwrap();
            let cert = authority
                .issue(
                    &csr,
                    &IssueProfile::leaf(Validity::starting_at(now, time::Duration::days(1))),
                )
                .unwrap();
            let a = pem_der(csr.pem().as_str()).unwrap();
            let c = pem_der(cert.pem().as_str()).unwrap();
            assert_eq!(csr_spki(&a), certificate_spki(&c), "{algorithm}");
            assert!(csr_spki(&a).is_some(), "{algorithm}");
        }
    }
}
