//! `GET /api/pending`: what waits on a human, oldest first (`pending --json`).

use super::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use pcc_control::pending::PendingDoc;

/// The handler.
pub async fn get(State(state): State<AppState>) -> Result<Json<Vec<PendingDoc>>, ApiError> {
    let escalations = state
        .read(|store| match store {
            Some(store) => Ok(store.pending_escalations()?),
            None => Ok(Vec::new()),
        })
        .await?;
    let now = now_ms();
    Ok(Json(
        escalations
            .iter()
            .map(|escalation| PendingDoc::of(escalation, now))
            .collect(),
    ))
}
