//! Sessions started by `pcc-hooks start`: what was started (directory, `claude`, model, log),
//! the processes that run it (the supervisor and the `claude` it started, each named by
//! [`ProcessStamp`], so a reused pid is never taken for either) and how it ended.
//!
//! A start is recorded before its `claude` runs, together with its tasks (the first one active,
//! handed as the prompt; the rest queued for the session, handed by the Stop hook), in one
//! transaction; a start that then cannot run is marked failed and its tasks taken off the queue,
//! again in one transaction, so no half of a start is left behind.

use crate::error::StoreError;
use crate::open::Store;
use crate::resumes::ProcessStamp;
use crate::sql_enum::stored_enum;
use pcc_core::redact::redact;
use rusqlite::{OptionalExtension, Row, Transaction, params};

stored_enum! {
    /// Where a started session stands.
    pub enum StartedState in "started_sessions.state" {
        /// Recorded; its supervisor is starting `claude`.
        Starting = "starting",
        /// Its `claude` runs.
        Running = "running",
        /// Its `claude` exited by itself (with `exit_code` or `exit_signal`).
        Exited = "exited",
        /// Ended by `pcc-hooks stop`.
        Stopped = "stopped",
        /// Its `claude` could not be started (`error` says why).
        Failed = "failed",
        /// Its supervisor and its `claude` are both gone and no exit was recorded.
        Lost = "lost",
    }
}

impl StartedState {
    /// Whether the session has ended, one way or another.
    pub fn is_ended(self) -> bool {
        match self {
            StartedState::Starting | StartedState::Running => false,
            StartedState::Exited
            | StartedState::Stopped
            | StartedState::Failed
            | StartedState::Lost => true,
        }
    }
}

/// A session to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStartedSession {
    /// The id it is started with (`claude --session-id`).
    pub id: String,
    /// Its directory, absolute: the project its hooks record.
    pub cwd: String,
    /// The `claude` program run.
    pub claude: String,
    /// `--model`, when given.
    pub model: Option<String>,
    /// Where its output goes (`<data>/sessions/<id>.log`).
    pub log_path: String,
}

/// One task of a start: the first is the prompt, the rest wait for the session's Stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartTask {
    /// What Claude is asked to do (stored redacted).
    pub text: String,
    /// Where it came from: `start`, or `requirements:<file>:<line>`.
    pub source: String,
}

/// A recorded start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedSession {
    /// What was started.
    pub plan: NewStartedSession,
    /// Its first task: the prompt, redacted.
    pub prompt: String,
    /// Tasks recorded with it, the first one included.
    pub tasks_total: i64,
    /// Where it stands.
    pub state: StartedState,
    /// When it was recorded.
    pub created_ms: i64,
    /// The supervisor that started (and waits on) its `claude`.
    pub supervisor: Option<ProcessStamp>,
    /// Its `claude`, the leader of its own process group.
    pub child: Option<ProcessStamp>,
    /// When its `claude` started.
    pub started_ms: Option<i64>,
    /// When `pcc-hooks stop` asked it to end.
    pub stop_requested_ms: Option<i64>,
    /// When it ended.
    pub ended_ms: Option<i64>,
    /// Its `claude`'s exit code, when it exited with one.
    pub exit_code: Option<i32>,
    /// The signal that ended its `claude`, when one did.
    pub exit_signal: Option<i32>,
    /// Why it could not start, or what else went wrong (redacted).
    pub error: Option<String>,
}

const COLUMNS: &str = "s.id, s.cwd, s.claude, s.model, s.log_path, t.text, s.tasks_total, s.state, \
                       s.created_ms, s.supervisor_pid, s.supervisor_start, s.child_pid, \
                       s.child_start, s.started_ms, s.stop_requested_ms, s.ended_ms, s.exit_code, \
                       s.exit_signal, s.error";

const FROM: &str = "started_sessions s JOIN queue_tasks t ON t.id = s.first_task_id";

fn stamp(pid: Option<u32>, start: Option<String>) -> Option<ProcessStamp> {
    Some(ProcessStamp {
        pid: pid?,
        start: start?,
    })
}

fn started_from_row(row: &Row<'_>) -> rusqlite::Result<StartedSession> {
    Ok(StartedSession {
        plan: NewStartedSession {
            id: row.get(0)?,
            cwd: row.get(1)?,
            claude: row.get(2)?,
            model: row.get(3)?,
            log_path: row.get(4)?,
        },
        prompt: row.get(5)?,
        tasks_total: row.get(6)?,
        state: row.get(7)?,
        created_ms: row.get(8)?,
        supervisor: stamp(row.get(9)?, row.get(10)?),
        child: stamp(row.get(11)?, row.get(12)?),
        started_ms: row.get(13)?,
        stop_requested_ms: row.get(14)?,
        ended_ms: row.get(15)?,
        exit_code: row.get(16)?,
        exit_signal: row.get(17)?,
        error: row.get(18)?,
    })
}

fn started_by_id(
    transaction: &Transaction<'_>,
    id: &str,
) -> rusqlite::Result<Option<StartedSession>> {
    transaction
        .query_row(
            &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = ?1"),
            [id],
            started_from_row,
        )
        .optional()
}

impl Store {
    /// Records a start and its tasks in one transaction: the first task active for the session
    /// (it is the prompt), the rest pending for it, in order. Fails, recording nothing, when a
    /// session with this id was started before or `tasks` is empty.
    pub fn record_start(
        &mut self,
        session: &NewStartedSession,
        tasks: &[StartTask],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|transaction| {
            let mut first_task_id = None;
            for (index, task) in tasks.iter().enumerate() {
                let (state, attempts, started_ms) = if index == 0 {
                    ("active", 1, Some(now_ms))
                } else {
                    ("pending", 0, None)
                };
                transaction.execute(
                    "INSERT INTO queue_tasks (session_id, target_session_id, project_root, text,
                                              source, state, attempts, created_ms, started_ms)
                     VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        session.id,
                        session.cwd,
                        redact(&task.text),
                        task.source,
                        state,
                        attempts,
                        now_ms,
                        started_ms
                    ],
                )?;
                first_task_id.get_or_insert(transaction.last_insert_rowid());
            }
            // No task: `first_task_id` is NULL, which the table refuses, and the transaction with it.
            transaction.execute(
                "INSERT INTO started_sessions (id, cwd, claude, model, log_path, first_task_id,
                                               tasks_total, state, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'starting', ?8)",
                params![
                    session.id,
                    session.cwd,
                    session.claude,
                    session.model,
                    session.log_path,
                    first_task_id,
                    i64::try_from(tasks.len()).unwrap_or(i64::MAX),
                    now_ms
                ],
            )?;
            Ok(())
        })
    }

    /// The start recorded under `id`.
    pub fn started_session(&self, id: &str) -> Result<Option<StartedSession>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = ?1"),
                [id],
                started_from_row,
            )
            .optional()
            .map_err(|source| self.error(source))
    }

    /// Started sessions whose id starts with `prefix`, newest first (at most 20).
    pub fn started_sessions_matching(
        &self,
        prefix: &str,
    ) -> Result<Vec<StartedSession>, StoreError> {
        self.started_where(
            "substr(s.id, 1, length(?1)) = ?1 ORDER BY s.created_ms DESC LIMIT 20",
            [prefix],
        )
    }

    /// Every started session that has not ended, and the `recent_ended` that ended last, newest
    /// first: for `status`.
    pub fn started_sessions(&self, recent_ended: u32) -> Result<Vec<StartedSession>, StoreError> {
        self.started_where(
            "s.state IN ('starting', 'running') OR s.id IN (
                 SELECT id FROM started_sessions WHERE state NOT IN ('starting', 'running')
                 ORDER BY ended_ms DESC, created_ms DESC LIMIT ?1)
             ORDER BY s.created_ms DESC",
            [recent_ended],
        )
    }

    fn started_where(
        &self,
        condition: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<StartedSession>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM {FROM} WHERE {condition}"))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(parameters, started_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Records that `supervisor` started the session's `claude` as `child`. Returns false,
    /// recording nothing, when the start is no longer `starting` (a second supervisor, or a
    /// stop that came first): the caller then stops the child it started.
    pub fn record_start_running(
        &mut self,
        id: &str,
        supervisor: &ProcessStamp,
        child: &ProcessStamp,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE started_sessions SET state = 'running', supervisor_pid = ?2,
                        supervisor_start = ?3, child_pid = ?4, child_start = ?5, started_ms = ?6
                 WHERE id = ?1 AND state = 'starting' AND stop_requested_ms IS NULL",
                params![
                    id,
                    supervisor.pid,
                    supervisor.start,
                    child.pid,
                    child.start,
                    now_ms
                ],
            )?;
            Ok(changed == 1)
        })
    }

    /// Records that the session's `claude` could not be started, and takes its tasks off the
    /// queue (nothing would ever hand them over), in one transaction.
    pub fn record_start_failed(
        &mut self,
        id: &str,
        error: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE started_sessions SET state = 'failed', error = ?2, ended_ms = ?3
                 WHERE id = ?1 AND state = 'starting'",
                params![id, redact(error), now_ms],
            )?;
            if changed == 1 {
                transaction.execute(
                    "UPDATE queue_tasks SET state = 'removed', finished_ms = ?2
                     WHERE target_session_id = ?1 AND state IN ('pending', 'active')",
                    params![id, now_ms],
                )?;
            }
            Ok(())
        })
    }

    /// Records how the session's `claude` ended: `stopped` when `pcc-hooks stop` asked for it,
    /// else `exited`. A session already ended is left as it is. Returns the state it is in.
    pub fn record_start_exit(
        &mut self,
        id: &str,
        exit_code: Option<i32>,
        exit_signal: Option<i32>,
        now_ms: i64,
    ) -> Result<Option<StartedState>, StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE started_sessions SET
                        state = IIF(stop_requested_ms IS NULL, 'exited', 'stopped'),
                        exit_code = ?2, exit_signal = ?3, ended_ms = ?4
                 WHERE id = ?1 AND state IN ('starting', 'running')",
                params![id, exit_code, exit_signal, now_ms],
            )?;
            Ok(started_by_id(transaction, id)?.map(|started| started.state))
        })
    }

    /// Marks a session whose supervisor and `claude` are both gone, without a recorded exit,
    /// as `lost` (`stopped` when a stop had been asked for). Returns the state it is in.
    pub fn record_start_lost(
        &mut self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<StartedState>, StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE started_sessions SET
                        state = IIF(stop_requested_ms IS NULL, 'lost', 'stopped'), ended_ms = ?2
                 WHERE id = ?1 AND state IN ('starting', 'running')",
                params![id, now_ms],
            )?;
            Ok(started_by_id(transaction, id)?.map(|started| started.state))
        })
    }

    /// Notes that `pcc-hooks stop` is ending the session, so its supervisor records the end as
    /// a stop. Returns the session as it is now; one that has ended is returned unchanged.
    pub fn request_stop(
        &mut self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<StartedSession>, StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE started_sessions SET stop_requested_ms = COALESCE(stop_requested_ms, ?2)
                 WHERE id = ?1 AND state IN ('starting', 'running')",
                params![id, now_ms],
            )?;
            started_by_id(transaction, id)
        })
    }
}
