//! `pcc-hooks scheduler`: takes the scheduler lock and runs the resumes that are due
//! ([`crate::scheduler`]); a second scheduler for the same database says so and exits.

use crate::cli::SchedulerArgs;
use crate::error::HookError;
use crate::scheduler::{self, lock};
use pcc_core::paths::DataDir;

/// Runs the scheduler until nothing is pending (or once, with `--once`).
pub fn run(args: &SchedulerArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let Some(_lock) = lock::try_acquire(&data)
        .map_err(|error| HookError::new(format!("cannot take the scheduler lock: {error}")))?
    else {
        eprintln!(
            "pcc-hooks: another scheduler is running for {}",
            data.root().display()
        );
        return Ok(());
    };
    scheduler::serve(&data, args.once)
}
