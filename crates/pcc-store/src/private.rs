//! Our files in the data directory are private whatever the umask: directories 0700, files 0600.
//!
//! Tool inputs, decisions, logs and webhook secrets live there, so nobody else may read them,
//! not even for an instant after creation: files are created with their final mode (and set to
//! exactly that mode, since an odd umask could also remove the owner's bits). A file or directory
//! of ours found looser (an older version, a copy, `cp -r` under umask 022) is tightened, and the
//! caller says so with the [`Tightened`] it gets back. Tightening only removes bits, and only on
//! what this user owns.

use std::fmt;
use std::fs::{File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The mode of every directory we create.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file we create.
pub const FILE_MODE: u32 = 0o600;

/// A path of ours that was looser than it should be, and what it was set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    /// The file or directory.
    pub path: PathBuf,
    /// Its permission bits before.
    pub from: u32,
    /// Its permission bits now.
    pub to: u32,
}

impl fmt::Display for Tightened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tightened {} from {:04o} to {:04o}",
            self.path.display(),
            self.from,
            self.to
        )
    }
}

/// How [`open_file`] opens the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write, keeping the content (databases, lock files).
    ReadWrite,
    /// Writes go to the end, whole, even from several processes at once (logs).
    Append,
    /// Write from scratch: any previous content is dropped.
    Replace,
}

/// Creates `dir` (and any missing parent) with mode 0700, or tightens it when it exists, is ours
/// and lets group or others in.
pub fn create_dir(dir: &Path) -> io::Result<Option<Tightened>> {
    match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => return tighten_metadata(dir, &metadata, DIR_MODE),
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a directory", dir.display()),
            ));
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        create_missing_dirs(parent)?;
    }
    make_dir(dir)?;
    Ok(None)
}

/// Opens `path`, creating it with mode 0600 if absent (its directory too, see [`create_dir`]);
/// an existing file of ours that is looser is tightened first.
pub fn open_file(path: &Path, access: Access) -> io::Result<(File, Vec<Tightened>)> {
    let mut tightened = Vec::new();
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        tightened.extend(create_dir(dir)?);
    }
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    match access {
        Access::ReadWrite => options.read(true).write(true),
        Access::Append => options.append(true),
        Access::Replace => options.write(true).truncate(true),
    };
    let file = match options.clone().create_new(true).open(path) {
        Ok(file) => {
            // The umask may have removed bits we need; the file is new, so exactly 0600.
            if file.metadata()?.mode() & 0o777 != FILE_MODE {
                file.set_permissions(Permissions::from_mode(FILE_MODE))?;
            }
            file
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            let file = options.open(path)?;
            tightened.extend(tighten_metadata(path, &file.metadata()?, FILE_MODE)?);
            file
        }
        Err(error) => return Err(error),
    };
    Ok((file, tightened))
}

/// Writes `contents` to `path` (mode 0600), replacing what was there.
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<Vec<Tightened>> {
    use std::io::Write as _;
    let (mut file, tightened) = open_file(path, Access::Replace)?;
    file.write_all(contents)?;
    Ok(tightened)
}

/// Tightens an existing file or directory of ours to at most 0600 / 0700; nothing when it is
/// absent, already private, or someone else's.
pub fn tighten(path: &Path) -> io::Result<Option<Tightened>> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => tighten_metadata(path, &metadata, DIR_MODE),
        Ok(metadata) if metadata.is_file() => tighten_metadata(path, &metadata, FILE_MODE),
        Ok(_) => Ok(None),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// The effective user id, which owns what this process creates.
pub fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn tighten_metadata(
    path: &Path,
    metadata: &std::fs::Metadata,
    limit: u32,
) -> io::Result<Option<Tightened>> {
    let from = metadata.mode() & 0o7777;
    let to = from & limit;
    if from == to || metadata.uid() != effective_uid() {
        return Ok(None);
    }
    std::fs::set_permissions(path, Permissions::from_mode(to))?;
    Ok(Some(Tightened {
        path: path.to_path_buf(),
        from,
        to,
    }))
}

fn create_missing_dirs(dir: &Path) -> io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        create_missing_dirs(parent)?;
    }
    make_dir(dir)
}

/// One directory, exactly 0700; a racing process creating it first is no error.
fn make_dir(dir: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Ok(()) => {
            if std::fs::metadata(dir)?.mode() & 0o777 != DIR_MODE {
                std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))?;
            }
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").mode() & 0o777
    }

    #[test]
    fn new_directories_and_files_are_private_and_loose_ones_are_tightened() {
        let root = tempfile::tempdir().expect("tempdir");
        let file = root.path().join("a/b/log");
        let (_, tightened) = open_file(&file, Access::Append).expect("open");
        assert!(tightened.is_empty());
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);

        std::fs::set_permissions(&file, Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(root.path().join("a/b"), Permissions::from_mode(0o755))
            .expect("chmod");
        let (_, tightened) = open_file(&file, Access::Append).expect("open");
        let shown: Vec<String> = tightened.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                format!(
                    "tightened {} from 0755 to 0700",
                    root.path().join("a/b").display()
                ),
                format!("tightened {} from 0644 to 0600", file.display()),
            ]
        );
        assert_eq!(mode(&file), 0o600);
        // Only bits are removed: a read-only file stays read-only.
        std::fs::set_permissions(&file, Permissions::from_mode(0o444)).expect("chmod");
        assert_eq!(tighten(&file).expect("tighten").map(|t| t.to), Some(0o400));
        assert_eq!(tighten(&file).expect("tighten"), None);
    }

    #[test]
    fn write_file_replaces_the_content() {
        let root = tempfile::tempdir().expect("tempdir");
        let file = root.path().join("config.toml");
        write_file(&file, b"a long first version").expect("write");
        write_file(&file, b"short").expect("write");
        assert_eq!(std::fs::read(&file).expect("read"), b"short");
        assert_eq!(mode(&file), 0o600);
    }
}
