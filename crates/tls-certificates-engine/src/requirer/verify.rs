//! The checks a certificate from the provider passes before we store or hand it out.

use core::fmt;
use std::sync::{Mutex, PoisonError};
use time::{Duration, OffsetDateTime};

use tls_certificates_crypto::{Certificate, CryptoBackend, Csr, PrivateKey, PublicKey};
use tls_certificates_schema::v1;

use super::{AssignedCertificate, OwnCsr, Scope};
use juju_types::RelationId;

/// How far in the future a certificate's `not_before` may be and still count as valid: the
/// provider's clock and ours differ, and Python providers do not back-date `not_before`.
pub const NOT_BEFORE_SKEW: Duration = Duration::minutes(5);

/// A provider's certificate that passed [`verify`].
#[derive(Clone)]
pub(super) struct Checked {
    pub(super) assigned: AssignedCertificate,
    /// The chain arrived CA first (v3-era providers); `assigned.chain` is leaf first.
    pub(super) ca_first: bool,
}

/// Whether a certificate can be used now.
pub(super) enum Timeliness {
    Valid,
    /// Not before this instant (beyond [`NOT_BEFORE_SKEW`]).
    NotYetValid(OffsetDateTime),
    Expired,
}

pub(super) fn timeliness(certificate: &Certificate, now: OffsetDateTime) -> Timeliness {
    if certificate.not_after() < now {
        Timeliness::Expired
    } else if certificate.not_before() > now + NOT_BEFORE_SKEW {
        Timeliness::NotYetValid(certificate.not_before() - NOT_BEFORE_SKEW)
    } else {
        Timeliness::Valid
    }
}

/// At most this many characters of a peer's text in a log line or reason.
pub(super) const SHOWN_CHARS: usize = 64;

/// `text` for a log line: quoted and escaped, cut after [`SHOWN_CHARS`] characters.
pub(super) fn shown(text: &str) -> String {
    let mut cut: String = text.chars().take(SHOWN_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// At most this many results are kept by [`Verified`]: one per CSR of ours, so a handful.
const VERIFIED_KEPT: usize = 64;

/// What [`verify`] decides on: equal inputs, equal verdict.
#[derive(PartialEq)]
struct VerifyInput {
    relation_id: RelationId,
    scope: Scope,
    csr: String,
    is_ca: bool,
    entry: v1::ProviderCertificate,
    key: PublicKey,
    backend: &'static str,
}

/// The verdicts of [`verify`] in one hook, so that the queries after a plan (the requirer's
/// status, the files it writes) do not verify again what the plan just verified. `verify` is a
/// pure function of its inputs (the clock plays no part: see [`timeliness`]), so a verdict is
/// reused only for equal inputs. Cloning a requirer starts with none.
#[derive(Default)]
pub(super) struct Verified(Mutex<Vec<(VerifyInput, Result<Checked, String>)>>);

impl Clone for Verified {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verified { .. }")
    }
}

impl Verified {
    /// [`verify`], or its verdict for the same inputs earlier in this hook.
    pub(super) fn verify(
        &self,
        relation_id: RelationId,
        scope: Scope,
        own: &OwnCsr,
        entry: &v1::ProviderCertificate,
        key: &PrivateKey,
        backend: &dyn CryptoBackend,
    ) -> Result<Checked, String> {
        let input = VerifyInput {
            relation_id,
            scope,
            csr: own.entry.certificate_signing_request.as_str().to_owned(),
            is_ca: own.entry.is_ca(),
            entry: entry.clone(),
            key: key.public_key().clone(),
            backend: backend.name(),
        };
        // A poisoned lock only means another thread panicked mid-insert: the list is still
        // whole (a push either happened or not), so it is used as it is.
        let known = (self.0.lock().unwrap_or_else(PoisonError::into_inner).iter())
            .find(|(i, _)| *i == input)
            .map(|(_, verdict)| verdict.clone());
        if let Some(verdict) = known {
            return verdict;
        }
        let verdict = verify(input.relation_id.clone(), scope, own, entry, key, backend);
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < VERIFIED_KEPT {
            kept.push((input, verdict.clone()));
        }
        verdict
    }
}

/// Verifies a provider entry against our CSR and key: the certificate is for our key, with the
/// CA flag we asked for, names exactly what we asked for ([`check_names`]); the `ca` is a CA;
/// the chain (either order) starts at the certificate, links, and leads to `ca`. Validity is
/// left to the caller ([`timeliness`]). Called only through [`Verified::verify`], so that a hook
/// verifies each entry once.
fn verify(
    relation_id: RelationId,
    scope: Scope,
    own: &OwnCsr,
    entry: &v1::ProviderCertificate,
    key: &PrivateKey,
    backend: &dyn CryptoBackend,
) -> Result<Checked, String> {
    let certificate = backend
        .parse_certificate(entry.certificate.as_str())
        .map_err(|e| format!("certificate: {e}"))?;
    if !certificate.matches_key(key) {
        return Err("the certificate does not match our private key".to_owned());
    }
    if certificate.is_ca() != own.entry.is_ca() {
        return Err(format!(
            "the certificate's CA flag is {} but {} was requested",
            certificate.is_ca(),
            own.entry.is_ca()
        ));
    }
    check_names(&certificate, &own.csr)?;
    let ca = backend
        .parse_certificate(entry.ca.as_str())
        .map_err(|e| format!("CA certificate: {e}"))?;
    if !ca.is_certificate_authority() {
        return Err(
            "the CA certificate is not a certificate authority (basicConstraints CA:true and keyCertSign)"
                .to_owned(),
        );
    }
    let (chain, ca_first) = match &entry.chain {
        Some(chain) if !chain.is_empty() => {
            let parsed = chain
                .iter()
                .map(|pem| backend.parse_certificate(pem.as_str()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("chain: {e}"))?;
            let (chain, ca_first) = leaf_first(parsed, &certificate)?;
            check_chain(&chain, &ca, backend)?;
            (chain, ca_first)
        }
        // No chain: the CA must have issued the certificate itself.
        _ => {
            backend
                .verify_issued_by(&certificate, &ca)
                .map_err(|e| format!("the certificate is not issued by the given CA: {e}"))?;
            (Vec::new(), false)
        }
    };
    Ok(Checked {
        assigned: AssignedCertificate {
            relation_id,
            scope,
            certificate,
            csr: own.csr.clone(),
            is_ca: own.entry.is_ca(),
            ca,
            chain,
        },
        ca_first,
    })
}

/// Parses a CSR of ours (from our own databag) made for `key`, without verifying its
/// self-signature (see `parse_own_csr`). One made for another key (before a rotation) is read
/// like a peer's, so that the caller can say which request it was and drop it.
pub(super) fn parse_own_csr(
    backend: &dyn CryptoBackend,
    pem: &str,
    key: &PrivateKey,
) -> Result<Csr, tls_certificates_crypto::Error> {
    match backend.parse_own_csr(pem, key) {
        Err(tls_certificates_crypto::Error::KeyMismatch { .. }) => backend.parse_csr(pem),
        parsed => parsed,
    }
}

/// The chain leaf first: as sent when it starts with `certificate`, reversed (and `true`) when
/// it ends with it, as v3-era providers wrote `[ca, ..., leaf]`.
pub(super) fn leaf_first(
    mut chain: Vec<Certificate>,
    certificate: &Certificate,
) -> Result<(Vec<Certificate>, bool), String> {
    let is_leaf = |c: Option<&Certificate>| c.is_some_and(|c| c.der() == certificate.der());
    if is_leaf(chain.first()) {
        Ok((chain, false))
    } else if is_leaf(chain.last()) {
        chain.reverse();
        Ok((chain, true))
    } else {
        Err("chain: the certificate is neither its first nor its last element".to_owned())
    }
}

/// Checks a leaf-first chain: each certificate is issued by the next, which must be a CA, and
/// the chain leads to `ca` (it contains `ca` or a cross-signed copy of it after the leaf, or its
/// last certificate is issued by `ca`).
pub(super) fn check_chain(
    chain: &[Certificate],
    ca: &Certificate,
    backend: &dyn CryptoBackend,
) -> Result<(), String> {
    backend
        .check_chain_order(chain)
        .map_err(|e| format!("chain: {e}"))?;
    if let Some(index) = chain
        .iter()
        .skip(1)
        .position(|c| !c.is_certificate_authority())
    {
        return Err(format!(
            "chain: certificate {} signs another but is not a certificate authority",
            index + 1
        ));
    }
    // `ca` itself, or a copy of it signed by another CA (a cross-signed CA: same subject, same
    // key), as chains that lead to an older root carry.
    let contains_ca = chain.iter().skip(1).any(|c| {
        c.der() == ca.der() || (c.subject() == ca.subject() && c.public_key() == ca.public_key())
    });
    // Only when the chain does not contain `ca`: the usual chain ends with `ca` itself, and
    // checking its self-signature again would cost a signature verification for nothing.
    let leads_to_ca = contains_ca
        || chain
            .last()
            .is_some_and(|last| backend.verify_issued_by(last, ca).is_ok());
    if leads_to_ca {
        Ok(())
    } else {
        Err("chain: it does not lead to the given CA".to_owned())
    }
}

/// Checks that a certificate names what our CSR asked for.
///
/// * Subject: every attribute of the certificate's subject is one we asked for, with the value
///   we asked for. One we asked for may be missing: providers such as Vault or ACME CAs keep
///   only some (TLS clients check the SANs).
/// * SANs: every DNS name, IP address and registered ID we asked for is there, and nothing else
///   but our subject email (as an rfc822 name) and our common name as a DNS name, which many
///   CAs add.
pub(super) fn check_names(certificate: &Certificate, csr: &Csr) -> Result<(), String> {
    for attribute in certificate.subject().attributes() {
        match csr.subject().value(&attribute.oid) {
            Some(requested) if requested == attribute.value => {}
            Some(requested) => {
                return Err(format!(
                    "the certificate's subject has {} {} where we asked for {}",
                    attribute.oid,
                    shown(&attribute.value),
                    shown(requested)
                ));
            }
            None => {
                return Err(format!(
                    "the certificate's subject has {} {}, which we did not ask for",
                    attribute.oid,
                    shown(&attribute.value)
                ));
            }
        }
    }
    let asked = csr.attributes();
    let common_name = asked.common_name().map(str::to_ascii_lowercase);
    if let Some(dns) = certificate
        .sans_dns()
        .iter()
        .find(|d| !asked.sans_dns().contains(*d) && common_name.as_ref() != Some(*d))
    {
        return Err(format!(
            "the certificate names DNS {}, which we did not ask for",
            shown(dns)
        ));
    }
    if let Some(ip) = certificate
        .sans_ip()
        .iter()
        .find(|ip| !asked.sans_ip().contains(*ip))
    {
        return Err(format!(
            "the certificate names IP {ip}, which we did not ask for"
        ));
    }
    if let Some(oid) = certificate
        .sans_oid()
        .iter()
        .find(|o| !asked.sans_oid().contains(*o))
    {
        return Err(format!(
            "the certificate names registered ID {oid}, which we did not ask for"
        ));
    }
    if let Some(email) = certificate
        .sans_email()
        .iter()
        .find(|e| asked.email_address() != Some(e.as_str()))
    {
        return Err(format!(
            "the certificate names email {}, which we did not ask for",
            shown(email)
        ));
    }
    if let Some(kind) = certificate.sans_other().first() {
        return Err(format!(
            "the certificate names a {kind} SAN, which we did not ask for"
        ));
    }
    let missing = asked
        .sans_dns()
        .iter()
        .find(|d| !certificate.sans_dns().contains(*d))
        .map(|d| format!("DNS {}", shown(d)))
        .or_else(|| {
            asked
                .sans_ip()
                .iter()
                .find(|ip| !certificate.sans_ip().contains(*ip))
                .map(|ip| format!("IP {ip}"))
        })
        .or_else(|| {
            asked
                .sans_oid()
                .iter()
                .find(|o| !certificate.sans_oid().contains(*o))
                .map(|o| format!("registered ID {o}"))
        });
    match missing {
        Some(name) => Err(format!(
            "the certificate does not name {name}, which we asked for"
        )),
        None => Ok(()),
    }
}
