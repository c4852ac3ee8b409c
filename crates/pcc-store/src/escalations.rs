//! Escalations — everything waiting on a human — and what a human's answer does.
//!
//! Every place that raises one goes through [`insert_escalation`], inside the transaction of the
//! event that caused it. Answering is one transaction guarded by `state = 'pending'`, so of two
//! racing `respond`s exactly one wins and the other is told the escalation was already answered.
//! Every answer records its [`Provenance`]: who gave it (the CLI, an API token, a web session, a
//! notification's capability), which one, and from where, so an answer can always be traced.

use crate::error::StoreError;
use crate::open::Store;
use crate::sql_enum::{Sql, get, get_opt, stored_enum};
use pcc_core::bridge::human_answer::{Effects, EscalationKind, Response, TaskEffect};
use pcc_core::redact::{redact, redact_opt};
use pcc_core::{Mode, PriorApproval};
use pcc_policy::RiskLevel;
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// An escalation to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEscalation {
    /// What waits on the human.
    pub kind: EscalationKind,
    /// The session it concerns.
    pub session_id: String,
    /// Its project, when known.
    pub project_root: Option<String>,
    /// The session's mode when it was raised.
    pub mode: Option<Mode>,
    /// One line: what it is about.
    pub summary: String,
    /// Why a human is needed.
    pub reason: String,
    /// What the brain would have answered, when one was asked.
    pub suggestion: Option<String>,
    /// The queued task it concerns.
    pub queue_task_id: Option<i64>,
    /// When, ms since the epoch.
    pub created_ms: i64,
}

/// The tool call behind a permission escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalatedCall {
    /// The tool.
    pub tool_name: String,
    /// Its normalised input: what a one-time approval matches.
    pub input: String,
    /// Its risk level.
    pub level: RiskLevel,
    /// Its project.
    pub project_root: String,
    /// Its exact identity (`pcc_core::permission::call_digest`); `None` for a decision stored before
    /// schema 8, which can then not be approved call by call.
    pub digest: Option<String>,
}

/// A stored escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Row id: what `pcc-hooks respond` takes.
    pub id: i64,
    /// What was raised.
    pub raised: NewEscalation,
    /// Waiting, or answered.
    pub state: EscalationState,
    /// What the human said, once answered.
    pub verdict: Option<Verdict>,
    /// The answer's text, once answered.
    pub answer: Option<String>,
    /// When it was answered.
    pub answered_ms: Option<i64>,
    /// The call, for a permission escalation.
    pub call: Option<EscalatedCall>,
    /// The resume that carries the answer to the session, if one was scheduled.
    pub resume_id: Option<i64>,
    /// The `tool_use_id` of the call, when it was deferred: the session stopped with it pending.
    pub deferred_tool_use_id: Option<String>,
    /// Who answered, which one and from where, once answered.
    pub provenance: Option<Provenance>,
}

stored_enum! {
    /// Who gave an answer: which door of pcc-hooks it came through.
    pub enum Answerer in "escalations.answered_by" {
        /// `pcc-hooks respond` on this machine.
        Cli = "cli",
        /// The server's API, with the bearer token of `<data>/server.token`.
        ApiToken = "api_token",
        /// The dashboard, in a browser logged in with the login link.
        WebSession = "web_session",
        /// A notification's Approve or Deny button: a single-use capability.
        Capability = "capability",
    }
}

/// Who answered an escalation, which one of them, and from where: what an audit of an answer
/// needs, since the answer itself may have been given from a phone far from the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Which door the answer came through.
    pub by: Answerer,
    /// Which one: the capability's id (`capability 7`), the web session (`session 3`).
    pub detail: Option<String>,
    /// From where: the peer address for the server, the user and terminal for the CLI.
    pub from: Option<String>,
}

impl Provenance {
    /// An answer given through `by`, with no detail or origin yet.
    pub fn new(by: Answerer) -> Provenance {
        Provenance {
            by,
            detail: None,
            from: None,
        }
    }

    /// With which one of `by` answered.
    pub fn detail(mut self, detail: impl Into<String>) -> Provenance {
        self.detail = Some(detail.into());
        self
    }

    /// With where the answer came from.
    pub fn from(mut self, from: impl Into<String>) -> Provenance {
        self.from = Some(from.into());
        self
    }
}

impl std::fmt::Display for Provenance {
    /// `capability (capability 7) from 192.0.2.1:5000`, `cli from alice on /dev/pts/3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.by.as_str())?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if let Some(from) = &self.from {
            write!(f, " from {from}")?;
        }
        Ok(())
    }
}

stored_enum! {
    /// Whether an escalation still waits on a human.
    pub enum EscalationState in "escalations.state" {
        /// Nobody answered yet.
        Pending = "pending",
        /// A human answered (`respond`).
        Answered = "answered",
    }
}

stored_enum! {
    /// The kind of answer a human gave, as stored with the escalation.
    pub enum Verdict in "escalations.verdict" {
        /// Yes: run it, retry it, accept it.
        Approve = "approve",
        /// No.
        Deny = "deny",
        /// Free text: an answer to a question, or a note for the session.
        Answer = "answer",
    }
}

impl Verdict {
    /// The verdict of a human's `response`.
    pub fn of(response: &Response) -> Verdict {
        match response {
            Response::Approve => Verdict::Approve,
            Response::Deny => Verdict::Deny,
            Response::Text(_) => Verdict::Answer,
        }
    }
}

/// A deferred call's escalation, as the resume's PreToolUse for that call finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredCall {
    /// The escalation.
    pub escalation_id: i64,
    /// Waiting, or answered.
    pub state: EscalationState,
    /// What the human said, once answered.
    pub verdict: Option<Verdict>,
    /// The answer's text, once answered.
    pub answer: Option<String>,
}

/// What answering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Applied.
    Answered(Box<Answered>),
    /// No escalation has this id.
    NotFound,
    /// It was answered before (by this or another `respond`); nothing changed.
    AlreadyAnswered(Box<Escalation>),
    /// A resume of the session is running right now, so the answer cannot be attached to it;
    /// nothing changed.
    ResumeRunning(Box<Escalation>),
}

/// The effects an answer had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The escalation, as it was before the answer.
    pub escalation: Escalation,
    /// The one-time approval written for the call.
    pub approval_id: Option<i64>,
    /// Whether the call is now allowed in its project for good.
    pub remembered: bool,
    /// The resume that carries the answer to the session.
    pub resume_id: Option<i64>,
    /// Set when there was something to tell the session but its directory is unknown (no hook
    /// event of it was ever recorded), so no resume could be scheduled.
    pub undeliverable: bool,
}

/// The `limit_kind` of a resume scheduled to carry a human's answer: such a resume waits while
/// its session is still running (the session's own Stop hook delivers it instead).
pub const HUMAN_ANSWER_RESUME: &str = "human_answer";

const SELECT: &str =
    "SELECT e.id, e.kind, e.session_id, e.project_root, e.mode, e.summary, e.reason,
        e.suggestion, e.queue_task_id, e.created_ms, e.state, e.verdict, e.answer, e.answered_ms,
        d.tool_name, d.input, d.level, d.project_root, e.resume_id, d.call_digest,
        e.deferred_tool_use_id, e.answered_by, e.answered_by_detail, e.answered_from
     FROM escalations e LEFT JOIN decisions d ON d.id = e.decision_id";

fn escalation_from_row(row: &Row<'_>) -> rusqlite::Result<Escalation> {
    let tool_name: Option<String> = row.get(14)?;
    let call = match tool_name {
        Some(tool_name) => Some(EscalatedCall {
            tool_name,
            input: row.get(15)?,
            level: get(row, 16)?,
            project_root: row.get(17)?,
            digest: row.get(19)?,
        }),
        None => None,
    };
    let provenance = row
        .get::<_, Option<Answerer>>(21)?
        .map(|by| -> rusqlite::Result<Provenance> {
            Ok(Provenance {
                by,
                detail: row.get(22)?,
                from: row.get(23)?,
            })
        })
        .transpose()?;
    Ok(Escalation {
        id: row.get(0)?,
        raised: NewEscalation {
            kind: get(row, 1)?,
            session_id: row.get(2)?,
            project_root: row.get(3)?,
            mode: get_opt(row, 4)?,
            summary: row.get(5)?,
            reason: row.get(6)?,
            suggestion: row.get(7)?,
            queue_task_id: row.get(8)?,
            created_ms: row.get(9)?,
        },
        state: row.get(10)?,
        verdict: row.get(11)?,
        answer: row.get(12)?,
        answered_ms: row.get(13)?,
        call,
        resume_id: row.get(18)?,
        deferred_tool_use_id: row.get(20)?,
        provenance,
    })
}

/// Raises an escalation inside the caller's transaction; returns its id.
pub(crate) fn insert_escalation(
    transaction: &Transaction<'_>,
    escalation: &NewEscalation,
    decision_id: Option<i64>,
) -> rusqlite::Result<i64> {
    insert_escalation_of(transaction, escalation, decision_id, None)
}

/// [`insert_escalation`], naming the deferred call it waits on, if any.
pub(crate) fn insert_escalation_of(
    transaction: &Transaction<'_>,
    escalation: &NewEscalation,
    decision_id: Option<i64>,
    deferred_tool_use_id: Option<&str>,
) -> rusqlite::Result<i64> {
    transaction.execute(
        "INSERT INTO escalations (session_id, created_ms, kind, decision_id, summary, reason,
                                  project_root, mode, suggestion, queue_task_id, deferred_tool_use_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            escalation.session_id,
            escalation.created_ms,
            Sql(escalation.kind),
            decision_id,
            redact(&escalation.summary),
            redact(&escalation.reason),
            escalation.project_root,
            escalation.mode.map(Sql),
            redact_opt(escalation.suggestion.as_deref()),
            escalation.queue_task_id,
            deferred_tool_use_id,
        ],
    )?;
    Ok(transaction.last_insert_rowid())
}

pub(crate) fn escalation_by_id(
    connection: &rusqlite::Connection,
    id: i64,
) -> rusqlite::Result<Option<Escalation>> {
    connection
        .query_row(
            &format!("{SELECT} WHERE e.id = ?1"),
            [id],
            escalation_from_row,
        )
        .optional()
}

/// The body of [`Store::answer_escalation`], inside the caller's transaction: a capability is
/// redeemed in the same transaction as the answer it gives.
pub(crate) fn answer_in(
    transaction: &Transaction<'_>,
    id: i64,
    response: &Response,
    effects: &Effects,
    provenance: &Provenance,
    now_ms: i64,
) -> rusqlite::Result<AnswerOutcome> {
    let Some(escalation) = escalation_by_id(transaction, id)? else {
        return Ok(AnswerOutcome::NotFound);
    };
    if escalation.state != EscalationState::Pending {
        return Ok(AnswerOutcome::AlreadyAnswered(Box::new(escalation)));
    }
    let session_id = &escalation.raised.session_id;
    let prompt = if effects.retry_resume {
        transaction
            .query_row(
                "SELECT prompt FROM resumes WHERE session_id = ?1 ORDER BY id DESC LIMIT 1",
                [session_id],
                |row| row.get::<_, String>(0),
            )
            .optional()?
    } else if effects.resume_deferred {
        // No prompt: the resume asks about the deferred call again by itself.
        Some(effects.message.clone().unwrap_or_default())
    } else {
        effects.message.clone()
    };
    if prompt.is_some() {
        let running: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM resumes WHERE session_id = ?1 AND state = 'running')",
            [session_id],
            |row| row.get(0),
        )?;
        if running {
            return Ok(AnswerOutcome::ResumeRunning(Box::new(escalation)));
        }
    }
    let changed = transaction.execute(
        "UPDATE escalations SET state = 'answered', verdict = ?2, answer = ?3, answered_ms = ?4,
                answered_by = ?5, answered_by_detail = ?6, answered_from = ?7
         WHERE id = ?1 AND state = 'pending'",
        params![
            id,
            Verdict::of(response),
            redact(response.text()),
            now_ms,
            provenance.by,
            redact_opt(provenance.detail.as_deref()),
            redact_opt(provenance.from.as_deref()),
        ],
    )?;
    if changed == 0 {
        return Ok(AnswerOutcome::AlreadyAnswered(Box::new(escalation)));
    }
    // Whatever door answered, the notification's buttons for this escalation are spent.
    crate::capabilities::void_unused(transaction, id, now_ms)?;
    let mut approval_id = None;
    let mut remembered = false;
    // Only an exact identity can be approved: never the redacted, bounded input.
    if let Some((call, digest)) = escalation
        .call
        .as_ref()
        .and_then(|call| call.digest.as_ref().map(|digest| (call, digest)))
    {
        if effects.approve_call_once {
            transaction.execute(
                "INSERT INTO approvals (escalation_id, session_id, project_root, tool_name, input,
                                        created_ms, call_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    session_id,
                    call.project_root,
                    call.tool_name,
                    call.input,
                    now_ms,
                    digest
                ],
            )?;
            approval_id = Some(transaction.last_insert_rowid());
        }
        if effects.remember {
            // A remembered call is keyed by its digest, so it can never collide with (or
            // widen) a rule learned from repeated approvals of a normalised input.
            transaction.execute(
                "INSERT INTO learned_rules (project_root, tool_name, input, source, created_ms)
                 VALUES (?1, ?2, ?3, 'human', ?4)
                 ON CONFLICT (project_root, tool_name, input) DO NOTHING",
                params![call.project_root, call.tool_name, digest, now_ms],
            )?;
            remembered = true;
        }
    }
    let mut resume_id = None;
    let mut undeliverable = false;
    if let Some(prompt) = prompt {
        let session: Option<(String, Option<String>)> = transaction
            .query_row(
                "SELECT cwd, transcript_path FROM sessions WHERE id = ?1",
                [session_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        match session {
            Some((cwd, transcript_path)) => {
                let resume: i64 = transaction.query_row(
                    "INSERT INTO resumes (session_id, cwd, transcript_path, limit_kind, due_ms, prompt,
                                          state, created_ms, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?5, ?5)
                     ON CONFLICT (session_id) WHERE state IN ('pending', 'running') DO UPDATE SET
                         prompt = resumes.prompt || char(10) || char(10) || excluded.prompt,
                         updated_ms = excluded.updated_ms
                     RETURNING id",
                    params![session_id, cwd, transcript_path, HUMAN_ANSWER_RESUME, now_ms, redact(&prompt)],
                    |row| row.get(0),
                )?;
                transaction.execute(
                    "UPDATE escalations SET resume_id = ?2 WHERE id = ?1",
                    params![id, resume],
                )?;
                resume_id = Some(resume);
            }
            None => undeliverable = true,
        }
    }
    if let (Some(task_id), Some(effect)) = (escalation.raised.queue_task_id, &effects.task) {
        match effect {
            TaskEffect::Retry => transaction.execute(
                "UPDATE queue_tasks SET state = 'pending', attempts = 0, finished_ms = NULL,
                        session_id = target_session_id
                 WHERE id = ?1",
                [task_id],
            )?,
            TaskEffect::Drop => transaction.execute(
                "UPDATE queue_tasks SET state = 'removed', finished_ms = ?2 WHERE id = ?1",
                params![task_id, now_ms],
            )?,
            TaskEffect::Revise(note) => transaction.execute(
                "UPDATE queue_tasks SET state = 'pending', attempts = 0, finished_ms = NULL,
                        session_id = target_session_id,
                        text = text || char(10) || char(10) || 'A human adds: ' || ?2
                 WHERE id = ?1",
                params![task_id, redact(note)],
            )?,
        };
    }
    Ok(AnswerOutcome::Answered(Box::new(Answered {
        escalation,
        approval_id,
        remembered,
        resume_id,
        undeliverable,
    })))
}

impl Store {
    /// Escalations still waiting on a human, oldest first.
    pub fn pending_escalations(&self) -> Result<Vec<Escalation>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "{SELECT} WHERE e.state = 'pending' ORDER BY e.created_ms, e.id"
            ))
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], escalation_from_row)
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<_, _>>()
            .map_err(|source| self.error(source))
    }

    /// The latest escalation of the call `tool_use_id` of `session_id` that was deferred.
    pub fn deferred_call(
        &self,
        session_id: &str,
        tool_use_id: &str,
    ) -> Result<Option<DeferredCall>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, state, verdict, answer FROM escalations
                 WHERE session_id = ?1 AND deferred_tool_use_id = ?2 ORDER BY id DESC LIMIT 1",
                params![session_id, tool_use_id],
                |row| {
                    Ok(DeferredCall {
                        escalation_id: row.get(0)?,
                        state: row.get(1)?,
                        verdict: row.get(2)?,
                        answer: row.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|source| self.error(source))
    }

    /// One escalation, answered or not.
    pub fn escalation(&self, id: i64) -> Result<Option<Escalation>, StoreError> {
        escalation_by_id(&self.conn, id).map_err(|source| self.error(source))
    }

    /// Applies a human's answer and its `effects` (see `pcc_core::bridge::human_answer::effects`) in one
    /// transaction: the verdict and who gave it (`provenance`), a one-time approval of the call,
    /// a remembered rule, the resume that carries the answer to the session, the fate of a
    /// queued task. Every door (the CLI, the server, a capability) answers through here.
    pub fn answer_escalation(
        &mut self,
        id: i64,
        response: &Response,
        effects: &Effects,
        provenance: &Provenance,
        now_ms: i64,
    ) -> Result<AnswerOutcome, StoreError> {
        self.write(|transaction| answer_in(transaction, id, response, effects, provenance, now_ms))
    }

    /// A human's earlier approval of this exact call: first a one-time approval for the
    /// session (when one is given) of the call with this `digest` (`pcc_core::permission::call_digest`; the
    /// returned id is spent when the decision is recorded); then a call a human remembered for
    /// the project (`--remember`, the same digest: up to HIGH); then a rule learned from
    /// repeated approvals of the normalised `input` (MEDIUM only).
    pub fn prior_approval(
        &self,
        session_id: Option<&str>,
        project_root: &str,
        tool_name: &str,
        input: &str,
        digest: &str,
    ) -> Result<(PriorApproval, Option<i64>), StoreError> {
        let wrap = |source| self.error(source);
        let once: Option<i64> = match session_id {
            Some(session_id) => self
                .conn
                .query_row(
                    "SELECT id FROM approvals
                     WHERE session_id = ?1 AND call_digest = ?2 AND tool_name = ?3 AND used_ms IS NULL
                     ORDER BY id LIMIT 1",
                    params![session_id, digest, tool_name],
                    |row| row.get(0),
                )
                .optional()
                .map_err(wrap)?,
            None => None,
        };
        if once.is_some() {
            return Ok((PriorApproval::Human, once));
        }
        let remembered: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM learned_rules
                 WHERE project_root = ?1 AND tool_name = ?2 AND input = ?3 AND source = 'human')",
                params![project_root, tool_name, digest],
                |row| row.get(0),
            )
            .map_err(wrap)?;
        if remembered {
            return Ok((PriorApproval::Human, None));
        }
        let learned: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM learned_rules
                 WHERE project_root = ?1 AND tool_name = ?2 AND input = ?3 AND source != 'human')",
                params![project_root, tool_name, input],
                |row| row.get(0),
            )
            .map_err(wrap)?;
        Ok(if learned {
            (PriorApproval::Learned, None)
        } else {
            (PriorApproval::None, None)
        })
    }
}
