//! `/queue`: the tasks queued for sessions and projects (`pcc-hooks queue`), a form that queues
//! one (`pcc-hooks add`: `pcc_control::queue::add` for a `Target`), a Remove button on each
//! (`queue remove`: `pcc_control::queue::remove`), and pause or unpause by session id
//! (`pcc_control::queue::set_paused`).

use super::forms::{Failure, Shown, done};
use super::layout::{self, Section, badge, csrf_field, segment, session_link, time};
use crate::api::now_ms;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::html;
use pcc_control::ControlError;
use pcc_control::queue::{self, Target, set_paused};
use serde::Deserialize;

/// `?all=1` shows finished tasks too; `?added=ID` / `?removed=ID` say what a form did.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    all: Option<u8>,
    added: Option<i64>,
    removed: Option<i64>,
}

/// `GET /queue`.
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<QueueQuery>,
) -> Shown {
    let all = query.all == Some(1);
    let (tasks, pending) = state
        .read(move |store| match store {
            Some(store) => Ok((store.queue_tasks(all)?, store.pending_escalation_count()?)),
            None => Ok((Vec::new(), 0)),
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let now = now_ms();
    let notice = match (query.added, query.removed) {
        (Some(id), _) => Some(format!("Task #{id} is queued.")),
        (None, Some(id)) => Some(format!("Task #{id} is off the queue.")),
        (None, None) => None,
    };
    let body = html! {
        (layout::notice(notice))
        section aria-labelledby="add-title" {
            h2 #add-title { "Queue a task" }
            form.stack method="post" action="/queue" {
                (csrf_field(&caller))
                input type="hidden" name="next" value="queue";
                fieldset {
                    legend { "For" }
                    p.check {
                        input #target-session type="radio" name="target" value="session" checked;
                        label for="target-session" { "a session" }
                    }
                    p.check {
                        input #target-project type="radio" name="target" value="project";
                        label for="target-project" { "a project's next session to stop" }
                    }
                }
                label for="add-session" { "Session id (or the start of it)" }
                input #add-session name="session" type="text" autocomplete="off" spellcheck="false";
                label for="add-project" { "Project directory (for a project, or a session not seen yet)" }
                input #add-project name="project" type="text" autocomplete="off" spellcheck="false";
                label for="add-text" { "Task" }
                textarea #add-text name="text" rows="3" required {}
                button type="submit" { "Queue it" }
            }
        }
        section aria-labelledby="tasks-title" {
            h2 #tasks-title { @if all { "Every task" } @else { "Waiting and active" } }
            p { @if all { a href="/queue" { "Show open tasks only" } } @else { a href="/queue?all=1" { "Show finished tasks too" } } }
            @if tasks.is_empty() {
                p.faint { "The queue is empty." }
            } @else {
                div.table-wrap {
                    table.cards {
                        caption.visually-hidden { "Queued tasks, oldest first" }
                        thead { tr {
                            th scope="col" { "#" } th scope="col" { "State" } th scope="col" { "For" }
                            th scope="col" { "Task" } th scope="col" { "Queued" } th scope="col" { "Attempts" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        } }
                        tbody {
                            @for task in &tasks {
                                tr {
                                    td data-label="#" { (task.id) }
                                    td data-label="State" { (badge(task.state.as_str())) }
                                    td data-label="For" {
                                        @match &task.task.session_id {
                                            Some(session) => (session_link(session)),
                                            None => span.path { (task.task.project_root) },
                                        }
                                    }
                                    td data-label="Task" { (task.task.text) }
                                    td data-label="Queued" { (time(task.created_ms, now)) }
                                    td data-label="Attempts" { (task.attempts) }
                                    td data-label="" {
                                        @if task.state.is_open() {
                                            form.inline method="post" action={ "/queue/" (task.id) "/remove" } {
                                                (csrf_field(&caller))
                                                button.deny type="submit" aria-label={ "Remove task #" (task.id) } { "Remove" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="pause-title" {
            h2 #pause-title { "Pause a session" }
            p.faint { "A paused session is handed no queued task until it is unpaused." }
            form.stack method="post" action="/queue/pause" {
                (csrf_field(&caller))
                label for="pause-session" { "Session id (or the start of it)" }
                input #pause-session name="session" type="text" required autocomplete="off" spellcheck="false";
                div.actions {
                    button type="submit" name="paused" value="1" { "Pause" }
                    button type="submit" name="paused" value="0" { "Unpause" }
                }
            }
        }
    };
    Ok(layout::page(&caller, Section::Queue, "Queue", Some(pending), body).into_response())
}

/// The add form's fields.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    /// `session` or `project`.
    target: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    project: String,
    text: String,
    /// `session`: back to the session's page; else the queue.
    #[serde(default)]
    next: String,
}

/// `POST /queue`: queues the task, then shows where it went.
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<AddForm>,
) -> Shown {
    let text = form.text.trim().to_owned();
    let session = form.session.trim().to_owned();
    let project = form.project.trim().to_owned();
    let for_session = form.target != "project";
    let added = state
        .write(move |store| {
            let target = if for_session {
                if session.is_empty() {
                    return Err(ControlError::Invalid(
                        "give the session's id (or choose a project)".into(),
                    )
                    .into());
                }
                Target::session(store, &session, || {
                    if project.is_empty() {
                        Err(ControlError::Invalid(
                            "a session not seen yet needs the project directory it will run in"
                                .into(),
                        ))
                    } else {
                        queue::project_dir(std::path::Path::new(&project))
                    }
                })?
            } else {
                if project.is_empty() {
                    return Err(ApiError::bad_request(
                        "give the project directory (or choose a session)",
                    ));
                }
                Target::project(std::path::Path::new(&project))?
            };
            Ok(queue::add(
                store,
                &target.tasks([(text, "dashboard".to_owned())]),
                now_ms(),
            )?)
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let Some(first) = added.first() else {
        return Err(Failure::from(ApiError::internal(
            "a queued task came back empty",
        )));
    };
    Ok(match (form.next.as_str(), &first.session_id) {
        ("session", Some(session)) => done(&format!("/sessions/{}", segment(session))),
        _ => done(&format!("/queue?added={}", first.id)),
    })
}

/// `POST /queue/{id}/remove`.
pub async fn remove(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Shown {
    let removed = state
        .write(move |store| Ok(queue::remove(store, id, now_ms())?))
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    Ok(done(&format!("/queue?removed={}", removed.id)))
}

/// The pause form's fields.
#[derive(Debug, Deserialize)]
pub struct PauseForm {
    session: String,
    /// `1` pause, `0` unpause.
    paused: String,
}

/// `POST /queue/pause`: pauses or unpauses, then shows the session.
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<PauseForm>,
) -> Shown {
    let paused = form.paused == "1";
    let prefix = form.session.trim().to_owned();
    let session = state
        .write(move |store| Ok(set_paused(store, &prefix, paused, now_ms())?))
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    Ok(done(&format!(
        "/sessions/{}?paused={}",
        segment(&session.id),
        u8::from(paused)
    )))
}
