//! How starting, supervising or stopping a session fails.

use pcc_store::StoreError;

/// What went wrong, phrased for a human: what failed and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request cannot be carried out as given (no such directory, no `claude`, an empty
    /// task, a session that is not ours or has ended). Nothing was recorded or signalled.
    #[error("{0}")]
    Refused(String),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An operating-system call, and what it was for.
    #[error("{what}: {source}")]
    Io {
        /// What failed, e.g. "cannot create /data/sessions/….log".
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A request refused, with what to do about it.
    pub(crate) fn refused(message: impl Into<String>) -> Error {
        Error::Refused(message.into())
    }

    /// An operating-system error, saying what it was for.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}
