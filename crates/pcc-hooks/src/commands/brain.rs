//! `pcc-hooks brain ask`: the configured brain, the same guards and thresholds as the hooks.

use crate::cli::BrainAskArgs;
use crate::clock::now_ms;
use crate::config_files;
use crate::error::HookError;
use crate::term::emit;
use pcc_core::Mode;
use pcc_core::brain::{BrainContext, Question, decide_question};
use pcc_core::paths::DataDir;
use pcc_store::{BrainAnswerRecord, Store};
use serde::Serialize;
use std::time::Instant;

#[derive(Serialize)]
struct Reply<'a> {
    answer: Option<&'a str>,
    confidence: f64,
    escalate: bool,
    reason: &'a str,
    brain: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback_reason: Option<&'a str>,
}

/// Asks the question and prints the answer; the answer is recorded like the hooks' answers.
pub fn ask(args: &BrainAskArgs) -> Result<(), HookError> {
    let project = match &args.cwd {
        Some(dir) => std::path::absolute(dir),
        None => std::env::current_dir(),
    }
    .map_err(|error| HookError::new(format!("cannot resolve the project directory: {error}")))?;
    let data = DataDir::from_env()?;
    let config = config_files::load(&data, &project)?;
    let question = if args.options.is_empty() {
        Question::free(args.question.clone())
    } else {
        Question::with_options(args.question.clone(), args.options.clone())
    };
    let mut context = BrainContext::new(project.clone(), Mode::Interactive);
    if let Ok(notes) = std::fs::read_to_string(project.join("CLAUDE.md")) {
        context = context.with_notes(&notes);
    }
    let started = Instant::now();
    let brain = pcc_brain_http::build_brain(&config.brain);
    let answer = decide_question(
        brain.as_ref(),
        &question,
        &context,
        config.brain.min_confidence_question,
    );
    let latency_us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
    let record = BrainAnswerRecord {
        session_id: "cli".into(),
        at_ms: now_ms(),
        kind: "cli".into(),
        question: pcc_core::redact::redact_and_truncate(&question.text, 1000),
        answer: (!answer.escalate).then(|| answer.answer.clone()).flatten(),
        confidence: answer.confidence,
        escalated: answer.escalate,
        brain: answer.answered_by.clone(),
        fallback_reason: answer.fallback_reason.clone(),
        reasoning: pcc_core::redact::redact_and_truncate(&answer.reasoning, 1000),
        latency_us,
    };
    Store::open(&data.database())?.record_brain_answers(&[record])?;
    let reply = Reply {
        answer: if answer.escalate {
            None
        } else {
            answer.answer.as_deref()
        },
        confidence: answer.confidence,
        escalate: answer.escalate,
        reason: &answer.reasoning,
        brain: &answer.answered_by,
        fallback_reason: answer.fallback_reason.as_deref(),
    };
    if args.json {
        let text = serde_json::to_string(&reply)
            .map_err(|error| HookError::new(format!("cannot encode: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let text = match reply.answer {
        Some(answer) => format!(
            "{answer}  (confidence {:.2}, {} brain)\n  {}\n",
            reply.confidence, reply.brain, reply.reason
        ),
        None => format!(
            "a human should decide  ({} brain)\n  {}\n",
            reply.brain, reply.reason
        ),
    };
    emit(&text)
}
