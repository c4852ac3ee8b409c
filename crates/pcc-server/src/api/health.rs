//! `GET /api/health`: whether the server runs and can read its database.
//!
//! It is public, so a proxy or a monitor can probe it without the token; it says nothing but
//! `ok` and whether the database opens (no version, no path, no counts).

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

/// The health document.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, or `degraded` when the database cannot be read.
    pub status: &'static str,
    /// Whether the database opens (absent counts as readable: nothing recorded yet).
    pub database_readable: bool,
}

/// The handler: 200 when healthy, 503 when the database cannot be read.
pub async fn get(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let readable = state.read(|_| Ok(())).await.is_ok();
    let status = if readable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if readable { "ok" } else { "degraded" },
            database_readable: readable,
        }),
    )
}
