//! Opening the database: the file's mode, the connection's pragmas, and migrations.

use crate::error::StoreError;
use crate::failure_log::FailureLog;
use crate::private;
use crate::schema::{MIGRATIONS, SCHEMA_VERSION};
use crate::spool;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The WAL size past which a writer checkpoints it (`Store::checkpoint_if_large`).
pub const WAL_CHECKPOINT_BYTES: u64 = 256 * 1024;

/// How long a writer waits for another process's transaction before giving up. Hook transactions
/// last well under a millisecond; this bounds the worst case far below Claude's hook timeout.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open connection to the shared database.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Store {
    /// Opens the database at `path`, creating it (mode 0600, in a 0700 directory) and migrating it
    /// to [`SCHEMA_VERSION`] when needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_private_file(path)?;
        let store = Store::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        // On a fresh file (still in rollback-journal mode until `ensure_wal`), SQLite answers
        // SQLITE_BUSY without waiting when two connections would deadlock upgrading their locks.
        // That window lasts only while the first processes set the file up, so the setup is
        // retried, within the same budget as the busy timeout.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        loop {
            match store.ensure_wal().and_then(|()| store.migrate()) {
                Err(error) if error.is_locked() && Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                result => {
                    let mut store = result.map(|()| store)?;
                    store.mark_earlier_deferrals();
                    store.fold_spool_now();
                    return Ok(store);
                }
            }
        }
    }

    /// Folds what the spool holds, so what this connection reads next includes the calls that
    /// were kept there (a LOW call's decision, an event that waited too long for the lock): one
    /// batch per transaction, until the spool is empty or a fold makes no progress. A fold that
    /// cannot run now (the lock is busy, the file is read-only) is left to the next writer:
    /// reading goes on with what is in the tables. A long-lived reader (the server's change feed)
    /// calls it before each look, since the calls kept in the spool change nothing SQLite sees.
    ///
    /// Returns true when it stored something: this connection's own commits do not change what
    /// `PRAGMA data_version` tells it, so a watcher cannot learn it from there.
    pub fn fold_spool_now(&mut self) -> bool {
        // An opportunistic fold never waits for the lock: a busy database is folded by its
        // writer, and the caller's own wait stays the one it set.
        if self.conn.busy_timeout(Duration::ZERO).is_err() {
            return false;
        }
        let stored = self.fold_rounds();
        if let Err(error) = self.conn.busy_timeout(BUSY_TIMEOUT) {
            tracing::error!(%error, path = %self.path.display(), "could not restore the busy timeout");
        }
        stored
    }

    /// The rounds of [`Store::fold_spool_now`], one batch each: until a round stores nothing new
    /// (files that cannot be deleted are found again, already stored), and at most enough rounds
    /// for a spool far larger than any storm leaves.
    fn fold_rounds(&mut self) -> bool {
        const MAX_ROUNDS: usize = 64;
        let mut stored = false;
        for _ in 0..MAX_ROUNDS {
            if !spool::has_files(&self.path) {
                return stored;
            }
            let transaction = match self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
            {
                Ok(transaction) => transaction,
                Err(error) => {
                    tracing::debug!(%error, path = %self.path.display(), "spool left for the next writer");
                    return stored;
                }
            };
            let Some(folded) = fold_spool(&transaction, &self.path) else {
                return stored;
            };
            if let Err(error) = transaction.commit() {
                tracing::debug!(%error, path = %self.path.display(), "spool left for the next writer");
                return stored;
            }
            let stored_nothing = folded.stored_nothing();
            folded.remove();
            if stored_nothing {
                return stored;
            }
            stored = true;
        }
        stored
    }

    /// Opens an existing database as it is: no file is created and nothing is migrated, so a
    /// reader (`status`, `doctor`) never changes what it inspects beyond folding in the spool
    /// (what the next writer would fold anyway), and only into a file of this build's schema
    /// (or a new one, when only the spool holds what was recorded). `Ok(None)` when there is
    /// nothing recorded yet: no file, or a file no migration has reached (`user_version` 0). The
    /// first hook call leaves one of those while it creates the tables, or for good when it is
    /// killed before its first commit (a 0-byte file); the next writer migrates it.
    pub fn open_existing(path: &Path) -> Result<Option<Store>, StoreError> {
        if !path.exists() {
            return Store::open_for_spool(path);
        }
        let mut store = Store::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        if store.schema_version()? == 0 {
            drop(store);
            return Store::open_for_spool(path);
        }
        if store.schema_version()? == SCHEMA_VERSION {
            store.fold_spool_now();
        }
        Ok(Some(store))
    }

    /// When calls were kept in the spool before any writer made the file (every call so far
    /// was LOW), there is something recorded after all: the file is made to hold it.
    fn open_for_spool(path: &Path) -> Result<Option<Store>, StoreError> {
        if spool::has_files(path) {
            Store::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|source| self.error(source))
    }

    /// Proves a hook could append now: commits a row carrying `room` bytes (so the WAL must grow
    /// by that much on disk), then deletes it in a second commit. Taking the lock, or a
    /// transaction rolled back, proves neither that the file system takes new blocks nor that
    /// the commit reaches the file; a read-only or full file system fails here as a hook would.
    pub fn prove_writable(&mut self, room: usize, at_ms: i64) -> Result<(), StoreError> {
        let id = self.write(|transaction| {
            transaction.execute(
                "INSERT INTO doctor_probes (at_ms, payload) VALUES (?1, randomblob(?2))",
                rusqlite::params![at_ms, room as i64],
            )?;
            Ok(transaction.last_insert_rowid())
        })?;
        self.write(|transaction| {
            transaction
                .execute("DELETE FROM doctor_probes WHERE id = ?1", [id])
                .map(drop)
        })
    }

    /// `PRAGMA quick_check`: every page of every table and index is read and its structure
    /// checked (what it skips: that indexes match their tables). Empty when the file is sound,
    /// else up to `limit` problems in SQLite's words.
    pub fn quick_check(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let wrap = |source| self.error(source);
        let mut statement = self
            .conn
            .prepare(&format!("PRAGMA quick_check({})", limit.max(1)))
            .map_err(wrap)?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(wrap)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(wrap)?;
        Ok(rows.into_iter().filter(|row| row != "ok").collect())
    }

    /// SQLite's own consistency check; `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|source| self.error(source))
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a
    /// busy database waits in the busy handler instead of failing halfway, and `work` either
    /// commits whole or leaves no trace. The same transaction first folds in what the spool
    /// holds (`spool.rs`); a fold that fails is undone alone and never fails `work`.
    pub(crate) fn write<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::sqlite(&path, source);
        let transaction = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let folded = fold_spool(&transaction, &path);
        let value = work(&transaction).map_err(wrap)?;
        transaction.commit().map_err(wrap)?;
        if let Some(folded) = folded {
            folded.remove();
        }
        self.checkpoint_if_large();
        Ok(value)
    }

    /// How long this connection's writes wait for another process's transaction ([`BUSY_TIMEOUT`]
    /// unless set): a call that can keep its event in the spool instead waits less.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|source| self.error(source))
    }

    /// Copies the WAL into the database and empties it once it passes [`WAL_CHECKPOINT_BYTES`].
    ///
    /// Why not SQLite's defaults: each hook process is usually the only connection, and by
    /// default the last connection to close checkpoints with two fsyncs, which measured as a third
    /// of a hook call's time. Without that, every new process finds no live connection and
    /// rebuilds the WAL index by reading the whole WAL, and SQLite's passive auto-checkpoint never
    /// rewinds the WAL (each process starts with no record of what was copied), so the WAL grows
    /// without bound. A TRUNCATE checkpoint when the WAL is large keeps both costs small: a new
    /// process reads at most this much WAL, and the fsyncs are paid once per few hundred calls.
    /// A checkpoint that cannot run now (another writer is busy) is left to the next commit.
    fn checkpoint_if_large(&self) {
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        let large =
            std::fs::metadata(&wal).is_ok_and(|metadata| metadata.len() > WAL_CHECKPOINT_BYTES);
        if large
            && let Err(error) = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    row.get::<_, i64>(0)
                })
        {
            tracing::debug!(%error, path = %self.path.display(), "WAL checkpoint deferred to a later commit");
        }
    }

    pub(crate) fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, source)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(wrap)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(wrap)?;
        // Checkpoints: see `checkpoint_if_large`. SQLite's own (at close, and the passive one
        // after commits) are off, because a hook process is short-lived and alone.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(wrap)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(wrap)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// WAL lets readers and one writer work at once. The mode is stored in the file, so it is set
    /// once, not on every open.
    fn ensure_wal(&self) -> Result<(), StoreError> {
        let mode: String = self
            .conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .map_err(|source| self.error(source))?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
                .map_err(|source| self.error(source))?;
        }
        Ok(())
    }

    /// Applies the migrations this file lacks. The version is read again inside the write
    /// transaction, so processes racing on a fresh file migrate it exactly once.
    fn migrate(&self) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                path: self.path.clone(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        let wrap = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(wrap)?;
        let result = (|| {
            let version: i64 = self
                .conn
                .pragma_query_value(None, "user_version", |row| row.get(0))?;
            for (index, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                self.conn.execute_batch(migration)?;
                self.conn
                    .pragma_update(None, "user_version", index as i64 + 1)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(wrap),
            Err(source) => {
                // The transaction is abandoned either way; the migration error is the one to report.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(wrap(source))
            }
        }
    }
}

/// Folds the spool into `transaction` inside a savepoint of its own, so a fold that fails (a
/// file from an older schema's reader, say) is undone alone: logged, left for the next writer.
fn fold_spool(transaction: &rusqlite::Transaction<'_>, path: &Path) -> Option<spool::Folded> {
    let folded = transaction
        .execute_batch("SAVEPOINT spool_fold")
        .and_then(|()| spool::fold(transaction, path));
    match folded {
        Ok(folded) => match transaction.execute_batch("RELEASE spool_fold") {
            Ok(()) => Some(folded),
            Err(error) => {
                tracing::error!(%error, "could not keep the spool's fold; left for the next writer");
                None
            }
        },
        Err(error) => {
            tracing::error!(%error, "could not fold the spool; left for the next writer");
            let _ = transaction.execute_batch("ROLLBACK TO spool_fold; RELEASE spool_fold");
            None
        }
    }
}

/// Creates the file with mode 0600 (and its directory with 0700) before SQLite opens it, so it is
/// never readable by others, not even for an instant. SQLite gives `-wal` and `-shm` the mode of
/// the database file when it creates them; ones left looser by an older version are tightened
/// here, and so is the database, and each is logged. The failure log beside it is created too,
/// with its space reserved, while there is still room (`FailureLog::prepare`).
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (_, mut tightened) = private::open_file(path, private::Access::ReadWrite).map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        tightened.extend(private::tighten(Path::new(&name)).map_err(io)?);
    }
    for change in &tightened {
        tracing::warn!("{change}");
    }
    if let Some(dir) = path.parent() {
        FailureLog::in_dir(dir).prepare();
    }
    Ok(())
}
