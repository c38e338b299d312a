//! `web-server`: the example charm of "Your first Rust charm with TLS" (`docs/first-charm.md`).
//!
//! Each unit requests a certificate for its hostname and its ingress address on the
//! `certificates` binding (`network-get`), plus the `extra-san` option (a name or an address)
//! if set, over the `certificates` endpoint; writes `cert.pem`, `key.pem` (mode 0600) and
//! `ca.pem` to the `tls-dir` option's directory whenever a certificate arrives (the first one, a
//! renewal, a new one after a config change); and says in its status what it serves. The
//! library keeps the key in a Juju secret and renews the certificate before it expires.
//!
//! The binary is one line, `tls_certificates::charm::main(web_server::run)`; `tests/sim.rs` runs
//! the charm with the self-signed-certificates provider in juju-sim.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::fs;
use std::net::IpAddr;
use std::path::PathBuf;

use tls_certificates::charm::when;
use tls_certificates::crypto::CertificateRequestAttributes;
use tls_certificates::requirer::{Requests, Requirer, RequirerConfig, RequirerEvent, Scope};
use tls_certificates::{Hook, StatusKind, files};

/// Whatever fails a hook (Juju then retries it): a hook tool, the crypto backend, the library,
/// a file write. `?` converts each into it, and `charm::main` logs its chain of causes.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Handles one hook: requests the certificate, writes the files when it arrives, sets the
/// status.
///
/// # Errors
/// A failing hook tool, crypto backend or file write.
pub fn run(hook: &Hook<'_>) -> Result<(), Error> {
    let hostname = hostname();
    let network = hook.tools().network_get("certificates", None)?;
    let address = network.ingress_address().unwrap_or_default().to_owned();
    let sans = [hostname.clone(), address, hook.config_str("extra-san")?];
    let (ips, names): (Vec<_>, Vec<_>) = sans
        .into_iter()
        .filter(|san| !san.is_empty())
        .partition(|san| san.parse::<IpAddr>().is_ok());
    let builder = CertificateRequestAttributes::builder().common_name(&hostname);
    let attributes = match builder.sans_dns(names).sans_ip(ips).build() {
        Ok(attributes) => attributes,
        Err(e) => return Ok(hook.invalid_config(&format!("invalid extra-san: {e}"))?),
    };
    let requests = Requests::Unit(vec![attributes.clone()]);
    let requirer = Requirer::new(RequirerConfig::new("certificates", requests)?, hook);
    for event in requirer.handle_event()?.events {
        if let RequirerEvent::CertificateAvailable(assigned) = event {
            let dir = PathBuf::from(hook.config_str("tls-dir")?);
            fs::create_dir_all(&dir)?;
            fs::write(dir.join("cert.pem"), assigned.certificate.pem().as_str())?;
            fs::write(dir.join("ca.pem"), assigned.ca.pem().as_str())?;
            if let Some(key) = requirer.private_key_pem(Scope::Unit)? {
                files::write_private_key(&dir.join("key.pem"), &key)?;
            }
        }
    }
    let Some(assigned) = requirer.assigned_certificate(&attributes)? else {
        return Ok(hook.set_status(StatusKind::Waiting, "waiting for a certificate")?);
    };
    let until = when(assigned.certificate.not_after());
    Ok(hook.set_status(
        StatusKind::Active,
        &format!("serving TLS for {hostname} until {until}"),
    )?)
}

/// This machine's name (what `socket.getfqdn()` gives a Python charm).
pub fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".to_owned(), |name| name.trim().to_owned())
}
