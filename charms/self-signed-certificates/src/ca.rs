//! The CA: kept in application-owned Juju secrets, created, replaced and renewed.

use time::OffsetDateTime;
use tls_certificates::crypto::{
    Certificate, CertificateAuthority, CryptoBackend, KeyAlgorithm, PrivateKey, Validity,
};
use tls_certificates::juju_hook_tools::{
    HookTools, LogLevel, NewSecret, ReadMode, SecretContent, SecretId, SecretInfo, SecretLookup,
    SecretOwner, SecretRef, SecretUpdate,
};
use tls_certificates::provider::Provider;

use crate::settings::Settings;
use tls_certificates::Error;
use tls_certificates::charm::when;

/// Label of the app-owned secret holding the CA in use.
pub const ACTIVE_CA_LABEL: &str = "active-ca-certificates";
/// Label of the app-owned secret holding the previous CA after a renewal.
pub const EXPIRING_CA_LABEL: &str = "expiring-ca-certificates";

const KEY: &str = "private-key";
const CERTIFICATE: &str = "ca-certificate";

/// Subject OIDs compared with the configuration, in [`crate::settings::CA_OPTIONS`] order.
const SUBJECT_OIDS: [&str; 7] = [
    "2.5.4.3",              // commonName
    "2.5.4.10",             // organizationName
    "2.5.4.11",             // organizationalUnitName
    "1.2.840.113549.1.9.1", // emailAddress
    "2.5.4.6",              // countryName
    "2.5.4.8",              // stateOrProvinceName
    "2.5.4.7",              // localityName
];

pub(crate) fn is_ours(label: &str) -> bool {
    label == ACTIVE_CA_LABEL || label == EXPIRING_CA_LABEL
}

/// The active CA secret as read in this hook: `None` when it does not hold a usable key and
/// certificate (it is then replaced).
type Stored = Option<(PrivateKey, Certificate)>;

fn info(tools: &dyn HookTools, label: &str) -> Result<Option<SecretInfo>, Error> {
    match tools.secret_info_get(SecretLookup::Label(label)) {
        Ok(info) => Ok(Some(info)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(Error::tool("reading CA secret metadata")(e)),
    }
}

/// Reads the active CA secret, if there is one: by its owner label, in one call (its id and
/// metadata are read only when it must be written).
fn read(tools: &dyn HookTools, backend: &dyn CryptoBackend) -> Result<Option<Stored>, Error> {
    let content = match tools.secret_get(SecretRef::Label(ACTIVE_CA_LABEL), ReadMode::Refresh) {
        Ok(content) => content,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(Error::tool("reading the CA secret")(e)),
    };
    let key = content
        .get(KEY)
        .and_then(|pem| backend.load_private_key(pem).ok());
    let certificate = content
        .get(CERTIFICATE)
        .and_then(|pem| backend.parse_certificate(pem).ok());
    let ca = match (key, certificate) {
        (Some(key), Some(certificate)) if certificate.matches_key(&key) => Some((key, certificate)),
        _ => {
            tools.log(
                LogLevel::Warning,
                "the CA secret does not hold a usable key and certificate; replacing it",
            );
            None
        }
    };
    Ok(Some(ca))
}

/// Whether `certificate` is the CA the configuration asks for.
fn matches_config(certificate: &Certificate, settings: &Settings) -> bool {
    let wanted = [
        settings.ca.common_name(),
        settings.ca.organization(),
        settings.ca.organizational_unit(),
        settings.ca.email_address(),
        settings.ca.country_name(),
        settings.ca.state_or_province_name(),
        settings.ca.locality_name(),
    ];
    let subject = certificate.subject();
    let same_subject = SUBJECT_OIDS
        .iter()
        .zip(wanted)
        .all(|(oid, want)| subject.value(oid) == want);
    let lifetime = certificate.not_after() - certificate.not_before() - Validity::BACKDATE;
    same_subject && lifetime == settings.root_validity
}

fn content(
    backend: &dyn CryptoBackend,
    key: &PrivateKey,
    certificate: &Certificate,
) -> Result<SecretContent, Error> {
    let pem = backend
        .export_private_key(key)
        .map_err(Error::crypto("exporting the CA key"))?;
    Ok(SecretContent::new()
        .with(KEY, pem.expose_secret())?
        .with(CERTIFICATE, certificate.pem().as_str())?)
}

/// Creates or updates the secret `label` with `content`, expiring at `expire`.
fn store(
    tools: &dyn HookTools,
    existing: Option<&SecretId>,
    label: &str,
    content: SecretContent,
    expire: OffsetDateTime,
) -> Result<(), Error> {
    match existing {
        Some(id) => tools
            .secret_set(
                id,
                &SecretUpdate {
                    content: Some(content),
                    expire: Some(expire),
                    ..SecretUpdate::default()
                },
            )
            .map_err(Error::tool("updating a CA secret")),
        None => tools
            .secret_add(&NewSecret {
                content,
                label: Some(label.to_owned()),
                expire: Some(expire),
                owner: SecretOwner::Application,
                ..NewSecret::default()
            })
            .map(|_| ())
            .map_err(Error::tool("adding a CA secret")),
    }
}

fn generate(
    settings: &Settings,
    backend: &dyn CryptoBackend,
    now: OffsetDateTime,
) -> Result<(PrivateKey, Certificate), Error> {
    let key = backend
        .generate_key(KeyAlgorithm::default())
        .map_err(Error::crypto("generating the CA key"))?;
    let certificate = backend
        .create_self_signed_ca(
            &key,
            &settings.ca,
            Validity::starting_at(now, settings.root_validity),
        )
        .map_err(Error::crypto("creating the CA certificate"))?;
    Ok((key, certificate))
}

/// The id of the active CA secret, read when it is about to be written.
fn active_id(tools: &dyn HookTools) -> Result<Option<SecretId>, Error> {
    Ok(info(tools, ACTIVE_CA_LABEL)?.map(|info| info.id))
}

/// When `certificate`, the active CA, is due for renewal: when the certificates it issues would
/// start to outlive it (`certificate-validity` before its end). Its secret expires then too (the
/// alarm that wakes the charm with `secret-expired`), but the certificate itself says it without
/// reading the secret's metadata: one hook-tool call less in every hook.
fn renewal_due(certificate: &Certificate, settings: &Settings) -> OffsetDateTime {
    certificate.not_after() - settings.certificate_validity
}

/// Makes sure the CA matches the configuration and is not due for renewal; returns it ready
/// to issue.
///
/// * no CA, a CA that no longer matches the configuration, or `rotate`: a new CA, every
///   certificate revoked, the expiring CA dropped;
/// * the CA due for renewal ([`renewal_due`]): renewal without revocation (the old CA becomes
///   the expiring one);
/// * an expiring CA past its expiry is removed.
pub(crate) fn ensure<'b>(
    settings: &Settings,
    tools: &dyn HookTools,
    backend: &'b dyn CryptoBackend,
    now: OffsetDateTime,
    rotate: bool,
    provider: &mut Provider<'_>,
) -> Result<CertificateAuthority<'b>, Error> {
    let log = |level: LogLevel, message: &str| tools.log(level, message);
    let active = read(tools, backend)?;
    let expiring = info(tools, EXPIRING_CA_LABEL)?;
    let renewal_at = settings.root_validity - settings.certificate_validity;
    let (key, certificate) = match active {
        Some(Some((key, certificate))) if !rotate && matches_config(&certificate, settings) => {
            if renewal_due(&certificate, settings) <= now {
                log(
                    LogLevel::Info,
                    &format!(
                        "CA renewal: the CA expiring {} is kept as the expiring CA; certificates are not revoked",
                        when(certificate.not_after())
                    ),
                );
                let old = content(backend, &key, &certificate)?;
                store(
                    tools,
                    expiring.as_ref().map(|i| &i.id),
                    EXPIRING_CA_LABEL,
                    old,
                    now + settings.certificate_validity,
                )?;
                let previous = certificate;
                let (key, certificate) = generate(settings, backend, now)?;
                let new = content(backend, &key, &certificate)?;
                store(
                    tools,
                    active_id(tools)?.as_ref(),
                    ACTIVE_CA_LABEL,
                    new,
                    now + renewal_at,
                )?;
                revoke_lost(provider, &certificate, || Ok(Some(previous.clone())))?;
                (key, certificate)
            } else {
                let expiring = match expiring {
                    Some(old) if old.expiry.is_some_and(|e| e <= now) => {
                        log(LogLevel::Info, "removing the expired previous CA");
                        match tools.secret_remove(&old.id, None) {
                            Ok(()) => {}
                            Err(e) if e.is_not_found() => {}
                            Err(e) => {
                                return Err(Error::tool("removing the expiring CA secret")(e));
                            }
                        }
                        None
                    }
                    other => other,
                };
                revoke_lost(provider, &certificate, || {
                    expiring.map_or(Ok(None), |i| previous_certificate(tools, backend, &i.id))
                })?;
                (key, certificate)
            }
        }
        active => {
            let reason = match (&active, rotate) {
                (_, true) => "private key rotation requested",
                (None, _) => "no CA yet",
                (Some(_), _) => "the CA configuration changed",
            };
            let (key, certificate) = generate(settings, backend, now)?;
            let revoked = provider.issued_certificates(None).len();
            if revoked > 0 {
                provider.revoke_all_certificates()?;
            }
            log(
                LogLevel::Info,
                &format!(
                    "new CA {:?} ({reason}), valid until {}; {revoked} certificate(s) revoked",
                    certificate.common_name().unwrap_or(""),
                    when(certificate.not_after())
                ),
            );
            if let Some(old) = expiring {
                match tools.secret_remove(&old.id, None) {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(Error::tool("removing the expiring CA secret")(e)),
                }
            }
            let new = content(backend, &key, &certificate)?;
            let id = match active {
                Some(_) => active_id(tools)?,
                None => None,
            };
            store(tools, id.as_ref(), ACTIVE_CA_LABEL, new, now + renewal_at)?;
            (key, certificate)
        }
    };
    backend
        .load_authority(&key, certificate)
        .map_err(Error::crypto("loading the CA"))
}

/// Revokes the published certificates that name neither the active CA nor the previous one
/// (`previous` is read only when some certificate names another CA than the active one): an
/// operator removed the CA secret, or a new CA was made in a hook that could not see the
/// relation (a new leader's `install`). Their requests are then issued again in this hook.
fn revoke_lost(
    provider: &mut Provider<'_>,
    active: &Certificate,
    previous: impl FnOnce() -> Result<Option<Certificate>, Error>,
) -> Result<(), Error> {
    if provider.certificates_not_issued_by(&[active]) == 0 {
        return Ok(());
    }
    let previous = previous()?;
    let cas: Vec<&Certificate> = std::iter::once(active).chain(previous.as_ref()).collect();
    provider.revoke_certificates_not_issued_by(&cas)?;
    Ok(())
}

/// The certificate of the previous (expiring) CA, if its secret holds a readable one.
fn previous_certificate(
    tools: &dyn HookTools,
    backend: &dyn CryptoBackend,
    id: &SecretId,
) -> Result<Option<Certificate>, Error> {
    let content = match tools.secret_get(SecretRef::Id(id), ReadMode::Refresh) {
        Ok(content) => content,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(Error::tool("reading the expiring CA secret")(e)),
    };
    Ok(content
        .get(CERTIFICATE)
        .and_then(|pem| backend.parse_certificate(pem).ok()))
}

/// Removes one revision of a CA secret that nobody tracks any more.
pub(crate) fn remove_revision(
    tools: &dyn HookTools,
    id: &SecretId,
    revision: u32,
) -> Result<(), Error> {
    match tools.secret_remove(id, Some(revision)) {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(Error::tool("removing an old CA secret revision")(e)),
    }
}
