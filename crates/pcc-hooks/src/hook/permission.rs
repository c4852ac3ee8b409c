//! The permission path of a hook call (`PreToolUse`, `PermissionRequest`): classify, apply the
//! user's rules and learned approvals, decide by mode, record, answer.
//!
//! The answer is printed only after the decision is stored: if the database cannot be written,
//! nothing is printed, so an internal error can never become an `allow` (DESIGN.md invariant 1).

use super::HookContext;
use crate::config_files;
use pcc_core::decision::Mode;
use pcc_core::hook::PermissionReply;
use pcc_core::judgement::Judgement;
use pcc_core::policy::PolicyContext;
use pcc_core::redact::redact_and_truncate;
use pcc_store::{DecisionRecord, EventRecord, Store};
use serde_json::Value;
use std::path::PathBuf;

/// Which event asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// `PreToolUse`.
    PreToolUse,
    /// `PermissionRequest`.
    PermissionRequest,
}

/// One tool call that wants a permission answer.
pub struct PermissionCall<'a> {
    /// Which event asked.
    pub asker: Asker,
    /// The tool.
    pub tool_name: &'a str,
    /// Its input.
    pub tool_input: &'a Value,
    /// The call's id (PreToolUse only).
    pub tool_use_id: Option<&'a str>,
}

/// Decides, records and returns the JSON to print (`None`: print nothing).
pub fn answer(
    context: &HookContext,
    store: &mut Store,
    record: &EventRecord,
    call: PermissionCall<'_>,
) -> Result<Option<Value>, String> {
    let project_root = PathBuf::from(&record.project_root);
    let config =
        config_files::load(&context.data, &project_root).map_err(|error| error.to_string())?;
    let mode = Mode::resolve(context.mode_env.as_deref(), config.mode);
    let policy = PolicyContext {
        cwd: PathBuf::from(&record.cwd),
        project_root,
        home: context.home.clone(),
    };
    let judgement = Judgement::of(
        call.tool_name,
        call.tool_input,
        &policy,
        &config.permissions,
    )
    .map_err(|error| error.to_string())?;
    let learned = judgement.may_use_learned_approval()
        && store
            .is_learned(
                &record.project_root,
                call.tool_name,
                &judgement.normalized_input,
            )
            .map_err(|error| error.to_string())?;
    let decision = judgement.decide(learned, mode);
    let stored = DecisionRecord {
        hook_event: record.event.clone(),
        tool_name: call.tool_name.to_owned(),
        tool_use_id: call.tool_use_id.map(str::to_owned),
        project_root: record.project_root.clone(),
        input: judgement.normalized_input.clone(),
        level: decision.level.as_str().to_owned(),
        answer: decision.answer.as_str().to_owned(),
        rule: decision.rule.clone(),
        reason: redact_and_truncate(&decision.reason, 1000),
        mode: mode.as_str().to_owned(),
        latency_us: i64::try_from(context.started.elapsed().as_micros()).unwrap_or(i64::MAX),
        escalate: decision.escalate,
    };
    store
        .record_decision(record, &stored)
        .map_err(|error| error.to_string())?;
    let reply = match call.asker {
        Asker::PreToolUse => PermissionReply::PreToolUse {
            answer: decision.answer,
            reason: &decision.reason,
        },
        Asker::PermissionRequest => PermissionReply::PermissionRequest {
            answer: decision.answer,
            reason: &decision.reason,
        },
    };
    Ok(reply.to_json())
}
