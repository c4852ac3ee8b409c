//! The LOW path: a permission call whose decision nothing stored can change is answered from
//! the parse alone and kept in the spool, without opening the database.
//!
//! Most calls of a session are LOW (reads, builds' read-only steps, edits inside the project),
//! and opening SQLite was four fifths of such a call's work: reading the schema, preparing
//! statements, taking the WAL locks. Which decisions qualify is the domain's
//! (`Judgement::decided_without_history`: no approval can apply, no sandbox is needed, a plain
//! allow or deny with no escalation); the one stored fact that could still change the answer, an
//! earlier deferral of the same call, is ruled out by its mark (`Store::may_have_deferral`). The
//! rows are the ones the usual path writes, folded into the database by the next writer or
//! reader (`pcc_store`'s spool). When the spool cannot be written, the call takes the usual path.
//!
//! Two other calls are nothing but their event row and go the same way: an event that records
//! only (`UserPromptSubmit`, `PostToolUseFailure`, …) and the `PostToolUse` of a call that was
//! not MEDIUM, since only a MEDIUM call left to a human teaches anything
//! (`Store::record_tool_ran`).

use super::permission::{Asker, PermissionCall, decision_record, policy_context, reply};
use super::{HookContext, links};
use pcc_core::Mode;
use pcc_core::permission::Judgement;
use pcc_policy::{RiskLevel, classify};
use pcc_store::{EventRecord, Store};
use serde_json::Value;

/// The answer to print, when the call was decided and kept without the database; `None`: take
/// the usual path.
pub fn answer(
    context: &HookContext,
    record: &EventRecord,
    call: &PermissionCall<'_>,
    judgement: &Judgement,
    mode: Mode,
) -> Option<Option<Value>> {
    // Only a PreToolUse can be rewritten to run contained, and only it can have been deferred.
    let pre_tool_use = call.asker == Asker::PreToolUse;
    let decision = judgement.decided_without_history(mode, pre_tool_use)?;
    let database = context.data.database();
    if pre_tool_use
        && call
            .tool_use_id
            .is_some_and(|id| Store::may_have_deferral(&database, id))
    {
        return None;
    }
    let stored = decision_record(
        context.started,
        record,
        call,
        &judgement.normalized_input,
        &decision,
        mode,
    );
    if let Err(error) = Store::spool_call(&database, record, Some(&stored)) {
        tracing::warn!(%error, "could not keep a LOW call in the spool; recording it in the database");
        return None;
    }
    Some(reply(call.asker, &decision, None))
}

/// Keeps an event that is nothing but its row in the spool; false when it could not be kept
/// there, and the caller records it in the database.
pub fn record_only(context: &HookContext, record: &EventRecord) -> bool {
    match Store::spool_call(&context.data.database(), record, None) {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(%error, event = %record.event, "could not keep an event in the spool; recording it in the database");
            false
        }
    }
}

/// Whether the `PostToolUse` of `tool_name(tool_input)` has nothing to teach: the call judges
/// as anything but MEDIUM, by the same policy and links on disk its `PreToolUse` was judged by.
/// A call judged otherwise then than now (a link made by the call itself) at worst misses one
/// count towards learning, which only ever makes learning slower.
pub fn nothing_to_learn(
    context: &HookContext,
    record: &EventRecord,
    tool_name: &str,
    tool_input: &Value,
) -> bool {
    let policy = policy_context(context, record);
    let mut verdict = classify(tool_name, tool_input, &policy);
    links::check(&mut verdict, &policy);
    verdict.level != RiskLevel::Medium
}
