//! `Stop`: the turn is over; before letting Claude stop, in this order:
//!
//! 1. a human's answer waiting for this session (`pcc-hooks respond`) is handed over;
//! 2. a turn that ends in a question ("Should I proceed?") is answered by the brain when nobody is
//!    there to answer (unattended, or `answer_stop_questions`) — bounded: at most
//!    `max_automatic_answers` in a row since the user's last prompt, and never the same question
//!    twice in a row while Claude already continues because of a Stop hook (`stop_hook_active`);
//!    a question the brain will not answer, unattended, becomes an escalation;
//! 3. otherwise the queue's active task is done, and the next queued task is handed over
//!    (unless the session is paused).
//!
//! Each hand-over blocks the stop with the text as the reason, which Claude Code gives the model
//! as its next instruction. Everything one Stop writes is one transaction.

use super::{HookContext, brain};
use crate::config_files;
use crate::notifier::{self, EscalationNotice};
use pcc_core::Mode;
use pcc_core::brain::{answer_stop_question, question_from_message};
use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::bridge::task_queue::{Handoff, handoff_reason};
use pcc_core::config::Config;
use pcc_core::hook::Stop;
use pcc_core::redact::redact_and_truncate;
use pcc_store::{BrainAnswerRecord, EventRecord, NewEscalation, StopRecord, Store, StoreError};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// Records the Stop event and decides whether Claude goes on, and with what.
pub fn answer(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    stop: &Stop,
) -> Result<Option<Value>, StoreError> {
    if let Some(message) = store.take_human_answer(record)? {
        return Ok(Some(block(&message)));
    }
    // A broken config must not stop the queue the user filled by hand: what is in force instead
    // (the global file alone, or the defaults) runs the brain and the notifications.
    let loaded = config_files::load_in_force(&context.data, &PathBuf::from(&record.project_root));
    super::report_config_problems(&context.data, Some(store), &loaded, record.at_ms);
    let config = &loaded.config;
    let brain_step = ask_brain(context, store, record, stop, config)?;
    let max_attempts = config.queue_max_attempts;
    let outcome = store.record_stop(&StopRecord {
        event: record,
        brain_answers: &brain_step.records,
        escalation: brain_step.escalation.clone(),
        turn_continues: brain_step.reply.is_some(),
        max_attempts: i64::from(max_attempts),
    })?;
    let question = outcome.escalation_id.zip(brain_step.escalation.as_ref());
    for (id, escalation) in question.into_iter().chain(
        outcome
            .exhausted
            .iter()
            .map(|(id, escalation)| (*id, escalation)),
    ) {
        notifier::escalation_raised(
            &context.data,
            store,
            config,
            &EscalationNotice::of(id, escalation),
        );
    }
    if let Some(reason) = brain_step.reply {
        return Ok(Some(block(&reason)));
    }
    Ok(outcome.handed.map(|task| {
        block(&handoff_reason(&Handoff {
            text: &task.text,
            attempt: task.attempt,
            max_attempts: i64::from(max_attempts),
            queued_after: task.queued_after,
        }))
    }))
}

/// What the brain made of the turn's last message.
#[derive(Default)]
struct BrainStep {
    /// Its answers, to record.
    records: Vec<BrainAnswerRecord>,
    /// The answer to continue with.
    reply: Option<String>,
    /// The question, for a human.
    escalation: Option<NewEscalation>,
}

fn ask_brain(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    stop: &Stop,
    config: &Config,
) -> Result<BrainStep, StoreError> {
    let mode = Mode::resolve(
        context.mode_env.as_deref(),
        config.mode,
        record.permission_mode.as_deref(),
    );
    let Some(message) = stop.last_assistant_message.as_deref() else {
        return Ok(BrainStep::default());
    };
    let Some(question) = question_from_message(message) else {
        return Ok(BrainStep::default());
    };
    if mode != Mode::Unattended && !config.answer_stop_questions {
        return Ok(BrainStep::default());
    }
    let (answered_in_a_row, last_question) = store.automatic_stop_answers(&record.session_id)?;
    if answered_in_a_row >= i64::from(config.max_automatic_answers) {
        tracing::warn!(session = %record.session_id, answered_in_a_row, "automatic answers exhausted; letting the session stop");
        return Ok(BrainStep::default());
    }
    if stop.stop_hook_active
        && last_question.as_deref() == Some(redact_and_truncate(&question.text, 1000).as_str())
    {
        tracing::warn!(session = %record.session_id, "the same question again right after an answer; not looping");
        return Ok(BrainStep::default());
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
        return Ok(BrainStep::default());
    };
    let records = vec![brain::question_record(
        record,
        "stop",
        &stop_answer.question.text,
        &stop_answer.answer,
        started,
    )];
    let reply = stop_answer.block_reason().map(str::to_owned);
    let escalation = (reply.is_none() && mode == Mode::Unattended).then(|| NewEscalation {
        kind: EscalationKind::Question,
        session_id: record.session_id.clone(),
        project_root: Some(record.project_root.clone()),
        mode: Some(mode),
        summary: redact_and_truncate(&stop_answer.question.text, 300),
        reason: stop_answer.reason.clone(),
        suggestion: stop_answer.answer.leaning.clone(),
        queue_task_id: None,
        created_ms: record.at_ms,
    });
    Ok(BrainStep {
        records,
        reply,
        escalation,
    })
}

/// Claude goes on, told `reason`.
fn block(reason: &str) -> Value {
    json!({"decision": "block", "reason": reason})
}
