//! `pcc-hooks add`, `queue`, `queue remove`, `pause`, `unpause`: the perpetual queue from the
//! command line. What they do is `pcc_control::queue` (the server's queue routes call the same);
//! this file parses the arguments and prints. The `Stop` hook hands the tasks over (see
//! `hook/stop.rs`).

use crate::cli::{AddArgs, ColorChoice, QueueArgs, QueueCommand, SessionArgs};
use crate::clock::now_ms;
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::{Palette, ago, emit};
use pcc_control::queue::{self as control, AddedDoc, Target, TaskDoc};
use pcc_core::bridge::task_queue::unchecked_items;
use pcc_core::paths::DataDir;
use pcc_core::session_state::SessionState;
use pcc_store::{QueueTaskState, Store};
use std::fmt::Write as _;
use std::path::Path;

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
        (Some(dir), None) => Target::project(dir)?,
        // A full session id never seen yet: a session still to start (`claude --session-id
        // ID`), assumed to run in the current directory.
        (None, Some(session)) => {
            Target::session(&store, session, || control::project_dir(Path::new(".")))?
        }
        (None, None) => Target::project(Path::new("."))?,
    };
    let items: Vec<(String, String)> = match (&args.requirements, task_text) {
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
                .map(|item| {
                    let source = format!("requirements:{}:{}", file.display(), item.line);
                    (item.text, source)
                })
                .collect()
        }
        (None, Some(text)) if !text.trim().is_empty() => {
            vec![(text.trim().to_owned(), "cli".to_owned())]
        }
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
    let added: Vec<AddedDoc> = control::add(&mut store, &target.tasks(items), now_ms())?;
    if args.json {
        let text = serde_json::to_string_pretty(&added)
            .map_err(|error| HookError::new(format!("cannot encode the tasks: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let whom = match &target {
        Target::Session(session) => format!("session {}", short_id(&session.id)),
        Target::Project(root) => format!("the next session in {root}"),
    };
    let mut out = String::new();
    for task in &added {
        let (id, text) = (task.id, first_line(&task.text));
        let _ = if task.already_queued {
            writeln!(out, "already queued as #{id}: {text}")
        } else {
            writeln!(out, "queued #{id} for {whom}: {text}")
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

/// Lists the queue, or takes a task off it.
pub fn queue(args: &QueueArgs, color: ColorChoice) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    if let Some(QueueCommand::Remove { id }) = &args.command {
        let mut store =
            Store::open_existing(&data.database())?.ok_or_else(|| control::no_such_task(*id))?;
        let task = control::remove(&mut store, *id, now_ms())?;
        return emit(&format!(
            "removed #{id}: {}{}\n",
            first_line(&task.task.text),
            if task.state == QueueTaskState::Active {
                " (it was being worked on; the session finishes its current turn)"
            } else {
                ""
            }
        ));
    }
    let tasks = match Store::open_existing(&data.database())? {
        Some(store) => store.queue_tasks(args.all)?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<TaskDoc> = tasks.iter().map(TaskDoc::of).collect();
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

/// Pauses or unpauses a session's queue.
pub fn pause(args: &SessionArgs, paused: bool) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let mut store = Store::open_existing(&data.database())?
        .ok_or_else(|| HookError::new(format!("no session matches '{}'", args.session)))?;
    let session = control::set_paused(&mut store, &args.session, paused, now_ms())?;
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
