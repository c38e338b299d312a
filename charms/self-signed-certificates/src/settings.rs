//! The charm's configuration, validated as the upstream operator does.

use serde_json::{Map, Value};
use time::Duration;
use tls_certificates::crypto::CertificateRequestAttributes;
use tls_certificates::provider::{CaRequests, CertificateLimit, ProviderConfig};

/// Validated configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The CA's subject (with a random x500UniqueIdentifier, like upstream's CAs).
    pub ca: CertificateRequestAttributes,
    /// The CA's lifetime (`root-ca-validity`).
    pub root_validity: Duration,
    /// Issued certificates' lifetime (`certificate-validity`).
    pub certificate_validity: Duration,
    /// Certificates per relation (`certificate-limit`; `-1` is unlimited).
    pub certificate_limit: CertificateLimit,
    /// Whether requests for CA certificates are issued (`allow-ca-requests`, default off).
    pub ca_requests: CaRequests,
}

impl Settings {
    /// The provider of `endpoint` with the policy these settings ask for.
    ///
    /// # Errors
    /// An empty endpoint.
    pub fn provider_config(
        &self,
        endpoint: &str,
    ) -> Result<ProviderConfig, tls_certificates::Error> {
        Ok(ProviderConfig::new(endpoint)?
            .with_certificate_limit(self.certificate_limit)
            .with_ca_requests(self.ca_requests))
    }
}

/// The CA subject options, in the order of the upstream charm.
pub(crate) const CA_OPTIONS: [&str; 7] = [
    "ca-common-name",
    "ca-organization",
    "ca-organizational-unit",
    "ca-email-address",
    "ca-country-name",
    "ca-state-or-province-name",
    "ca-locality-name",
];

fn text<'m>(config: &'m Map<String, Value>, key: &str) -> &'m str {
    config.get(key).and_then(Value::as_str).unwrap_or("").trim()
}

/// Parses a validity: a positive number with suffix `m` (minutes), `h`, `d` or `w`; a bare
/// number is days (the upstream operator's syntax).
pub fn parse_validity(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 'd'),
    };
    let n: i64 = number.trim().parse().ok().filter(|n| *n > 0)?;
    match unit.to_ascii_lowercase() {
        'm' => Some(Duration::minutes(n)),
        'h' => Some(Duration::hours(n)),
        'd' => Some(Duration::days(n)),
        'w' => Some(Duration::weeks(n)),
        _ => None,
    }
}

impl Settings {
    /// Validates the `config-get` output.
    ///
    /// # Errors
    /// The names of the invalid options (for the blocked status): an empty `ca-common-name`,
    /// a CA attribute a certificate cannot carry, an unparseable or zero validity, a
    /// `root-ca-validity` shorter than twice `certificate-validity`, a `certificate-limit`
    /// below -1, an `allow-ca-requests` that is not a boolean.
    pub fn parse(config: &Map<String, Value>) -> Result<Self, Vec<String>> {
        let mut bad = Vec::new();
        if text(config, "ca-common-name").is_empty() {
            bad.push("ca-common-name".to_owned());
        }
        let root = parse_validity(text(config, "root-ca-validity"));
        let cert = parse_validity(text(config, "certificate-validity"));
        if root.is_none() {
            bad.push("root-ca-validity".to_owned());
        }
        if cert.is_none() {
            bad.push("certificate-validity".to_owned());
        }
        if let (Some(r), Some(c)) = (root, cert)
            && r < c * 2
        {
            bad.push("root-ca-validity".to_owned());
        }
        let certificate_limit = match config.get("certificate-limit") {
            None | Some(Value::Null) => CertificateLimit::PerRelation(99),
            Some(v) => match v.as_i64().map(|n| (n, usize::try_from(n))) {
                Some((-1, _)) => CertificateLimit::Unlimited,
                Some((_, Ok(n))) => CertificateLimit::PerRelation(n),
                _ => {
                    bad.push("certificate-limit".to_owned());
                    CertificateLimit::Unlimited
                }
            },
        };
        let ca_requests = match config.get("allow-ca-requests") {
            None | Some(Value::Null | Value::Bool(false)) => CaRequests::Refuse,
            Some(Value::Bool(true)) => CaRequests::Offer,
            Some(_) => {
                bad.push("allow-ca-requests".to_owned());
                CaRequests::Refuse
            }
        };
        // Check each subject attribute on its own so the message names the bad one.
        let with =
            |option: &str, b: tls_certificates::crypto::CertificateRequestAttributesBuilder| {
                let value = text(config, option);
                match option {
                    "ca-common-name" => b.common_name(value),
                    "ca-organization" => b.organization(value),
                    "ca-organizational-unit" => b.organizational_unit(value),
                    "ca-email-address" => b.email_address(value),
                    "ca-country-name" => b.country_name(value),
                    "ca-state-or-province-name" => b.state_or_province_name(value),
                    _ => b.locality_name(value),
                }
            };
        for option in CA_OPTIONS.iter().skip(1) {
            if text(config, option).is_empty() {
                continue;
            }
            let probe = with(
                option,
                CertificateRequestAttributes::builder().common_name("probe"),
            );
            if probe.build().is_err() {
                bad.push((*option).to_owned());
            }
        }
        let mut builder =
            CertificateRequestAttributes::builder().add_unique_id_to_subject_name(true);
        for option in CA_OPTIONS {
            if !text(config, option).is_empty() {
                builder = with(option, builder);
            }
        }
        let ca = builder.build();
        match (ca, root, cert) {
            (Ok(ca), Some(root_validity), Some(certificate_validity)) if bad.is_empty() => {
                Ok(Self {
                    ca,
                    root_validity,
                    certificate_validity,
                    certificate_limit,
                    ca_requests,
                })
            }
            _ => {
                bad.dedup();
                if bad.is_empty() {
                    bad.push("ca-common-name".to_owned());
                }
                Err(bad)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("ca-common-name".into(), "my-ca".into());
        m.insert("root-ca-validity".into(), "365d".into());
        m.insert("certificate-validity".into(), "90d".into());
        m.insert("certificate-limit".into(), 99.into());
        for (k, v) in pairs {
            m.insert((*k).to_owned(), v.clone());
        }
        m
    }

    #[test]
    fn validities_accept_upstream_suffixes_and_bare_days() {
        assert_eq!(parse_validity("365d"), Some(Duration::days(365)));
        assert_eq!(parse_validity("90"), Some(Duration::days(90)));
        assert_eq!(parse_validity("12h"), Some(Duration::hours(12)));
        assert_eq!(parse_validity("30m"), Some(Duration::minutes(30)));
        assert_eq!(parse_validity("2w"), Some(Duration::weeks(2)));
        for bad in ["", "0d", "-1d", "1y", "d", "ten"] {
            assert_eq!(parse_validity(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn limit_zero_means_zero_and_minus_one_means_unlimited() {
        let zero = Settings::parse(&config(&[("certificate-limit", 0.into())])).unwrap();
        assert_eq!(zero.certificate_limit, CertificateLimit::PerRelation(0));
        let unlimited = Settings::parse(&config(&[("certificate-limit", (-1).into())])).unwrap();
        assert_eq!(unlimited.certificate_limit, CertificateLimit::Unlimited);
        let bad = Settings::parse(&config(&[("certificate-limit", (-2).into())])).unwrap_err();
        assert_eq!(bad, vec!["certificate-limit"]);
    }

    #[test]
    fn ca_requests_are_refused_unless_allowed() {
        let default = Settings::parse(&config(&[])).unwrap();
        assert_eq!(default.ca_requests, CaRequests::Refuse);
        let allowed = Settings::parse(&config(&[("allow-ca-requests", true.into())])).unwrap();
        assert_eq!(allowed.ca_requests, CaRequests::Offer);
        let bad = Settings::parse(&config(&[("allow-ca-requests", "yes".into())])).unwrap_err();
        assert_eq!(bad, vec!["allow-ca-requests"]);
    }

    #[test]
    fn invalid_values_are_all_named() {
        let bad = Settings::parse(&config(&[
            ("ca-common-name", "".into()),
            ("ca-country-name", "France".into()),
            ("certificate-validity", "200d".into()),
        ]))
        .unwrap_err();
        assert_eq!(
            bad,
            vec!["ca-common-name", "root-ca-validity", "ca-country-name"]
        );
    }
}
