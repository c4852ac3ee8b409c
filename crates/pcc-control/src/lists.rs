//! Task lists of `execute_task_list` from either door: their documents, submitting one (a
//! webhook's `task_list` rule), cancelling one, and resuming one from its first unfinished task,
//! each run by a detached `pcc-mcp --run-list` worker.

use crate::ControlError;
use crate::time::rfc3339;
use pcc_store::{NewTask, NewTaskList, Store, TaskList, TaskListState, TaskRow, TaskStatus};
use serde::Serialize;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// Most bytes of one task's prompt, as `execute_task_list` allows (Claude Code reads at most
/// 10 MB of prompt, and a task is also told the earlier results).
pub const MAX_PROMPT_BYTES: usize = 8 * 1024 * 1024;

/// The options `execute_task_list` gives a list by default: stop at the first task that does not
/// succeed, each task told a summary of the earlier results.
const DEFAULT_LIST_OPTIONS: &str = r#"{"stop_on_failure":true,"context":"summary"}"#;

/// `running` with no live worker reads `interrupted`: resume it. The worker is told alive by the
/// lock it holds (`pcc_store::worker_alive`), which a reused pid does not hold.
pub fn shown_state(list: &TaskList, database: &Path) -> String {
    match list.state {
        TaskListState::Running if !worker_alive(list, database) => "interrupted".to_owned(),
        state => state.as_str().to_owned(),
    }
}

fn worker_alive(list: &TaskList, database: &Path) -> bool {
    let root = database.parent().unwrap_or(Path::new("."));
    pcc_store::worker_alive(root, list.id, list.worker_pid)
}

/// Every list, as `lists --json` prints it and `GET /api/lists` returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListsDoc {
    /// The lists, newest first.
    pub task_lists: Vec<ListDoc>,
}

/// One list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListDoc {
    /// Its id.
    pub list_id: i64,
    /// Its state (`interrupted` when its worker died).
    pub state: String,
    /// Where its tasks run.
    pub cwd: String,
    /// When it was submitted.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// When it ended.
    pub finished: Option<String>,
    /// Its worker's pid.
    pub runner_pid: Option<i64>,
    /// Whether a cancel was asked for.
    pub cancel_requested: bool,
    /// Tasks in all.
    pub tasks_total: i64,
    /// Tasks that ended.
    pub tasks_finished: i64,
    /// Tasks that succeeded.
    pub tasks_succeeded: i64,
    /// Why it failed.
    pub error: Option<String>,
}

impl ListDoc {
    /// The document of `list` in `database`.
    pub fn of(list: &TaskList, database: &Path) -> ListDoc {
        ListDoc {
            list_id: list.id,
            state: shown_state(list, database),
            cwd: list.cwd.clone(),
            created: rfc3339(list.created_ms),
            updated: rfc3339(list.updated_ms),
            finished: list.finished_ms.map(rfc3339),
            runner_pid: list.worker_pid,
            cancel_requested: list.cancel_requested,
            tasks_total: list.tasks_total,
            tasks_finished: list.tasks_finished,
            tasks_succeeded: list.tasks_succeeded,
            error: list.error.clone(),
        }
    }
}

/// One list with its tasks, as `lists show --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListDetailDoc {
    /// The list.
    #[serde(flatten)]
    pub list: ListDoc,
    /// Its tasks, in order.
    pub tasks: Vec<ListTaskDoc>,
}

/// One task of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListTaskDoc {
    /// Its place, from 1.
    pub task: i64,
    /// Its prompt.
    pub prompt: String,
    /// `pending`, `running`, `done`.
    pub state: String,
    /// How it ended.
    pub status: Option<String>,
    /// The `claude` session that ran it.
    pub session_id: Option<String>,
    /// When it started.
    pub started: Option<String>,
    /// When it ended.
    pub finished: Option<String>,
    /// How long it ran.
    pub duration_ms: Option<i64>,
    /// Its turns.
    pub turns: Option<i64>,
    /// What it cost.
    pub cost_usd: Option<f64>,
    /// Its result text.
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

impl ListTaskDoc {
    /// The document of `task`.
    pub fn of(task: &TaskRow) -> ListTaskDoc {
        ListTaskDoc {
            task: task.position + 1,
            prompt: task.prompt.clone(),
            state: task.state.as_str().to_owned(),
            status: task
                .status
                .map(|status| TaskStatus::as_str(status).to_owned()),
            session_id: task.session_id.clone(),
            started: task.started_ms.map(rfc3339),
            finished: task.finished_ms.map(rfc3339),
            duration_ms: task.duration_ms,
            turns: task.turns,
            cost_usd: task.cost_usd,
            result: task.result_text.clone(),
            error: task.error.clone(),
        }
    }
}

/// The lists of `database` (none when it does not exist yet).
pub fn all(database: &Path) -> Result<ListsDoc, ControlError> {
    let lists = match Store::open_existing(database)? {
        Some(store) => store.task_lists(100)?,
        None => Vec::new(),
    };
    Ok(ListsDoc {
        task_lists: lists
            .iter()
            .map(|list| ListDoc::of(list, database))
            .collect(),
    })
}

/// List `id` with its tasks.
pub fn detail(database: &Path, id: i64) -> Result<ListDetailDoc, ControlError> {
    let Some(store) = Store::open_existing(database)? else {
        return Err(no_such_list(id));
    };
    let Some(list) = store.task_list(id)? else {
        return Err(no_such_list(id));
    };
    Ok(ListDetailDoc {
        list: ListDoc::of(&list, database),
        tasks: store.tasks(id)?.iter().map(ListTaskDoc::of).collect(),
    })
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// Its worker stops it within a second.
    Requested,
    /// It had not started: cancelled at once.
    Cancelled,
    /// It had already ended, in this state.
    AlreadyEnded(TaskListState),
}

impl Cancelled {
    /// The outcome's name in the API: `requested`, `cancelled`, `already_ended`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cancelled::Requested => "requested",
            Cancelled::Cancelled => "cancelled",
            Cancelled::AlreadyEnded(_) => "already_ended",
        }
    }

    /// In words, for list `id`.
    pub fn describe(self, id: i64) -> String {
        match self {
            Cancelled::Requested => {
                format!("task list {id}: cancel requested; its runner stops it within a second")
            }
            Cancelled::Cancelled => format!("task list {id}: cancelled"),
            Cancelled::AlreadyEnded(state) => format!("task list {id} had already ended ({state})"),
        }
    }
}

/// Asks list `id` to stop.
pub fn cancel(database: &Path, id: i64, now_ms: i64) -> Result<Cancelled, ControlError> {
    let mut store = Store::open(database)?;
    match store.request_task_list_cancel(id, now_ms)? {
        None => Err(no_such_list(id)),
        Some(TaskListState::Running) => Ok(Cancelled::Requested),
        Some(TaskListState::Cancelled) => Ok(Cancelled::Cancelled),
        Some(
            state @ (TaskListState::Pending | TaskListState::Succeeded | TaskListState::Failed),
        ) => Ok(Cancelled::AlreadyEnded(state)),
    }
}

/// What a resume did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resumed {
    /// The first task run again, from 1; `None` when every task had succeeded.
    pub from_task: Option<i64>,
    /// The worker's pid.
    pub worker_pid: Option<u32>,
}

/// Resumes list `id` from its first unfinished task in a detached `worker --run-list ID`.
pub fn resume(
    database: &Path,
    id: i64,
    worker: &Path,
    now_ms: i64,
) -> Result<Resumed, ControlError> {
    let mut store = Store::open(database)?;
    let Some(list) = store.task_list(id)? else {
        return Err(no_such_list(id));
    };
    if let (TaskListState::Running, Some(pid)) = (list.state, list.worker_pid)
        && worker_alive(&list, database)
    {
        return Err(ControlError::Conflict(format!(
            "task list {id} is running (pid {pid}); cancel it first with `pcc-hooks lists cancel {id}`"
        )));
    }
    let Some(from) = store.reopen_task_list(id, now_ms)? else {
        return Ok(Resumed {
            from_task: None,
            worker_pid: None,
        });
    };
    Ok(Resumed {
        from_task: Some(from + 1),
        worker_pid: Some(spawn_worker(database, id, worker)?),
    })
}

/// A list just submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Submitted {
    /// Its id.
    pub list_id: i64,
    /// Its worker's pid.
    pub worker_pid: u32,
}

/// Submits `prompts` as one list run in `cwd`, as `execute_task_list` does with `wait: false`:
/// checked (a prompt with words in it and within [`MAX_PROMPT_BYTES`], an absolute directory),
/// stored `pending` with the tool's default options, and handed to a detached
/// `worker --run-list ID`. A worker that cannot start fails the list, saying why.
pub fn submit(
    database: &Path,
    cwd: &Path,
    prompts: &[String],
    worker: &Path,
    now_ms: i64,
) -> Result<Submitted, ControlError> {
    if prompts.is_empty() {
        return Err(ControlError::Invalid(
            "a task list needs at least one task".into(),
        ));
    }
    for (index, prompt) in prompts.iter().enumerate() {
        if prompt.trim().is_empty() {
            return Err(ControlError::Invalid(format!(
                "task {}: the prompt is empty",
                index + 1
            )));
        }
        if prompt.len() > MAX_PROMPT_BYTES {
            return Err(ControlError::Invalid(format!(
                "task {}: the prompt is {} bytes; at most {MAX_PROMPT_BYTES} (8 MiB) fit",
                index + 1,
                prompt.len()
            )));
        }
    }
    if !cwd.is_absolute() || !cwd.is_dir() {
        return Err(ControlError::Invalid(format!(
            "{} is not an absolute path of a directory: the tasks run there",
            cwd.display()
        )));
    }
    let mut store = Store::open(database)?;
    let list_id = store.create_task_list(
        &NewTaskList {
            cwd: cwd.display().to_string(),
            options: DEFAULT_LIST_OPTIONS.to_owned(),
            tasks: prompts
                .iter()
                .map(|prompt| NewTask {
                    prompt: prompt.clone(),
                    options: "{}".to_owned(),
                })
                .collect(),
        },
        now_ms,
    )?;
    match spawn_worker(database, list_id, worker) {
        Ok(worker_pid) => Ok(Submitted {
            list_id,
            worker_pid,
        }),
        Err(error) => {
            let reason = error.to_string();
            store.end_unfinished_tasks(list_id, TaskStatus::Failed, &reason, now_ms)?;
            store.finish_task_list(list_id, TaskListState::Failed, Some(&reason), now_ms)?;
            Err(error)
        }
    }
}

/// Starts `worker --run-list ID` in its own process group (it outlives the caller), stdin and
/// stdout closed, stderr appended to `<data>/logs/pcc-mcp-worker.log` as the MCP server's
/// workers do; a thread reaps it, so a long-lived caller (the server) keeps no zombie.
fn spawn_worker(database: &Path, id: i64, worker: &Path) -> Result<u32, ControlError> {
    let data = pcc_core::paths::DataDir::at(database.parent().unwrap_or(Path::new(".")));
    let stderr = pcc_store::private::open_file(
        &data.logs().join("pcc-mcp-worker.log"),
        pcc_store::private::Access::Append,
    )
    .map_or_else(|_| Stdio::null(), |(file, _)| Stdio::from(file));
    let mut child = Command::new(worker)
        .arg("--run-list")
        .arg(id.to_string())
        .env(pcc_core::paths::PCC_HOME_ENV, data.root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .map_err(|err| {
            ControlError::Spawn(format!(
                "cannot start the task list worker `{}`: {err} (set PCC_MCP_BIN to pcc-mcp)",
                worker.display()
            ))
        })?;
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(pid)
}

/// The error for a list id nobody has.
pub fn no_such_list(id: i64) -> ControlError {
    ControlError::NotFound(format!(
        "there is no task list {id} (`pcc-hooks lists` shows them)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_that_could_not_run_is_refused_before_anything_is_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = dir.path().join("pcc.db");
        let worker = Path::new("pcc-mcp");
        for (cwd, prompts, expected) in [
            (dir.path(), vec![], "at least one task"),
            (
                dir.path(),
                vec![" \n".to_owned()],
                "task 1: the prompt is empty",
            ),
            (
                Path::new("relative"),
                vec!["x".to_owned()],
                "not an absolute path",
            ),
        ] {
            let error = submit(&database, cwd, &prompts, worker, 1).expect_err(expected);
            assert!(error.to_string().contains(expected), "{error}");
        }
        assert!(!database.exists(), "nothing was stored");
    }

    #[test]
    fn a_list_whose_worker_cannot_start_is_failed_saying_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = dir.path().join("pcc.db");
        let missing = dir.path().join("no-such-pcc-mcp");
        let error = submit(&database, dir.path(), &["Fix it".to_owned()], &missing, 1)
            .expect_err("no worker");
        assert!(error.to_string().contains("PCC_MCP_BIN"), "{error}");
        let lists = all(&database).expect("lists").task_lists;
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].state, "failed");
        assert!(
            lists[0]
                .error
                .as_deref()
                .is_some_and(|error| error.contains("cannot start the task list worker")),
            "{:?}",
            lists[0].error
        );
    }
}
