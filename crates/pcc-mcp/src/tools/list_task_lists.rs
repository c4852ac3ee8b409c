//! `list_task_lists`: the most recent lists.

use crate::report::list_summary;
use crate::tools::{json_result, text_result};
use rmcp::model::CallToolResult;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// How many lists.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTaskListsParams {
    /// How many lists to show, newest first (default 20, at most 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Answers with the newest lists.
pub fn run(params: &ListTaskListsParams) -> CallToolResult {
    let limit = params.limit.unwrap_or(20).clamp(1, 200);
    let store = match super::open_existing() {
        Ok(Some(store)) => store,
        Ok(None) => return json_result(&json!({ "task_lists": [] })),
        Err(err) => return text_result(err, true),
    };
    match store.task_lists(limit) {
        Ok(lists) => json_result(&json!({
            "task_lists": lists.iter().map(list_summary).collect::<Vec<_>>(),
        })),
        Err(err) => text_result(format!("cannot read the task lists: {err}"), true),
    }
}
