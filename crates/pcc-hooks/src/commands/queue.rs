//! `pcc-hooks add`, `queue`, `queue remove`, `pause`, `unpause`: the perpetual queue from the
//! command line. The `Stop` hook hands the tasks over (see `hook/stop.rs`).

use crate::cli::{AddArgs, ColorChoice, QueueArgs, QueueCommand, SessionArgs};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::session_lookup::{self, KnownSession, short_id};
use crate::term::{Palette, ago, emit, rfc3339};
use pcc_core::bridge::task_queue::unchecked_items;
use pcc_core::paths::DataDir;
use pcc_core::session_state::SessionState;
use pcc_store::{Added, NewQueueTask, QueueTask, QueueTaskState, Removal, Store};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Who the tasks are for.
enum Target {
    Session(KnownSession),
    Project(String),
}

/// Queues one task, or every unchecked item of a requirements file.
pub fn add(args: &AddArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let mut store = Store::open(&data.database())?;
    let (session_word, task_text) = split_words(args)?;
    let target = match (&args.project, session_word) {
        (Some(_), Some(_)) => {
            return Err(HookError::new(
                "give either a session or --project, not both",
            ));
        }
        (Some(dir), None) => Target::Project(project_dir(dir)?),
        (None, Some(session)) => Target::Session(session_or_future(&store, session)?),
        (None, None) => Target::Project(project_dir(Path::new("."))?),
    };
    let (session_id, project_root) = match &target {
        Target::Session(session) => (Some(session.id.clone()), session.project_root.clone()),
        Target::Project(root) => (None, root.clone()),
    };
    let tasks: Vec<NewQueueTask> = match (&args.requirements, task_text) {
        (Some(file), None) => {
            let text = std::fs::read_to_string(file).map_err(|error| {
                HookError::new(format!("cannot read {}: {error}", file.display()))
            })?;
            let items = unchecked_items(&text);
            if items.is_empty() {
                return Err(HookError::new(format!(
                    "{} has no unchecked `- [ ]` item: nothing to queue",
                    file.display()
                )));
            }
            items
                .into_iter()
                .map(|item| NewQueueTask {
                    session_id: session_id.clone(),
                    project_root: project_root.clone(),
                    text: item.text,
                    source: format!("requirements:{}:{}", file.display(), item.line),
                })
                .collect()
        }
        (None, Some(text)) if !text.trim().is_empty() => vec![NewQueueTask {
            session_id: session_id.clone(),
            project_root: project_root.clone(),
            text: text.trim().to_owned(),
            source: "cli".into(),
        }],
        (None, Some(_)) => return Err(HookError::new("the task is empty")),
        (Some(_), Some(_)) => {
            return Err(HookError::new(
                "give either a task or --requirements, not both",
            ));
        }
        (None, None) => {
            return Err(HookError::new(
                "what should be queued? `pcc-hooks add SESSION 'task'`, `add --project DIR 'task'` \
                 or `add --requirements FILE`",
            ));
        }
    };
    let now = now_ms();
    let added = store.add_queue_tasks(&tasks, now)?;
    if args.json {
        let rows: Vec<AddedJson<'_>> = tasks
            .iter()
            .zip(&added)
            .map(|(task, added)| AddedJson {
                id: match added {
                    Added::Queued(id) | Added::AlreadyQueued(id) => *id,
                },
                already_queued: matches!(added, Added::AlreadyQueued(_)),
                text: &task.text,
                session_id: task.session_id.as_deref(),
                project_root: &task.project_root,
            })
            .collect();
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|error| HookError::new(format!("cannot encode the tasks: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let whom = match &target {
        Target::Session(session) => format!("session {}", short_id(&session.id)),
        Target::Project(root) => format!("the next session in {root}"),
    };
    let mut out = String::new();
    for (task, added) in tasks.iter().zip(&added) {
        let _ = match added {
            Added::Queued(id) => {
                writeln!(out, "queued #{id} for {whom}: {}", first_line(&task.text))
            }
            Added::AlreadyQueued(id) => {
                writeln!(out, "already queued as #{id}: {}", first_line(&task.text))
            }
        };
    }
    if let Target::Session(session) = &target
        && session.state.is_none()
    {
        let _ = writeln!(
            out,
            "note: session {} has not been seen yet; its tasks wait for it to start",
            session.id
        );
    }
    if let Target::Session(session) = &target
        && session.state == Some(SessionState::Ended)
    {
        let _ = writeln!(
            out,
            "note: session {} has ended; its tasks are handed over when it runs again \
             (`claude --resume {}`)",
            short_id(&session.id),
            session.id
        );
    }
    emit(&out)
}

#[derive(Serialize)]
struct AddedJson<'a> {
    id: i64,
    already_queued: bool,
    text: &'a str,
    session_id: Option<&'a str>,
    project_root: &'a str,
}

/// A known session, or — given a full session id never seen yet — a session still to start
/// (`claude --session-id ID`), assumed to run in the current directory.
fn session_or_future(store: &Store, word: &str) -> Result<KnownSession, HookError> {
    match session_lookup::resolve(store, word) {
        Err(_)
            if session_lookup::is_full_session_id(word)
                && store.sessions_matching(word)?.is_empty() =>
        {
            Ok(KnownSession {
                id: word.to_ascii_lowercase(),
                project_root: project_dir(Path::new("."))?,
                state: None,
            })
        }
        resolved => resolved,
    }
}

/// `(session, task)` from the positional words, by what else was given.
fn split_words(args: &AddArgs) -> Result<(Option<&str>, Option<&str>), HookError> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match (
        words.as_slice(),
        args.project.is_some(),
        args.requirements.is_some(),
    ) {
        ([], _, _) => Ok((None, None)),
        ([session, task], false, false) => Ok((Some(session), Some(task))),
        ([task], true, false) => Ok((None, Some(task))),
        ([session], false, true) => Ok((Some(session), None)),
        ([_], false, false) => Err(HookError::new(
            "a task needs a target: `pcc-hooks add SESSION 'task'` or `add --project DIR 'task'`",
        )),
        _ => Err(HookError::new(
            "too many arguments: `add SESSION 'task'`, `add --project DIR 'task'`, \
             `add --requirements FILE [SESSION]` (quote a task that has spaces)",
        )),
    }
}

/// The project directory as the hooks record it: absolute, symlinks resolved.
fn project_dir(dir: &Path) -> Result<String, HookError> {
    let resolved = std::fs::canonicalize(dir)
        .map_err(|error| HookError::new(format!("{}: {error}", dir.display())))?;
    if !resolved.is_dir() {
        return Err(HookError::new(format!(
            "{} is not a directory",
            resolved.display()
        )));
    }
    Ok(resolved.display().to_string())
}

/// One task as `queue --json` prints it.
#[derive(Serialize)]
struct TaskJson<'a> {
    id: i64,
    state: &'a str,
    session_id: Option<&'a str>,
    project_root: &'a str,
    text: &'a str,
    source: &'a str,
    attempts: i64,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
}

/// Lists the queue, or takes a task off it.
pub fn queue(args: &QueueArgs, color: ColorChoice) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    if let Some(QueueCommand::Remove { id }) = &args.command {
        let mut store = Store::open_existing(&data.database())?
            .ok_or_else(|| HookError::new(format!("no queued task has id {id}")))?;
        let now = now_ms();
        return match store.remove_queue_task(*id, now)? {
            Removal::Removed(task) => emit(&format!(
                "removed #{id}: {}{}\n",
                first_line(&task.task.text),
                if task.state == QueueTaskState::Active {
                    " (it was being worked on; the session finishes its current turn)"
                } else {
                    ""
                }
            )),
            Removal::NotFound => Err(HookError::new(format!(
                "no queued task has id {id}; `pcc-hooks queue` lists them"
            ))),
            Removal::AlreadyFinished(task) => Err(HookError::new(format!(
                "task #{id} is already {}; nothing to remove",
                task.state
            ))),
        };
    }
    let tasks = match Store::open_existing(&data.database())? {
        Some(store) => store.queue_tasks(args.all)?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<TaskJson<'_>> = tasks.iter().map(task_json).collect();
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|error| HookError::new(format!("cannot encode the queue: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    if tasks.is_empty() {
        return emit("the queue is empty\n");
    }
    let palette = Palette::for_stdout(color);
    let now = now_ms();
    let mut out = String::new();
    for task in &tasks {
        let name = task.state.as_str();
        let state = match task.state {
            QueueTaskState::Active => palette.green(name),
            QueueTaskState::Pending => name.to_owned(),
            QueueTaskState::Escalated => palette.red(name),
            QueueTaskState::Done | QueueTaskState::Removed => palette.dim(name),
        };
        let whom = task.task.session_id.as_deref().map_or_else(
            || format!("project {}", task.task.project_root),
            |id| format!("session {}", short_id(id)),
        );
        let _ = writeln!(
            out,
            "#{:<4} {state:<9} {whom} · queued {} ago{}",
            task.id,
            ago(now - task.created_ms),
            if task.attempts > 1 {
                format!(" · attempt {}", task.attempts)
            } else {
                String::new()
            }
        );
        for line in task.task.text.lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    emit(&out)
}

fn task_json(task: &QueueTask) -> TaskJson<'_> {
    TaskJson {
        id: task.id,
        state: task.state.as_str(),
        session_id: task.task.session_id.as_deref(),
        project_root: &task.task.project_root,
        text: &task.task.text,
        source: &task.task.source,
        attempts: task.attempts,
        created_at: rfc3339(task.created_ms),
        started_at: task.started_ms.map(rfc3339),
        finished_at: task.finished_ms.map(rfc3339),
    }
}

/// Pauses or unpauses a session's queue.
pub fn pause(args: &SessionArgs, paused: bool) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let mut store = Store::open_existing(&data.database())?
        .ok_or_else(|| HookError::new(format!("no session matches '{}'", args.session)))?;
    let session = session_lookup::resolve(&store, &args.session)?;
    let now = now_ms();
    if !store.set_paused(&session.id, paused, now)? {
        return Err(HookError::new(format!("session {} is gone", session.id)));
    }
    emit(&if paused {
        format!(
            "paused {}: it is handed no queued task until `pcc-hooks unpause {}`\n",
            session.id,
            short_id(&session.id)
        )
    } else {
        format!(
            "unpaused {}: queued tasks are handed to it again\n",
            session.id
        )
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
