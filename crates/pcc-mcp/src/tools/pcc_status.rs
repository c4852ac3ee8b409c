//! `pcc_status`: every session, as `pcc-hooks status --json` shows it, and the running lists.

use crate::config::{now_ms, rfc3339};
use crate::report::list_summary;
use crate::tools::{json_result, text_result};
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

/// Answers with the sessions, their decision counts and the running task lists.
pub fn run() -> CallToolResult {
    let database = match crate::config::database() {
        Ok(path) => path,
        Err(err) => return text_result(err, true),
    };
    let mut store = match super::open_existing() {
        Ok(Some(store)) => store,
        Ok(None) => {
            return json_result(&json!({
                "database": database.display().to_string(),
                "sessions": [],
                "task_lists": [],
            }));
        }
        Err(err) => return text_result(err, true),
    };
    let read = (|| {
        let sessions = store.sessions_overview()?;
        let counts = store.decision_counts()?;
        let running = store.running_task_lists()?;
        let (errors, last_error) = store.hook_error_summary()?;
        Ok::<_, pcc_store::StoreError>((sessions, counts, running, errors, last_error))
    })();
    let (sessions, counts, running, errors, last_error) = match read {
        Ok(read) => read,
        Err(err) => return text_result(format!("cannot read the pcc database: {err}"), true),
    };
    let now = now_ms();
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|session| {
            let decisions = counts.get(&session.session_id).copied().unwrap_or_default();
            json!({
                "session_id": session.session_id,
                "short_id": session.session_id.chars().take(8).collect::<String>(),
                "project_root": session.project_root,
                "cwd": session.cwd,
                "state": session.state.as_str(),
                "last_event": session.last_event,
                "last_tool": session.last_tool,
                "permission_mode": session.permission_mode,
                "transcript_path": session.transcript_path,
                "first_seen": rfc3339(session.first_seen_ms),
                "last_seen": rfc3339(session.last_seen_ms),
                "last_seen_ago_s": (now - session.last_seen_ms).max(0) / 1000,
                "events_total": session.event_count,
                "event_counts": session.event_counts,
                "decisions": {
                    "allowed": decisions.allowed,
                    "denied": decisions.denied,
                    "asked": decisions.asked,
                    "pending_escalations": decisions.escalated,
                },
            })
        })
        .collect();
    let task_lists: Vec<Value> = running
        .iter()
        .map(|running| {
            let mut summary = list_summary(&running.list);
            summary["running_task"] = running.running_task.as_ref().map_or(Value::Null, |task| {
                json!({
                    "task": task.position + 1,
                    "session_id": task.session_id,
                    "started": task.started_ms.map(rfc3339),
                })
            });
            summary
        })
        .collect();
    // Failures the database could not take are in the failure log (as `status` counts them).
    let unrecorded = database
        .parent()
        .map(|root| pcc_store::FailureLog::in_dir(root).summary())
        .unwrap_or_default();
    let unrecorded_count = i64::try_from(unrecorded.count).unwrap_or(i64::MAX);
    let last = unrecorded
        .recent
        .last()
        .map(|failure| failure.message.clone())
        .or(last_error);
    json_result(&json!({
        "database": database.display().to_string(),
        "sessions": sessions,
        "task_lists": task_lists,
        "hook_errors": {
            "count": errors + unrecorded_count,
            "last": last,
            "unrecorded": unrecorded_count,
        },
    }))
}
