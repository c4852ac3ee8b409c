//! `/sessions/{id}`: one session — its facts, what waits on it, its current and queued tasks,
//! its resumes, how it was started (`pcc-hooks start`), its transcript's tail and cost
//! ([`super::transcript`]), and the timeline of its events with the decisions taken on them.
//! `POST /sessions/{id}/pause` and `/unpause` call `pcc_control::queue::set_paused`, as
//! `pcc-hooks pause` does.

use super::forms::{Failure, Shown, blocking, done};
use super::layout::{self, Section, badge, csrf_field, segment, time};
use super::transcript::{self, TranscriptView};
use crate::api::now_ms;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::{Markup, html};
use pcc_control::queue::set_paused;
use pcc_store::{
    Escalation, QueueTask, QueueTaskState, Resume, SessionDecision, SessionRow, StartedSession,
    TimelineEvent,
};
use serde::Deserialize;
use std::path::PathBuf;

/// How many events the timeline shows.
pub const TIMELINE_EVENTS: u32 = 200;

/// What the page shows, read in one go.
struct SessionPage {
    row: Option<SessionRow>,
    started: Option<StartedSession>,
    tasks: Vec<QueueTask>,
    resumes: Vec<Resume>,
    escalations: Vec<Escalation>,
    timeline: Vec<TimelineEvent>,
    decisions: Vec<SessionDecision>,
    pending: i64,
}

/// `?paused=1` / `?paused=0`: what a form just did.
#[derive(Debug, Deserialize)]
pub struct SessionQuery {
    paused: Option<u8>,
}

/// `GET /sessions/{id}`.
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<SessionQuery>,
) -> Shown {
    let session_id = id.clone();
    let read = state
        .read(move |store| {
            let Some(store) = store else {
                return Ok(None);
            };
            // The hooks keep LOW calls and prompts in the spool: fold them in first.
            store.fold_spool_now();
            let row = store.dashboard_session(&session_id)?;
            let started = store.started_session(&session_id)?;
            if row.is_none() && started.is_none() {
                return Ok(None);
            }
            let of_session =
                |task: &QueueTask| task.task.session_id.as_deref() == Some(&session_id);
            Ok(Some(SessionPage {
                tasks: store
                    .queue_tasks(false)?
                    .into_iter()
                    .filter(of_session)
                    .collect(),
                resumes: store
                    .resumes(true)?
                    .into_iter()
                    .filter(|resume| resume.plan.session_id == session_id)
                    .collect(),
                escalations: store
                    .pending_escalations()?
                    .into_iter()
                    .filter(|escalation| escalation.raised.session_id == session_id)
                    .collect(),
                timeline: store.session_timeline(&session_id, TIMELINE_EVENTS)?,
                decisions: store.session_decisions(&session_id)?,
                pending: store.pending_escalation_count()?,
                row,
                started,
            }))
        })
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let Some(read) = read else {
        return Err(Failure::from(ApiError::not_found(format!(
            "no session {id} is recorded; the sessions page lists those known"
        )))
        .shown_to(&caller));
    };
    let transcript = match read
        .row
        .as_ref()
        .and_then(|row| row.transcript_path.clone())
    {
        Some(path) => {
            let decisions = read.decisions.clone();
            let data = state.data().clone();
            Some(
                blocking(move || Ok(transcript::read(&PathBuf::from(path), &decisions, &data)))
                    .await
                    .map_err(|failure| failure.shown_to(&caller))?,
            )
        }
        None => None,
    };
    let notice = query.paused.map(|paused| {
        if paused == 1 {
            "Paused: no queued task is handed to this session until it is unpaused.".to_owned()
        } else {
            "Unpaused: its queued tasks are handed over at its next stops.".to_owned()
        }
    });
    let title = format!("Session {}", pcc_control::sessions::short_id(&id));
    let body = render(&caller, &id, &read, transcript.as_ref(), notice, now_ms());
    Ok(layout::page(&caller, Section::Sessions, &title, Some(read.pending), body).into_response())
}

fn render(
    caller: &Caller,
    id: &str,
    page: &SessionPage,
    transcript: Option<&TranscriptView>,
    notice: Option<String>,
    now: i64,
) -> Markup {
    let active = page
        .tasks
        .iter()
        .find(|task| task.state == QueueTaskState::Active);
    let queued: Vec<&QueueTask> = page
        .tasks
        .iter()
        .filter(|task| task.state == QueueTaskState::Pending)
        .collect();
    html! {
        (layout::notice(notice))
        section aria-labelledby="facts-title" data-session=(id) {
            h2 #facts-title { "What it is" }
            dl.facts {
                div { dt { "Id" } dd.mono { (id) } }
                @if let Some(row) = &page.row {
                    div { dt { "State" } dd { (badge(row.state.as_str())) @if row.paused { " " span.tag { "paused" } } } }
                    div { dt { "Project" } dd.path { (row.project_root) } }
                    @if row.cwd != row.project_root {
                        div { dt { "Directory" } dd.path { (row.cwd) } }
                    }
                    div { dt { "Last event" } dd { (row.last_event) @if let Some(tool) = &row.last_tool { " · " (tool) } " " (time(row.last_seen_ms, now)) } }
                    div { dt { "First seen" } dd { (time(row.first_seen_ms, now)) } }
                    div { dt { "Events" } dd { (row.event_count) } }
                    @if let Some(mode) = &row.permission_mode {
                        div { dt { "Permission mode" } dd { (mode) } }
                    }
                } @else {
                    div { dt { "State" } dd { "no hook event recorded yet" } }
                }
            }
            @if page.row.is_some() {
                (pause_form(caller, id, page.row.as_ref().is_some_and(|row| row.paused)))
            }
        }
        @if let Some(started) = &page.started {
            (started_section(started, now))
        }
        @if !page.escalations.is_empty() {
            section aria-labelledby="waiting-title" {
                h2 #waiting-title { "Waiting on you" }
                ul {
                    @for escalation in &page.escalations {
                        li {
                            a href={ "/escalations/" (escalation.id) } { "#" (escalation.id) " " (escalation.raised.kind.as_str()) }
                            ": " span.mono { (escalation.raised.summary) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="task-title" {
            h2 #task-title { "Current task" }
            @match active {
                Some(task) => {
                    p.task { (task.task.text) }
                    p.faint { "Handed over " (task.started_ms.map(|at| time(at, now)).unwrap_or_else(|| html! { "?" })) ", attempt " (task.attempts) "." }
                }
                None => p.faint { "None: the session works on its own prompt, or waits." }
            }
            @if !queued.is_empty() {
                h3 { "Queued for it" }
                ol {
                    @for task in &queued {
                        li { (task.task.text) " " span.faint { "(#" (task.id) ")" } }
                    }
                }
            }
            (add_task_form(caller, id))
        }
        @if !page.resumes.is_empty() {
            section aria-labelledby="resumes-title" {
                h2 #resumes-title { "Resumes" }
                ul {
                    @for resume in &page.resumes {
                        li {
                            (badge(resume.state.as_str())) " "
                            (resume.plan.limit_kind) ", due " (time(resume.plan.due_ms, now))
                            @if resume.attempts > 0 { ", " (resume.attempts) " attempt(s)" }
                            @if let Some(error) = &resume.last_error { ": " span.error { (error) } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="transcript-title" {
            h2 #transcript-title { "Transcript" }
            @match transcript {
                None => p.faint { "No transcript is known yet: the hooks record its path from the first event that carries one." }
                Some(view) => {
                    @for problem in &view.problems { p.warning { (problem) } }
                    h3 { "Cost" }
                    @if let Some(cost) = &view.cost { (transcript::cost_markup(cost)) }
                    h3 { "The last " (view.entries) " entries" }
                    (transcript::lines_markup(view))
                    p.faint { "The whole of it: " code { "pcc-hooks logs " (pcc_control::sessions::short_id(id)) } }
                }
            }
        }
        section aria-labelledby="timeline-title" {
            h2 #timeline-title { "Timeline" }
            p.faint { "The latest " (page.timeline.len()) " events, newest first, with our decisions." }
            ol.timeline reversed {
                @for event in &page.timeline {
                    li {
                        span.when { (time(event.at_ms, now)) } " "
                        strong { (event.event) }
                        @if let Some(tool) = &event.tool_name { " · " (tool) }
                        @if !event.summary.is_empty() { " " span.mono.summary { (event.summary) } }
                        @if let Some(decision) = &event.decision {
                            " " span class={ "decision answer-" (decision.answer.as_str()) } {
                                (decision.answer.as_str()) " · " (decision.level.as_str()) " · " (decision.rule)
                            }
                            @if !decision.reason.is_empty() { span.reason { " — " (decision.reason) } }
                        }
                    }
                }
            }
        }
    }
}

fn started_section(started: &StartedSession, now: i64) -> Markup {
    html! {
        section aria-labelledby="started-title" {
            h2 #started-title { "Started by pcc-hooks" }
            dl.facts {
                div { dt { "State" } dd { (badge(started.state.as_str())) } }
                div { dt { "Prompt" } dd { (started.prompt) } }
                div { dt { "Tasks" } dd { (started.tasks_total) } }
                div { dt { "Directory" } dd.path { (started.plan.cwd) } }
                @if let Some(model) = &started.plan.model { div { dt { "Model" } dd { (model) } } }
                div { dt { "Started" } dd { (time(started.created_ms, now)) } }
                @if let Some(child) = &started.child { div { dt { "claude pid" } dd { (child.pid) } } }
                div { dt { "Output" } dd.path { (started.plan.log_path) } }
                @if let Some(ended) = started.ended_ms { div { dt { "Ended" } dd { (time(ended, now))
                    @if let Some(code) = started.exit_code { ", exit " (code) }
                    @if let Some(signal) = started.exit_signal { ", signal " (signal) } } } }
                @if let Some(error) = &started.error { div { dt { "Error" } dd.error { (error) } } }
            }
        }
    }
}

fn pause_form(caller: &Caller, id: &str, paused: bool) -> Markup {
    let (action, label) = if paused {
        ("unpause", "Unpause: hand it its queued tasks again")
    } else {
        ("pause", "Pause: hand it no queued task")
    };
    html! {
        form.inline method="post" action={ "/sessions/" (segment(id)) "/" (action) } {
            (csrf_field(caller))
            button type="submit" { (label) }
        }
    }
}

fn add_task_form(caller: &Caller, id: &str) -> Markup {
    html! {
        form.stack method="post" action="/queue" {
            (csrf_field(caller))
            input type="hidden" name="target" value="session";
            input type="hidden" name="session" value=(id);
            input type="hidden" name="next" value="session";
            label for="task-text" { "Queue a task for this session (handed over at its next stop)" }
            textarea #task-text name="text" rows="2" required {}
            button type="submit" { "Queue it" }
        }
    }
}

/// `POST /sessions/{id}/pause`.
pub async fn pause(state: State<AppState>, caller: Caller, id: Path<String>) -> Shown {
    set(state, caller, id, true).await
}

/// `POST /sessions/{id}/unpause`.
pub async fn unpause(state: State<AppState>, caller: Caller, id: Path<String>) -> Shown {
    set(state, caller, id, false).await
}

async fn set(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    paused: bool,
) -> Shown {
    let session = state
        .write(move |store| Ok(set_paused(store, &id, paused, now_ms())?))
        .await
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    Ok(done(&format!(
        "/sessions/{}?paused={}",
        segment(&session.id),
        u8::from(paused)
    )))
}
