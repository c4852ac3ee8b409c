//! Answering an escalation: what `pcc-hooks respond` and `POST /api/escalations/{id}/respond`
//! both do.
//!
//! The escalation is read, `pcc_core::bridge::human_answer` says what the answer does for its
//! kind, and `Store::answer_escalation` applies all of it in one transaction guarded by
//! `state = 'pending'`, with who gave it ([`Provenance`]). When the answer has something to tell
//! the session, a resume carrying it is scheduled and a scheduler started: the session gets it
//! at its next Stop if it still runs, or through `claude --resume` once it has ended.

use crate::ControlError;
use crate::scheduler;
use crate::sessions::short_id;
use crate::time::ago;
use pcc_core::bridge::human_answer::{
    Effects, EscalationKind, Response, ResponseError, deferred_call_effects, effects,
};
use pcc_core::paths::DataDir;
use pcc_store::{AnswerOutcome, Answered, Escalation, Provenance, Store};
use serde::Serialize;
use std::path::Path;

/// A human's answer to one escalation.
#[derive(Debug, Clone)]
pub struct AnswerRequest<'a> {
    /// The escalation.
    pub id: i64,
    /// `approve`, `deny` or the text of an answer.
    pub answer: &'a str,
    /// Allow this exact call in its project from now on (an approved permission only).
    pub remember: bool,
    /// Who answers, through which door, from where.
    pub provenance: Provenance,
}

/// How the answer reaches the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// A resume carries it: at the session's next Stop, or `claude --resume` once it has ended.
    Resume,
    /// Nothing to tell the session.
    None,
    /// Something to tell it, but its directory is unknown, so no resume could be scheduled.
    Undeliverable,
}

/// What an applied answer did.
#[derive(Debug, Clone)]
pub struct AnswerReport {
    /// The store's account of it.
    pub answered: Answered,
    /// The answer as understood.
    pub response: Response,
    /// Who gave it.
    pub provenance: Provenance,
    /// How the session learns of it.
    pub delivery: Delivery,
    /// Set when a resume was scheduled but no scheduler could be started (the answer is
    /// stored; the next scheduler runs the resume).
    pub scheduler_error: Option<String>,
}

/// The outcome of an answer, as `respond --json` prints it and the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RespondDoc {
    /// The escalation.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// Its session.
    pub session_id: String,
    /// `approve`, `deny` or `answer`.
    pub verdict: String,
    /// The answer's text.
    pub answer: String,
    /// Whether the call may now run once.
    pub approved_once: bool,
    /// Whether the call is allowed in its project from now on.
    pub remembered: bool,
    /// The resume that carries the answer.
    pub resume_id: Option<i64>,
    /// How the session learns of it.
    pub delivery: Delivery,
    /// Who answered and from where, as stored with the answer.
    pub answered_by: String,
}

impl AnswerReport {
    /// The JSON document of this outcome.
    pub fn document(&self) -> RespondDoc {
        let escalation = &self.answered.escalation;
        RespondDoc {
            id: escalation.id,
            kind: escalation.raised.kind.as_str().to_owned(),
            session_id: escalation.raised.session_id.clone(),
            verdict: self.response.verdict().to_owned(),
            answer: self.response.text().to_owned(),
            approved_once: self.answered.approval_id.is_some(),
            remembered: self.answered.remembered,
            resume_id: self.answered.resume_id,
            delivery: self.delivery,
            answered_by: self.provenance.to_string(),
        }
    }
}

/// Applies `request` to the database of `data`; `hooks_program` is the `pcc-hooks` binary that
/// runs a scheduler when the answer schedules a resume.
pub fn answer(
    data: &DataDir,
    request: &AnswerRequest<'_>,
    hooks_program: &Path,
    now_ms: i64,
) -> Result<AnswerReport, ControlError> {
    let id = request.id;
    let response = Response::parse(request.answer)?;
    let Some(mut store) = Store::open_existing(&data.database())? else {
        return Err(not_found(id));
    };
    let Some(escalation) = store.escalation(id)? else {
        return Err(not_found(id));
    };
    let effects = effects_for(&escalation, &response, request.remember)?;
    let answered =
        match store.answer_escalation(id, &response, &effects, &request.provenance, now_ms)? {
            AnswerOutcome::Answered(answered) => *answered,
            AnswerOutcome::NotFound => return Err(not_found(id)),
            AnswerOutcome::AlreadyAnswered(earlier) => {
                return Err(ControlError::Conflict(format!(
                    "escalation {id} was already answered{}{}: {} (an answer is given once; see \
                     `pcc-hooks pending`)",
                    earlier
                        .answered_ms
                        .map(|at| format!(" {} ago", ago(now_ms - at)))
                        .unwrap_or_default(),
                    earlier
                        .provenance
                        .as_ref()
                        .map(|by| format!(" by {by}"))
                        .unwrap_or_default(),
                    earlier.answer.as_deref().unwrap_or("?"),
                )));
            }
            AnswerOutcome::ResumeRunning(_) => {
                return Err(ControlError::Conflict(format!(
                    "a resume of session {} is running right now; answer again when it has \
                     finished (nothing was changed)",
                    short_id(&escalation.raised.session_id)
                )));
            }
        };
    Ok(report(
        data,
        answered,
        response,
        request.provenance.clone(),
        hooks_program,
    ))
}

/// What answering `escalation` with `response` does, by its kind (the rules of
/// `pcc_core::bridge::human_answer`): every door computes it here.
pub(crate) fn effects_for(
    escalation: &Escalation,
    response: &Response,
    remember: bool,
) -> Result<Effects, ResponseError> {
    // A deferred call is asked about again by the resume itself, and answered from this answer.
    match (escalation.raised.kind, &escalation.deferred_tool_use_id) {
        (EscalationKind::Permission, Some(_)) => deferred_call_effects(response, remember),
        (kind, _) => effects(kind, &escalation.raised.summary, response, remember),
    }
}

/// The report of an applied answer, once a scheduler is started for the resume it scheduled.
pub(crate) fn report(
    data: &DataDir,
    answered: Answered,
    response: Response,
    provenance: Provenance,
    hooks_program: &Path,
) -> AnswerReport {
    let scheduler_error = match answered.resume_id {
        Some(_) => scheduler::ensure_running(data, hooks_program)
            .err()
            .map(|error| error.to_string()),
        None => None,
    };
    let delivery = if answered.resume_id.is_some() {
        Delivery::Resume
    } else if answered.undeliverable {
        Delivery::Undeliverable
    } else {
        Delivery::None
    };
    AnswerReport {
        answered,
        response,
        provenance,
        delivery,
        scheduler_error,
    }
}

fn not_found(id: i64) -> ControlError {
    ControlError::NotFound(format!(
        "no escalation has id {id}; `pcc-hooks pending` lists those waiting"
    ))
}
