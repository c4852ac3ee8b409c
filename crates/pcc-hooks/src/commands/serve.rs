//! `pcc-hooks serve`: becomes the `pcc-serve` binary installed beside this one (`exec`, so
//! signals, the exit code and the terminal are the server's). The server lives in its own
//! binary so that no hook call links or starts axum, tokio or TLS.

use crate::cli::ServeArgs;
use crate::error::HookError;
use std::os::unix::process::CommandExt as _;

/// The server binary's name.
const SERVER_PROGRAM: &str = "pcc-serve";

/// Replaces this process with `pcc-serve ARGS`; returns only when that cannot be done.
pub fn run(args: &ServeArgs) -> Result<(), HookError> {
    let Some(program) = pcc_control::programs::beside_current_exe(SERVER_PROGRAM) else {
        let here = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.display().to_string()))
            .unwrap_or_else(|| "this binary's directory".into());
        return Err(HookError::new(format!(
            "`{SERVER_PROGRAM}` is not installed beside pcc-hooks (in {here}); \
             run scripts/install again, or `cargo install --path crates/pcc-server`"
        )));
    };
    let error = std::process::Command::new(&program).args(&args.args).exec();
    Err(HookError::Io {
        what: format!("cannot run {}", program.display()),
        source: error,
    })
}
