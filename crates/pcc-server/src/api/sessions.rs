//! `POST /api/sessions/{session}/pause` and `/unpause` (`pcc-hooks pause`/`unpause`): a paused
//! session is handed no queued task.

use super::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pcc_control::queue::set_paused;
use serde::Serialize;

/// What a pause or unpause did.
#[derive(Debug, Serialize)]
pub struct PauseDoc {
    /// The session's full id.
    pub session_id: String,
    /// Whether it is paused now.
    pub paused: bool,
}

/// `POST /api/sessions/{session}/pause`.
pub async fn pause(
    state: State<AppState>,
    session: Path<String>,
) -> Result<Json<PauseDoc>, ApiError> {
    set(state, session, true).await
}

/// `POST /api/sessions/{session}/unpause`.
pub async fn unpause(
    state: State<AppState>,
    session: Path<String>,
) -> Result<Json<PauseDoc>, ApiError> {
    set(state, session, false).await
}

async fn set(
    State(state): State<AppState>,
    Path(prefix): Path<String>,
    paused: bool,
) -> Result<Json<PauseDoc>, ApiError> {
    let session = state
        .write(move |store| Ok(set_paused(store, &prefix, paused, now_ms())?))
        .await?;
    Ok(Json(PauseDoc {
        session_id: session.id,
        paused,
    }))
}
