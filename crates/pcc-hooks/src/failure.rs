//! How a CLI command fails: one `error:` line on stderr, details after a colon, exit code 1.

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
