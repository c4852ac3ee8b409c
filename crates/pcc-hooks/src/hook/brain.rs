//! What the hook's brain calls share: the brain from the config, its context, and the records of
//! what it answered.

use super::HookContext;
use pcc_core::Mode;
use pcc_core::brain::{BrainContext, PermissionOpinion, QuestionAnswer};
use pcc_core::redact::redact_and_truncate;
use pcc_store::{BrainAnswerRecord, EventRecord, Store};
use std::path::Path;
use std::time::Instant;

/// How many of the session's latest events a brain sees.
const RECENT_EVENTS: u32 = 20;

/// The context a brain gets: the project, an excerpt of its `CLAUDE.md`, the session's latest
/// events. Reading them is best effort: a brain can answer without them.
pub fn context(
    hook: &HookContext,
    store: &Store,
    record: &EventRecord,
    mode: Mode,
) -> BrainContext {
    let project = Path::new(&record.project_root);
    let notes = crate::session_files::read_head(
        &project.join("CLAUDE.md"),
        crate::session_files::NOTES_HEAD_BYTES,
    )
    .ok();
    let events = store
        .recent_event_summaries(&record.session_id, RECENT_EVENTS)
        .unwrap_or_default();
    let mut context = BrainContext::new(project.to_path_buf(), mode)
        .with_home(hook.home.clone())
        .with_recent_events(events);
    if let Some(notes) = notes {
        context = context.with_notes(&notes);
    }
    context
}

/// The record of an answer to `question`.
pub fn question_record(
    record: &EventRecord,
    kind: &str,
    question: &str,
    answer: &QuestionAnswer,
    started: Instant,
) -> BrainAnswerRecord {
    BrainAnswerRecord {
        session_id: record.session_id.clone(),
        at_ms: record.at_ms,
        kind: kind.to_owned(),
        question: redact_and_truncate(question, 1000),
        answer: (!answer.escalate).then(|| answer.answer.clone()).flatten(),
        confidence: answer.confidence,
        escalated: answer.escalate,
        brain: answer.answered_by.clone(),
        fallback_reason: answer.fallback_reason.clone(),
        reasoning: redact_and_truncate(&answer.reasoning, 1000),
        latency_us: elapsed_us(started),
    }
}

/// The record of an opinion on a permission.
pub fn opinion_record(
    record: &EventRecord,
    call: &str,
    opinion: &PermissionOpinion,
    started: Instant,
) -> BrainAnswerRecord {
    BrainAnswerRecord {
        session_id: record.session_id.clone(),
        at_ms: record.at_ms,
        kind: "permission".to_owned(),
        question: redact_and_truncate(call, 1000),
        answer: Some(opinion.stance.as_str().to_owned()),
        confidence: opinion.confidence,
        escalated: opinion.stance == pcc_core::brain::Stance::Escalate,
        brain: opinion.answered_by.clone(),
        fallback_reason: opinion.fallback_reason.clone(),
        reasoning: redact_and_truncate(&opinion.reasoning, 1000),
        latency_us: elapsed_us(started),
    }
}

fn elapsed_us(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX)
}
