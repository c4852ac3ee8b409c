//! How a CLI command fails: one `error:` line on stderr, details after a colon, exit code 1; and
//! where a hook failure goes when the database cannot take it ([`keep_unrecorded`]).

use crate::clock::now_ms;
use pcc_core::bridge::human_answer::ResponseError;
use pcc_core::config::ConfigError;
use pcc_core::paths::NoDataDir;
use pcc_core::permission::RuleError;
use pcc_store::StoreError;
use std::process::ExitCode;

/// What went wrong in this binary, with the error that caused it kept as its source (so a log
/// line or a caller can still tell a store error from a bad answer), phrased for a human.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// An error already phrased for a human, with nothing underneath worth keeping.
    #[error("{0}")]
    Message(String),
    /// The command ran, and what it checked is not in order (`doctor`): exit code 2.
    #[error("{0}")]
    ProblemsFound(String),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No data directory (`$PCC_HOME` and `$HOME` both unusable).
    #[error(transparent)]
    NoDataDir(#[from] NoDataDir),
    /// A configuration file that cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A permission rule that cannot be understood.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A human's answer that does not fit its escalation.
    #[error(transparent)]
    Answer(#[from] ResponseError),
    /// A human's request that `pcc-control` refused or could not carry out (the words are the
    /// same the server answers with).
    #[error(transparent)]
    Control(#[from] pcc_control::ControlError),
    /// Containment cannot be had here (bubblewrap missing or not permitted).
    #[error(transparent)]
    Sandbox(#[from] pcc_sandbox::Unavailable),
    /// Starting, supervising or stopping a started session.
    #[error(transparent)]
    Supervisor(#[from] pcc_supervisor::Error),
    /// An operating-system call, and what it was for.
    #[error("{what}: {source}")]
    Io {
        /// What failed, e.g. "cannot run /usr/bin/claude".
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl HookError {
    /// An error that stops the command, already phrased for a human.
    pub fn new(message: impl Into<String>) -> HookError {
        HookError::Message(message.into())
    }

    /// The command ran, and what it checked is not in order.
    pub fn problems_found(message: impl Into<String>) -> HookError {
        HookError::ProblemsFound(message.into())
    }

    /// An operating-system error, saying what it was for.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HookError {
        let what = what.into();
        move |source| HookError::Io { what, source }
    }

    /// Exit code: 2 when a check found problems (`doctor`), 1 for every error.
    fn exit_code(&self) -> u8 {
        match self {
            HookError::ProblemsFound(_) => 2,
            _ => 1,
        }
    }
}

/// Turns a command's result into the process exit code, printing the error line if any.
pub fn report(result: Result<(), HookError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Keeps a hook failure that could not be counted in the database in the failure log
/// (`pcc_store::FailureLog`), so `status` and `doctor` still show it. Never fails the hook: when
/// even that file cannot be written, the log line the caller wrote is all there is.
pub fn keep_unrecorded(kind: &str, message: &str) {
    let Ok(data) = pcc_core::paths::DataDir::from_env() else {
        return;
    };
    let at_ms = now_ms();
    if let Err(error) = pcc_store::FailureLog::in_dir(data.root()).append(at_ms, kind, message) {
        tracing::error!(%error, "could not keep a hook failure in the failure log either");
    }
}
