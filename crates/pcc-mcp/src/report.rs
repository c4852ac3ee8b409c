//! The JSON the tools answer with: a list and its tasks, as stored.

use crate::config::rfc3339;
use crate::list_runner::ListOptions;
use pcc_store::{Store, StoreError, TaskList, TaskRow, TaskStatus};
use serde_json::{Value, json};

/// How long a prompt may be in a report (the full prompt is in the database).
const PROMPT_HEAD_CHARS: usize = 200;

fn head(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

/// A list without its tasks: id, state, counts, times.
pub fn list_summary(list: &TaskList) -> Value {
    let options: Option<ListOptions> = serde_json::from_str(&list.options).ok();
    let runner_alive = list.worker_pid.map(|_| {
        crate::config::database().is_ok_and(|database| {
            let root = database.parent().unwrap_or(std::path::Path::new("."));
            pcc_store::worker_alive(root, list.id, list.worker_pid)
        })
    });
    json!({
        "list_id": list.id,
        "state": list.state.as_str(),
        "cwd": list.cwd,
        "created": rfc3339(list.created_ms),
        "updated": rfc3339(list.updated_ms),
        "finished": list.finished_ms.map(rfc3339),
        "stop_on_failure": options.as_ref().map(|o| o.stop_on_failure),
        "context": options.as_ref().map(|o| o.context),
        "runner_pid": list.worker_pid,
        // A `running` list whose runner is gone was interrupted: `pcc-hooks lists resume` it.
        "runner_alive": runner_alive,
        "cancel_requested": list.cancel_requested,
        "tasks_total": list.tasks_total,
        "tasks_finished": list.tasks_finished,
        "tasks_succeeded": list.tasks_succeeded,
        "error": list.error,
    })
}

/// One task, with the files its session wrote by our own hook records.
pub fn task_json(store: &Store, task: &TaskRow) -> Result<Value, StoreError> {
    let files = match &task.session_id {
        Some(session) => store.files_written(session)?,
        None => Vec::new(),
    };
    let denials: Value = task
        .denials
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| json!([]));
    Ok(json!({
        "task": task.position + 1,
        "prompt": head(&task.prompt, PROMPT_HEAD_CHARS),
        "state": task.state.as_str(),
        "status": task.status.map(TaskStatus::as_str),
        "result": task.result_text,
        "session_id": task.session_id,
        "started": task.started_ms.map(rfc3339),
        "finished": task.finished_ms.map(rfc3339),
        "duration_ms": task.duration_ms,
        "turns": task.turns,
        "tool_uses": task.tool_uses,
        "cost_usd": task.cost_usd,
        "permission_denials": denials,
        "files_written": files,
        "error": task.error,
        "resumes": task.resumes,
    }))
}

/// A list and all its tasks, or `None` when there is no such list.
pub fn list_report(store: &Store, list_id: i64) -> Result<Option<Value>, StoreError> {
    let Some(list) = store.task_list(list_id)? else {
        return Ok(None);
    };
    let mut report = list_summary(&list);
    let tasks = store
        .tasks(list_id)?
        .iter()
        .map(|task| task_json(store, task))
        .collect::<Result<Vec<_>, _>>()?;
    report["tasks"] = Value::Array(tasks);
    Ok(Some(report))
}
