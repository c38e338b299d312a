//! The certificate files the charm writes for its workload.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tls_certificates::crypto::CryptoBackend;
use tls_certificates::requirer::{AssignedCertificate, Requirer, Scope};
use tls_certificates::{Context, Error as TlsError};

use crate::{Error, scope_name};

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
    backend: &dyn CryptoBackend,
) -> Result<(), Error> {
    let name = scope_name(scope);
    let certificate = format!("{}\n", assigned.certificate.pem().as_str().trim_end());
    let cert_path = dir.join(format!("{name}-certificate.pem"));
    if fs::read_to_string(&cert_path).is_ok_and(|current| current == certificate) {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(write_error(dir))?;
    if let Some(key) = requirer.private_key(scope)? {
        let pem = backend
            .export_private_key(&key)
            .map_err(TlsError::crypto("exporting the private key for its file"))?;
        write(
            &dir.join(format!("{name}-private-key.pem")),
            pem.expose_secret(),
            0o600,
        )?;
    }
    let ca = format!("{}\n", assigned.ca.pem().as_str().trim_end());
    let chain: String = assigned
        .chain
        .iter()
        .map(|c| format!("{}\n", c.pem().as_str().trim_end()))
        .collect();
    write(&dir.join(format!("{name}-ca.pem")), &ca, 0o644)?;
    write(&dir.join(format!("{name}-chain.pem")), &chain, 0o644)?;
    // The certificate last: its content is what says "the files are up to date".
    write(&cert_path, &certificate, 0o644)
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::WriteFile {
        path: path.display().to_string(),
        source,
    }
}

/// Writes through a temporary file in the same directory and renames it into place, so a
/// reader never sees half a file; the temporary file has `mode` from its creation.
fn write(path: &Path, content: &str, mode: u32) -> Result<(), Error> {
    let tmp = path.with_extension("pem.tmp");
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(write_error(&tmp))?;
    file.write_all(content.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(write_error(&tmp))?;
    // The umask may have narrowed the mode; make it exact.
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(write_error(&tmp))?;
    fs::rename(&tmp, path).map_err(write_error(path))
}
