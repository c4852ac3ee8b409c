//! Task lists of `execute_task_list` and their tasks, written as they happen so a list survives
//! the process that runs it: `pcc-hooks status` and `lists show` read the same rows, and
//! `lists resume` continues from the first task that did not succeed.
//!
//! A list's state is a [`TaskListState`], a task's a [`TaskState`]; a finished task has a
//! [`TaskStatus`]. Options are JSON text owned by the MCP server; the store does not read them.
//! Prompts, results and errors are stored redacted (`pcc_core::redact`), so a secret written
//! into a prompt is not run either: a task that needs one reads it from the environment.

use crate::error::StoreError;
use crate::escalations::{NewEscalation, insert_escalation};
use crate::open::Store;
use crate::sql_enum::stored_enum;
use pcc_core::Mode;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::redact::{redact, redact_opt};
use rusqlite::{OptionalExtension, Row, params};

stored_enum! {
    /// Where a task list stands.
    pub enum TaskListState in "task_lists.state" {
        /// Created; no runner took it yet.
        Pending = "pending",
        /// A runner (an MCP server or a detached worker) runs its tasks.
        Running = "running",
        /// Every task succeeded.
        Succeeded = "succeeded",
        /// It ended with a task that did not succeed, or could not run at all.
        Failed = "failed",
        /// Cancelled before it ended.
        Cancelled = "cancelled",
    }
}

stored_enum! {
    /// Where one task of a list stands.
    pub enum TaskState in "tasks.state" {
        /// Not started.
        Pending = "pending",
        /// Its `claude` runs.
        Running = "running",
        /// Ended, with a [`TaskStatus`].
        Finished = "finished",
    }
}

stored_enum! {
    /// How a finished task ended.
    pub enum TaskStatus in "tasks.status" {
        /// Done, and its final message carried the run's nonce.
        Succeeded = "succeeded",
        /// A non-zero exit, an error result, no result, or the program did not start.
        Failed = "failed",
        /// Its timeout passed.
        TimedOut = "timed_out",
        /// Cancelled with its list.
        Cancelled = "cancelled",
        /// A usage or rate limit stopped it.
        RateLimited = "rate_limited",
        /// It ended cleanly, but its final message lacked the run's nonce.
        Unverified = "unverified",
        /// Not run: an earlier task failed and the list stops on failure.
        Skipped = "skipped",
    }
}

/// A list to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTaskList {
    /// The directory every task runs in.
    pub cwd: String,
    /// The list's options as JSON (stop on failure, context mode, …).
    pub options: String,
    /// The tasks, in order.
    pub tasks: Vec<NewTask>,
}

/// A task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// What the task asks, as the caller wrote it.
    pub prompt: String,
    /// The task's options as JSON (timeout, model, allowed tools, max turns).
    pub options: String,
}

/// A stored list, with counts of its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskList {
    /// Row id: the list id callers use.
    pub id: i64,
    /// Created, ms since the epoch.
    pub created_ms: i64,
    /// Last change, ms since the epoch.
    pub updated_ms: i64,
    /// When it ended, ms since the epoch.
    pub finished_ms: Option<i64>,
    /// Where its tasks run.
    pub cwd: String,
    /// Its options as JSON.
    pub options: String,
    /// Where it stands.
    pub state: TaskListState,
    /// The process running it (an MCP server or a detached worker), while it runs.
    pub worker_pid: Option<i64>,
    /// Someone asked to cancel it.
    pub cancel_requested: bool,
    /// Why the list as a whole failed, when it did not get to run its tasks.
    pub error: Option<String>,
    /// Tasks in all.
    pub tasks_total: i64,
    /// Tasks finished (any status).
    pub tasks_finished: i64,
    /// Tasks that succeeded.
    pub tasks_succeeded: i64,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// The list it belongs to.
    pub list_id: i64,
    /// Its place in the list, from 0.
    pub position: i64,
    /// What it asks.
    pub prompt: String,
    /// Its options as JSON.
    pub options: String,
    /// Where it stands.
    pub state: TaskState,
    /// How it ended, once finished.
    pub status: Option<TaskStatus>,
    /// When it started, ms since the epoch.
    pub started_ms: Option<i64>,
    /// When it ended, ms since the epoch.
    pub finished_ms: Option<i64>,
    /// The child's own wall time.
    pub duration_ms: Option<i64>,
    /// The child's Claude Code session id.
    pub session_id: Option<String>,
    /// The child's final message (bounded by the caller).
    pub result_text: Option<String>,
    /// Turns the child took.
    pub turns: Option<i64>,
    /// Tool calls the child made.
    pub tool_uses: Option<i64>,
    /// What the child cost, in US dollars.
    pub cost_usd: Option<f64>,
    /// Permission denials, a JSON array.
    pub denials: Option<String>,
    /// Why it did not succeed.
    pub error: Option<String>,
    /// How many times it was resumed after a usage limit.
    pub resumes: i64,
}

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFinish {
    /// How it ended.
    pub status: TaskStatus,
    /// When it ended, ms since the epoch.
    pub finished_ms: i64,
    /// The child's own wall time.
    pub duration_ms: i64,
    /// The child's session id.
    pub session_id: Option<String>,
    /// The final message.
    pub result_text: Option<String>,
    /// Turns.
    pub turns: i64,
    /// Tool calls.
    pub tool_uses: i64,
    /// Cost in US dollars.
    pub cost_usd: Option<f64>,
    /// Permission denials, a JSON array.
    pub denials: String,
    /// Why it did not succeed.
    pub error: Option<String>,
    /// Resumes after usage limits.
    pub resumes: i64,
}

/// A list that is running, and the task it is on, for `pcc-hooks status`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningTaskList {
    /// The list.
    pub list: TaskList,
    /// Its running task, if one has started.
    pub running_task: Option<TaskRow>,
}

const LIST_COLUMNS: &str = "l.id, l.created_ms, l.updated_ms, l.finished_ms, l.cwd, l.options, \
     l.state, l.worker_pid, l.cancel_requested, l.error, \
     (SELECT COUNT(*) FROM tasks t WHERE t.list_id = l.id), \
     (SELECT COUNT(*) FROM tasks t WHERE t.list_id = l.id AND t.state = 'finished'), \
     (SELECT COUNT(*) FROM tasks t WHERE t.list_id = l.id AND t.status = 'succeeded')";

const TASK_COLUMNS: &str = "list_id, position, prompt, options, state, status, started_ms, \
     finished_ms, duration_ms, session_id, result_text, turns, tool_uses, cost_usd, denials, \
     error, resumes";

fn list_from_row(row: &Row<'_>) -> rusqlite::Result<TaskList> {
    Ok(TaskList {
        id: row.get(0)?,
        created_ms: row.get(1)?,
        updated_ms: row.get(2)?,
        finished_ms: row.get(3)?,
        cwd: row.get(4)?,
        options: row.get(5)?,
        state: row.get(6)?,
        worker_pid: row.get(7)?,
        cancel_requested: row.get::<_, i64>(8)? != 0,
        error: row.get(9)?,
        tasks_total: row.get(10)?,
        tasks_finished: row.get(11)?,
        tasks_succeeded: row.get(12)?,
    })
}

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        list_id: row.get(0)?,
        position: row.get(1)?,
        prompt: row.get(2)?,
        options: row.get(3)?,
        state: row.get(4)?,
        status: row.get(5)?,
        started_ms: row.get(6)?,
        finished_ms: row.get(7)?,
        duration_ms: row.get(8)?,
        session_id: row.get(9)?,
        result_text: row.get(10)?,
        turns: row.get(11)?,
        tool_uses: row.get(12)?,
        cost_usd: row.get(13)?,
        denials: row.get(14)?,
        error: row.get(15)?,
        resumes: row.get(16)?,
    })
}

/// The tools whose calls write files, as Claude Code names them.
const WRITING_TOOLS: &str = "('Write', 'Edit', 'MultiEdit', 'NotebookEdit')";

impl Store {
    /// Creates a `pending` list and its `pending` tasks in one transaction; returns its id.
    pub fn create_task_list(&mut self, list: &NewTaskList, now_ms: i64) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO task_lists (created_ms, updated_ms, cwd, options, state)
                 VALUES (?1, ?1, ?2, ?3, 'pending')",
                params![now_ms, list.cwd, list.options],
            )?;
            let id = tx.last_insert_rowid();
            let mut insert = tx.prepare(
                "INSERT INTO tasks (list_id, position, prompt, options, state)
                 VALUES (?1, ?2, ?3, ?4, 'pending')",
            )?;
            for (position, task) in list.tasks.iter().enumerate() {
                insert.execute(params![
                    id,
                    position as i64,
                    redact(&task.prompt),
                    task.options
                ])?;
            }
            Ok(id)
        })
    }

    /// Takes a `pending` list for the process `pid`: it becomes `running`. `false` when the list
    /// is not pending (another process took it, or it already ended).
    pub fn claim_task_list(&mut self, id: i64, pid: i64, now_ms: i64) -> Result<bool, StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE task_lists SET state = 'running', worker_pid = ?2, updated_ms = ?3
                 WHERE id = ?1 AND state = 'pending'",
                params![id, pid, now_ms],
            )?;
            Ok(changed == 1)
        })
    }

    /// One list, with its task counts.
    pub fn task_list(&self, id: i64) -> Result<Option<TaskList>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {LIST_COLUMNS} FROM task_lists l WHERE l.id = ?1"),
                [id],
                list_from_row,
            )
            .optional()
            .map_err(|source| self.error(source))
    }

    /// The newest `limit` lists, newest first.
    pub fn task_lists(&self, limit: u32) -> Result<Vec<TaskList>, StoreError> {
        let wrap = |source| self.error(source);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {LIST_COLUMNS} FROM task_lists l ORDER BY l.id DESC LIMIT ?1"
            ))
            .map_err(wrap)?;
        let rows = statement.query_map([limit], list_from_row).map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }

    /// A list's tasks, in order.
    pub fn tasks(&self, list_id: i64) -> Result<Vec<TaskRow>, StoreError> {
        let wrap = |source| self.error(source);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE list_id = ?1 ORDER BY position"
            ))
            .map_err(wrap)?;
        let rows = statement
            .query_map([list_id], task_from_row)
            .map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }

    /// Lists in state `running` (their runner may have died: see `worker_pid`), oldest first,
    /// each with the task it is on.
    pub fn running_task_lists(&self) -> Result<Vec<RunningTaskList>, StoreError> {
        let wrap = |source| self.error(source);
        let lists: Vec<TaskList> = {
            let mut statement = self
                .conn
                .prepare(&format!(
                    "SELECT {LIST_COLUMNS} FROM task_lists l WHERE l.state = 'running' ORDER BY l.id"
                ))
                .map_err(wrap)?;
            let rows = statement.query_map([], list_from_row).map_err(wrap)?;
            rows.collect::<Result<_, _>>().map_err(wrap)?
        };
        let mut running = Vec::with_capacity(lists.len());
        for list in lists {
            let task = self
                .conn
                .query_row(
                    &format!(
                        "SELECT {TASK_COLUMNS} FROM tasks
                         WHERE list_id = ?1 AND state = 'running' ORDER BY position LIMIT 1"
                    ),
                    [list.id],
                    task_from_row,
                )
                .optional()
                .map_err(wrap)?;
            running.push(RunningTaskList {
                list,
                running_task: task,
            });
        }
        Ok(running)
    }

    /// Marks a task `running` from `now_ms`.
    pub fn start_task(
        &mut self,
        list_id: i64,
        position: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tasks SET state = 'running', started_ms = ?3, status = NULL,
                        finished_ms = NULL, error = NULL
                 WHERE list_id = ?1 AND position = ?2",
                params![list_id, position, now_ms],
            )?;
            touch(tx, list_id, now_ms)
        })
    }

    /// Records the running child's session id as soon as it is known.
    pub fn set_task_session(
        &mut self,
        list_id: i64,
        position: i64,
        session_id: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tasks SET session_id = ?3 WHERE list_id = ?1 AND position = ?2",
                params![list_id, position, session_id],
            )?;
            Ok(())
        })
    }

    /// Records how a task ended.
    pub fn finish_task(
        &mut self,
        list_id: i64,
        position: i64,
        finish: &TaskFinish,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tasks SET state = 'finished', status = ?3, finished_ms = ?4,
                        duration_ms = ?5, session_id = COALESCE(?6, session_id),
                        result_text = ?7, turns = ?8, tool_uses = ?9, cost_usd = ?10,
                        denials = ?11, error = ?12, resumes = ?13
                 WHERE list_id = ?1 AND position = ?2",
                params![
                    list_id,
                    position,
                    finish.status,
                    finish.finished_ms,
                    finish.duration_ms,
                    finish.session_id,
                    redact_opt(finish.result_text.as_deref()),
                    finish.turns,
                    finish.tool_uses,
                    finish.cost_usd,
                    redact(&finish.denials),
                    redact_opt(finish.error.as_deref()),
                    finish.resumes,
                ],
            )?;
            if finish.status == TaskStatus::Unverified {
                // Claude said it finished, but not with the run's nonce: a human should look.
                let (prompt, cwd): (String, String) = tx.query_row(
                    "SELECT t.prompt, l.cwd FROM tasks t JOIN task_lists l ON l.id = t.list_id
                     WHERE t.list_id = ?1 AND t.position = ?2",
                    params![list_id, position],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                let escalation = NewEscalation {
                    kind: EscalationKind::TaskUnverified,
                    session_id: finish.session_id.clone().unwrap_or_default(),
                    project_root: Some(cwd),
                    mode: Some(Mode::Unattended),
                    summary: format!(
                        "task list #{list_id}, task {}: {}",
                        position + 1,
                        prompt.lines().next().unwrap_or("")
                    ),
                    reason: "its final message lacked the run's nonce, so its result is unverified"
                        .into(),
                    suggestion: None,
                    queue_task_id: None,
                    created_ms: finish.finished_ms,
                };
                insert_escalation(tx, &escalation, None)?;
            }
            touch(tx, list_id, finish.finished_ms)
        })
    }

    /// Ends every task of the list that has not finished (`skipped` after a failure, `cancelled`
    /// after a cancellation) without running it. Returns how many it ended.
    pub fn end_unfinished_tasks(
        &mut self,
        list_id: i64,
        status: TaskStatus,
        reason: &str,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE tasks SET state = 'finished', status = ?2, error = ?3, finished_ms = ?4
                 WHERE list_id = ?1 AND state != 'finished'",
                params![list_id, status, redact(reason), now_ms],
            )?;
            touch(tx, list_id, now_ms)?;
            Ok(changed)
        })
    }

    /// Ends the list: `succeeded`, `failed` or `cancelled`, with an error for a list that could
    /// not run at all.
    pub fn finish_task_list(
        &mut self,
        id: i64,
        state: TaskListState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE task_lists SET state = ?2, error = ?3, finished_ms = ?4, updated_ms = ?4,
                        worker_pid = NULL
                 WHERE id = ?1",
                params![id, state, redact_opt(error), now_ms],
            )?;
            Ok(())
        })
    }

    /// Asks whoever runs the list to cancel it (it checks [`Store::cancel_requested`]). A list
    /// that has not started yet is cancelled at once. Returns the list's state afterwards, or
    /// `None` when there is no such list.
    pub fn request_task_list_cancel(
        &mut self,
        id: i64,
        now_ms: i64,
    ) -> Result<Option<TaskListState>, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE task_lists SET cancel_requested = 1, updated_ms = ?2
                 WHERE id = ?1 AND state IN ('pending', 'running')",
                params![id, now_ms],
            )?;
            let pending_cancelled = tx.execute(
                "UPDATE task_lists SET state = 'cancelled', finished_ms = ?2
                 WHERE id = ?1 AND state = 'pending'",
                params![id, now_ms],
            )?;
            if pending_cancelled == 1 {
                tx.execute(
                    "UPDATE tasks SET state = 'finished', status = 'cancelled',
                            error = 'the list was cancelled', finished_ms = ?2
                     WHERE list_id = ?1 AND state != 'finished'",
                    params![id, now_ms],
                )?;
            }
            tx.query_row("SELECT state FROM task_lists WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()
        })
    }

    /// Whether someone asked to cancel the list.
    pub fn cancel_requested(&self, id: i64) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT cancel_requested FROM task_lists WHERE id = ?1",
                [id],
                |row| row.get::<_, i64>(0),
            )
            .optional()
            .map(|flag| flag.unwrap_or(0) != 0)
            .map_err(|source| self.error(source))
    }

    /// Makes a list runnable again from its first task that did not succeed: that task and every
    /// later one go back to `pending` (their earlier outcome is cleared), the cancel request is
    /// cleared and the list becomes `pending`, to be claimed by a runner. Tasks before it keep
    /// their results. Returns the position it will continue from, or `None` when every task
    /// succeeded (nothing to do) or there is no such list. The caller makes sure no runner is
    /// still alive.
    pub fn reopen_task_list(&mut self, id: i64, now_ms: i64) -> Result<Option<i64>, StoreError> {
        self.write(|tx| {
            let first: Option<i64> = tx.query_row(
                "SELECT MIN(position) FROM tasks
                 WHERE list_id = ?1 AND (status IS NULL OR status != 'succeeded')",
                [id],
                |row| row.get(0),
            )?;
            let Some(first) = first else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE tasks SET state = 'pending', status = NULL, started_ms = NULL,
                        finished_ms = NULL, duration_ms = NULL, session_id = NULL,
                        result_text = NULL, turns = NULL, tool_uses = NULL, cost_usd = NULL,
                        denials = NULL, error = NULL, resumes = 0
                 WHERE list_id = ?1 AND position >= ?2",
                params![id, first],
            )?;
            tx.execute(
                "UPDATE task_lists SET state = 'pending', cancel_requested = 0, worker_pid = NULL,
                        finished_ms = NULL, error = NULL, updated_ms = ?2
                 WHERE id = ?1",
                params![id, now_ms],
            )?;
            Ok(Some(first))
        })
    }

    /// The files a session wrote, by our own hook records (successful `Write`, `Edit`,
    /// `MultiEdit` and `NotebookEdit` calls), each once, in the order first written.
    pub fn files_written(&self, session_id: &str) -> Result<Vec<String>, StoreError> {
        let wrap = |source| self.error(source);
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT tool_name, summary FROM events
                 WHERE session_id = ?1 AND event = 'PostToolUse' AND tool_name IN {WRITING_TOOLS}
                 ORDER BY at_ms, id"
            ))
            .map_err(wrap)?;
        let mut rows = statement.query([session_id]).map_err(wrap)?;
        let mut files: Vec<String> = Vec::new();
        while let Some(row) = rows.next().map_err(wrap)? {
            let tool: String = row.get(0).map_err(wrap)?;
            let summary: String = row.get(1).map_err(wrap)?;
            let path = summary
                .strip_prefix(&format!("{tool}: "))
                .unwrap_or(&summary)
                .to_owned();
            if !path.is_empty() && !files.contains(&path) {
                files.push(path);
            }
        }
        Ok(files)
    }
}

fn touch(tx: &rusqlite::Transaction<'_>, list_id: i64, now_ms: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE task_lists SET updated_ms = MAX(updated_ms, ?2) WHERE id = ?1",
        params![list_id, now_ms],
    )?;
    Ok(())
}
