//! Deferral marks: one empty file per deferred call, `<data>/deferred/<tool_use_id>`, so a call
//! answered without the database (`Store::spool_call`) can still tell whether a human was asked
//! about it.
//!
//! A deferred call is asked about again when its session resumes, with the same `tool_use_id`;
//! the human's refusal, stored with its escalation, must then win even if the call now judges
//! LOW (a policy or config change in between). Looking that up would open the database, the cost
//! the LOW path avoids; a mark costs one `stat`. A call is marked before `defer` is answered, so
//! a call with no mark was never deferred. Marks stay: a resume that is run again asks the same
//! call again, and a mark only sends that one call down the usual path. They are as many as the
//! deferrals, each an empty file.

use crate::error::StoreError;
use crate::open::Store;
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// `O_NOFOLLOW`: a mark is never written through a link someone put in its place.
const NO_FOLLOW: i32 = rustix::fs::OFlags::NOFOLLOW.bits() as i32;

impl Store {
    /// Marks `tool_use_id` as deferred, before the call is answered `defer`. An id that cannot be
    /// a file name (Claude Code's are `toolu_` and letters and digits) is refused: the caller
    /// then must not defer.
    pub fn mark_deferral(database: &Path, tool_use_id: &str) -> Result<(), StoreError> {
        let Some(path) = mark_path(database, tool_use_id) else {
            return Err(StoreError::Io {
                path: marks_dir(database),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{tool_use_id:?} cannot name a deferral mark"),
                ),
            });
        };
        let dir = marks_dir(database);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|source| StoreError::Io {
                path: dir.clone(),
                source,
            })?;
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(NO_FOLLOW)
            .open(&path)
            .map(drop)
            .map_err(|source| StoreError::Io { path, source })
    }

    /// Whether `tool_use_id` may have been deferred: true when its mark is there, and whenever
    /// that cannot be ruled out (an id that cannot be a mark, an error other than "no such file").
    ///
    /// Marks are only as old as this version: until [`Store::open`] has marked the deferrals an
    /// earlier version made (and made the directory), every call may have been deferred.
    pub fn may_have_deferral(database: &Path, tool_use_id: &str) -> bool {
        let Some(path) = mark_path(database, tool_use_id) else {
            return true;
        };
        match std::fs::symlink_metadata(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                !std::fs::symlink_metadata(marks_dir(database)).is_ok_and(|meta| meta.is_dir())
            }
            _ => true,
        }
    }

    /// Marks the deferred calls already in the database, once: when the directory of marks is
    /// not there yet (a new data directory, or one an earlier version wrote deferrals in). A
    /// deferral whose mark cannot be made leaves the directory unmade, so the LOW path keeps
    /// sending every call to the database.
    pub(crate) fn mark_earlier_deferrals(&self) {
        let dir = marks_dir(&self.path);
        if dir.is_dir() {
            return;
        }
        let ids: Result<Vec<String>, rusqlite::Error> = self
            .conn
            .prepare(
                "SELECT DISTINCT deferred_tool_use_id FROM escalations
                 WHERE deferred_tool_use_id IS NOT NULL",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<_, _>>()
            });
        let marked = ids
            .map_err(|error| self.error(error))
            .and_then(|ids| place_marks(&dir, &ids));
        if let Err(error) = marked {
            tracing::warn!(%error, "could not mark earlier deferrals; LOW calls keep using the database");
        }
    }
}

fn marks_dir(database: &Path) -> PathBuf {
    database
        .parent()
        .map_or_else(|| PathBuf::from("deferred"), |dir| dir.join("deferred"))
}

fn mark_path(database: &Path, tool_use_id: &str) -> Option<PathBuf> {
    usable(tool_use_id).then(|| marks_dir(database).join(tool_use_id))
}

/// Whether `tool_use_id` can name a file: Claude Code's ids are `toolu_` and letters and digits.
fn usable(tool_use_id: &str) -> bool {
    !tool_use_id.is_empty()
        && tool_use_id.len() <= 128
        && tool_use_id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// Makes the directory of marks holding one mark per id: built aside and renamed into place, so
/// the directory exists only with every mark in it. When another process made the directory
/// meanwhile (a new deferral's mark), the marks are moved into it one by one.
fn place_marks(dir: &Path, ids: &[String]) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let staging = dir.with_file_name(format!(".deferred.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(io(&staging))?;
    for id in ids.iter().filter(|id| usable(id)) {
        let mark = staging.join(id);
        std::fs::File::create(&mark).map_err(io(&mark))?;
    }
    if std::fs::rename(&staging, dir).is_ok() {
        return Ok(());
    }
    for id in ids.iter().filter(|id| usable(id)) {
        std::fs::rename(staging.join(id), dir.join(id)).map_err(io(&dir.join(id)))?;
    }
    std::fs::remove_dir(&staging).map_err(io(&staging))
}
