//! The perpetual queue from either door: queue tasks for a session or a project, take one off,
//! pause or unpause a session. The `Stop` hook hands the tasks over.

use crate::ControlError;
use crate::sessions::{self, KnownSession};
use crate::time::rfc3339;
use pcc_store::{Added, NewQueueTask, QueueTask, Removal, Store};
use serde::Serialize;
use std::path::Path;

/// Who queued tasks are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One session (known, or a full id still to start).
    Session(KnownSession),
    /// The next session of a project to stop.
    Project(String),
}

impl Target {
    /// The session named by `word` (a prefix of a known id, or a full id never seen yet, assumed
    /// to run in `project_if_new`).
    pub fn session(
        store: &Store,
        word: &str,
        project_if_new: impl FnOnce() -> Result<String, ControlError>,
    ) -> Result<Target, ControlError> {
        let session = match sessions::resolve(store, word) {
            Err(ControlError::NotFound(_))
                if sessions::is_full_session_id(word)
                    && store.sessions_matching(word)?.is_empty() =>
            {
                KnownSession {
                    id: word.to_ascii_lowercase(),
                    project_root: project_if_new()?,
                    state: None,
                }
            }
            resolved => resolved?,
        };
        Ok(Target::Session(session))
    }

    /// The project in `dir`.
    pub fn project(dir: &Path) -> Result<Target, ControlError> {
        project_dir(dir).map(Target::Project)
    }

    /// The tasks `(text, source)` queued for this target.
    pub fn tasks(&self, items: impl IntoIterator<Item = (String, String)>) -> Vec<NewQueueTask> {
        let (session_id, project_root) = match self {
            Target::Session(session) => (Some(session.id.clone()), session.project_root.clone()),
            Target::Project(root) => (None, root.clone()),
        };
        items
            .into_iter()
            .map(|(text, source)| NewQueueTask {
                session_id: session_id.clone(),
                project_root: project_root.clone(),
                text,
                source,
            })
            .collect()
    }
}

/// The project directory as the hooks record it: absolute, symlinks resolved.
pub fn project_dir(dir: &Path) -> Result<String, ControlError> {
    let resolved = std::fs::canonicalize(dir)
        .map_err(|error| ControlError::Invalid(format!("{}: {error}", dir.display())))?;
    if !resolved.is_dir() {
        return Err(ControlError::Invalid(format!(
            "{} is not a directory",
            resolved.display()
        )));
    }
    Ok(resolved.display().to_string())
}

/// One queued task as `add --json` prints it and `POST /api/queue` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedDoc {
    /// The task's id (the earlier one when it was already queued).
    pub id: i64,
    /// The same text was already waiting for the same target.
    pub already_queued: bool,
    /// The task.
    pub text: String,
    /// Its session, or none for the project's next session.
    pub session_id: Option<String>,
    /// Its project.
    pub project_root: String,
}

/// Queues `tasks` in one transaction; one document per task, in order.
pub fn add(
    store: &mut Store,
    tasks: &[NewQueueTask],
    now_ms: i64,
) -> Result<Vec<AddedDoc>, ControlError> {
    if tasks.iter().any(|task| task.text.trim().is_empty()) {
        return Err(ControlError::Invalid("the task is empty".into()));
    }
    let added = store.add_queue_tasks(tasks, now_ms)?;
    Ok(tasks
        .iter()
        .zip(added)
        .map(|(task, added)| AddedDoc {
            id: match added {
                Added::Queued(id) | Added::AlreadyQueued(id) => id,
            },
            already_queued: matches!(added, Added::AlreadyQueued(_)),
            text: task.text.clone(),
            session_id: task.session_id.clone(),
            project_root: task.project_root.clone(),
        })
        .collect())
}

/// Takes task `id` off the queue; the task as it was. An active one is removed too: its
/// session finishes its current turn.
pub fn remove(store: &mut Store, id: i64, now_ms: i64) -> Result<QueueTask, ControlError> {
    match store.remove_queue_task(id, now_ms)? {
        Removal::Removed(task) => Ok(task),
        Removal::NotFound => Err(no_such_task(id)),
        Removal::AlreadyFinished(task) => Err(ControlError::Conflict(format!(
            "task #{id} is already {}; nothing to remove",
            task.state
        ))),
    }
}

/// The error for a task id nobody has.
pub fn no_such_task(id: i64) -> ControlError {
    ControlError::NotFound(format!(
        "no queued task has id {id}; `pcc-hooks queue` lists them"
    ))
}

/// Pauses (or unpauses) the session named by `prefix`: a paused session is handed no queued
/// task.
pub fn set_paused(
    store: &mut Store,
    prefix: &str,
    paused: bool,
    now_ms: i64,
) -> Result<KnownSession, ControlError> {
    let session = sessions::resolve(store, prefix)?;
    if !store.set_paused(&session.id, paused, now_ms)? {
        return Err(ControlError::NotFound(format!(
            "session {} is gone",
            session.id
        )));
    }
    Ok(session)
}

/// One task as `queue --json` prints it and `GET /api/queue` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskDoc {
    /// The task's id.
    pub id: i64,
    /// `pending`, `active`, `done`, `removed`, `escalated`.
    pub state: String,
    /// Its session, or none for the project's next session.
    pub session_id: Option<String>,
    /// Its project.
    pub project_root: String,
    /// The task.
    pub text: String,
    /// `cli`, `api` or `requirements:<file>:<line>`.
    pub source: String,
    /// How often it was handed over.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: String,
    /// When it was last handed over.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
}

impl TaskDoc {
    /// The document of `task`.
    pub fn of(task: &QueueTask) -> TaskDoc {
        TaskDoc {
            id: task.id,
            state: task.state.as_str().to_owned(),
            session_id: task.task.session_id.clone(),
            project_root: task.task.project_root.clone(),
            text: task.task.text.clone(),
            source: task.task.source.clone(),
            attempts: task.attempts,
            created_at: rfc3339(task.created_ms),
            started_at: task.started_ms.map(rfc3339),
            finished_at: task.finished_ms.map(rfc3339),
        }
    }
}
