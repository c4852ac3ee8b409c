//! The spool: rows kept as files beside the database and folded in by the next writer.
//!
//! Two kinds of call write here instead of opening the database:
//! - a call that could not wait for the write lock (a storm of hook processes): its event;
//! - a call whose whole effect is its rows, which the database cannot change — a permission call
//!   the built-in policy proves LOW, an event that is nothing but its row: its event and
//!   decision. Opening SQLite (reading the schema, preparing statements, taking the WAL locks)
//!   was four fifths of such a call's instructions; a spool file is one `open`, `write`, `rename`.
//!
//! One file per call, written under a temporary name created with `O_EXCL` (mode 0600, in a 0700
//! directory) and renamed into place, so a reader never sees half a file. Every write
//! transaction ([`Store::write`]) first folds what it finds there into the tables, each file under
//! its name as the event's `spool_key`, and deletes the files after its commit; every
//! [`Store::open`] folds too, so a reader sees what was spooled before it opened. The unique
//! `spool_key` makes the fold exactly once: a writer killed between its commit and the deletes
//! leaves files that the next fold finds already stored, and only deletes.

use crate::decisions::{DecisionRecord, insert_decision};
use crate::error::StoreError;
use crate::events::{EventRecord, insert_event};
use crate::open::Store;
use crate::sql_enum::{SqlEnum, from_name};
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

/// `O_NONBLOCK | O_NOFOLLOW`, for reading a spool file.
const NO_BLOCK_NO_FOLLOW: i32 =
    (rustix::fs::OFlags::NONBLOCK.bits() | rustix::fs::OFlags::NOFOLLOW.bits()) as i32;

/// A spool file's name ends with this once it is complete.
const SUFFIX: &str = ".event.json";

/// Spool files folded in a transaction, deleted once it commits.
pub(crate) struct Folded {
    files: Vec<PathBuf>,
    /// How many of them were new to the database (the others were folded before and only
    /// await their deletion).
    inserted: usize,
}

impl Folded {
    /// True when the fold stored nothing new: folding again would find the same.
    pub(crate) fn stored_nothing(&self) -> bool {
        self.inserted == 0
    }

    /// Deletes the folded files: they are in the database now. A file that cannot be deleted
    /// (its directory made read-only) is found again by the next fold, already stored, so it is
    /// never stored twice; the failures are logged once per fold, not once per file.
    pub(crate) fn remove(self) {
        let mut failed = 0usize;
        let mut first = None;
        for path in self.files {
            if let Err(error) = std::fs::remove_file(&path) {
                failed += 1;
                first.get_or_insert((path, error));
            }
        }
        if let Some((path, error)) = first {
            tracing::warn!(%error, path = %path.display(), failed, "could not remove folded spool files; the next fold skips them");
        }
    }
}

/// Whether a spool file must reach the disk before the call goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// `fdatasync` before the rename: the event of a call that waited for a lock it did not get.
    Durable,
    /// No `fdatasync`, the durability of a commit under `synchronous = NORMAL` (which the
    /// database uses): a power cut may lose the last rows. A file it leaves empty or cut short
    /// is set aside by the fold, never read as a row.
    AsCommit,
}

impl Store {
    /// Keeps `record` in the spool of the database at `database`, for the next writer to fold
    /// in: for a call that could not get the write lock in time (which may be while opening).
    /// Returns the file.
    pub fn spool_event(database: &Path, record: &EventRecord) -> Result<PathBuf, StoreError> {
        write_file(
            database,
            record.at_ms,
            &to_json(record, None),
            Sync::Durable,
        )
    }

    /// Keeps a call whose only effect is its rows (`record`, and the `decision` made from the
    /// built-in policy alone) in the spool, instead of opening the database. A decision that
    /// raises an escalation, spends an approval or carries a suggestion needs the database, and
    /// is refused here. Returns the file.
    pub fn spool_call(
        database: &Path,
        record: &EventRecord,
        decision: Option<&DecisionRecord>,
    ) -> Result<PathBuf, StoreError> {
        if let Some(decision) = decision
            && (decision.escalation.is_some()
                || decision.approval_used.is_some()
                || decision.suggestion.is_some()
                || !spoolable(record, decision))
        {
            return Err(StoreError::Io {
                path: spool_dir(database),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "only a plain allow or deny of a LOW or CRITICAL call is spooled",
                ),
            });
        }
        write_file(
            database,
            record.at_ms,
            &to_json(record, decision),
            Sync::AsCommit,
        )
    }
}

fn write_file(
    database: &Path,
    at_ms: i64,
    value: &Value,
    sync: Sync,
) -> Result<PathBuf, StoreError> {
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
    let name = unique_name(at_ms);
    let temporary = dir.join(format!(".{name}.tmp"));
    let done = dir.join(format!("{name}{SUFFIX}"));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(io(&temporary))?;
    let written = file
        .write_all(value.to_string().as_bytes())
        .and_then(|()| match sync {
            Sync::Durable => file.sync_data(),
            Sync::AsCommit => Ok(()),
        })
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

/// Whether the spool beside `database` holds a file to fold: a cheap look for a reader, which
/// then folds it before it reads.
pub(crate) fn has_files(database: &Path) -> bool {
    std::fs::read_dir(spool_dir(database)).is_ok_and(|mut entries| {
        entries.any(|entry| {
            entry.is_ok_and(|entry| {
                entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.ends_with(SUFFIX) && !name.starts_with('.'))
            })
        })
    })
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

/// Folds up to [`FOLD_BATCH`] spooled calls (an event, and the decision made with it) into `transaction`, oldest first. A file that is
/// not a spooled event is renamed `*.bad` and left for a human; it never stops the writer.
pub(crate) fn fold(transaction: &Transaction<'_>, database: &Path) -> rusqlite::Result<Folded> {
    let dir = spool_dir(database);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Folded {
            files: Vec::new(),
            inserted: 0,
        });
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
    let mut inserted = 0;
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
            let Some((record, decision)) = read_file(&path) else {
                set_aside(&path);
                continue;
            };
            inserted += 1;
            let id = insert_event(transaction, &record)?;
            transaction.execute(
                "UPDATE events SET spool_key = ?1 WHERE id = ?2",
                params![key, id],
            )?;
            if let Some(decision) = decision {
                insert_decision(transaction, id, &record, &decision)?;
            }
        }
        folded.push(path);
    }
    Ok(Folded {
        files: folded,
        inserted,
    })
}

fn read_file(path: &Path) -> Option<(EventRecord, Option<DecisionRecord>)> {
    // Our own files, each one event: far below this bound.
    const MAX_SPOOL_FILE: u64 = 1024 * 1024;
    // Not blocking on a FIFO, not following a link: only our own regular files are read.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(NO_BLOCK_NO_FOLLOW)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_SPOOL_FILE), &mut bytes).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let record = from_json(&value)?;
    let decision = match value.get("decision") {
        None | Some(Value::Null) => None,
        Some(decision) => Some(decision_from_json(decision).filter(|d| spoolable(&record, d))?),
    };
    Some((record, decision))
}

/// Whether `decision` is one the LOW path writes for `record`: a plain allow or deny of a LOW or
/// CRITICAL permission call, about the event's own call. A file that claims more (a MEDIUM call
/// left to a human, whose `PostToolUse` would count towards learning; another call's id) is not
/// ours and is set aside, whoever wrote it.
fn spoolable(record: &EventRecord, decision: &DecisionRecord) -> bool {
    use pcc_core::Answer;
    use pcc_policy::RiskLevel;
    matches!(decision.level, RiskLevel::Low | RiskLevel::Critical)
        && matches!(decision.answer, Answer::Allow | Answer::Deny)
        && matches!(
            decision.hook_event.as_str(),
            "PreToolUse" | "PermissionRequest"
        )
        && decision.hook_event == record.event
        && decision.tool_use_id == record.tool_use_id
        && Some(decision.tool_name.as_str()) == record.tool_name.as_deref()
        && decision.project_root == record.project_root
}

fn set_aside(path: &Path) {
    let bad = path.with_extension("bad");
    tracing::error!(path = %path.display(), "a spool file is not a spooled event; set aside");
    if let Err(error) = std::fs::rename(path, &bad) {
        tracing::error!(%error, path = %path.display(), "could not set a bad spool file aside");
    }
}

fn to_json(record: &EventRecord, decision: Option<&DecisionRecord>) -> Value {
    json!({
        "decision": decision.map(decision_to_json),
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

fn decision_to_json(decision: &DecisionRecord) -> Value {
    json!({
        "hook_event": decision.hook_event,
        "tool_name": decision.tool_name,
        "tool_use_id": decision.tool_use_id,
        "project_root": decision.project_root,
        "input": decision.input,
        "level": decision.level.name(),
        "answer": decision.answer.name(),
        "rule": decision.rule,
        "reason": decision.reason,
        "mode": decision.mode.name(),
        "latency_us": decision.latency_us,
        "call_digest": decision.call_digest,
    })
}

fn decision_from_json(value: &Value) -> Option<DecisionRecord> {
    let text = |name: &str| value.get(name)?.as_str().map(str::to_owned);
    Some(DecisionRecord {
        hook_event: text("hook_event")?,
        tool_name: text("tool_name")?,
        tool_use_id: text("tool_use_id"),
        project_root: text("project_root")?,
        input: text("input")?,
        level: from_name(value.get("level")?.as_str()?)?,
        answer: from_name(value.get("answer")?.as_str()?)?,
        rule: text("rule")?,
        reason: text("reason")?,
        mode: from_name(value.get("mode")?.as_str()?)?,
        latency_us: value.get("latency_us")?.as_i64()?,
        escalation: None,
        suggestion: None,
        approval_used: None,
        call_digest: text("call_digest"),
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
            assert_eq!(from_json(&to_json(&record, None)), Some(record));
        }
        assert_eq!(from_json(&json!({"session_id": "s1"})), None);
        assert_eq!(
            from_json(
                &json!(to_json(&record(None), None))
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
