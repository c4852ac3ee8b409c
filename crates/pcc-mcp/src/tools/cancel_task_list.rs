//! `cancel_task_list`: stop a pending or running list, wherever it runs.

use crate::config::now_ms;
use crate::tools::task_list_status::ListIdParams;
use crate::tools::{Shared, json_result, text_result};
use pcc_store::TaskListState;
use rmcp::model::CallToolResult;
use serde_json::json;

/// Records the cancel request (a runner in another process sees it within a second) and
/// cancels at once a list this process runs.
pub fn run(shared: &Shared, params: &ListIdParams) -> CallToolResult {
    let path = match crate::config::database() {
        Ok(path) => path,
        Err(err) => return text_result(err, true),
    };
    let mut store = match pcc_store::Store::open(&path) {
        Ok(store) => store,
        Err(err) => return text_result(format!("cannot open the pcc database: {err}"), true),
    };
    let state = match store.request_task_list_cancel(params.list_id, now_ms()) {
        Ok(Some(state)) => state,
        Ok(None) => {
            return text_result(
                format!(
                    "there is no task list {}; `list_task_lists` shows the lists there are",
                    params.list_id
                ),
                true,
            );
        }
        Err(err) => return text_result(format!("cannot cancel: {err}"), true),
    };
    let local = shared.cancel_local(params.list_id);
    let message = match state {
        TaskListState::Running if local => "cancelling: the running task is being stopped",
        TaskListState::Running => "cancel requested: the list's runner stops it within a second",
        TaskListState::Cancelled => "cancelled",
        TaskListState::Pending | TaskListState::Succeeded | TaskListState::Failed => {
            "the list had already ended; nothing to cancel"
        }
    };
    json_result(&json!({
        "list_id": params.list_id,
        "state": state.as_str(),
        "message": message,
    }))
}
