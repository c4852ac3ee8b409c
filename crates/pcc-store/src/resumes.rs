//! Resumes: sessions stopped by a usage limit, to be continued with `claude --resume` when the
//! limit resets. The scheduler claims a due resume atomically, so two schedulers never run the
//! same one, and a claim left by a crashed scheduler is taken over instead of being lost.
//!
//! A claim names processes, not bare pids ([`ProcessStamp`]): the scheduler that claimed it and
//! the `claude` it started. A pid that now belongs to an unrelated process is not the claimant,
//! and a `claude` that outlived its scheduler is found again, so it is never joined by a second.

use crate::error::StoreError;
use crate::escalations::{HUMAN_ANSWER_RESUME, NewEscalation, insert_escalation};
use crate::events::{CLOCK_STEP_SLACK_MS, EventRecord, insert_event};
use crate::open::Store;
use crate::sql_enum::stored_enum;
use pcc_core::Mode;
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::redact::redact;
use rusqlite::{OptionalExtension, Row, params};

/// A resume to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResume {
    /// The session to resume.
    pub session_id: String,
    /// Where it ran; `--resume` only finds a session from its own directory.
    pub cwd: String,
    /// Its transcript, for diagnostics.
    pub transcript_path: Option<String>,
    /// Which limit stopped it (`five_hour`, `weekly`, …).
    pub limit_kind: String,
    /// When the limit resets, ms since the epoch, when known.
    pub resets_at_ms: Option<i64>,
    /// When to run: the reset plus a grace.
    pub due_ms: i64,
    /// What the resumed session is told.
    pub prompt: String,
}

/// One process, told apart from any later one that reuses its pid: the pid and what the system
/// says about when it started (on Linux `<boot id>:<start time in clock ticks>`). Reading it is
/// the caller's business; the store only keeps and compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStamp {
    /// The process id.
    pub pid: u32,
    /// When it started, as an opaque token compared for equality.
    pub start: String,
}

/// A stored resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// Row id.
    pub id: i64,
    /// What was scheduled.
    pub plan: NewResume,
    /// Where it stands.
    pub state: ResumeState,
    /// Runs started so far.
    pub attempts: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// The scheduler holding the claim (while `running`), when the claim names it with its start.
    pub runner: Option<ProcessStamp>,
    /// The `claude` that scheduler started for it, the leader of its own process group.
    pub child: Option<ProcessStamp>,
}

stored_enum! {
    /// Where a resume stands.
    pub enum ResumeState in "resumes.state" {
        /// Scheduled, waiting to be due (or for its session to stop).
        Pending = "pending",
        /// Claimed by a scheduler, which runs (or is about to run) its `claude`.
        Running = "running",
        /// The session went on and finished its turn, or took the answer at its own Stop.
        Done = "done",
        /// Given up after its attempts; an escalation says so.
        Failed = "failed",
        /// Cancelled by `resume --cancel`.
        Cancelled = "cancelled",
    }
}

/// How a resume run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeResult {
    /// The session continued and finished its turn.
    Done,
    /// Limited again: run once more at `due_ms`.
    LimitedAgain {
        /// The new reset, when known.
        resets_at_ms: Option<i64>,
        /// When to run next.
        due_ms: i64,
    },
    /// It failed; retry at `retry_at_ms`, or give up (and escalate) when `None`.
    Failed {
        /// What went wrong.
        error: String,
        /// When to try again, or `None` to give up.
        retry_at_ms: Option<i64>,
    },
}

/// A session that has not ended and showed activity this recently is taken to be still open: a
/// resume carrying a human's answer waits for it (its own Stop hook delivers the answer) rather
/// than start a second `claude` on the same session. A heuristic: hooks do not tell us whether
/// the `claude` process is alive, so a session left open and quiet for longer than this, or one
/// killed without a `SessionEnd`, is taken to be gone.
pub const LIVE_SESSION_QUIET_MS: i64 = 30 * 60 * 1000;

/// The condition (on a `resumes` row, with `?1` the current time) of an answer that waits for
/// its session, still running, to stop or end. A `last_seen_ms` further ahead than
/// [`CLOCK_STEP_SLACK_MS`] was stamped by a clock that has stepped back since: it proves no
/// activity, or the answer would wait until the clock caught up.
fn waits_for_live_session() -> String {
    format!(
        "(limit_kind = '{HUMAN_ANSWER_RESUME}' AND EXISTS (
            SELECT 1 FROM sessions s WHERE s.id = resumes.session_id
              AND s.state != 'ended' AND s.last_seen_ms > ?1 - {LIVE_SESSION_QUIET_MS}
              AND s.last_seen_ms <= ?1 + {CLOCK_STEP_SLACK_MS}))"
    )
}

const COLUMNS: &str = "id, session_id, cwd, transcript_path, limit_kind, resets_at_ms, due_ms, prompt, \
                       state, attempts, last_error, runner_pid, runner_start, child_pid, child_start";

/// A stamp from a (pid, start) pair of columns; either missing means none.
fn stamp(pid: Option<u32>, start: Option<String>) -> Option<ProcessStamp> {
    Some(ProcessStamp {
        pid: pid?,
        start: start?,
    })
}

fn resume_from_row(row: &Row<'_>) -> rusqlite::Result<Resume> {
    Ok(Resume {
        id: row.get(0)?,
        plan: NewResume {
            session_id: row.get(1)?,
            cwd: row.get(2)?,
            transcript_path: row.get(3)?,
            limit_kind: row.get(4)?,
            resets_at_ms: row.get(5)?,
            due_ms: row.get(6)?,
            prompt: row.get(7)?,
        },
        state: row.get(8)?,
        attempts: row.get(9)?,
        last_error: row.get(10)?,
        runner: stamp(row.get(11)?, row.get(12)?),
        child: stamp(row.get(13)?, row.get(14)?),
    })
}

impl Store {
    /// Records the event that revealed the limit and schedules (or moves) the session's one open
    /// resume, in one transaction.
    pub fn record_limit(
        &mut self,
        event: &EventRecord,
        resume: &NewResume,
    ) -> Result<i64, StoreError> {
        self.write(|transaction| {
            insert_event(transaction, event)?;
            transaction.query_row(
                "INSERT INTO resumes (session_id, cwd, transcript_path, limit_kind, resets_at_ms, due_ms,
                                      prompt, state, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?8)
                 ON CONFLICT (session_id) WHERE state IN ('pending', 'running') DO UPDATE SET
                     limit_kind = excluded.limit_kind, resets_at_ms = excluded.resets_at_ms,
                     due_ms = excluded.due_ms, cwd = excluded.cwd, updated_ms = excluded.updated_ms
                 RETURNING id",
                params![
                    resume.session_id,
                    resume.cwd,
                    resume.transcript_path,
                    resume.limit_kind,
                    resume.resets_at_ms,
                    resume.due_ms,
                    resume.prompt,
                    event.at_ms,
                ],
                |row| row.get(0),
            )
        })
    }

    /// Claims the earliest due pending resume for this scheduler: it becomes `running` with one
    /// more attempt. Atomic, so of two racing schedulers only one gets it.
    pub fn claim_due_resume(
        &mut self,
        now_ms: i64,
        scheduler: &ProcessStamp,
    ) -> Result<Option<Resume>, StoreError> {
        self.write(|transaction| {
            transaction
                .query_row(
                    &format!(
                        "UPDATE resumes SET state = 'running', attempts = attempts + 1, claimed_ms = ?1,
                                runner_pid = ?2, runner_start = ?3, child_pid = NULL,
                                child_start = NULL, updated_ms = ?1
                         WHERE id = (SELECT id FROM resumes
                                     WHERE state = 'pending' AND due_ms <= ?1 AND NOT {waiting}
                                     ORDER BY due_ms, id LIMIT 1)
                         RETURNING {COLUMNS}",
                        waiting = waits_for_live_session()
                    ),
                    params![now_ms, scheduler.pid, scheduler.start],
                    resume_from_row,
                )
                .optional()
        })
    }

    /// Records the `claude` a scheduler started for its claim. Returns false, recording nothing,
    /// when the claim is no longer that scheduler's (`resume --cancel` came first): the caller
    /// then stops the child it just started.
    pub fn record_resume_child(
        &mut self,
        id: i64,
        scheduler: &ProcessStamp,
        child: &ProcessStamp,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE resumes SET child_pid = ?4, child_start = ?5, updated_ms = ?6
                 WHERE id = ?1 AND state = 'running' AND runner_pid = ?2 AND runner_start = ?3",
                params![
                    id,
                    scheduler.pid,
                    scheduler.start,
                    child.pid,
                    child.start,
                    now_ms
                ],
            )?;
            Ok(changed > 0)
        })
    }

    /// Takes over, for `scheduler`, every `running` claim whose scheduler is gone, as decided by
    /// `is_running` (a claim naming no scheduler with its start counts as gone), and returns
    /// them with the `claude` each one names. Run by a scheduler that holds the scheduler lock;
    /// it then waits for each named `claude` still running and records its outcome, or puts the
    /// claim back to pending when no `claude` was started.
    pub fn take_over_abandoned_resumes(
        &mut self,
        scheduler: &ProcessStamp,
        is_running: impl Fn(&ProcessStamp) -> bool,
        now_ms: i64,
    ) -> Result<Vec<Resume>, StoreError> {
        self.write(|transaction| {
            let running: Vec<Resume> = {
                let mut statement = transaction.prepare(&format!(
                    "SELECT {COLUMNS} FROM resumes WHERE state = 'running' ORDER BY id"
                ))?;
                let rows = statement.query_map([], resume_from_row)?;
                rows.collect::<Result<_, _>>()?
            };
            let mut taken = Vec::new();
            for mut resume in running {
                if resume.runner.as_ref().is_some_and(&is_running) {
                    continue;
                }
                transaction.execute(
                    "UPDATE resumes SET runner_pid = ?2, runner_start = ?3, updated_ms = ?4
                     WHERE id = ?1 AND state = 'running'",
                    params![resume.id, scheduler.pid, scheduler.start, now_ms],
                )?;
                resume.runner = Some(scheduler.clone());
                taken.push(resume);
            }
            Ok(taken)
        })
    }

    /// Puts a claim whose `claude` never started back to pending, as it was before the claim.
    pub fn release_resume(&mut self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE resumes SET state = 'pending', runner_pid = NULL, runner_start = NULL,
                        child_pid = NULL, child_start = NULL, updated_ms = ?2
                 WHERE id = ?1 AND state = 'running'",
                params![id, now_ms],
            )?;
            Ok(())
        })
    }

    /// Records how a claimed resume ended. A final failure also raises an escalation, which is
    /// returned with its id. A claim no longer running (cancelled meanwhile) is left as it is.
    pub fn finish_resume(
        &mut self,
        id: i64,
        result: &ResumeResult,
        now_ms: i64,
    ) -> Result<Option<(i64, NewEscalation)>, StoreError> {
        self.write(|transaction| {
            match result {
                ResumeResult::Done => {
                    transaction.execute(
                        "UPDATE resumes SET state = 'done', updated_ms = ?2, last_error = NULL
                         WHERE id = ?1 AND state = 'running'",
                        params![id, now_ms],
                    )?;
                }
                ResumeResult::LimitedAgain { resets_at_ms, due_ms } => {
                    transaction.execute(
                        "UPDATE resumes SET state = 'pending', resets_at_ms = ?2, due_ms = ?3, updated_ms = ?4
                         WHERE id = ?1 AND state = 'running'",
                        params![id, resets_at_ms, due_ms, now_ms],
                    )?;
                }
                ResumeResult::Failed { error, retry_at_ms: Some(retry) } => {
                    let error = redact(error);
                    transaction.execute(
                        "UPDATE resumes SET state = 'pending', due_ms = ?2, last_error = ?3, updated_ms = ?4
                         WHERE id = ?1 AND state = 'running'",
                        params![id, retry, error, now_ms],
                    )?;
                }
                ResumeResult::Failed { error, retry_at_ms: None } => {
                    // What claude printed when it failed may quote the prompt or its tools' output.
                    let error = &redact(error);
                    let changed = transaction.execute(
                        "UPDATE resumes SET state = 'failed', last_error = ?2, updated_ms = ?3
                         WHERE id = ?1 AND state = 'running'",
                        params![id, error, now_ms],
                    )?;
                    if changed == 0 {
                        return Ok(None);
                    }
                    let (session_id, cwd, limit_kind): (String, String, String) = transaction.query_row(
                        "SELECT session_id, cwd, limit_kind FROM resumes WHERE id = ?1",
                        [id],
                        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                    )?;
                    let summary = if limit_kind == HUMAN_ANSWER_RESUME {
                        "resume carrying a human's answer".to_owned()
                    } else {
                        format!("resume after a usage limit ({limit_kind})")
                    };
                    let escalation = NewEscalation {
                        kind: EscalationKind::ResumeFailed,
                        session_id,
                        project_root: Some(cwd),
                        mode: Some(Mode::Unattended),
                        summary,
                        reason: error.clone(),
                        suggestion: None,
                        queue_task_id: None,
                        created_ms: now_ms,
                    };
                    let escalation_id = insert_escalation(transaction, &escalation, None)?;
                    return Ok(Some((escalation_id, escalation)));
                }
            }
            Ok(None)
        })
    }

    /// When the next pending resume is due, if any — leaving out answers waiting for a session
    /// that is still running (its Stop hook takes them; its SessionEnd starts a scheduler).
    pub fn next_resume_due(&self, now_ms: i64) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT MIN(due_ms) FROM resumes WHERE state = 'pending' AND NOT {}",
                    waits_for_live_session()
                ),
                [now_ms],
                |row| row.get(0),
            )
            .map_err(|source| self.error(source))
    }

    /// Whether any resume is claimed (`running`). Its scheduler may have died with the machine:
    /// a new session then starts a scheduler, which takes such a claim over unless its
    /// scheduler still runs (and holds the lock, so the new one steps aside).
    pub fn has_running_resume(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM resumes WHERE state = 'running')",
                [],
                |row| row.get(0),
            )
            .map_err(|source| self.error(source))
    }

    /// At a `Stop` of a running session: takes the human's answer waiting for it, if any (the
    /// resume is marked done, delivered here instead of by `claude --resume`), and records the
    /// event, in one transaction. Returns what the session is to be told; `None` writes nothing.
    pub fn take_human_answer(&mut self, event: &EventRecord) -> Result<Option<String>, StoreError> {
        self.write(|transaction| {
            let prompt: Option<String> = transaction
                .query_row(
                    "UPDATE resumes SET state = 'done', last_error = 'delivered at the session''s Stop',
                            updated_ms = ?2
                     WHERE session_id = ?1 AND state = 'pending' AND limit_kind = 'human_answer'
                     RETURNING prompt",
                    params![event.session_id, event.at_ms],
                    |row| row.get(0),
                )
                .optional()?;
            if prompt.is_some() {
                insert_event(transaction, event)?;
            }
            Ok(prompt)
        })
    }

    /// Open (pending or running) resumes and the latest few finished ones, newest first.
    pub fn resumes(&self, include_finished: bool) -> Result<Vec<Resume>, StoreError> {
        let filter = if include_finished {
            ""
        } else {
            "WHERE state IN ('pending', 'running')"
        };
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM resumes {filter} ORDER BY id DESC LIMIT 100"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], resume_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// Makes a session's pending resume due at `due_ms` (`resume --now`). Returns false when
    /// the session has no pending resume.
    pub fn reschedule_resume(
        &mut self,
        session_prefix: &str,
        due_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(|transaction| {
            let changed = transaction.execute(
                "UPDATE resumes SET due_ms = ?2, updated_ms = ?3
                 WHERE state = 'pending' AND session_id LIKE ?1 || '%'",
                params![session_prefix, due_ms, now_ms],
            )?;
            Ok(changed > 0)
        })
    }

    /// Cancels the session's open resumes, pending or running (`resume --cancel`), and returns
    /// them as they were: a running one names the `claude` the caller is to stop. Its scheduler
    /// then finds the claim gone and records nothing over the cancellation.
    pub fn cancel_resumes(
        &mut self,
        session_prefix: &str,
        now_ms: i64,
    ) -> Result<Vec<Resume>, StoreError> {
        self.write(|transaction| {
            let open: Vec<Resume> = {
                let mut statement = transaction.prepare(&format!(
                    "SELECT {COLUMNS} FROM resumes
                     WHERE state IN ('pending', 'running') AND session_id LIKE ?1 || '%' ORDER BY id"
                ))?;
                let rows = statement.query_map([session_prefix], resume_from_row)?;
                rows.collect::<Result<_, _>>()?
            };
            for resume in &open {
                transaction.execute(
                    "UPDATE resumes SET state = 'cancelled', updated_ms = ?2 WHERE id = ?1",
                    params![resume.id, now_ms],
                )?;
            }
            Ok(open)
        })
    }

    /// The session's open resumes (pending or running), for `resume --now` to say what it found.
    pub fn open_resumes(&self, session_prefix: &str) -> Result<Vec<Resume>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM resumes
                 WHERE state IN ('pending', 'running') AND session_id LIKE ?1 || '%' ORDER BY id"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([session_prefix], resume_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }
}
