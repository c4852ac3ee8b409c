//! Errors of the store, each naming the file so a message alone tells the user where to look.

use crate::sql_enum::UnknownValue;
use std::path::{Path, PathBuf};

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
    /// A column of closed values (a level, an answer, a state, …) holds a name this build does
    /// not know: a newer pcc-hooks wrote it, or someone edited the file. Never read as a default.
    #[error(
        "{path}: {column} holds {value:?}, which this pcc-hooks does not know (written by a newer version, or by hand); upgrade pcc-hooks"
    )]
    UnknownValue {
        /// The database file.
        path: PathBuf,
        /// The column, as `table.column`.
        column: &'static str,
        /// The text found in it.
        value: String,
    },
    /// The operating system gave no random bytes (for a capability's token).
    #[error(
        "the operating system gave no random bytes for an approval link ({source}); check that getrandom(2) or /dev/urandom works here"
    )]
    Randomness {
        /// What getrandom said.
        source: getrandom::Error,
    },
}

impl StoreError {
    /// What SQLite (or reading a row) said about the file at `path`; a name no enum value has
    /// becomes [`StoreError::UnknownValue`].
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        if let rusqlite::Error::FromSqlConversionFailure(_, _, error) = &source
            && let Some(unknown) = error.downcast_ref::<UnknownValue>()
        {
            return StoreError::UnknownValue {
                path: path.to_path_buf(),
                column: unknown.column,
                value: unknown.value.clone(),
            };
        }
        StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

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
