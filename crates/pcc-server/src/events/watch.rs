//! The watcher: one thread with its own connection to the database, which polls
//! `PRAGMA data_version` every [`POLL`] and, when another process has committed, reads the open
//! rows, compares them with the last reading ([`Snapshot`]) and broadcasts each change.
//!
//! Polling a pragma costs a few microseconds and no lock; inotify on the WAL would wake on
//! every write of every hook without saying what changed, and the data would be read all the
//! same. A missing database is waited for; a read that fails is logged and retried at the next
//! tick, so the stream survives a database briefly locked or replaced.

use super::Change;
use super::diff::{Endings, Snapshot};
use pcc_store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

/// How often the watcher looks for a commit.
pub const POLL: Duration = Duration::from_millis(100);

/// Stops the watcher when dropped.
#[derive(Debug)]
pub struct Watcher {
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts watching `database`, sending changes to `changes`.
pub fn start(database: PathBuf, changes: broadcast::Sender<Change>) -> std::io::Result<Watcher> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("pcc-serve-watch".into())
        .spawn(move || run(&database, &changes, &stopped))?;
    Ok(Watcher { stop })
}

fn run(database: &std::path::Path, changes: &broadcast::Sender<Change>, stop: &AtomicBool) {
    let mut watched: Option<(Store, Snapshot, i64)> = None;
    let mut last_error: Option<String> = None;
    // A database that appears while we watch is news from its first row on.
    let mut was_missing = false;
    while !stop.load(Ordering::Relaxed) {
        let result = match watched.as_mut() {
            None => first_reading(database, was_missing).map(|reading| match reading {
                Some(reading) => watched = Some(reading),
                None => was_missing = true,
            }),
            Some((store, snapshot, version)) => {
                // The hooks keep LOW calls in the spool, which changes nothing SQLite sees: fold
                // it, and read again when that stored something (our own commit does not move
                // `data_version`).
                if store.fold_spool_now() {
                    *version = i64::MIN;
                }
                tick(store, snapshot, version, changes)
            }
        };
        match result {
            Ok(()) => last_error = None,
            Err(error) => {
                let message = error.to_string();
                if last_error.as_deref() != Some(&message) {
                    tracing::warn!("cannot read the database for the event stream: {message}");
                }
                last_error = Some(message);
                // Reconnect: the file may have been replaced or repaired.
                watched = None;
            }
        }
        std::thread::sleep(POLL);
    }
}

/// Opens the database once it exists and takes the first reading: what it holds is taken as
/// known, unless it was created since the watcher started (`was_missing`), when all of it is
/// new and reported at the next tick.
fn first_reading(
    database: &std::path::Path,
    was_missing: bool,
) -> Result<Option<(Store, Snapshot, i64)>, StoreError> {
    let Some(store) = Store::open_existing(database)? else {
        return Ok(None);
    };
    if was_missing {
        // No version can equal this one, so the next tick reads the rows.
        return Ok(Some((store, Snapshot::default(), i64::MIN)));
    }
    let version = store.data_version()?;
    let snapshot = Snapshot::first(store.open_rows(i64::MAX)?);
    Ok(Some((store, snapshot, version)))
}

fn tick(
    store: &Store,
    snapshot: &mut Snapshot,
    version: &mut i64,
    changes: &broadcast::Sender<Change>,
) -> Result<(), StoreError> {
    let now = store.data_version()?;
    if now == *version {
        return Ok(());
    }
    *version = now;
    let rows = store.open_rows(snapshot.last_event_id)?;
    let gone = snapshot.gone(&rows);
    let endings = Endings {
        verdicts: store.escalation_verdicts(&gone.escalations)?,
        tasks: store.queue_task_states(&gone.tasks)?,
        resumes: store.resume_states(&gone.resumes)?,
    };
    for change in snapshot.advance(rows, &endings) {
        // No subscriber is no error: nobody is watching right now.
        let _ = changes.send(change);
    }
    Ok(())
}
