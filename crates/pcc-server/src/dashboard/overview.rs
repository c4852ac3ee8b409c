//! `/`: every session with its state, most recently active first, kept live by the script
//! (a `session_state` event updates a row or adds one from the `<template>`; an escalation
//! raised or answered updates the session's count).
//!
//! The page is read with one query that does not scan the events
//! (`Store::dashboard_sessions`); `cargo bench -p pcc-server --bench overview` measures it with
//! 1,000 sessions and 100,000 events.

use super::forms::Shown;
use super::layout::{self, Section, badge, session_link, time};
use crate::api::now_ms;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use maud::{Markup, html};
use pcc_store::{SessionRow, Store, StoreError};

/// What the page shows.
#[derive(Debug, Default)]
pub struct Overview {
    /// The sessions.
    pub sessions: Vec<SessionRow>,
    /// Escalations waiting, for the menu.
    pub pending: i64,
}

impl Overview {
    /// Reads it (none of it when there is no database yet), after folding in the events the
    /// hooks left in the spool (they keep LOW calls and prompts there), so a reload shows every
    /// event recorded so far.
    pub fn read(store: Option<&mut Store>) -> Result<Overview, StoreError> {
        match store {
            None => Ok(Overview::default()),
            Some(store) => {
                store.fold_spool_now();
                Ok(Overview {
                    sessions: store.dashboard_sessions()?,
                    pending: store.pending_escalation_count()?,
                })
            }
        }
    }
}

/// `GET /`.
pub async fn page(State(state): State<AppState>, caller: Caller) -> Shown {
    let overview = state
        .read(|store| Ok(Overview::read(store)?))
        .await
        .map_err(|error| super::forms::Failure::from(error).shown_to(&caller))?;
    Ok(render(&caller, &overview, now_ms()).into_response())
}

/// The page of `overview` at `now_ms`.
pub fn render(caller: &Caller, overview: &Overview, now_ms: i64) -> Markup {
    let body = html! {
        p.lead {
            (overview.sessions.len()) " session(s). Live: a state changes here as the hooks record it. "
            a href="/sessions/new" { "Start a session" }
        }
        div.table-wrap {
            table #sessions.cards {
                caption.visually-hidden { "Sessions, most recently active first" }
                thead {
                    tr {
                        th scope="col" { "Session" }
                        th scope="col" { "State" }
                        th scope="col" { "Project" }
                        th scope="col" { "Last event" }
                        th scope="col" { "Last seen" }
                        th scope="col" { "Events" }
                        th scope="col" { "Waiting" }
                        th scope="col" { "Queue" }
                    }
                }
                tbody #session-rows {
                    @for session in &overview.sessions {
                        (row(session, now_ms))
                    }
                }
            }
        }
        @if overview.sessions.is_empty() {
            p #no-sessions {
                "No session has been recorded yet. Sessions appear here with their first hook call "
                "(run " code { "pcc-hooks install" } " once, then use Claude Code)."
            }
        }
        template #session-row {
            tr data-session="" {
                td data-label="Session" { a.mono data-field="link" href="" {} }
                td data-label="State" { span.state data-field="state" {} }
                td data-label="Project" data-field="project" {}
                td data-label="Last event" data-field="last_event" {}
                td data-label="Last seen" data-field="last_seen" { "just now" }
                td data-label="Events" data-field="events" {}
                td data-label="Waiting" data-field="pending" { "0" }
                td data-label="Queue" data-field="queue" { "0" }
            }
        }
    };
    layout::page(
        caller,
        Section::Sessions,
        "Sessions",
        Some(overview.pending),
        body,
    )
}

fn row(session: &SessionRow, now_ms: i64) -> Markup {
    let last = match &session.last_tool {
        Some(tool) => format!("{} · {tool}", session.last_event),
        None => session.last_event.clone(),
    };
    html! {
        tr data-session=(session.session_id) {
            td data-label="Session" {
                (session_link(&session.session_id))
                @if session.paused { " " span.tag { "paused" } }
            }
            td data-label="State" data-field="state-cell" { (badge(session.state.as_str())) }
            td data-label="Project" data-field="project" .path { (session.project_root) }
            td data-label="Last event" data-field="last_event" { (last) }
            td data-label="Last seen" data-field="last_seen" { (time(session.last_seen_ms, now_ms)) }
            td data-label="Events" data-field="events" { (session.event_count) }
            td data-label="Waiting" data-field="pending" {
                @if session.pending_escalations > 0 {
                    a href="/inbox" { (session.pending_escalations) }
                } @else { "0" }
            }
            td data-label="Queue" data-field="queue" { (session.queue_depth) }
        }
    }
}
