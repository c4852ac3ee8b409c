//! Where a started session's files live in the data directory.

use pcc_core::paths::DataDir;
use std::path::PathBuf;

/// `<data>/sessions/`: one log per started session (0700, like every directory of ours).
pub fn sessions_dir(data: &DataDir) -> PathBuf {
    data.root().join("sessions")
}

/// `<data>/sessions/<id>.log`: what the session's `claude` printed, redacted, one line per
/// stream-json event (and its stderr's lines between them).
pub fn log_path(data: &DataDir, session_id: &str) -> PathBuf {
    sessions_dir(data).join(format!("{session_id}.log"))
}

/// `<data>/sessions/<id>.prompt`: the first prompt, there only while the supervisor hands it to
/// `claude` as its stdin (the file is opened, then removed).
pub(crate) fn prompt_path(data: &DataDir, session_id: &str) -> PathBuf {
    sessions_dir(data).join(format!("{session_id}.prompt"))
}
