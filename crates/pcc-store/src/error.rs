//! Errors of the store, each naming the file so a message alone tells the user where to look.

use std::path::PathBuf;

/// Anything that went wrong between us and the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory or file could not be created or its mode set.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// SQLite refused: locked past the busy timeout, corrupt, read-only, full disk, …
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A newer pcc-hooks migrated the file past what this build knows.
    #[error(
        "{path}: database schema version {found} is newer than this pcc-hooks supports ({supported}); upgrade pcc-hooks"
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
}

impl StoreError {
    /// True when the error is SQLite's "busy/locked": another process held the write lock for
    /// longer than the busy timeout.
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(failure, _),
                ..
            } if matches!(
                failure.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            )
        )
    }
}
