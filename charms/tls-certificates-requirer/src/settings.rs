//! The charm's configuration, validated.

use serde_json::{Map, Value};
use tls_certificates::Context;
use tls_certificates::crypto::{CertificateRequestAttributes, KeyAlgorithm};
use tls_certificates::requirer::{Requests, RequirerConfig, Scope};

use crate::ENDPOINT;

/// Who owns certificates (config `mode`).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Mode {
    /// `app`: one certificate for the application, managed by the leader.
    App,
    /// `app-and-unit`: both.
    AppAndUnit,
    /// `unit`: one certificate per unit.
    Unit,
}

/// Validated configuration: the certificate request of each scope and the key algorithm.
#[derive(Clone, Debug)]
pub struct Settings {
    mode: Mode,
    key_algorithm: KeyAlgorithm,
    unit: Option<CertificateRequestAttributes>,
    app: Option<CertificateRequestAttributes>,
    config: RequirerConfig,
}

/// Text options that go into the certificate subject, in config-name order.
const TEXT_OPTIONS: [&str; 7] = [
    "common-name",
    "email-address",
    "organization",
    "organizational-unit",
    "country-name",
    "state-or-province-name",
    "locality-name",
];

fn text<'m>(config: &'m Map<String, Value>, key: &str) -> &'m str {
    config.get(key).and_then(Value::as_str).unwrap_or("").trim()
}

fn list(config: &Map<String, Value>, key: &str) -> Vec<String> {
    text(config, key)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Settings {
    /// Validates the `config-get` output for this unit.
    ///
    /// # Errors
    /// A description of every invalid value (`mode`, `key-algorithm`, a SAN or subject
    /// attribute the certificate cannot carry), for a blocked status.
    pub fn parse(config: &Map<String, Value>, ctx: &Context) -> Result<Self, Vec<String>> {
        let mut bad = Vec::new();
        let mode = match text(config, "mode") {
            "" | "unit" => Mode::Unit,
            "app" => Mode::App,
            "app-and-unit" => Mode::AppAndUnit,
            other => {
                bad.push(format!(
                    "mode={other:?} (expected unit, app or app-and-unit)"
                ));
                Mode::Unit
            }
        };
        let key_algorithm = match text(config, "key-algorithm") {
            "" => KeyAlgorithm::default(),
            name => name.parse().unwrap_or_else(|_| {
                bad.push(format!(
                    "key-algorithm={name:?} (expected rsa2048, rsa3072, rsa4096, p256, p384 or ed25519)"
                ));
                KeyAlgorithm::default()
            }),
        };
        let configured_cn = text(config, "common-name");
        let unit_default = ctx.unit().as_str().replace('/', "-");
        let (unit_cn, app_cn) = match mode {
            Mode::Unit => (non_empty(configured_cn, &unit_default), String::new()),
            Mode::App => (String::new(), non_empty(configured_cn, ctx.app())),
            // Both scopes must ask for different certificates: the unit's is named after it.
            Mode::AppAndUnit => (unit_default, non_empty(configured_cn, ctx.app())),
        };
        let build = |cn: &str| -> Result<CertificateRequestAttributes, String> {
            let mut b = CertificateRequestAttributes::builder()
                .common_name(cn)
                .sans_dns(list(config, "sans-dns"))
                .sans_ip(list(config, "sans-ip"))
                .sans_oid(list(config, "sans-oid"))
                .is_ca(
                    config
                        .get("is-ca")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                );
            for option in TEXT_OPTIONS.iter().skip(1) {
                let value = text(config, option);
                if value.is_empty() {
                    continue;
                }
                b = match *option {
                    "email-address" => b.email_address(value),
                    "organization" => b.organization(value),
                    "organizational-unit" => b.organizational_unit(value),
                    "country-name" => b.country_name(value),
                    "state-or-province-name" => b.state_or_province_name(value),
                    _ => b.locality_name(value),
                };
            }
            b.build().map_err(|e| e.to_string())
        };
        let mut make = |cn: &str| -> Option<CertificateRequestAttributes> {
            if cn.is_empty() {
                return None;
            }
            match build(cn) {
                Ok(a) => Some(a),
                Err(e) => {
                    if !bad.contains(&e) {
                        bad.push(e);
                    }
                    None
                }
            }
        };
        let unit = make(&unit_cn);
        let app = make(&app_cn);
        let requests = match mode {
            Mode::Unit => Requests::Unit(unit.iter().cloned().collect()),
            Mode::App => Requests::App(app.iter().cloned().collect()),
            Mode::AppAndUnit => Requests::AppAndUnit {
                app: app.iter().cloned().collect(),
                unit: unit.iter().cloned().collect(),
            },
        };
        let config = RequirerConfig::new(ENDPOINT, requests)
            .map(|c| c.with_key_algorithm(key_algorithm))
            .map_err(|e| vec![e.to_string()]);
        match config {
            Ok(config) if bad.is_empty() => Ok(Self {
                mode,
                key_algorithm,
                unit,
                app,
                config,
            }),
            Ok(_) => Err(bad),
            Err(mut e) => {
                bad.append(&mut e);
                Err(bad)
            }
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The key algorithm of generated keys.
    pub fn key_algorithm(&self) -> KeyAlgorithm {
        self.key_algorithm
    }

    /// The request of each scope, unit first.
    pub fn requests(&self) -> Vec<(Scope, CertificateRequestAttributes)> {
        let unit = self.unit.clone().map(|a| (Scope::Unit, a));
        let app = self.app.clone().map(|a| (Scope::App, a));
        unit.into_iter().chain(app).collect()
    }

    /// The library configuration.
    pub fn requirer_config(&self) -> RequirerConfig {
        self.config.clone()
    }
}

fn non_empty(value: &str, default: &str) -> String {
    if value.is_empty() {
        default.to_owned()
    } else {
        value.to_owned()
    }
}
