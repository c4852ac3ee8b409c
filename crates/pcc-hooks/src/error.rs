//! How a CLI command fails: one `error:` line on stderr, details after a colon, exit code 1; and
//! where a hook failure goes when the database cannot take it ([`keep_unrecorded`]).

use std::fmt;
use std::process::ExitCode;

/// A command's failure, already phrased for a human.
#[derive(Debug)]
pub struct Failure {
    message: String,
    /// Exit code; 1 for errors, 2 when a check found problems (`doctor`).
    code: u8,
}

impl Failure {
    /// An error that stops the command.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }

    /// The command ran, and what it checked is not in order.
    pub fn problems_found(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<pcc_store::StoreError> for Failure {
    fn from(error: pcc_store::StoreError) -> Failure {
        Failure::new(error.to_string())
    }
}

impl From<pcc_core::paths::NoDataDir> for Failure {
    fn from(error: pcc_core::paths::NoDataDir) -> Failure {
        Failure::new(error.to_string())
    }
}

/// Turns a command's result into the process exit code, printing the error line if any.
pub fn report(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.code)
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
    let at_ms = jiff::Timestamp::now().as_millisecond();
    if let Err(error) = pcc_store::FailureLog::in_dir(data.root()).append(at_ms, kind, message) {
        tracing::error!(%error, "could not keep a hook failure in the failure log either");
    }
}
