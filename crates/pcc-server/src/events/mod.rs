//! `GET /api/events`: a Server-Sent Events stream of what changes in the database.
//!
//! Hooks are other processes, so the server learns of their writes by watching the file (see
//! `watch`); every change is sent once through a tokio broadcast channel to every client. A
//! client too slow to keep up loses the oldest changes and is sent a `resync` event instead: it
//! should re-read what it shows. Comments keep idle connections alive through proxies.

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
    /// Changes were lost to this client: re-read everything.
    Resync,
}

impl Change {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
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
