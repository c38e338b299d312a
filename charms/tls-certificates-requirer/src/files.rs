//! The certificate files the charm writes for its workload.

use std::fs;
use std::path::{Path, PathBuf};

use tls_certificates::requirer::{AssignedCertificate, Requirer, Scope};
use tls_certificates::{Context, Error, files};

use crate::scope_name;

/// `<charm dir>/data/<unit, e.g. tls-requirer-0>/`. Juju gives every unit its own charm
/// directory; the unit name keeps units apart where a directory is shared (simulators).
pub(crate) fn data_dir(ctx: &Context) -> PathBuf {
    let root = ctx
        .charm_dir()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    root.join("data")
        .join(ctx.unit().as_str().replace('/', "-"))
}

/// Writes `<scope>-certificate.pem`, `<scope>-ca.pem`, `<scope>-chain.pem` and
/// `<scope>-private-key.pem` (0600) when the certificate on disk differs.
pub(crate) fn sync(
    dir: &Path,
    scope: Scope,
    assigned: &AssignedCertificate,
    requirer: &Requirer<'_>,
) -> Result<(), Error> {
    let name = scope_name(scope);
    let certificate = format!("{}\n", assigned.certificate.pem().as_str().trim_end());
    let cert_path = dir.join(format!("{name}-certificate.pem"));
    if fs::read_to_string(&cert_path).is_ok_and(|current| current == certificate) {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|source| Error::WriteFile {
        path: dir.to_path_buf(),
        source,
    })?;
    if let Some(key) = requirer.private_key_pem(scope)? {
        files::write_private_key(&dir.join(format!("{name}-private-key.pem")), &key)?;
    }
    let ca = format!("{}\n", assigned.ca.pem().as_str().trim_end());
    let chain: String = assigned
        .chain
        .iter()
        .map(|c| format!("{}\n", c.pem().as_str().trim_end()))
        .collect();
    files::write(&dir.join(format!("{name}-ca.pem")), ca.as_bytes(), 0o644)?;
    files::write(
        &dir.join(format!("{name}-chain.pem")),
        chain.as_bytes(),
        0o644,
    )?;
    // The certificate last: its content is what says "the files are up to date".
    files::write(&cert_path, certificate.as_bytes(), 0o644)
}
