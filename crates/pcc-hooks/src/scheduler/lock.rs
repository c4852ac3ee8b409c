//! The scheduler's lock: one scheduler per database (`pcc_control::scheduler`, which the server
//! uses too). A hook or a command started here starts a scheduler from this very executable.

use pcc_core::paths::DataDir;

pub use pcc_control::scheduler::try_acquire;

/// Starts `pcc-hooks scheduler` (this executable) in the background unless one already runs.
pub fn ensure_running(data: &DataDir) -> std::io::Result<bool> {
    pcc_control::scheduler::ensure_running(data, &std::env::current_exe()?)
}
