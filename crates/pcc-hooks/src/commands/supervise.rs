//! `pcc-hooks supervise <id>` (hidden): the supervisor `start` runs for one session. It starts
//! the session's `claude`, tells its starter the pid on stdout (one JSON line), waits, records
//! how it ended and exits with `claude`'s status. See `pcc_supervisor::supervise`.

use crate::cli::SuperviseArgs;
use pcc_core::paths::DataDir;
use std::process::ExitCode;

/// Supervises the session; errors go to the log (nobody reads this process's stderr) and, when
/// `claude` did not start, to the starter through the handshake.
pub fn run(args: &SuperviseArgs) -> ExitCode {
    let data = match DataDir::from_env() {
        Ok(data) => data,
        Err(error) => {
            tracing::error!(%error, "the supervisor has no data directory");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    match pcc_supervisor::supervise(&data, &args.session, &mut stdout) {
        Ok(supervised) => ExitCode::from(u8::try_from(supervised.mirrored_code()).unwrap_or(1)),
        Err(error) => {
            tracing::error!(session = %args.session, %error, "cannot supervise a started session");
            ExitCode::FAILURE
        }
    }
}
