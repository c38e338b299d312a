//! Requirer and provider of the Juju `tls-certificates` interface, for charms written in Rust.
//!
//! # Your first charm with TLS
//!
//! ```toml
//! [dependencies]
//! tls-certificates = "0.1"
//! ```
//!
//! A charm is a function of one [`Hook`] (context, hook tools, crypto backend, time), and its
//! binary is one line. This one requests a certificate for the unit's hostname and ingress
//! address plus an optional configured name, writes the files whenever a certificate arrives
//! (first issue, renewal, a config change), and sets its status. It is the
//! `examples/web-server` charm of the repository, with its juju-sim tests;
//! `docs/first-charm.md` walks through it.
//!
//! ```no_run
//! use std::fs;
//! use std::net::IpAddr;
//! use std::path::PathBuf;
//!
//! use tls_certificates::charm::when;
//! use tls_certificates::crypto::CertificateRequestAttributes;
//! use tls_certificates::requirer::{Requests, Requirer, RequirerConfig, RequirerEvent, Scope};
//! use tls_certificates::{Hook, StatusKind, files};
//!
//! /// Whatever fails a hook (Juju then retries it): a hook tool, the crypto backend, the library,
//! /// a file write. `?` converts each into it, and `charm::main` logs its chain of causes.
//! pub type Error = Box<dyn std::error::Error + Send + Sync>;
//!
//! /// Handles one hook: requests the certificate, writes the files when it arrives, sets the
//! /// status.
//! ///
//! /// # Errors
//! /// A failing hook tool, crypto backend or file write.
//! pub fn run(hook: &Hook<'_>) -> Result<(), Error> {
//!     let hostname = hostname();
//!     let network = hook.tools().network_get("certificates", None)?;
//!     let address = network.ingress_address().unwrap_or_default().to_owned();
//!     let sans = [hostname.clone(), address, hook.config_str("extra-san")?];
//!     let (ips, names): (Vec<_>, Vec<_>) = sans
//!         .into_iter()
//!         .filter(|san| !san.is_empty())
//!         .partition(|san| san.parse::<IpAddr>().is_ok());
//!     let builder = CertificateRequestAttributes::builder().common_name(&hostname);
//!     let attributes = match builder.sans_dns(names).sans_ip(ips).build() {
//!         Ok(attributes) => attributes,
//!         Err(e) => return Ok(hook.invalid_config(&format!("invalid extra-san: {e}"))?),
//!     };
//!     let requests = Requests::Unit(vec![attributes.clone()]);
//!     let requirer = Requirer::new(RequirerConfig::new("certificates", requests)?, hook);
//!     for event in requirer.handle_event()?.events {
//!         if let RequirerEvent::CertificateAvailable(assigned) = event {
//!             let dir = PathBuf::from(hook.config_str("tls-dir")?);
//!             fs::create_dir_all(&dir)?;
//!             fs::write(dir.join("cert.pem"), assigned.certificate.pem().as_str())?;
//!             fs::write(dir.join("ca.pem"), assigned.ca.pem().as_str())?;
//!             if let Some(key) = requirer.private_key_pem(Scope::Unit)? {
//!                 files::write_private_key(&dir.join("key.pem"), &key)?;
//!             }
//!         }
//!     }
//!     let Some(assigned) = requirer.assigned_certificate(&attributes)? else {
//!         return Ok(hook.set_status(StatusKind::Waiting, "waiting for a certificate")?);
//!     };
//!     let until = when(assigned.certificate.not_after());
//!     Ok(hook.set_status(
//!         StatusKind::Active,
//!         &format!("serving TLS for {hostname} until {until}"),
//!     )?)
//! }
//!
//! /// This machine's name (what `socket.getfqdn()` gives a Python charm).
//! pub fn hostname() -> String {
//!     fs::read_to_string("/proc/sys/kernel/hostname")
//!         .map_or_else(|_| "localhost".to_owned(), |name| name.trim().to_owned())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     tls_certificates::charm::main(run)
//! }
//! ```
//!
//! `?` works on every layer's error (hook tools, crypto, engine, library): each converts into
//! [`Error`] and into a boxed error as here; [`charm::main`] accepts any error that converts into
//! `Box<dyn std::error::Error + Send + Sync>` (a charm's own `thiserror` enum wrapping
//! [`Error`], `anyhow::Error`). Everything a charm names is
//! re-exported here: the hook-tool nouns ([`Context`], [`HookTools`], [`StatusKind`], ...),
//! [`time`], the crypto types ([`crypto`]) and what the adapters' signatures use
//! ([`requirer::AssignedCertificate`], [`provider::CertificateRequest`], ...).
//!
//! # What is inside
//!
//! The Rust counterparts of the Python library's `TLSCertificatesRequiresV4` and
//! `TLSCertificatesProvidesV4`: thin drivers that read what a hook can see through
//! [`juju_hook_tools::HookTools`], run the sans-IO [`engine`], and apply its plan. They talk to
//! Python peers on the wire and use the Python library's secret labels, so a charm can switch
//! libraries in place without rotating its key or certificate.
//!
//! * [`requirer::Requirer`]: key in a Juju secret (or supplied by the charm), CSRs, verified
//!   certificates stored in secrets, renewal, revocation, key rotation.
//! * [`provider::Provider`]: verified requests, outstanding requests answered through
//!   themselves ([`provider::Provider::answer_outstanding`]), publishing certificates and
//!   errors, revocation, capabilities.
//! * Both are built the same way, `(config, &hook)`: [`requirer::RequirerConfig`] and
//!   [`provider::ProviderConfig`] name the endpoint and the policy.
//! * [`charm`]: the runtime of a charm binary: crypto backend selection (FIPS-only in `fips`
//!   builds, ring first otherwise), the simulator's clock, and `main`.
//!
//! # Crate features
//!
//! Features only make crypto backends available; the backend is always passed explicitly.
//!
//! * `ring` (default): `crypto::ring`.
//! * `openssl`: `crypto::openssl` (links the system OpenSSL).
//! * `vendored`: `crypto::openssl` against OpenSSL built from source (implies `openssl`).
//! * `fips`: the OpenSSL backend restricted to its FIPS provider; [`charm::backend`] then accepts
//!   no other backend.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod apply;
pub mod charm;
mod error;
pub mod files;
mod hook;
pub mod provider;
pub mod requirer;

pub use error::Error;
pub use hook::Hook;
pub use tls_certificates_crypto as crypto;
pub use tls_certificates_engine as engine;

/// The Juju hook tools crate the adapters drive.
pub use juju_hook_tools;
/// What a charm names of the hook tools: the context, the tools, logging and status.
pub use juju_hook_tools::{Context, Event, HookTools, LogLevel, StatusKind, Target};
/// Juju's nouns, defined once in `juju-types` for the engine, the hook tools and juju-sim.
pub use juju_types::{Databag, RelationId, SecretContent, SecretId, SecretOwner, UnitName};
/// The JSON values of `config-get` and action parameters.
pub use serde_json;
/// Instants and durations (`Hook::now`, certificate validity).
pub use time;
