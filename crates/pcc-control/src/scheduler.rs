//! One resume scheduler per database, and starting one from either door.
//!
//! An advisory `flock` on `<data dir>/scheduler.lock` is released by the kernel when its holder
//! exits, however it exits, so a crashed scheduler never leaves the lock stuck. An answer that
//! schedules a resume starts `pcc-hooks scheduler` unless one holds the lock; the CLI runs its
//! own executable, the server the `pcc-hooks` beside it.

use pcc_core::paths::DataDir;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file of `data`'s scheduler.
pub fn lock_path(data: &DataDir) -> PathBuf {
    data.scheduler_lock()
}

/// Takes the lock, or returns `Ok(None)` when another scheduler holds it.
pub fn try_acquire(data: &DataDir) -> std::io::Result<Option<File>> {
    let (file, tightened) =
        pcc_store::private::open_file(&lock_path(data), pcc_store::private::Access::ReadWrite)?;
    for change in tightened {
        tracing::warn!("{change}");
    }
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

/// Starts `program scheduler` (the `pcc-hooks` binary) in the background unless a scheduler
/// already runs; true when one was started. Detached (own process group, no stdio), so it
/// outlives whoever started it.
pub fn ensure_running(data: &DataDir, program: &Path) -> std::io::Result<bool> {
    match try_acquire(data)? {
        None => Ok(false),
        Some(lock) => {
            // Free the lock for the scheduler we start; if another starts first, ours exits.
            drop(lock);
            let mut command = std::process::Command::new(program);
            command
                .arg("scheduler")
                .env(pcc_core::paths::PCC_HOME_ENV, data.root())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            command.spawn().map(|_| true)
        }
    }
}
