//! Hook failures the database could not take: a small append-only file beside it.
//!
//! When the database is read-only, corrupt, someone else's or on a full disk, the `hook_errors`
//! row that would say so cannot be written either, and `status` would show nothing wrong. Such
//! failures go to `<data dir>/hook-failures.log` instead: one JSON line each (time, kind,
//! redacted message), written with `O_APPEND` in one `write`, so concurrent hooks never
//! interleave. The file is bounded: past [`FAILURE_LOG_MAX_BYTES`] it is rotated to `.1`, so at
//! most twice that is kept. It is created ahead of need ([`FailureLog::prepare`], from
//! `Store::open`) with its space reserved, so a full disk can still take a few hundred lines.
//! When the data directory itself cannot be written (a read-only mount, another user's
//! directory), the lines go to a per-user fallback directory (`$XDG_RUNTIME_DIR/pcc-hooks`, or
//! `<tmp>/pcc-hooks-<uid>`, used only when it is a real directory of ours, mode 0700), in a file
//! named for the data directory, so each data directory reads its own.

use crate::private;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The size past which the file is rotated; also the space reserved when it is created.
pub const FAILURE_LOG_MAX_BYTES: u64 = 64 * 1024;

/// `O_NOFOLLOW`: a link planted where the file should be is refused, not followed.
const NO_FOLLOW: i32 = rustix::fs::OFlags::NOFOLLOW.bits() as i32;

/// How many recent failures a summary keeps.
const RECENT: usize = 5;

/// Where one data directory's unrecorded failures go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureLog {
    primary: PathBuf,
    fallback: Option<PathBuf>,
}

/// One failure the database could not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrecordedFailure {
    /// When it happened, in Unix milliseconds.
    pub at_ms: i64,
    /// What failed: `input`, `internal`, `config` (as in `hook_errors`) or `store`.
    pub kind: String,
    /// What happened, redacted and bounded.
    pub message: String,
}

/// What the files hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureSummary {
    /// Every failure kept (rotation drops the oldest past twice the size bound).
    pub count: usize,
    /// The latest few, oldest first.
    pub recent: Vec<UnrecordedFailure>,
    /// The files that hold any.
    pub files: Vec<PathBuf>,
}

impl FailureLog {
    /// The failure log of the data directory at `root`.
    pub fn in_dir(root: &Path) -> FailureLog {
        let primary = root.join(pcc_core::paths::HOOK_FAILURES_FILE);
        let fallback = fallback_dir().map(|dir| dir.join(fallback_name(root)));
        FailureLog { primary, fallback }
    }

    /// The file in the data directory.
    pub fn path(&self) -> &Path {
        &self.primary
    }

    /// Creates the file (mode 0600) with its space reserved, unless it exists. Best effort: a
    /// failure here only means a later failure may find no room.
    pub fn prepare(&self) {
        if let Ok(file) = create_new(&self.primary) {
            reserve(&file);
        }
    }

    /// Appends one failure, to the data directory's file or, when that cannot be written, to
    /// the per-user fallback. Returns the file written, or the first error.
    pub fn append(&self, at_ms: i64, kind: &str, message: &str) -> io::Result<PathBuf> {
        let entry = serde_json::json!({
            "at_ms": at_ms,
            "kind": kind,
            "message": pcc_core::redact::redact_and_truncate(message, 500),
        });
        let mut line = entry.to_string().into_bytes();
        line.push(b'\n');
        match append_line(&self.primary, &line) {
            Ok(()) => Ok(self.primary.clone()),
            Err(error) => match &self.fallback {
                Some(fallback) if secure_fallback_dir(fallback) => append_line(fallback, &line)
                    .map(|()| fallback.clone())
                    .map_err(|_| error),
                _ => Err(error),
            },
        }
    }

    /// Reads every file of this data directory's log. Unreadable files count as empty; a line
    /// that does not parse counts as a failure whose message says so.
    pub fn summary(&self) -> FailureSummary {
        let mut summary = FailureSummary::default();
        let mut all = Vec::new();
        for file in [Some(&self.primary), self.fallback.as_ref()]
            .into_iter()
            .flatten()
        {
            for path in [rotated(file), file.clone()] {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let before = all.len();
                all.extend(
                    text.lines()
                        .filter(|line| !line.trim().is_empty())
                        .map(parse_line),
                );
                if all.len() > before {
                    summary.files.push(path);
                }
            }
        }
        all.sort_by_key(|failure| failure.at_ms);
        summary.count = all.len();
        summary.recent = all.split_off(all.len().saturating_sub(RECENT));
        summary
    }
}

fn parse_line(line: &str) -> UnrecordedFailure {
    let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    match (
        value["at_ms"].as_i64(),
        value["kind"].as_str(),
        value["message"].as_str(),
    ) {
        (Some(at_ms), Some(kind), Some(message)) => UnrecordedFailure {
            at_ms,
            kind: kind.to_owned(),
            message: message.to_owned(),
        },
        _ => UnrecordedFailure {
            at_ms: 0,
            kind: "unknown".into(),
            message: "(a line of the failure log could not be read)".into(),
        },
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

fn append_line(path: &Path, line: &[u8]) -> io::Result<()> {
    let mut file = open_append(path)?;
    if file.metadata()?.len() >= FAILURE_LOG_MAX_BYTES {
        // Two racing writers may both rotate; the second then moves a fresh file over `.1`,
        // which loses at most the old half, never the line being written.
        std::fs::rename(path, rotated(path))?;
        file = open_append(path)?;
    }
    file.write_all(line)
}

fn open_append(path: &Path) -> io::Result<File> {
    match create_new(path) {
        Ok(file) => {
            reserve(&file);
            Ok(file)
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            let file = OpenOptions::new()
                .append(true)
                .custom_flags(NO_FOLLOW)
                .open(path)?;
            if let Err(error) = private::tighten(path) {
                tracing::debug!(%error, path = %path.display(), "could not tighten the failure log");
            }
            Ok(file)
        }
        Err(error) => Err(error),
    }
}

fn create_new(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(private::FILE_MODE)
        .custom_flags(NO_FOLLOW)
        .open(path)?;
    if file.metadata()?.mode() & 0o777 != private::FILE_MODE {
        file.set_permissions(Permissions::from_mode(private::FILE_MODE))?;
    }
    Ok(file)
}

/// Reserves the file's space without changing its size, so appends fit on a full disk.
fn reserve(file: &File) {
    #[cfg(target_os = "linux")]
    {
        // A file system without fallocate (EOPNOTSUPP) simply gets no reservation.
        let _ = rustix::fs::fallocate(
            file,
            rustix::fs::FallocateFlags::KEEP_SIZE,
            0,
            FAILURE_LOG_MAX_BYTES,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// `$XDG_RUNTIME_DIR/pcc-hooks`, else `<tmp>/pcc-hooks-<uid>`.
fn fallback_dir() -> Option<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    Some(match runtime {
        Some(dir) => dir.join("pcc-hooks"),
        None => std::env::temp_dir().join(format!("pcc-hooks-{}", private::effective_uid())),
    })
}

/// The fallback file's name: the data directory's path, hashed (FNV-1a), so two data
/// directories never mix their failures.
fn fallback_name(root: &Path) -> String {
    let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let hash = absolute
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("hook-failures-{hash:016x}.log")
}

/// Creates the fallback directory (0700) and says whether it is safe to write: a real
/// directory (not a link someone planted in a shared `/tmp`), ours, closed to others.
fn secure_fallback_dir(file: &Path) -> bool {
    let Some(dir) = file.parent() else {
        return false;
    };
    if let Err(error) = private::create_dir(dir) {
        tracing::debug!(%error, dir = %dir.display(), "no fallback directory for hook failures");
        return false;
    }
    std::fs::symlink_metadata(dir).is_ok_and(|metadata| {
        metadata.is_dir()
            && metadata.uid() == private::effective_uid()
            && metadata.mode() & 0o077 == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_in(root: &Path, fallback: &Path) -> FailureLog {
        FailureLog {
            primary: root.join("hook-failures.log"),
            fallback: Some(fallback.join("pcc-hooks").join(fallback_name(root))),
        }
    }

    #[test]
    fn failures_are_appended_redacted_and_summarised() {
        let root = tempfile::tempdir().expect("tempdir");
        let other = tempfile::tempdir().expect("tempdir");
        let log = log_in(root.path(), other.path());
        log.prepare();
        let mode = std::fs::metadata(log.path()).expect("prepared").mode() & 0o777;
        assert_eq!(mode, 0o600);
        for at in 1..=7 {
            log.append(
                at,
                "store",
                &format!("failure {at} MYSQL_PWD=hunter2secret"),
            )
            .expect("append");
        }
        let summary = log.summary();
        assert_eq!(summary.count, 7);
        assert_eq!(summary.recent.len(), RECENT);
        assert_eq!(summary.recent[0].at_ms, 3);
        assert!(summary.recent[4].message.starts_with("failure 7"));
        let text = std::fs::read_to_string(log.path()).expect("read");
        assert!(!text.contains("hunter2secret"), "{text}");
        assert_eq!(summary.files, [log.path().to_path_buf()]);
    }

    #[test]
    fn the_file_is_bounded() {
        let root = tempfile::tempdir().expect("tempdir");
        let other = tempfile::tempdir().expect("tempdir");
        let log = log_in(root.path(), other.path());
        let message = "x".repeat(400);
        for at in 0..1000 {
            log.append(at, "store", &message).expect("append");
        }
        let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
        assert!(size(log.path()) <= FAILURE_LOG_MAX_BYTES + 1024);
        assert!(size(&rotated(log.path())) <= FAILURE_LOG_MAX_BYTES + 1024);
        let summary = log.summary();
        assert!(
            summary.count > 100 && summary.count < 1000,
            "{}",
            summary.count
        );
        assert_eq!(summary.recent.last().map(|f| f.at_ms), Some(999));
    }

    #[test]
    fn an_unwritable_data_dir_falls_back_to_the_per_user_directory() {
        let other = tempfile::tempdir().expect("tempdir");
        let missing = other.path().join("not-a-dir");
        std::fs::write(&missing, "a file where the data directory should be").expect("file");
        let log = log_in(&missing, other.path());
        let written = log
            .append(5, "store", "database is read-only")
            .expect("append");
        assert_ne!(written, log.path());
        assert!(written.starts_with(other.path().join("pcc-hooks")));
        let summary = log.summary();
        assert_eq!(summary.count, 1);
        assert_eq!(summary.recent[0].message, "database is read-only");
    }
}
