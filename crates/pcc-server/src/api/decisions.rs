//! `GET /api/decisions?session=PREFIX&limit=N`: the latest permission decisions, newest first
//! (`decisions --json`; the same default of 50).

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use pcc_control::decisions::{DecisionDoc, DecisionsDoc};
use serde::Deserialize;

/// The query.
#[derive(Debug, Deserialize)]
pub struct DecisionsQuery {
    /// Only this session (a prefix of its id is enough).
    pub session: Option<String>,
    /// How many (default 50, at most 1000).
    pub limit: Option<u32>,
}

/// The handler.
pub async fn get(
    State(state): State<AppState>,
    Query(query): Query<DecisionsQuery>,
) -> Result<Json<DecisionsDoc>, ApiError> {
    let limit = query.limit.unwrap_or(50).min(1000);
    let stored = state
        .read(move |store| match store {
            Some(store) => Ok(store.decisions(query.session.as_deref(), limit)?),
            None => Ok(Vec::new()),
        })
        .await?;
    Ok(Json(DecisionsDoc {
        decisions: stored.into_iter().map(DecisionDoc::of).collect(),
    }))
}
