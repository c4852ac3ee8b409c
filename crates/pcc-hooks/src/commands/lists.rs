//! `pcc-hooks lists`: the task lists of `execute_task_list` — list them, show one, cancel one,
//! resume one from its first unfinished task (in a detached `pcc-mcp --run-list` worker). What
//! each does and the documents are `pcc_control::lists`, which the server calls too.

use crate::cli::{ListsArgs, ListsCommand};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::term::emit;
use pcc_control::lists::{self as control, ListsDoc};
use pcc_core::paths::DataDir;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

pub(crate) use pcc_control::lists::shown_state;

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

fn list_all(database: &Path, json: bool) -> Result<(), HookError> {
    let doc: ListsDoc = control::all(database)?;
    if json {
        return emit(&format!("{}\n", pretty(&doc)?));
    }
    if doc.task_lists.is_empty() {
        return emit("no task lists\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5}  {:<12} {:>7}  {:<20}  cwd",
        "id", "state", "tasks", "created"
    );
    for list in &doc.task_lists {
        let _ = writeln!(
            out,
            "{:>5}  {:<12} {:>3}/{:<3}  {:<20}  {}",
            list.list_id,
            list.state,
            list.tasks_succeeded,
            list.tasks_total,
            list.created.chars().take(19).collect::<String>(),
            list.cwd
        );
    }
    emit(&out)
}

fn show(database: &Path, id: i64, json: bool) -> Result<(), HookError> {
    let doc = control::detail(database, id)?;
    if json {
        return emit(&format!("{}\n", pretty(&doc)?));
    }
    let list = &doc.list;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "task list {id}: {} ({}/{} succeeded) in {}",
        list.state, list.tasks_succeeded, list.tasks_total, list.cwd
    );
    for task in &doc.tasks {
        let status = task.status.as_deref().unwrap_or(&task.state);
        let first_line = task.prompt.lines().next().unwrap_or("");
        let _ = writeln!(
            out,
            "  {:>3}. {:<12} {}",
            task.task,
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
    let cancelled = control::cancel(database, id, now_ms())?;
    emit(&format!("{}\n", cancelled.describe(id)))
}

fn resume(database: &Path, id: i64) -> Result<(), HookError> {
    let worker = pcc_control::programs::mcp_program();
    let resumed = control::resume(database, id, &worker, now_ms())?;
    match (resumed.from_task, resumed.worker_pid) {
        (Some(from), Some(pid)) => emit(&format!(
            "task list {id}: resumed from task {from} in worker pid {pid}\n"
        )),
        _ => emit(&format!(
            "task list {id}: every task succeeded; nothing to resume\n"
        )),
    }
}

fn pretty(value: &impl Serialize) -> Result<String, HookError> {
    serde_json::to_string_pretty(value)
        .map_err(|err| HookError::new(format!("cannot encode: {err}")))
}
