//! `Stop`: when the turn ends in a question ("Should I proceed?") and nobody is there to answer
//! (unattended, or `answer_stop_questions`), the brain answers and the stop is blocked with the
//! answer as the reason, so Claude goes on. Bounded: at most `max_automatic_answers` in a row
//! since the user's last prompt, and never the same question twice in a row while Claude is
//! already continuing because of a Stop hook (`stop_hook_active`), which would be a loop.

use super::{HookContext, brain};
use crate::config_files;
use pcc_core::brain::{answer_stop_question, question_from_message};
use pcc_core::decision::Mode;
use pcc_core::hook::Stop;
use pcc_store::{EventRecord, Store};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// Records the Stop event and, when the rules above allow it, answers the turn's question.
pub fn answer(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    stop: &Stop,
) -> Result<Option<Value>, String> {
    let just_record = |store: &mut Store| {
        store
            .record_event(record)
            .map(|_| None)
            .map_err(|error| error.to_string())
    };
    let config = match config_files::load(&context.data, &PathBuf::from(&record.project_root)) {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "config unreadable; the Stop hook answers nothing");
            return just_record(store);
        }
    };
    let mode = Mode::resolve(context.mode_env.as_deref(), config.mode);
    let Some(message) = stop.last_assistant_message.as_deref() else {
        return just_record(store);
    };
    let Some(question) = question_from_message(message) else {
        return just_record(store);
    };
    if mode != Mode::Unattended && !config.answer_stop_questions {
        return just_record(store);
    }
    let (answered_in_a_row, last_question) = store
        .automatic_stop_answers(&record.session_id)
        .map_err(|error| error.to_string())?;
    if answered_in_a_row >= i64::from(config.max_automatic_answers) {
        tracing::warn!(session = %record.session_id, answered_in_a_row, "automatic answers exhausted; letting the session stop");
        return just_record(store);
    }
    if stop.stop_hook_active
        && last_question.as_deref()
            == Some(pcc_core::redact::redact_and_truncate(&question.text, 1000).as_str())
    {
        tracing::warn!(session = %record.session_id, "the same question again right after an answer; not looping");
        return just_record(store);
    }
    let started = Instant::now();
    let thinker = pcc_brain_http::build_brain(&config.brain);
    let brain_context = brain::context(context, store, record, mode);
    let Some(stop_answer) = answer_stop_question(
        thinker.as_ref(),
        message,
        &brain_context,
        config.brain.min_confidence_question,
    ) else {
        return just_record(store);
    };
    let answer_record = brain::question_record(
        record,
        "stop",
        &stop_answer.question.text,
        &stop_answer.answer,
        started,
    );
    let reply = stop_answer
        .block_reason()
        .map(|reason| json!({"decision": "block", "reason": reason}));
    let escalation =
        (reply.is_none() && mode == Mode::Unattended).then_some(stop_answer.reason.as_str());
    store
        .record_answered_event(record, &[answer_record], escalation)
        .map_err(|error| error.to_string())?;
    Ok(reply)
}
