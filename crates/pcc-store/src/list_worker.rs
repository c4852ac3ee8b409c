//! Which task lists have a live worker: a lock the worker holds, not its pid.
//!
//! A list's row names the pid of the `pcc-mcp worker` that claimed it, but a pid alone names
//! whoever holds it now: once the worker dies and the pid is reused, a bare pid check calls the
//! list running forever and refuses to resume it. So the worker holds an advisory lock on
//! `<data dir>/lists/<id>.lock` for as long as it runs; the kernel releases it however the worker
//! ends, and no later holder of the pid holds it.

use crate::private::{self, Access};
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock of list `list_id` in the data directory `root`.
pub fn lock_path(root: &Path, list_id: i64) -> PathBuf {
    root.join("lists").join(format!("{list_id}.lock"))
}

/// The lock a list's worker holds while it runs; released when dropped or when the worker ends.
#[derive(Debug)]
pub struct ListWorkerLock {
    _file: File,
}

impl ListWorkerLock {
    /// Takes list `list_id`'s lock, or `Ok(None)` when a live worker holds it already.
    ///
    /// [`worker_alive`] tests the lock by taking it shared for an instant, so a lock found
    /// taken is tried again for a moment before it counts as another worker's.
    pub fn acquire(root: &Path, list_id: i64) -> io::Result<Option<ListWorkerLock>> {
        let (file, _tightened) = private::open_file(&lock_path(root, list_id), Access::ReadWrite)?;
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(ListWorkerLock { _file: file })),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(error)) => return Err(error),
            }
        }
    }
}

/// Whether list `list_id` has a live worker. Without a lock file (a worker of a version before
/// the lock), the worker's pid is all there is to go by.
pub fn worker_alive(root: &Path, list_id: i64, worker_pid: Option<i64>) -> bool {
    let path = lock_path(root, list_id);
    match OpenOptions::new().read(true).open(&path) {
        Ok(file) => match file.try_lock_shared() {
            // Nobody holds it: the lock is dropped with `file`.
            Ok(()) => false,
            Err(TryLockError::WouldBlock) => true,
            // The lock cannot be tested: say alive, so nothing is resumed twice.
            Err(TryLockError::Error(_)) => true,
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            worker_pid.is_some_and(|pid| pid > 0 && Path::new(&format!("/proc/{pid}")).exists())
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_a_live_worker_and_a_released_one_is_not_whatever_the_pid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let own_pid = Some(i64::from(std::process::id()));
        let lock = ListWorkerLock::acquire(dir.path(), 7)
            .expect("acquire")
            .expect("free");
        assert!(worker_alive(dir.path(), 7, own_pid));
        assert!(
            ListWorkerLock::acquire(dir.path(), 7)
                .expect("acquire")
                .is_none(),
            "one worker per list"
        );
        drop(lock);
        // The pid is alive (it is ours), but it no longer holds the list's lock.
        assert!(!worker_alive(dir.path(), 7, own_pid));
    }

    #[test]
    fn without_a_lock_file_the_pid_is_all_there_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(worker_alive(
            dir.path(),
            1,
            Some(i64::from(std::process::id()))
        ));
        assert!(!worker_alive(dir.path(), 1, None));
        assert!(!worker_alive(dir.path(), 1, Some(-1)));
    }
}
