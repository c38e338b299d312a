//! Files a charm writes for its workload (certificates, CA, private key): each written whole,
//! with an exact mode.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::Error;
use crate::crypto::PrivateKeyPem;

/// Writes `content` to `path` with exactly `mode` (the umask does not narrow it), through a
/// temporary file of a fresh name next to it (created 0600, given `mode`, synced, then renamed
/// into place): a reader of `path` sees the old content or the new one, never half a file, and
/// a symlink or a looser file already at `path` is replaced, never followed or reused.
///
/// # Errors
/// [`Error::WriteFile`] naming `path` when it could not be written (a missing directory, no
/// permission, a full disk); `path` is then unchanged and no temporary file is left.
pub fn write(path: &Path, content: &[u8], mode: u32) -> Result<(), Error> {
    let failed = |source| Error::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Removed when dropped: on every failure before the rename.
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    file.write_all(content)
        .and_then(|()| {
            file.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
        })
        .and_then(|()| file.as_file().sync_all())
        .map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Writes a private key for the workload to `path`, readable and writable by its owner only
/// (mode 0600), as [`write()`] does.
///
/// # Errors
/// As [`write()`].
pub fn write_private_key(path: &Path, key: &PrivateKeyPem) -> Result<(), Error> {
    write(path, key.expose_secret().as_bytes(), 0o600)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_file_is_replaced_whole_with_its_exact_mode_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pem");
        write(&path, b"old", 0o644).unwrap();
        write(&path, b"new", 0o640).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(mode(&path), 0o640);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["cert.pem"]);
    }

    #[test]
    fn a_private_key_is_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        // A file a workload made world-readable is narrowed, not only a new one.
        write(&path, b"placeholder", 0o666).unwrap();
        let backend = crate::crypto::ring::backend();
        let key = backend
            .generate_key(crate::crypto::KeyAlgorithm::EcdsaP256)
            .unwrap();
        let pem = backend.export_private_key(&key).unwrap();
        write_private_key(&path, &pem).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), pem.expose_secret());
    }

    #[test]
    fn a_write_into_a_missing_directory_fails_naming_the_file_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("cert.pem");
        let e = write(&path, b"x", 0o644).unwrap_err();
        assert!(
            matches!(&e, Error::WriteFile { path: p, .. } if p.ends_with("missing/cert.pem")),
            "{e:?}"
        );
        assert!(e.to_string().contains("cert.pem"), "{e}");
        assert!(!dir.path().join("missing").exists());
    }
}
