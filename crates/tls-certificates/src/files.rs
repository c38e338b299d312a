//! Files a charm writes for its workload (certificates, CA, private key): each written whole,
//! with an exact mode.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::Error;
use crate::crypto::PrivateKeyPem;

/// Writes `content` to `path` with exactly `mode` (the umask does not narrow it), through a
/// temporary file next to it (`<name>.tmp`, created with `mode`) that is synced and renamed into
/// place: a reader of `path` sees the old content or the new one, never half a file.
///
/// # Errors
/// [`Error::WriteFile`] naming the file that could not be written (a missing directory, no
/// permission, a full disk); `path` is then unchanged.
pub fn write(path: &Path, content: &[u8], mode: u32) -> Result<(), Error> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::WriteFile { path, source }
    };
    let Some(name) = path.file_name() else {
        return Err(failed(path)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        )));
    };
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A temporary file a failed write left behind; it would make `create_new` fail.
    let _ = fs::remove_file(&tmp);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(content)?;
            file.sync_all()?;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(failed(&tmp)(e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        failed(path)(e)
    })
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
            matches!(&e, Error::WriteFile { path: p, .. } if p.ends_with("missing/cert.pem.tmp")),
            "{e:?}"
        );
        assert!(e.to_string().contains("cert.pem"), "{e}");
        assert!(!dir.path().join("missing").exists());
    }
}
