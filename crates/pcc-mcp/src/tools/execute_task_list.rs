//! `execute_task_list`: validate, store the list, then run it here (`wait: true`, with progress
//! and MCP cancellation) or in a detached worker (`wait: false`).

use crate::config::{claude_program, now_ms};
use crate::list_runner::{ContextMode, ListOptions, ListRunner, Progress, TaskOptions};
use crate::report::list_report;
use crate::tools::{Shared, json_result, text_result};
use pcc_runner::{CancelToken, ChildEvent};
use pcc_store::{NewTask, NewTaskList, Store, TaskListState, TaskStatus};
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Most tasks in one list.
pub const MAX_TASKS: usize = 1000;
/// Most bytes of one task's own prompt. Claude Code refuses more than 10 MB on stdin ("piped
/// stdin input exceeds 10MB", checked with 2.1.329), and the prompt it is given is this one plus
/// the earlier results (at most [`crate::list_runner::FULL_TOTAL_BYTES`]) and the nonce line, so
/// 8 MiB always fits. Checked when the list is submitted, so a list never fails mid-way on it.
pub const MAX_PROMPT_BYTES: usize = 8 * 1024 * 1024;
/// Longest `timeout_s` (7 days): past it a task is better split or run in the background.
pub const MAX_TIMEOUT_S: u64 = 7 * 24 * 60 * 60;
/// Most bytes of `model`: it is one argument of `claude`.
pub const MAX_MODEL_BYTES: usize = 256;
/// Most bytes of `allowed_tools`, space-joined: one argument of `claude`, which Linux caps at
/// 128 KiB.
pub const MAX_ALLOWED_TOOLS_BYTES: usize = 64 * 1024;

fn yes() -> bool {
    true
}

/// The parameters of `execute_task_list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExecuteTaskListParams {
    /// The tasks, in the order they must run: each a prompt, or an object with the prompt and
    /// per-task options. Write each prompt so a fresh session can do it without this
    /// conversation: say what to do, where, and what "done" means. At most 8 MiB per prompt;
    /// put larger material in a file and name the file.
    #[serde(deserialize_with = "tasks_from_json")]
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

/// One task: a prompt, or a prompt with options. Read by [`TaskInput::from_json`], which says
/// which task and which field is wrong (serde's untagged enums only say that nothing matched).
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum TaskInput {
    /// Just the prompt.
    Prompt(String),
    /// The prompt and options.
    Detailed(DetailedTask),
}

/// A task with options.
#[derive(Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedTask {
    /// What the task must do (at most 8 MiB).
    pub prompt: String,
    /// Wall-time limit in whole seconds, 1 to 604800 (7 days; default 3600); the task ends
    /// `timed_out` past it.
    #[serde(default)]
    #[schemars(range(min = 1, max = 604800))]
    pub timeout_s: Option<u64>,
    /// The model, e.g. `sonnet` or `opus` (default: Claude Code's).
    #[serde(default)]
    pub model: Option<String>,
    /// Tool permission rules allowed without asking, in Claude Code's syntax, e.g.
    /// `["Edit", "Bash(cargo test:*)"]`.
    #[serde(default)]
    pub allowed_tools: Vec<String>,
    /// Most agentic turns (at least 1).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_turns: Option<u32>,
}

/// The fields of a task object, for the message about an unknown one.
const TASK_FIELDS: &str = "`prompt`, `timeout_s`, `model`, `allowed_tools`, `max_turns`";

/// `tasks`, read task by task so an error names the task and the field.
fn tasks_from_json<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<TaskInput>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let Value::Array(tasks) = value else {
        return Err(serde::de::Error::custom(format!(
            "`tasks` must be an array of tasks, each a prompt or an object with `prompt`; got {}",
            shown(&value)
        )));
    };
    tasks
        .into_iter()
        .enumerate()
        .map(|(index, task)| {
            TaskInput::from_json(task)
                .map_err(|err| serde::de::Error::custom(format!("task {}: {err}", index + 1)))
        })
        .collect()
}

/// A JSON value as a message shows it: its text, cut short.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

impl TaskInput {
    /// One task from its JSON, or what is wrong with it, in words the caller can act on.
    pub fn from_json(value: Value) -> Result<TaskInput, String> {
        let fields = match value {
            Value::String(prompt) => return Ok(TaskInput::Prompt(prompt)),
            Value::Object(fields) => fields,
            other => {
                return Err(format!(
                    "a task is a prompt (a string) or an object with `prompt`; got {}",
                    shown(&other)
                ));
            }
        };
        let mut task = DetailedTask::default();
        let mut prompt = None;
        for (name, value) in fields {
            match name.as_str() {
                "prompt" => match value {
                    Value::String(text) => prompt = Some(text),
                    other => {
                        return Err(format!("`prompt` must be a string; got {}", shown(&other)));
                    }
                },
                "timeout_s" => {
                    task.timeout_s = match &value {
                        Value::Null => None,
                        _ => Some(
                            value
                                .as_u64()
                                .filter(|seconds| (1..=MAX_TIMEOUT_S).contains(seconds))
                                .ok_or_else(|| {
                                    format!(
                                        "`timeout_s` must be a whole number of seconds from 1 to \
                                         {MAX_TIMEOUT_S} (7 days); got {}",
                                        shown(&value)
                                    )
                                })?,
                        ),
                    }
                }
                "max_turns" => {
                    task.max_turns = match &value {
                        Value::Null => None,
                        _ => Some(
                            value
                                .as_u64()
                                .and_then(|turns| u32::try_from(turns).ok())
                                .filter(|turns| *turns >= 1)
                                .ok_or_else(|| {
                                    format!(
                                        "`max_turns` must be a whole number from 1 to {}; got {}",
                                        u32::MAX,
                                        shown(&value)
                                    )
                                })?,
                        ),
                    }
                }
                "model" => {
                    task.model = match value {
                        Value::Null => None,
                        Value::String(model) => Some(model),
                        other => {
                            return Err(format!(
                                "`model` must be a string such as \"sonnet\"; got {}",
                                shown(&other)
                            ));
                        }
                    }
                }
                "allowed_tools" => {
                    task.allowed_tools = match value {
                        Value::Null => Vec::new(),
                        Value::Array(rules) => rules
                            .into_iter()
                            .map(|rule| match rule {
                                Value::String(rule) => Ok(rule),
                                other => Err(format!(
                                    "`allowed_tools` must be an array of strings such as \
                                     \"Bash(git *)\"; it holds {}",
                                    shown(&other)
                                )),
                            })
                            .collect::<Result<_, _>>()?,
                        other => {
                            return Err(format!(
                                "`allowed_tools` must be an array of strings such as \
                                 [\"Edit\", \"Bash(git *)\"]; got {}",
                                shown(&other)
                            ));
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "unknown field `{other}`; a task object has {TASK_FIELDS}"
                    ));
                }
            }
        }
        task.prompt = prompt.ok_or_else(|| "the task object has no `prompt`".to_owned())?;
        Ok(TaskInput::Detailed(task))
    }

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
        check_task(task).map_err(|err| format!("task {}: {err}", index + 1))?;
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

/// What `claude` could not take from this task, found before anything runs: an empty or
/// oversized prompt, or an option that cannot be an argument (too long, or holding a NUL byte,
/// which no argument can carry).
fn check_task(task: &TaskInput) -> Result<(), String> {
    let (prompt, detail) = match task {
        TaskInput::Prompt(prompt) => (prompt, None),
        TaskInput::Detailed(task) => (&task.prompt, Some(task)),
    };
    if prompt.trim().is_empty() {
        return Err("the prompt is empty".to_owned());
    }
    if prompt.len() > MAX_PROMPT_BYTES {
        return Err(format!(
            "the prompt is {} bytes; at most {MAX_PROMPT_BYTES} (8 MiB) fit, since Claude Code \
             reads at most 10 MB of prompt. Put the large material in a file and name the file \
             in the prompt",
            prompt.len()
        ));
    }
    let Some(task) = detail else {
        return Ok(());
    };
    if let Some(model) = &task.model
        && (model.trim().is_empty() || model.len() > MAX_MODEL_BYTES || model.contains('\0'))
    {
        return Err(format!(
            "`model` must be a model name such as \"sonnet\" (1 to {MAX_MODEL_BYTES} bytes, \
             no NUL); got {} bytes",
            model.len()
        ));
    }
    if task.allowed_tools.iter().any(|rule| rule.contains('\0')) {
        return Err("`allowed_tools` holds a rule with a NUL byte".to_owned());
    }
    let joined = task
        .allowed_tools
        .iter()
        .map(|rule| rule.len() + 1)
        .sum::<usize>();
    if joined > MAX_ALLOWED_TOOLS_BYTES {
        return Err(format!(
            "`allowed_tools` is {joined} bytes in all; at most {MAX_ALLOWED_TOOLS_BYTES} fit in \
             Claude Code's `--allowedTools` argument. Use broader rules such as \"Bash(git *)\""
        ));
    }
    Ok(())
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
            "state": TaskListState::Pending.as_str(),
            "runner_pid": pid,
            "message": format!(
                "Task list {list_id} runs in a background worker (pid {pid}). Follow it with \
                 task_list_status {{\"list_id\": {list_id}}}; cancel_task_list stops it."
            ),
        })),
        Err(err) => {
            if let Ok(mut store) = Store::open(database) {
                let _ = store.end_unfinished_tasks(list_id, TaskStatus::Failed, &err, now_ms());
                let _ =
                    store.finish_task_list(list_id, TaskListState::Failed, Some(&err), now_ms());
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
