//! The spool: events that could not wait for the write lock, kept as files beside the database
//! and folded in by the next writer that gets the lock.
//!
//! Under a storm of hook processes the write lock can stay taken longer than a call may wait.
//! Such a call writes its event to `<data>/spool/` instead: one file per event, written under a
//! temporary name created with `O_EXCL` (mode 0600, in a 0700 directory) and renamed into place,
//! so a reader never sees half a file. Every write transaction ([`Store::write`]) first folds
//! what it finds there into the tables, each file under its name as the event's `spool_key`,
//! and deletes the files after its commit. The unique `spool_key` makes the fold exactly once: a
//! writer killed between its commit and the deletes leaves files that the next fold finds
//! already stored, and only deletes.

use crate::error::StoreError;
use crate::events::{EventRecord, insert_event};
use crate::open::Store;
use crate::sql_enum::from_name;
use pcc_core::session_state::SessionState;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Value, json};
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// At most this many spooled events are folded by one transaction, so a writer after a long
/// storm does not hold the lock for long; the next writers fold the rest.
const FOLD_BATCH: usize = 256;

/// A spool file's name ends with this once it is complete.
const SUFFIX: &str = ".event.json";

/// Spool files folded in a transaction, deleted once it commits.
pub(crate) struct Folded(Vec<PathBuf>);

impl Folded {
    /// Deletes the folded files: they are in the database now.
    pub(crate) fn remove(self) {
        for path in self.0 {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(%error, path = %path.display(), "could not remove a folded spool file; the next fold skips it");
            }
        }
    }
}

impl Store {
    /// Keeps `record` in the spool of the database at `database`, for the next writer to fold
    /// in: for a call that could not get the write lock in time (which may be while opening).
    /// Returns the file.
    pub fn spool_event(database: &Path, record: &EventRecord) -> Result<PathBuf, StoreError> {
        let dir = spool_dir(database);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io(&dir))?;
        let name = unique_name(record.at_ms);
        let temporary = dir.join(format!(".{name}.tmp"));
        let done = dir.join(format!("{name}{SUFFIX}"));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(io(&temporary))?;
        let written = file
            .write_all(to_json(record).to_string().as_bytes())
            .and_then(|()| file.sync_data())
            .and_then(|()| std::fs::rename(&temporary, &done));
        if let Err(source) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(StoreError::Io {
                path: temporary,
                source,
            });
        }
        Ok(done)
    }
}

fn spool_dir(database: &Path) -> PathBuf {
    database
        .parent()
        .map_or_else(|| PathBuf::from("spool"), |dir| dir.join("spool"))
}

/// `<at_ms>-<pid>-<n>-<nanos>`: unique across processes (pid) and within one (n), and still
/// unique when a pid is reused (the clock's nanoseconds).
fn unique_name(at_ms: i64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "{at_ms}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Folds up to [`FOLD_BATCH`] spooled events into `transaction`, oldest first. A file that is
/// not a spooled event is renamed `*.bad` and left for a human; it never stops the writer.
pub(crate) fn fold(transaction: &Transaction<'_>, database: &Path) -> rusqlite::Result<Folded> {
    let dir = spool_dir(database);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Folded(Vec::new()));
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(SUFFIX) && !name.starts_with('.'))
        })
        .collect();
    files.sort();
    files.truncate(FOLD_BATCH);
    let mut folded = Vec::with_capacity(files.len());
    for path in files {
        let Some(key) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        let stored: Option<i64> = transaction
            .query_row(
                "SELECT id FROM events WHERE spool_key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?;
        if stored.is_none() {
            let Some(record) = read_record(&path) else {
                set_aside(&path);
                continue;
            };
            let id = insert_event(transaction, &record)?;
            transaction.execute(
                "UPDATE events SET spool_key = ?1 WHERE id = ?2",
                params![key, id],
            )?;
        }
        folded.push(path);
    }
    Ok(Folded(folded))
}

fn read_record(path: &Path) -> Option<EventRecord> {
    // Our own files, each one event: far below this bound.
    const MAX_SPOOL_FILE: u64 = 1024 * 1024;
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_SPOOL_FILE), &mut bytes).ok()?;
    from_json(&serde_json::from_slice(&bytes).ok()?)
}

fn set_aside(path: &Path) {
    let bad = path.with_extension("bad");
    tracing::error!(path = %path.display(), "a spool file is not a spooled event; set aside");
    if let Err(error) = std::fs::rename(path, &bad) {
        tracing::error!(%error, path = %path.display(), "could not set a bad spool file aside");
    }
}

fn to_json(record: &EventRecord) -> Value {
    json!({
        "session_id": record.session_id,
        "cwd": record.cwd,
        "project_root": record.project_root,
        "transcript_path": record.transcript_path,
        "permission_mode": record.permission_mode,
        "at_ms": record.at_ms,
        "event": record.event,
        "tool_name": record.tool_name,
        "tool_use_id": record.tool_use_id,
        "agent_id": record.agent_id,
        "summary": record.summary,
        "unknown_fields": record.unknown_fields,
        "state_after": record.state_after.map(SessionState::as_str),
    })
}

fn from_json(value: &Value) -> Option<EventRecord> {
    let text = |name: &str| value.get(name)?.as_str().map(str::to_owned);
    let state_after = match value.get("state_after")? {
        Value::Null => None,
        Value::String(state) => Some(from_name(state)?),
        _ => return None,
    };
    Some(EventRecord {
        session_id: text("session_id")?,
        cwd: text("cwd")?,
        project_root: text("project_root")?,
        transcript_path: text("transcript_path"),
        permission_mode: text("permission_mode"),
        at_ms: value.get("at_ms")?.as_i64()?,
        event: text("event")?,
        tool_name: text("tool_name"),
        tool_use_id: text("tool_use_id"),
        agent_id: text("agent_id"),
        summary: text("summary")?,
        unknown_fields: text("unknown_fields"),
        state_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state_after: Option<SessionState>) -> EventRecord {
        EventRecord {
            session_id: "s1".into(),
            cwd: "/p".into(),
            project_root: "/p".into(),
            transcript_path: None,
            permission_mode: Some("default".into()),
            at_ms: 42,
            event: "SessionEnd".into(),
            tool_name: None,
            tool_use_id: Some("toolu_1".into()),
            agent_id: None,
            summary: "ended".into(),
            unknown_fields: Some("a,b".into()),
            state_after,
        }
    }

    #[test]
    fn a_spooled_record_reads_back_as_it_was() {
        for state in [None, Some(SessionState::Ended), Some(SessionState::Working)] {
            let record = record(state);
            assert_eq!(from_json(&to_json(&record)), Some(record));
        }
        assert_eq!(from_json(&json!({"session_id": "s1"})), None);
        assert_eq!(
            from_json(
                &json!(to_json(&record(None)))
                    .as_object()
                    .map(|fields| {
                        let mut fields = fields.clone();
                        fields.insert("state_after".into(), "sleeping".into());
                        Value::Object(fields)
                    })
                    .unwrap_or_default()
            ),
            None,
            "an unknown state is not guessed"
        );
    }
}
