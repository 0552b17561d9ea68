//! Owner-only files: the SQLite database (with its `-wal`/`-shm`), its backups and the development
//! keys hold every merchant's tokens and their customers' personal data. Directories the app
//! creates for them are `0700`, the files `0600`; ones found looser are tightened, with a warning.
//! Depends on nothing of the app.

use std::{io, path::Path};

/// Mode of a directory that holds private files.
pub const DIR_MODE: u32 = 0o700;
/// Mode of a private file.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) owner-only. When `tighten` is set, an existing `dir`
/// whose mode lets group or others in is tightened to [`DIR_MODE`] (say so only for directories
/// the app owns, e.g. `DATA_DIR`: never for a shared one such as `/tmp`).
pub fn private_dir(dir: &Path, tighten: bool) -> io::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
        builder.create(dir)?;
        return Ok(());
    }
    if tighten {
        tighten_mode(dir, DIR_MODE)?;
    }
    Ok(())
}

/// Makes sure `path` exists and is owner-only: created empty with [`FILE_MODE`] when missing
/// (an empty file is a valid, empty SQLite database), tightened when found looser.
pub fn private_file(path: &Path) -> io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, FILE_MODE);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten_mode(path, FILE_MODE),
        Err(e) => Err(e),
    }
}

/// Tightens `path` to `mode` when it exists and lets group or others in; missing is fine.
pub fn tighten_if_exists(path: &Path, mode: u32) -> io::Result<()> {
    match tighten_mode(path, mode) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn tighten_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{mode:o}"),
            "tightening permissions: this holds merchants' tokens and data"
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_owner_only_and_tightens_looser_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        private_dir(&dir, true).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("app.db");
        private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(&file, b"kept").unwrap();
        private_dir(&dir, true).unwrap();
        private_file(&file).unwrap();
        assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
        assert_eq!(std::fs::read(&file).unwrap(), b"kept", "an existing file keeps its contents");

        // A shared directory is never tightened unless asked.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir, false).unwrap();
        assert_eq!(mode(&dir), 0o755);
        tighten_if_exists(&dir.join("missing-wal"), FILE_MODE).unwrap();
    }
}
