//! `/lists` and `/lists/{id}`: the task lists of `execute_task_list` with their progress, each
//! task's result and verification (a task succeeds only when its final message carried the
//! run's nonce; one without it is `unverified`), and Cancel and Resume, through
//! `pcc_control::lists` as `pcc-hooks lists cancel` and `lists resume`.

use super::forms::{Failure, Shown, blocking, done};
use super::layout::{self, Section, badge, csrf_field, session_link};
use crate::api::now_ms;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::{Markup, html};
use pcc_control::lists::{self, ListDoc, ListTaskDoc};
use serde::Deserialize;

/// `GET /lists`.
pub async fn page(State(state): State<AppState>, caller: Caller) -> Shown {
    let database = state.data().database();
    let (doc, pending) = blocking(move || {
        let doc = lists::all(&database)?;
        Ok((doc, pending_count(&database)?))
    })
    .await
    .map_err(|failure| failure.shown_to(&caller))?;
    let body = html! {
        @if doc.task_lists.is_empty() {
            p.faint { "No task list has been submitted (the MCP tool " code { "execute_task_list" } " submits them)." }
        } @else {
            div.table-wrap {
                table.cards {
                    caption.visually-hidden { "Task lists, newest first" }
                    thead { tr {
                        th scope="col" { "List" } th scope="col" { "State" } th scope="col" { "Progress" }
                        th scope="col" { "Directory" } th scope="col" { "Updated" }
                    } }
                    tbody {
                        @for list in &doc.task_lists {
                            tr {
                                td data-label="List" { a href={ "/lists/" (list.list_id) } { "#" (list.list_id) } }
                                td data-label="State" { (badge(&list.state)) }
                                td data-label="Progress" { (progress(list)) }
                                td data-label="Directory" .path { (list.cwd) }
                                td data-label="Updated" { (list.updated) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&caller, Section::Lists, "Task lists", Some(pending), body).into_response())
}

fn pending_count(database: &std::path::Path) -> Result<i64, Failure> {
    Ok(match pcc_store::Store::open_existing(database)? {
        Some(store) => store.pending_escalation_count()?,
        None => 0,
    })
}

/// "3 of 5 done, 2 succeeded", with a progress bar.
fn progress(list: &ListDoc) -> Markup {
    html! {
        progress value=(list.tasks_finished) max=(list.tasks_total.max(1))
            aria-label={ "List " (list.list_id) " progress" } {}
        " " (list.tasks_finished) " of " (list.tasks_total) " done, "
        (list.tasks_succeeded) " succeeded"
    }
}

/// `?did=...`: what a form just did.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    did: Option<String>,
}

/// `GET /lists/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> Shown {
    let database = state.data().database();
    let (doc, pending) = blocking(move || {
        let doc = lists::detail(&database, id)?;
        Ok((doc, pending_count(&database)?))
    })
    .await
    .map_err(|failure| failure.shown_to(&caller))?;
    let notice = match query.did.as_deref() {
        Some("requested") => {
            Some("Cancel requested: its runner stops it within a second.".to_owned())
        }
        Some("cancelled") => Some("Cancelled.".to_owned()),
        Some("already_ended") => Some("It had already ended.".to_owned()),
        Some("resumed") => Some("Resumed from its first unfinished task.".to_owned()),
        Some("nothing_to_resume") => {
            Some("Every task had succeeded: nothing to resume.".to_owned())
        }
        _ => None,
    };
    let list = &doc.list;
    // A list that has not ended is cancelled; one that ended (or whose worker died) resumed.
    let running = matches!(list.state.as_str(), "running" | "pending");
    let body = html! {
        (layout::notice(notice))
        dl.facts {
            div { dt { "State" } dd { (badge(&list.state)) @if list.cancel_requested { " " span.tag { "cancel requested" } } } }
            div { dt { "Progress" } dd { (progress(list)) } }
            div { dt { "Directory" } dd.path { (list.cwd) } }
            div { dt { "Submitted" } dd { (list.created) } }
            @if let Some(finished) = &list.finished { div { dt { "Ended" } dd { (finished) } } }
            @if let Some(error) = &list.error { div { dt { "Error" } dd.error { (error) } } }
        }
        div.actions {
            @if running {
                form.inline method="post" action={ "/lists/" (id) "/cancel" } {
                    (csrf_field(&caller))
                    button.deny type="submit" { "Cancel the list" }
                }
            } @else {
                form.inline method="post" action={ "/lists/" (id) "/resume" } {
                    (csrf_field(&caller))
                    button type="submit" { "Resume from the first unfinished task" }
                }
            }
        }
        h2 { "Tasks" }
        ol.tasks {
            @for task in &doc.tasks {
                li { (task_item(task)) }
            }
        }
    };
    let title = format!("Task list #{id}");
    Ok(layout::page(&caller, Section::Lists, &title, Some(pending), body).into_response())
}

fn task_item(task: &ListTaskDoc) -> Markup {
    let verification = match task.status.as_deref() {
        Some("succeeded") => Some("verified: its final message carried the run's nonce"),
        Some("unverified") => Some("unverified: its final message lacked the run's nonce"),
        _ => None,
    };
    html! {
        article.card {
            h3 { "Task " (task.task) " " (badge(task.status.as_deref().unwrap_or(&task.state))) }
            p.task { (task.prompt) }
            dl.facts {
                @if let Some(verification) = verification { div { dt { "Verification" } dd { (verification) } } }
                @if let Some(session) = &task.session_id { div { dt { "Session" } dd { (session_link(session)) } } }
                @if let Some(duration) = task.duration_ms { div { dt { "Took" } dd { (duration / 1000) " s" } } }
                @if let Some(turns) = task.turns { div { dt { "Turns" } dd { (turns) } } }
                @if let Some(cost) = task.cost_usd { div { dt { "Cost" } dd { "$" (format!("{cost:.4}")) } } }
                @if let Some(error) = &task.error { div { dt { "Error" } dd.error { (error) } } }
            }
            @if let Some(result) = &task.result {
                details {
                    summary { "Result" }
                    pre.result { (result) }
                }
            }
        }
    }
}

/// `POST /lists/{id}/cancel`.
pub async fn cancel(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Shown {
    let database = state.data().database();
    let cancelled = blocking(move || Ok(lists::cancel(&database, id, now_ms())?))
        .await
        .map_err(|failure| failure.shown_to(&caller))?;
    Ok(done(&format!("/lists/{id}?did={}", cancelled.as_str())))
}

/// `POST /lists/{id}/resume`: the worker is the `pcc-mcp` beside this server, or `$PCC_MCP_BIN`.
pub async fn resume(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Shown {
    let database = state.data().database();
    let worker = pcc_control::programs::mcp_program();
    let resumed = blocking(move || Ok(lists::resume(&database, id, &worker, now_ms())?))
        .await
        .map_err(|failure| failure.shown_to(&caller))?;
    let did = if resumed.from_task.is_some() {
        "resumed"
    } else {
        "nothing_to_resume"
    };
    Ok(done(&format!("/lists/{id}?did={did}")))
}
