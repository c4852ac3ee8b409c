//! The tools, one file each, and what they share (the lists this process runs, the answer
//! shapes), so the server depends on the tools and never the other way. Each tool turns its
//! parameters into store and runner calls and answers
//! with JSON text; anything the caller can fix is a tool error (`is_error: true`) in words.

pub mod cancel_task_list;
pub mod execute_task_list;
pub mod list_task_lists;
pub mod pcc_status;
pub mod task_list_status;

use pcc_runner::CancelToken;
use pcc_store::Store;
use rmcp::model::{CallToolResult, ContentBlock};
use std::collections::HashMap;
use std::sync::Mutex;

/// Opens the database for a read, or says why not. `Ok(None)` when there is no database yet.
pub fn open_existing() -> Result<Option<Store>, String> {
    let path = crate::config::database()?;
    Store::open_existing(&path).map_err(|err| format!("cannot open the pcc database: {err}"))
}

/// What the tools share: the lists this process is running, by id, so `cancel_task_list` can
/// stop one at once (lists run elsewhere are cancelled through the database).
#[derive(Debug, Default)]
pub struct Shared {
    running: Mutex<HashMap<i64, CancelToken>>,
}

impl Shared {
    /// Registers a list this process runs.
    pub fn register(&self, list_id: i64, cancel: CancelToken) {
        if let Ok(mut running) = self.running.lock() {
            running.insert(list_id, cancel);
        }
    }

    /// Forgets a list that ended.
    pub fn unregister(&self, list_id: i64) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&list_id);
        }
    }

    /// Cancels a list this process runs; `false` when it runs elsewhere (or not at all).
    pub fn cancel_local(&self, list_id: i64) -> bool {
        let token = self
            .running
            .lock()
            .ok()
            .and_then(|running| running.get(&list_id).cloned());
        match token {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

/// A tool's answer: one text block, marked as an error when it is one.
pub fn text_result(text: String, is_error: bool) -> CallToolResult {
    let content = vec![ContentBlock::text(text)];
    if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    }
}

/// A tool's JSON answer.
pub fn json_result(value: &serde_json::Value) -> CallToolResult {
    match serde_json::to_string_pretty(value) {
        Ok(text) => text_result(text, false),
        Err(err) => text_result(format!("cannot encode the answer: {err}"), true),
    }
}
