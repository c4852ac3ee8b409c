//! Task lists: `GET /api/lists` (`lists --json`), `GET /api/lists/{id}` (`lists show --json`),
//! `POST /api/lists/{id}/cancel` and `/resume` (`lists cancel`, `lists resume`: the worker is
//! the `pcc-mcp` beside this server, or `$PCC_MCP_BIN`).

use super::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pcc_control::lists::{self, ListDetailDoc, ListsDoc, Resumed};
use serde::Serialize;

/// `GET /api/lists`.
pub async fn all(State(state): State<AppState>) -> Result<Json<ListsDoc>, ApiError> {
    let database = state.data().database();
    blocking(move || lists::all(&database)).await.map(Json)
}

/// `GET /api/lists/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ListDetailDoc>, ApiError> {
    let database = state.data().database();
    blocking(move || lists::detail(&database, id))
        .await
        .map(Json)
}

/// What a cancel did.
#[derive(Debug, Serialize)]
pub struct CancelDoc {
    /// The list.
    pub list_id: i64,
    /// `requested`, `cancelled` or `already_ended`.
    pub outcome: &'static str,
    /// In words, as `lists cancel` prints it.
    pub message: String,
}

/// `POST /api/lists/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CancelDoc>, ApiError> {
    let database = state.data().database();
    let cancelled = blocking(move || lists::cancel(&database, id, now_ms())).await?;
    Ok(Json(CancelDoc {
        list_id: id,
        outcome: cancelled.as_str(),
        message: cancelled.describe(id),
    }))
}

/// `POST /api/lists/{id}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Resumed>, ApiError> {
    let database = state.data().database();
    let worker = pcc_control::programs::mcp_program();
    blocking(move || lists::resume(&database, id, &worker, now_ms()))
        .await
        .map(Json)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, pcc_control::ControlError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(format!("a database task failed: {error}")))?
        .map_err(ApiError::from)
}
