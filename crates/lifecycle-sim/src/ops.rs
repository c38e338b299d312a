//! The operations of a sequence, decoded from bytes.

use arbitrary::{Result, Unstructured};

/// One of the two applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// The self-signed-certificates provider.
    Provider,
    /// The tls-certificates-requirer.
    Requirer,
}

/// A configuration change of the provider (values include invalid ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderChange {
    /// `ca-common-name` (a change creates a new CA and revokes every certificate).
    CaCommonName(&'static str),
    /// `ca-organization`.
    CaOrganization(&'static str),
    /// `root-ca-validity`.
    RootValidity(&'static str),
    /// `certificate-validity`.
    CertificateValidity(&'static str),
    /// `certificate-limit`.
    CertificateLimit(i64),
    /// `allow-ca-requests`.
    AllowCaRequests(bool),
    /// Every option back to its default.
    Reset,
}

/// A configuration change of the requirer (values include invalid ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirerChange {
    /// `mode`.
    Mode(&'static str),
    /// `common-name`.
    CommonName(&'static str),
    /// `sans-dns`.
    SansDns(&'static str),
    /// `sans-ip`.
    SansIp(&'static str),
    /// `organization`.
    Organization(&'static str),
    /// `is-ca`.
    IsCa(bool),
    /// `key-algorithm`.
    KeyAlgorithm(&'static str),
    /// Every option back to its default.
    Reset,
}

/// Which hook-tool calls fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolFault {
    /// Calls of this tool.
    Tool(&'static str),
    /// The `n`th call of a hook.
    NthCall(u32),
}

/// Which databag gets hostile content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Databag {
    /// The provider's application databag (certificates, errors, capabilities).
    ProviderApp,
    /// A requirer unit's databag (its CSRs), by index among live units.
    RequirerUnit(u8),
    /// The requirer's application databag (app-scope CSRs).
    RequirerApp,
}

/// A requirer or provider action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Requirer `regenerate-private-key` on a unit.
    RegeneratePrivateKey(u8),
    /// Requirer `renew-certificates` on a unit.
    RenewCertificates(u8),
    /// Requirer `get-certificate` on a unit.
    GetCertificate(u8),
    /// Provider `rotate-private-key` on a unit (a new CA; revokes every certificate).
    RotateCaKey(u8),
    /// Provider `get-issued-certificates` on a unit.
    GetIssuedCertificates(u8),
}

/// One operation on the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Adds a unit (up to [`MAX_UNITS`] per application).
    AddUnit(App),
    /// Removes a unit (by index among live units; the last one stays).
    RemoveUnit(App, u8),
    /// Relates the requirer to the provider (refused if related: the endpoint's limit is 1).
    Relate,
    /// Removes the relation, if any.
    Unrelate,
    /// Changes the provider's config.
    ProviderConfig(ProviderChange),
    /// Changes the requirer's config.
    RequirerConfig(RequirerChange),
    /// Moves leadership to a unit (by index among live units).
    SetLeader(App, u8),
    /// Advances the clock by this many minutes.
    AdvanceClock(i64),
    /// Makes hook-tool calls fail: `count` faults, optionally on one unit (by index).
    FailTools {
        /// Which calls.
        fault: ToolFault,
        /// How many calls (each fault is one-shot).
        count: u8,
        /// Only on this unit of this application.
        unit: Option<(App, u8)>,
    },
    /// Replaces a databag with hostile content (payload by index into [`HOSTILE`]).
    CorruptDatabag(Databag, u8),
    /// An operator removes a secret owned by `app` (or its units), by index among them.
    RemoveSecret(App, u8),
    /// Runs an action now.
    Action(Action),
    /// Queues `update-status` on every unit.
    UpdateStatus,
    /// Runs this many hooks, one at a time (an exchange interrupted half-way).
    Steps(u8),
    /// Runs hooks until quiescent (errors are tolerated while faults may be pending).
    Settle,
}

/// Units per application at most.
pub const MAX_UNITS: usize = 3;
/// Operations per sequence at most.
pub const MAX_OPS: usize = 24;

const CA_NAMES: [&str; 4] = [
    "self-signed-certificates-operator",
    "ca-two",
    "Ca Three",
    "",
];
const ORGANIZATIONS: [&str; 3] = ["", "Example Org", "Ünïcode & Co"];
const ROOT_VALIDITIES: [&str; 6] = ["365d", "4h", "30d", "2w", "1h", "nonsense"];
const CERT_VALIDITIES: [&str; 6] = ["90d", "1h", "2h", "1d", "30d", "0"];
const LIMITS: [i64; 5] = [99, -1, 1, 0, 4];
const MODES: [&str; 4] = ["unit", "app", "app-and-unit", "everything"];
const COMMON_NAMES: [&str; 4] = ["", "web.example.com", "other.example.org", "bad name\u{7}"];
const SANS_DNS: [&str; 4] = [
    "",
    "a.example.com",
    "a.example.com,b.example.com",
    "not a name!",
];
const SANS_IP: [&str; 3] = ["", "192.0.2.7", "2001:db8::1,192.0.2.8"];
const KEY_ALGORITHMS: [&str; 4] = ["p256", "ed25519", "rsa2048", "dsa1024"];
const TOOLS: [&str; 14] = [
    "secret-get",
    "secret-set",
    "secret-add",
    "secret-remove",
    "secret-info-get",
    "secret-grant",
    "relation-set",
    "relation-get",
    "relation-ids",
    "relation-list",
    "config-get",
    "status-set",
    "is-leader",
    "juju-log",
];

/// Hostile databag payloads: keys and values a broken or malicious peer could write.
pub const HOSTILE: [&[(&str, &str)]; 10] = [
    &[],
    &[("certificates", "not json")],
    &[("certificates", "{\"a\": 1}")],
    &[(
        "certificates",
        "[{\"certificate_signing_request\": \"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\", \"certificate\": \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\", \"ca\": \"x\", \"chain\": []}]",
    )],
    &[(
        "certificate_signing_requests",
        "[{\"certificate_signing_request\": 7}]",
    )],
    &[(
        "certificate_signing_requests",
        "[{\"certificate_signing_request\": \"-----BEGIN CERTIFICATE REQUEST-----\\n!!!!\\n-----END CERTIFICATE REQUEST-----\", \"ca\": false}]",
    )],
    &[(
        "certificate_signing_requests",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    )],
    &[
        ("certificates", "[]"),
        ("request_errors", "[{\"csr\": 1, \"error\": {}}]"),
    ],
    &[("capabilities", "\"\u{0}\"")],
    &[
        ("certificate_signing_requests", "[]"),
        ("certificates", "[]"),
    ],
];

fn pick<T: Copy>(u: &mut Unstructured<'_>, choices: &[T]) -> Result<T> {
    u.choose(choices).copied()
}

fn app(u: &mut Unstructured<'_>) -> Result<App> {
    Ok(if u.arbitrary::<bool>()? {
        App::Requirer
    } else {
        App::Provider
    })
}

impl Op {
    /// Decodes one operation.
    ///
    /// # Errors
    /// When the bytes run out ([`arbitrary::Error::NotEnoughData`]).
    pub fn decode(u: &mut Unstructured<'_>) -> Result<Self> {
        let small = |u: &mut Unstructured<'_>| u.int_in_range(0..=7_u8);
        Ok(match u.int_in_range(0..=19_u8)? {
            0 => Self::AddUnit(app(u)?),
            1 => Self::RemoveUnit(app(u)?, small(u)?),
            2 => Self::Relate,
            3 => Self::Unrelate,
            4 | 5 => Self::ProviderConfig(match u.int_in_range(0..=6_u8)? {
                0 => ProviderChange::CaCommonName(pick(u, &CA_NAMES)?),
                1 => ProviderChange::CaOrganization(pick(u, &ORGANIZATIONS)?),
                2 => ProviderChange::RootValidity(pick(u, &ROOT_VALIDITIES)?),
                3 => ProviderChange::CertificateValidity(pick(u, &CERT_VALIDITIES)?),
                4 => ProviderChange::CertificateLimit(pick(u, &LIMITS)?),
                5 => ProviderChange::AllowCaRequests(u.arbitrary()?),
                _ => ProviderChange::Reset,
            }),
            6 | 7 => Self::RequirerConfig(match u.int_in_range(0..=7_u8)? {
                0 => RequirerChange::Mode(pick(u, &MODES)?),
                1 => RequirerChange::CommonName(pick(u, &COMMON_NAMES)?),
                2 => RequirerChange::SansDns(pick(u, &SANS_DNS)?),
                3 => RequirerChange::SansIp(pick(u, &SANS_IP)?),
                4 => RequirerChange::Organization(pick(u, &ORGANIZATIONS)?),
                5 => RequirerChange::IsCa(u.arbitrary()?),
                6 => RequirerChange::KeyAlgorithm(pick(u, &KEY_ALGORITHMS)?),
                _ => RequirerChange::Reset,
            }),
            8 => Self::SetLeader(app(u)?, small(u)?),
            9 => Self::AdvanceClock(match u.int_in_range(0..=3_u8)? {
                // Minutes to hours: within a certificate's life.
                0 => i64::from(u.int_in_range(1..=600_u16)?),
                // Days: past short validities and renewal points.
                1 => i64::from(u.int_in_range(1..=100_u16)?) * 24 * 60,
                // Past the default certificate (90 d) and root (365 d) validities.
                2 => 91 * 24 * 60,
                _ => 400 * 24 * 60,
            }),
            10 => Self::FailTools {
                fault: if u.arbitrary::<bool>()? {
                    ToolFault::Tool(pick(u, &TOOLS)?)
                } else {
                    ToolFault::NthCall(u.int_in_range(1..=40_u32)?)
                },
                count: u.int_in_range(1..=8_u8)?,
                unit: if u.arbitrary::<bool>()? {
                    Some((app(u)?, small(u)?))
                } else {
                    None
                },
            },
            11 => {
                let target = match u.int_in_range(0..=2_u8)? {
                    0 => Databag::ProviderApp,
                    1 => Databag::RequirerUnit(small(u)?),
                    _ => Databag::RequirerApp,
                };
                let max = u8::try_from(HOSTILE.len() - 1).unwrap_or(0);
                Self::CorruptDatabag(target, u.int_in_range(0..=max)?)
            }
            12 => Self::RemoveSecret(app(u)?, small(u)?),
            13 | 14 => Self::Action(match u.int_in_range(0..=4_u8)? {
                0 => Action::RegeneratePrivateKey(small(u)?),
                1 => Action::RenewCertificates(small(u)?),
                2 => Action::GetCertificate(small(u)?),
                3 => Action::RotateCaKey(small(u)?),
                _ => Action::GetIssuedCertificates(small(u)?),
            }),
            15 => Self::UpdateStatus,
            16 | 17 => Self::Steps(u.int_in_range(1..=12_u8)?),
            _ => Self::Settle,
        })
    }

    /// Decodes a sequence: up to [`MAX_OPS`] operations, as many as the bytes give.
    pub fn decode_sequence(u: &mut Unstructured<'_>) -> Vec<Self> {
        let mut ops = Vec::new();
        while ops.len() < MAX_OPS && !u.is_empty() {
            match Self::decode(u) {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        ops
    }
}
