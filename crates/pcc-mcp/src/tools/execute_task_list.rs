//! `execute_task_list`: validate, store the list, then run it here (`wait: true`, with progress
//! and MCP cancellation) or in a detached worker (`wait: false`).

use crate::config::{claude_program, now_ms};
use crate::list_runner::{ContextMode, ListOptions, ListRunner, Progress, TaskOptions};
use crate::report::list_report;
use crate::server::{Shared, json_result, text_result};
use pcc_runner::{CancelToken, ChildEvent};
use pcc_store::{NewTask, NewTaskList, Store};
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Most tasks in one list.
pub const MAX_TASKS: usize = 1000;

fn yes() -> bool {
    true
}

/// The parameters of `execute_task_list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExecuteTaskListParams {
    /// The tasks, in the order they must run: each a prompt, or an object with the prompt and
    /// per-task options. Write each prompt so a fresh session can do it without this
    /// conversation: say what to do, where, and what "done" means.
    pub tasks: Vec<TaskInput>,
    /// Absolute path of the directory every task runs in (usually the project root).
    pub cwd: String,
    /// Stop at the first task that does not succeed; the rest are reported `skipped`.
    #[serde(default = "yes")]
    pub stop_on_failure: bool,
    /// What each task is told about the earlier tasks' final messages: `summary` (each cut to
    /// 4 KiB, 32 KiB in all), `full` (up to 96 KiB in all) or `none`.
    #[serde(default)]
    pub context: ContextMode,
    /// Wait for the whole list and return every result (true), or return the list id at once
    /// and run the list in a background worker (false; follow it with `task_list_status`).
    #[serde(default = "yes")]
    pub wait: bool,
}

/// One task: a prompt, or a prompt with options.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TaskInput {
    /// Just the prompt.
    Prompt(String),
    /// The prompt and options.
    Detailed(DetailedTask),
}

/// A task with options.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedTask {
    /// What the task must do.
    pub prompt: String,
    /// Wall-time limit in seconds (default 3600); the task ends `timed_out` past it.
    #[serde(default)]
    pub timeout_s: Option<u64>,
    /// The model, e.g. `sonnet` or `opus` (default: Claude Code's).
    #[serde(default)]
    pub model: Option<String>,
    /// Tool permission rules allowed without asking, in Claude Code's syntax, e.g.
    /// `["Edit", "Bash(cargo test:*)"]`.
    #[serde(default)]
    pub allowed_tools: Vec<String>,
    /// Most agentic turns.
    #[serde(default)]
    pub max_turns: Option<u32>,
}

impl TaskInput {
    fn into_parts(self) -> (String, TaskOptions) {
        match self {
            TaskInput::Prompt(prompt) => (prompt, TaskOptions::default()),
            TaskInput::Detailed(task) => (
                task.prompt,
                TaskOptions {
                    timeout_s: task.timeout_s,
                    model: task.model,
                    allowed_tools: task.allowed_tools,
                    max_turns: task.max_turns,
                },
            ),
        }
    }
}

/// Checks the request; the error is what the caller is told.
fn validate(params: &ExecuteTaskListParams) -> Result<PathBuf, String> {
    if params.tasks.is_empty() {
        return Err("`tasks` is empty: give at least one task to run".to_owned());
    }
    if params.tasks.len() > MAX_TASKS {
        return Err(format!(
            "`tasks` has {} tasks; at most {MAX_TASKS} fit in one list",
            params.tasks.len()
        ));
    }
    for (index, task) in params.tasks.iter().enumerate() {
        let prompt = match task {
            TaskInput::Prompt(prompt) => prompt,
            TaskInput::Detailed(task) => &task.prompt,
        };
        if prompt.trim().is_empty() {
            return Err(format!("task {} has an empty prompt", index + 1));
        }
    }
    let cwd = Path::new(&params.cwd);
    if !cwd.is_absolute() {
        return Err(format!(
            "`cwd` must be an absolute path; `{}` is not",
            params.cwd
        ));
    }
    match std::fs::metadata(cwd) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(format!("`cwd` `{}` is not a directory", params.cwd)),
        Err(err) => {
            return Err(format!(
                "`cwd` `{}` is not a usable directory: {err}",
                params.cwd
            ));
        }
    }
    claude_program()
}

/// Runs the tool.
pub async fn run(
    shared: &Shared,
    params: ExecuteTaskListParams,
    context: RequestContext<RoleServer>,
) -> CallToolResult {
    let claude = match validate(&params) {
        Ok(claude) => claude,
        Err(err) => return text_result(err, true),
    };
    let database = match crate::config::database() {
        Ok(path) => path,
        Err(err) => return text_result(err, true),
    };
    let options = ListOptions {
        stop_on_failure: params.stop_on_failure,
        context: params.context,
    };
    let new_list = NewTaskList {
        cwd: params.cwd.clone(),
        options: serde_json::to_string(&options).unwrap_or_else(|_| "{}".to_owned()),
        tasks: params
            .tasks
            .into_iter()
            .map(|task| {
                let (prompt, options) = task.into_parts();
                NewTask {
                    prompt,
                    options: serde_json::to_string(&options).unwrap_or_else(|_| "{}".to_owned()),
                }
            })
            .collect(),
    };
    let created = Store::open(&database).and_then(|mut store| {
        let id = store.create_task_list(&new_list, now_ms())?;
        if params.wait {
            store.claim_task_list(id, i64::from(std::process::id()), now_ms())?;
        }
        Ok(id)
    });
    let list_id = match created {
        Ok(id) => id,
        Err(err) => return text_result(format!("cannot store the task list: {err}"), true),
    };
    if !params.wait {
        return detach(&database, list_id).await;
    }

    let cancel = CancelToken::new();
    shared.register(list_id, cancel.clone());
    // MCP cancellation (and the server shutting down) cancels the running child.
    let watcher = {
        let ct = context.ct.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            ct.cancelled().await;
            cancel.cancel();
        })
    };
    let (progress_tx, progress_rx) = mpsc::unbounded_channel();
    let forwarder = context
        .meta
        .get_progress_token()
        .map(|token| tokio::spawn(forward_progress(context.peer.clone(), token, progress_rx)));
    let runner = ListRunner {
        database: database.clone(),
        claude_program: claude,
    };
    // The list runs in its own task: if this request's future is dropped, the list still ends
    // properly (cancelled) and its rows say so.
    let run = {
        let cancel = cancel.clone();
        let progress = forwarder.is_some().then_some(progress_tx);
        tokio::spawn(async move { runner.run(list_id, progress, &cancel).await })
    };
    let ended = run.await;
    watcher.abort();
    shared.unregister(list_id);
    if let Some(forwarder) = forwarder {
        // The sender was moved into the run, which has ended: the forwarder drains and stops,
        // so every progress notification precedes the answer.
        let _ = forwarder.await;
    }
    match ended {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => {
            return text_result(
                format!("task list {list_id} stopped on a database error: {err}"),
                true,
            );
        }
        Err(err) => return text_result(format!("task list {list_id} failed: {err}"), true),
    }
    match Store::open(&database).and_then(|store| list_report(&store, list_id)) {
        Ok(Some(report)) => json_result(&report),
        Ok(None) => text_result(format!("task list {list_id} disappeared"), true),
        Err(err) => text_result(format!("cannot read task list {list_id}: {err}"), true),
    }
}

async fn detach(database: &Path, list_id: i64) -> CallToolResult {
    match crate::worker::spawn_detached(list_id) {
        Ok(pid) => json_result(&json!({
            "list_id": list_id,
            "state": "pending",
            "runner_pid": pid,
            "message": format!(
                "Task list {list_id} runs in a background worker (pid {pid}). Follow it with \
                 task_list_status {{\"list_id\": {list_id}}}; cancel_task_list stops it."
            ),
        })),
        Err(err) => {
            if let Ok(mut store) = Store::open(database) {
                let _ = store.end_unfinished_tasks(list_id, "failed", &err, now_ms());
                let _ = store.finish_task_list(list_id, "failed", Some(&err), now_ms());
            }
            text_result(err, true)
        }
    }
}

/// Sends one MCP progress notification per step. `progress` rises strictly: task `i` (from 0)
/// moves from `i + 0.5` towards `i + 1`, which it reaches when it ends; `total` is the number
/// of tasks.
async fn forward_progress(
    peer: rmcp::Peer<RoleServer>,
    token: ProgressToken,
    mut steps: mpsc::UnboundedReceiver<Progress>,
) {
    let mut within = 0u32;
    while let Some(step) = steps.recv().await {
        let (position, total, message) = match &step {
            Progress::TaskStarted { position, total } => {
                within = 0;
                (
                    *position,
                    *total,
                    format!("task {}/{total} started", position + 1),
                )
            }
            Progress::TaskFinished {
                position,
                total,
                status,
            } => (
                *position,
                *total,
                format!("task {}/{total} {status}", position + 1),
            ),
            Progress::Child {
                position,
                total,
                event,
            } => {
                let what = match event {
                    ChildEvent::Turn { n } => format!("turn {n}"),
                    ChildEvent::ToolUse { name, count } => format!("tool {name} (call {count})"),
                    ChildEvent::Paused {
                        resets_at, wait_ms, ..
                    } => match resets_at {
                        Some(reset) => format!("paused for a usage limit until {reset}"),
                        None => format!("paused for a rate limit ({} s)", wait_ms / 1000),
                    },
                    ChildEvent::RateLimited { .. } => "hit a usage limit".to_owned(),
                    _ => continue,
                };
                (
                    *position,
                    *total,
                    format!("task {}/{total}: {what}", position + 1),
                )
            }
        };
        let progress = if matches!(step, Progress::TaskFinished { .. }) {
            position as f64 + 1.0
        } else {
            within += 1;
            position as f64 + 1.0 - 1.0 / (f64::from(within) + 1.0)
        };
        let param = ProgressNotificationParam::new(token.clone(), progress)
            .with_total(total as f64)
            .with_message(message);
        if peer.notify_progress(param).await.is_err() {
            // The client is gone; keep draining so the runner never blocks.
            continue;
        }
    }
}
