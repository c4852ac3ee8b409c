//! What a watcher of the file needs to tell others what changed: `PRAGMA data_version` (which
//! moves whenever another connection commits), and the rows that are still open — sessions
//! touched since an event id, pending escalations, open queue tasks, open resumes — read in one
//! read transaction so they agree with each other.
//!
//! The server compares one reading with the last to say "escalation raised", "task started",
//! and so on; the rows that left the open set are looked up by id for how they ended.

use crate::error::StoreError;
use crate::escalations::Verdict;
use crate::open::Store;
use crate::queue::QueueTaskState;
use crate::resumes::ResumeState;
use crate::sql_enum::get;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::session_state::SessionState;
use rusqlite::params_from_iter;

/// A session's state, as an event left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionChange {
    /// The session.
    pub session_id: String,
    /// Its state now.
    pub state: SessionState,
    /// The event that last touched it.
    pub last_event: String,
}

/// An escalation waiting on a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    /// Its id.
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// Its kind.
    pub kind: EscalationKind,
    /// What it is about (stored redacted).
    pub summary: String,
}

/// A queue task that is pending or active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTask {
    /// Its id.
    pub id: i64,
    /// Its session (none: the project's next session).
    pub session_id: Option<String>,
    /// Its project.
    pub project_root: String,
    /// Pending or active.
    pub state: QueueTaskState,
}

/// A resume that is pending or running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenResume {
    /// Its id.
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// Pending or running.
    pub state: ResumeState,
    /// The limit it waits out, or `human_answer`.
    pub limit_kind: String,
    /// When it is due, ms since the epoch.
    pub due_ms: i64,
}

/// One reading of the open rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenRows {
    /// The newest event's id (the mark for the next reading).
    pub last_event_id: i64,
    /// Sessions with an event after the mark given.
    pub touched_sessions: Vec<SessionChange>,
    /// Every pending escalation.
    pub escalations: Vec<OpenEscalation>,
    /// Every pending or active queue task.
    pub tasks: Vec<OpenTask>,
    /// Every pending or running resume.
    pub resumes: Vec<OpenResume>,
}

impl Store {
    /// SQLite's `data_version`: it changes when another connection commits to the file, and
    /// only then, so polling it is nearly free.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .map_err(|source| self.error(source))
    }

    /// The open rows now, with the sessions touched by events after `since_event_id`.
    pub fn open_rows(&self, since_event_id: i64) -> Result<OpenRows, StoreError> {
        let read = || -> rusqlite::Result<OpenRows> {
            let transaction = self.conn.unchecked_transaction()?;
            let last_event_id =
                transaction.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |row| {
                    row.get(0)
                })?;
            let touched_sessions = transaction
                .prepare(
                    "SELECT id, state, last_event FROM sessions WHERE id IN
                        (SELECT DISTINCT session_id FROM events WHERE id > ?1)
                     ORDER BY last_seen_ms, id",
                )?
                .query_map([since_event_id], |row| {
                    Ok(SessionChange {
                        session_id: row.get(0)?,
                        state: get(row, 1)?,
                        last_event: row.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let escalations = transaction
                .prepare(
                    "SELECT id, session_id, kind, summary FROM escalations
                     WHERE state = 'pending' ORDER BY id",
                )?
                .query_map([], |row| {
                    Ok(OpenEscalation {
                        id: row.get(0)?,
                        session_id: row.get(1)?,
                        kind: get(row, 2)?,
                        summary: row.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let tasks = transaction
                .prepare(
                    "SELECT id, session_id, project_root, state FROM queue_tasks
                     WHERE state IN ('pending', 'active') ORDER BY id",
                )?
                .query_map([], |row| {
                    Ok(OpenTask {
                        id: row.get(0)?,
                        session_id: row.get(1)?,
                        project_root: row.get(2)?,
                        state: get(row, 3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let resumes = transaction
                .prepare(
                    "SELECT id, session_id, state, limit_kind, due_ms FROM resumes
                     WHERE state IN ('pending', 'running') ORDER BY id",
                )?
                .query_map([], |row| {
                    Ok(OpenResume {
                        id: row.get(0)?,
                        session_id: row.get(1)?,
                        state: get(row, 2)?,
                        limit_kind: row.get(3)?,
                        due_ms: row.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            transaction.finish()?;
            Ok(OpenRows {
                last_event_id,
                touched_sessions,
                escalations,
                tasks,
                resumes,
            })
        };
        read().map_err(|source| self.error(source))
    }

    /// How the escalations `ids` were answered (those that were): `(id, verdict)`.
    pub fn escalation_verdicts(&self, ids: &[i64]) -> Result<Vec<(i64, Verdict)>, StoreError> {
        self.states_of(
            "SELECT id, verdict FROM escalations WHERE verdict IS NOT NULL AND id IN",
            ids,
            |row| Ok((row.get(0)?, get(row, 1)?)),
        )
    }

    /// The states of the queue tasks `ids`: `(id, state)`.
    pub fn queue_task_states(&self, ids: &[i64]) -> Result<Vec<(i64, QueueTaskState)>, StoreError> {
        self.states_of(
            "SELECT id, state FROM queue_tasks WHERE id IN",
            ids,
            |row| Ok((row.get(0)?, get(row, 1)?)),
        )
    }

    /// The states of the resumes `ids`: `(id, state)`.
    pub fn resume_states(&self, ids: &[i64]) -> Result<Vec<(i64, ResumeState)>, StoreError> {
        self.states_of("SELECT id, state FROM resumes WHERE id IN", ids, |row| {
            Ok((row.get(0)?, get(row, 1)?))
        })
    }

    /// Runs `select` (ending in `id IN`) over `ids`, 500 at a time (below SQLite's limit on
    /// bound parameters).
    fn states_of<T>(
        &self,
        select: &str,
        ids: &[i64],
        read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let mut statement = self
                .conn
                .prepare(&format!("{select} ({placeholders})"))
                .map_err(|source| self.error(source))?;
            let rows = statement
                .query_map(params_from_iter(chunk), &read)
                .map_err(|source| self.error(source))?;
            for row in rows {
                found.push(row.map_err(|source| self.error(source))?);
            }
        }
        Ok(found)
    }
}
