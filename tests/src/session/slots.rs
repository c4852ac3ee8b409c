//! Cross-process cap on concurrent CLI runs.
//!
//! A run costs ~300 MB and a core for about a second; nextest runs every test in its own
//! process, so an in-process semaphore would not limit anything. Instead each run holds an
//! exclusive lock on one of N slot files in the test cache.

use std::fs::{self, File, TryLockError};
use std::path::PathBuf;

use crate::claude_cli::cache_dir;

/// Environment variable setting the number of concurrent CLI runs (default 2).
pub const SLOTS_ENV: &str = "PCC_E2E_CLAUDE_SLOTS";

const DEFAULT_SLOTS: usize = 2;

/// A held run slot; released on drop (closing the file releases the lock).
#[derive(Debug)]
pub(crate) struct Slot {
    _file: File,
}

fn slot_count() -> usize {
    std::env::var(SLOTS_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_SLOTS)
}

fn open_slot(dir: &std::path::Path, i: usize) -> File {
    let path: PathBuf = dir.join(format!("slot-{i}.lock"));
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open run slot {}: {e}", path.display()))
}

/// Blocks until a run slot is free.
///
/// # Panics
/// If the slot files cannot be created or locked.
pub(crate) fn acquire() -> Slot {
    let dir = cache_dir().join("slots");
    fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create slot dir {}: {e}", dir.display()));
    let n = slot_count();
    for i in 0..n {
        let file = open_slot(&dir, i);
        match file.try_lock() {
            Ok(()) => return Slot { _file: file },
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => panic!("cannot lock run slot {i}: {e}"),
        }
    }
    // All busy: queue on one slot (spread by pid so waiters don't all pile onto slot 0).
    let i = std::process::id() as usize % n;
    let file = open_slot(&dir, i);
    file.lock()
        .unwrap_or_else(|e| panic!("cannot lock run slot {i}: {e}"));
    Slot { _file: file }
}
