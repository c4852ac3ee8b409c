//! `pcc-hooks lists`: the task lists of `execute_task_list` — list them, show one, cancel one,
//! resume one from its first unfinished task (in a detached `pcc-mcp --run-list` worker).

use crate::cli::{ListsArgs, ListsCommand};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::term::emit;
use crate::term::rfc3339;
use pcc_core::paths::DataDir;
use pcc_store::{Store, TaskList, TaskListState, TaskRow, TaskStatus};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs `lists …`.
pub fn run(args: &ListsArgs) -> Result<(), HookError> {
    let database = DataDir::from_env()?.database();
    match &args.command {
        None => list_all(&database, args.json),
        Some(ListsCommand::Show { id, json }) => show(&database, *id, *json || args.json),
        Some(ListsCommand::Cancel { id }) => cancel(&database, *id),
        Some(ListsCommand::Resume { id }) => resume(&database, *id),
    }
}

/// `running` with no live worker reads `interrupted`: resume it. The worker is told alive by the
/// lock it holds (`pcc_store::worker_alive`), which a reused pid does not hold.
pub(crate) fn shown_state(list: &TaskList, database: &Path) -> String {
    match list.state {
        TaskListState::Running if !worker_alive_for(list, database) => "interrupted".to_owned(),
        state => state.as_str().to_owned(),
    }
}

fn worker_alive_for(list: &TaskList, database: &Path) -> bool {
    let root = database.parent().unwrap_or(Path::new("."));
    pcc_store::worker_alive(root, list.id, list.worker_pid)
}

fn list_json(list: &TaskList, database: &Path) -> Value {
    json!({
        "list_id": list.id,
        "state": shown_state(list, database),
        "cwd": list.cwd,
        "created": rfc3339(list.created_ms),
        "updated": rfc3339(list.updated_ms),
        "finished": list.finished_ms.map(rfc3339),
        "runner_pid": list.worker_pid,
        "cancel_requested": list.cancel_requested,
        "tasks_total": list.tasks_total,
        "tasks_finished": list.tasks_finished,
        "tasks_succeeded": list.tasks_succeeded,
        "error": list.error,
    })
}

fn task_json(task: &TaskRow) -> Value {
    json!({
        "task": task.position + 1,
        "prompt": task.prompt,
        "state": task.state.as_str(),
        "status": task.status.map(TaskStatus::as_str),
        "session_id": task.session_id,
        "started": task.started_ms.map(rfc3339),
        "finished": task.finished_ms.map(rfc3339),
        "duration_ms": task.duration_ms,
        "turns": task.turns,
        "cost_usd": task.cost_usd,
        "result": task.result_text,
        "error": task.error,
    })
}

fn list_all(database: &Path, json: bool) -> Result<(), HookError> {
    let lists = match Store::open_existing(database)? {
        Some(store) => store.task_lists(100)?,
        None => Vec::new(),
    };
    if json {
        let value = json!({ "task_lists": lists.iter().map(|list| list_json(list, database)).collect::<Vec<_>>() });
        return emit(&format!("{}\n", pretty(&value)?));
    }
    if lists.is_empty() {
        return emit("no task lists\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5}  {:<12} {:>7}  {:<20}  cwd",
        "id", "state", "tasks", "created"
    );
    for list in &lists {
        let _ = writeln!(
            out,
            "{:>5}  {:<12} {:>3}/{:<3}  {:<20}  {}",
            list.id,
            shown_state(list, database),
            list.tasks_succeeded,
            list.tasks_total,
            rfc3339(list.created_ms)
                .chars()
                .take(19)
                .collect::<String>(),
            list.cwd
        );
    }
    emit(&out)
}

fn show(database: &Path, id: i64, json: bool) -> Result<(), HookError> {
    let Some(store) = Store::open_existing(database)? else {
        return Err(no_such_list(id));
    };
    let Some(list) = store.task_list(id)? else {
        return Err(no_such_list(id));
    };
    let tasks = store.tasks(id)?;
    if json {
        let mut value = list_json(&list, database);
        value["tasks"] = tasks.iter().map(task_json).collect();
        return emit(&format!("{}\n", pretty(&value)?));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "task list {id}: {} ({}/{} succeeded) in {}",
        shown_state(&list, database),
        list.tasks_succeeded,
        list.tasks_total,
        list.cwd
    );
    for task in &tasks {
        let status = task.status.map_or(task.state.as_str(), TaskStatus::as_str);
        let first_line = task.prompt.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "  {:>3}. {:<12} {}",
            task.position + 1,
            status,
            first_line.chars().take(70).collect::<String>()
        );
        if let Some(session) = &task.session_id {
            let _ = writeln!(out, "       session {session}");
        }
        if let Some(error) = &task.error {
            let _ = writeln!(out, "       {}", error.lines().next().unwrap_or(""));
        }
    }
    emit(&out)
}

fn cancel(database: &Path, id: i64) -> Result<(), HookError> {
    let mut store = Store::open(database)?;
    match store.request_task_list_cancel(id, now_ms())? {
        None => Err(no_such_list(id)),
        Some(TaskListState::Running) => emit(&format!(
            "task list {id}: cancel requested; its runner stops it within a second\n"
        )),
        Some(TaskListState::Cancelled) => emit(&format!("task list {id}: cancelled\n")),
        Some(
            state @ (TaskListState::Pending | TaskListState::Succeeded | TaskListState::Failed),
        ) => emit(&format!("task list {id} had already ended ({state})\n")),
    }
}

fn resume(database: &Path, id: i64) -> Result<(), HookError> {
    let mut store = Store::open(database)?;
    let Some(list) = store.task_list(id)? else {
        return Err(no_such_list(id));
    };
    if let (TaskListState::Running, Some(pid)) = (list.state, list.worker_pid)
        && worker_alive_for(&list, database)
    {
        return Err(HookError::new(format!(
            "task list {id} is running (pid {pid}); cancel it first with `pcc-hooks lists cancel {id}`"
        )));
    }
    let Some(from) = store.reopen_task_list(id, now_ms())? else {
        return emit(&format!(
            "task list {id}: every task succeeded; nothing to resume\n"
        ));
    };
    let worker = mcp_program();
    let child = Command::new(&worker)
        .arg("--run-list")
        .arg(id.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|err| {
            HookError::new(format!(
                "cannot start the task list worker `{}`: {err} (set PCC_MCP_BIN to pcc-mcp)",
                worker.display()
            ))
        })?;
    emit(&format!(
        "task list {id}: resumed from task {} in worker pid {}\n",
        from + 1,
        child.id()
    ))
}

/// `$PCC_MCP_BIN`, else `pcc-mcp` beside this executable, else `pcc-mcp` on PATH.
fn mcp_program() -> PathBuf {
    if let Some(bin) = std::env::var_os("PCC_MCP_BIN").filter(|value| !value.is_empty()) {
        return PathBuf::from(bin);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("pcc-mcp")))
        .filter(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("pcc-mcp"))
}

fn no_such_list(id: i64) -> HookError {
    HookError::new(format!(
        "there is no task list {id} (`pcc-hooks lists` shows them)"
    ))
}

fn pretty(value: &Value) -> Result<String, HookError> {
    serde_json::to_string_pretty(value)
        .map_err(|err| HookError::new(format!("cannot encode: {err}")))
}
