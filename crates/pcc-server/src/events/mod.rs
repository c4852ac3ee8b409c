//! `GET /api/events`: a Server-Sent Events stream of what changes in the database.
//!
//! Hooks are other processes, so the server learns of their writes by watching the file
//! ([`watch`]: `PRAGMA data_version` polled, then the open rows read and compared with the last
//! reading in [`diff`]); every change is sent once through a tokio broadcast channel to every
//! client. A client too slow to keep up loses the oldest changes and is sent a `resync` event
//! instead: it should re-read what it shows. Comments keep idle connections alive through
//! proxies.

pub mod diff;
pub mod watch;

use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde::Serialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often an idle stream sends a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One change, as its SSE event: the event name is `type`, the data the whole JSON object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A session's state changed (or a session was seen for the first time since the start).
    SessionState {
        /// The session.
        session_id: String,
        /// Its state now (`pcc_core::session_state::SessionState`'s names).
        state: String,
        /// The hook event that changed it.
        last_event: String,
    },
    /// An escalation now waits on a human.
    EscalationRaised {
        /// What `respond` takes.
        id: i64,
        /// Its session.
        session_id: String,
        /// Its kind.
        kind: String,
        /// What it is about (stored redacted).
        summary: String,
    },
    /// An escalation was answered.
    EscalationAnswered {
        /// The escalation.
        id: i64,
        /// Its session.
        session_id: String,
        /// `approve`, `deny` or `answer`.
        verdict: Option<String>,
    },
    /// A task was queued (or put back after its session ended mid-task).
    TaskQueued {
        /// The task.
        id: i64,
        /// Its session, or none for the project's next one.
        session_id: Option<String>,
        /// Its project.
        project_root: String,
    },
    /// A queued task was handed to a session.
    TaskStarted {
        /// The task.
        id: i64,
        /// Its session.
        session_id: Option<String>,
        /// Its project.
        project_root: String,
    },
    /// A task left the queue: done, removed or escalated.
    TaskFinished {
        /// The task.
        id: i64,
        /// Its session.
        session_id: Option<String>,
        /// Its project.
        project_root: String,
        /// How it ended.
        state: Option<String>,
    },
    /// A usage limit was hit and a resume scheduled.
    LimitScheduled {
        /// The resume.
        resume_id: i64,
        /// Its session.
        session_id: String,
        /// Which limit.
        limit: String,
        /// When it runs.
        due: String,
    },
    /// A scheduled resume started (`claude --resume`).
    LimitResumed {
        /// The resume.
        resume_id: i64,
        /// Its session.
        session_id: String,
        /// The limit it waited out, or `human_answer`.
        limit: String,
    },
    /// A resume ended: done, failed, cancelled, or taken by the session's own Stop.
    ResumeFinished {
        /// The resume.
        resume_id: i64,
        /// Its session.
        session_id: String,
        /// How it ended.
        state: Option<String>,
    },
    /// Changes were lost to this client: re-read everything.
    Resync,
}

impl Change {
    /// The SSE event name (the `type` field).
    pub fn name(&self) -> &'static str {
        match self {
            Change::SessionState { .. } => "session_state",
            Change::EscalationRaised { .. } => "escalation_raised",
            Change::EscalationAnswered { .. } => "escalation_answered",
            Change::TaskQueued { .. } => "task_queued",
            Change::TaskStarted { .. } => "task_started",
            Change::TaskFinished { .. } => "task_finished",
            Change::LimitScheduled { .. } => "limit_scheduled",
            Change::LimitResumed { .. } => "limit_resumed",
            Change::ResumeFinished { .. } => "resume_finished",
            Change::Resync => "resync",
        }
    }

    fn to_event(&self) -> Event {
        match Event::default().event(self.name()).json_data(self) {
            Ok(event) => event,
            // Serialising these plain types cannot fail; if it ever did, a resync is honest.
            Err(_) => Event::default()
                .event("resync")
                .data("{\"type\":\"resync\"}"),
        }
    }
}

pub(crate) use pcc_control::time::rfc3339;

/// The event stream route (protected).
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/events", get(stream))
}

async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.changes().subscribe();
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(change) => change.to_event(),
            Err(RecvError::Lagged(_)) => Change::Resync.to_event(),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
