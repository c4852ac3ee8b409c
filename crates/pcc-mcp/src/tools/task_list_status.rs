//! `task_list_status`: one list and its tasks.

use crate::report::list_report;
use crate::tools::{json_result, text_result};
use rmcp::model::CallToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

/// Which list.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListIdParams {
    /// The list id `execute_task_list` returned (`list_id`).
    pub list_id: i64,
}

/// Answers with the list and its tasks, or a tool error when there is no such list.
pub fn run(params: &ListIdParams) -> CallToolResult {
    let store = match super::open_existing() {
        Ok(Some(store)) => store,
        Ok(None) => return no_such_list(params.list_id),
        Err(err) => return text_result(err, true),
    };
    match list_report(&store, params.list_id) {
        Ok(Some(report)) => json_result(&report),
        Ok(None) => no_such_list(params.list_id),
        Err(err) => text_result(
            format!("cannot read task list {}: {err}", params.list_id),
            true,
        ),
    }
}

fn no_such_list(id: i64) -> CallToolResult {
    text_result(
        format!("there is no task list {id}; `list_task_lists` shows the lists there are"),
        true,
    )
}
