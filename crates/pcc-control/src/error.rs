//! How a human's request fails, by kind, so each door can say it its own way (an exit code, an
//! HTTP status) while the words stay the same.

use pcc_core::bridge::human_answer::ResponseError;
use pcc_store::StoreError;

/// A refused or failed request, phrased for a human.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Nothing has that id (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// It exists, but its state refuses this: already answered, running (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// The request does not make sense (HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// An answer that does not fit its escalation (HTTP 400).
    #[error(transparent)]
    Answer(#[from] ResponseError),
    /// The database (HTTP 500).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Starting a process of ours failed (HTTP 500).
    #[error("{0}")]
    Spawn(String),
}
