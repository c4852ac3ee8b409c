//! The queue: `GET /api/queue[?all=true]` (`queue --json`), `POST /api/queue` with
//! `{"session": "3f2a", "text": "…"}` or `{"project": "/dir", "text": "…"}` (`add --json`),
//! `DELETE /api/queue/{id}` (`queue remove`). `project` goes with a session only when that is a
//! full session id never seen yet (the session will run there), as `add` assumes the current
//! directory.

use super::{JsonOrForm, now_ms};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use pcc_control::ControlError;
use pcc_control::queue::{self, AddedDoc, Target, TaskDoc};
use serde::Deserialize;

/// `?all=true`: finished tasks too.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    /// Include done, removed and escalated tasks.
    #[serde(default)]
    pub all: bool,
}

/// `GET /api/queue`.
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<QueueQuery>,
) -> Result<Json<Vec<TaskDoc>>, ApiError> {
    let tasks = state
        .read(move |store| match store {
            Some(store) => Ok(store.queue_tasks(query.all)?),
            None => Ok(Vec::new()),
        })
        .await?;
    Ok(Json(tasks.iter().map(TaskDoc::of).collect()))
}

/// The body of `POST /api/queue`.
#[derive(Debug, Deserialize)]
pub struct AddBody {
    /// A session (a prefix of its id).
    pub session: Option<String>,
    /// A project directory on this machine: its next session to stop takes the task.
    pub project: Option<String>,
    /// The task.
    pub text: String,
}

/// `POST /api/queue`: 201 with the queued task.
pub async fn add(
    State(state): State<AppState>,
    JsonOrForm(body): JsonOrForm<AddBody>,
) -> Result<(StatusCode, Json<Vec<AddedDoc>>), ApiError> {
    let text = body.text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::bad_request("the task is empty"));
    }
    let session = body.session.filter(|session| !session.trim().is_empty());
    let project = body.project.filter(|project| !project.trim().is_empty());
    let added = state
        .write(move |store| {
            let target = target(store, session, project)?;
            Ok(queue::add(
                store,
                &target.tasks([(text, "api".to_owned())]),
                now_ms(),
            )?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Whom the task is for: the session named (with `project` only for a session not seen yet), or
/// the project.
fn target(
    store: &pcc_store::Store,
    session: Option<String>,
    project: Option<String>,
) -> Result<Target, ControlError> {
    match (session, project) {
        (None, None) => Err(ControlError::Invalid(
            "whom is the task for? give a session or a project".into(),
        )),
        (None, Some(project)) => Target::project(std::path::Path::new(&project)),
        (Some(session), project) => Target::session(store, session.trim(), || {
            let dir = project.ok_or_else(|| {
                ControlError::Invalid("a session not seen yet needs a project to run in".into())
            })?;
            queue::project_dir(std::path::Path::new(&dir))
        }),
    }
}

/// `DELETE /api/queue/{id}`: the task as it was.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TaskDoc>, ApiError> {
    let removed = state
        .write(move |store| Ok(queue::remove(store, id, now_ms())?))
        .await?;
    Ok(Json(TaskDoc::of(&removed)))
}
