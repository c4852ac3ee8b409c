//! The perpetual queue: tasks waiting for a session (or for any session of a project), handed
//! over by the `Stop` hook one at a time, and paused sessions. See `pcc_core::bridge::task_queue` for the
//! rules.

use crate::brain_answers::{BrainAnswerRecord, insert_brain_answers};
use crate::error::StoreError;
use crate::escalations::{NewEscalation, insert_escalation};
use crate::events::{EventRecord, insert_event};
use crate::open::Store;
use crate::sql_enum::{get, stored_enum};
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::redact::redact;
use pcc_core::session_state::SessionState;
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// A task to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueueTask {
    /// The session it is for, or `None`: the next session of `project_root` to stop.
    pub session_id: Option<String>,
    /// Its project.
    pub project_root: String,
    /// What Claude is asked to do.
    pub text: String,
    /// Where it came from: `cli`, or `requirements:<file>:<line>`.
    pub source: String,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTask {
    /// Row id: what `queue remove` takes.
    pub id: i64,
    /// What was queued (`session_id` becomes the taking session once handed).
    pub task: NewQueueTask,
    /// Where it stands.
    pub state: QueueTaskState,
    /// Times it was handed over.
    pub attempts: i64,
    /// When it was queued.
    pub created_ms: i64,
    /// When it was last handed over.
    pub started_ms: Option<i64>,
    /// When it was done, removed or escalated.
    pub finished_ms: Option<i64>,
}

stored_enum! {
    /// Where a queued task stands.
    pub enum QueueTaskState in "queue_tasks.state" {
        /// Waiting to be handed over at a Stop.
        Pending = "pending",
        /// Handed to a session, which works on it.
        Active = "active",
        /// Finished: the session stopped after working on it.
        Done = "done",
        /// Taken off the queue (`queue remove`, or a human's `deny`).
        Removed = "removed",
        /// Handed over too often without finishing; an escalation asks a human.
        Escalated = "escalated",
    }
}

impl QueueTaskState {
    /// Whether the task is still in the queue (waiting or being worked on).
    pub fn is_open(self) -> bool {
        match self {
            QueueTaskState::Pending | QueueTaskState::Active => true,
            QueueTaskState::Done | QueueTaskState::Removed | QueueTaskState::Escalated => false,
        }
    }
}

/// What `add_queue_tasks` did with one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Queued under this id.
    Queued(i64),
    /// The same text is already waiting for the same target, under this id.
    AlreadyQueued(i64),
}

/// What `remove_queue_task` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Taken off the queue.
    Removed(QueueTask),
    /// No task has this id.
    NotFound,
    /// The task is already done, removed or escalated.
    AlreadyFinished(QueueTask),
}

/// A task handed over at a `Stop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedTask {
    /// Its id.
    pub id: i64,
    /// What Claude is asked to do.
    pub text: String,
    /// Which attempt this is (1 for the first).
    pub attempt: i64,
    /// Tasks still waiting for this session after this one.
    pub queued_after: i64,
}

/// Everything a `Stop` writes, in one transaction.
#[derive(Debug, Clone)]
pub struct StopRecord<'a> {
    /// The event.
    pub event: &'a EventRecord,
    /// The brain's answers at this stop.
    pub brain_answers: &'a [BrainAnswerRecord],
    /// A question escalated to a human.
    pub escalation: Option<NewEscalation>,
    /// True when the brain answered and the turn goes on: the active task is not finished and
    /// nothing new is handed over.
    pub turn_continues: bool,
    /// The most times one task is handed over.
    pub max_attempts: i64,
}

/// What a `Stop` did to the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopOutcome {
    /// The escalation raised for the question.
    pub escalation_id: Option<i64>,
    /// The task this stop finished.
    pub finished_task: Option<i64>,
    /// The task handed over now.
    pub handed: Option<HandedTask>,
    /// Escalations raised for tasks that ran out of attempts, each with its id.
    pub exhausted: Vec<(i64, NewEscalation)>,
    /// Whether the session is paused (nothing was handed over).
    pub paused: bool,
}

const COLUMNS: &str = "id, session_id, project_root, text, source, state, attempts, created_ms, \
                       started_ms, finished_ms";

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<QueueTask> {
    Ok(QueueTask {
        id: row.get(0)?,
        task: NewQueueTask {
            session_id: row.get(1)?,
            project_root: row.get(2)?,
            text: row.get(3)?,
            source: row.get(4)?,
        },
        state: row.get(5)?,
        attempts: row.get(6)?,
        created_ms: row.get(7)?,
        started_ms: row.get(8)?,
        finished_ms: row.get(9)?,
    })
}

/// Tasks a session may take: its own, and its project's that no session took yet.
const FOR_SESSION: &str =
    "state = 'pending' AND (session_id = ?1 OR (session_id IS NULL AND project_root = ?2))";

fn task_by_id(transaction: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<QueueTask>> {
    transaction
        .query_row(
            &format!("SELECT {COLUMNS} FROM queue_tasks WHERE id = ?1"),
            [id],
            task_from_row,
        )
        .optional()
}

/// Hands the session its next task: tasks already handed `max_attempts` times are escalated
/// instead and skipped.
fn hand_next(
    transaction: &Transaction<'_>,
    event: &EventRecord,
    max_attempts: i64,
    outcome: &mut StopOutcome,
) -> rusqlite::Result<()> {
    loop {
        let next = transaction
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM queue_tasks WHERE {FOR_SESSION} ORDER BY id LIMIT 1"
                ),
                params![event.session_id, event.project_root],
                task_from_row,
            )
            .optional()?;
        let Some(task) = next else {
            return Ok(());
        };
        if task.attempts >= max_attempts {
            transaction.execute(
                "UPDATE queue_tasks SET state = 'escalated', finished_ms = ?2 WHERE id = ?1",
                params![task.id, event.at_ms],
            )?;
            let escalation = NewEscalation {
                kind: EscalationKind::Task,
                session_id: event.session_id.clone(),
                project_root: Some(task.task.project_root.clone()),
                mode: None,
                summary: format!("queued task #{}: {}", task.id, first_line(&task.task.text)),
                reason: format!(
                    "handed over {} times without finishing (the session ended or failed each time)",
                    task.attempts
                ),
                suggestion: None,
                queue_task_id: Some(task.id),
                created_ms: event.at_ms,
            };
            let escalation_id = insert_escalation(transaction, &escalation, None)?;
            outcome.exhausted.push((escalation_id, escalation));
            continue;
        }
        transaction.execute(
            "UPDATE queue_tasks SET state = 'active', session_id = ?2, attempts = attempts + 1,
                    started_ms = ?3
             WHERE id = ?1",
            params![task.id, event.session_id, event.at_ms],
        )?;
        let queued_after: i64 = transaction.query_row(
            &format!("SELECT COUNT(*) FROM queue_tasks WHERE {FOR_SESSION}"),
            params![event.session_id, event.project_root],
            |row| row.get(0),
        )?;
        outcome.handed = Some(HandedTask {
            id: task.id,
            text: task.task.text,
            attempt: task.attempts + 1,
            queued_after,
        });
        return Ok(());
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

impl Store {
    /// Queues tasks in order, skipping any whose text already waits for the same target. The
    /// text is stored redacted (`pcc_core::redact`): a secret in it is not handed to Claude either.
    pub fn add_queue_tasks(
        &mut self,
        tasks: &[NewQueueTask],
        now_ms: i64,
    ) -> Result<Vec<Added>, StoreError> {
        self.write(|transaction| {
            let mut added = Vec::with_capacity(tasks.len());
            for task in tasks {
                let text = redact(&task.text);
                let existing: Option<i64> = transaction
                    .query_row(
                        "SELECT id FROM queue_tasks
                         WHERE state IN ('pending', 'active') AND text = ?1 AND project_root = ?2
                           AND session_id IS ?3",
                        params![text, task.project_root, task.session_id],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(id) = existing {
                    added.push(Added::AlreadyQueued(id));
                    continue;
                }
                transaction.execute(
                    "INSERT INTO queue_tasks (session_id, target_session_id, project_root, text, source,
                                              state, created_ms)
                     VALUES (?1, ?1, ?2, ?3, ?4, 'pending', ?5)",
                    params![task.session_id, task.project_root, text, task.source, now_ms],
                )?;
                added.push(Added::Queued(transaction.last_insert_rowid()));
            }
            Ok(added)
        })
    }

    /// Waiting and active tasks in queue order; with `include_finished`, also the latest 100
    /// done, removed or escalated ones.
    pub fn queue_tasks(&self, include_finished: bool) -> Result<Vec<QueueTask>, StoreError> {
        let filter = if include_finished {
            "state IN ('pending', 'active') OR id IN (SELECT id FROM queue_tasks
                 WHERE state NOT IN ('pending', 'active') ORDER BY id DESC LIMIT 100)"
        } else {
            "state IN ('pending', 'active')"
        };
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM queue_tasks WHERE {filter} ORDER BY id"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], task_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Takes a waiting or active task off the queue.
    pub fn remove_queue_task(&mut self, id: i64, now_ms: i64) -> Result<Removal, StoreError> {
        self.write(|transaction| {
            let Some(task) = task_by_id(transaction, id)? else {
                return Ok(Removal::NotFound);
            };
            if !task.state.is_open() {
                return Ok(Removal::AlreadyFinished(task));
            }
            transaction.execute(
                "UPDATE queue_tasks SET state = 'removed', finished_ms = ?2 WHERE id = ?1",
                params![id, now_ms],
            )?;
            Ok(Removal::Removed(task))
        })
    }

    /// Pauses (or unpauses) a session's queue: a paused session is handed nothing at its Stop.
    /// Returns false when no such session is known.
    pub fn set_paused(
        &mut self,
        session_id: &str,
        paused: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE sessions SET paused_ms = CASE WHEN ?2 THEN COALESCE(paused_ms, ?3) END WHERE id = ?1",
                params![session_id, paused, now_ms],
            )?;
            Ok(changed == 1)
        })
    }

    /// Sessions whose id starts with `prefix`, most recent first: `(id, project_root, state)`.
    pub fn sessions_matching(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String, SessionState)>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, project_root, state FROM sessions
                 WHERE substr(id, 1, length(?1)) = ?1 ORDER BY last_seen_ms DESC LIMIT 20",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([prefix], |row| Ok((row.get(0)?, row.get(1)?, get(row, 2)?)))
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Records a `SessionEnd`, and puts a task the session was working on back in the queue —
    /// for whom it was queued (the session, or the project's next session) — unless a resume of
    /// the session is open: the resumed session goes on with the task and finishes it at its
    /// Stop. One transaction. Returns whether a resume of the session is pending (a scheduler
    /// should then run).
    pub fn record_session_end(&mut self, event: &EventRecord) -> Result<bool, StoreError> {
        self.write(|transaction| {
            insert_event(transaction, event)?;
            let (open_resume, pending_resume): (bool, bool) = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM resumes WHERE session_id = ?1 AND state IN ('pending', 'running')),
                        EXISTS (SELECT 1 FROM resumes WHERE session_id = ?1 AND state = 'pending')",
                [&event.session_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            if !open_resume {
                transaction.execute(
                    "UPDATE queue_tasks SET state = 'pending', session_id = target_session_id,
                            finished_ms = NULL
                     WHERE state = 'active' AND session_id = ?1",
                    [&event.session_id],
                )?;
            }
            Ok(pending_resume)
        })
    }

    /// Records a `Stop`: the event, the brain's answers, a question escalated, and the queue's
    /// step — the active task is done (unless the turn goes on) and, unless the session is
    /// paused, the next task is handed over.
    pub fn record_stop(&mut self, stop: &StopRecord<'_>) -> Result<StopOutcome, StoreError> {
        self.write(|transaction| {
            let event = stop.event;
            insert_event(transaction, event)?;
            insert_brain_answers(transaction, stop.brain_answers)?;
            let mut outcome = StopOutcome {
                escalation_id: match &stop.escalation {
                    Some(escalation) => Some(insert_escalation(transaction, escalation, None)?),
                    None => None,
                },
                ..StopOutcome::default()
            };
            if stop.turn_continues {
                return Ok(outcome);
            }
            outcome.finished_task = transaction
                .query_row(
                    "UPDATE queue_tasks SET state = 'done', finished_ms = ?2
                     WHERE state = 'active' AND session_id = ?1 RETURNING id",
                    params![event.session_id, event.at_ms],
                    |row| row.get(0),
                )
                .optional()?;
            outcome.paused = transaction
                .query_row(
                    "SELECT paused_ms IS NOT NULL FROM sessions WHERE id = ?1",
                    [&event.session_id],
                    |row| row.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if !outcome.paused {
                hand_next(transaction, event, stop.max_attempts, &mut outcome)?;
            }
            Ok(outcome)
        })
    }

    /// Tasks waiting for the next session of each project (no session took them yet): for
    /// `status`.
    pub fn project_queue_depths(
        &self,
    ) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT project_root, COUNT(*) FROM queue_tasks
                 WHERE state = 'pending' AND session_id IS NULL GROUP BY project_root",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }
}
