//! `POST /api/escalations/{id}/respond` with `{"answer": "approve" | "deny" | "<text>",
//! "remember": false}`: the same answer, outcomes and errors as `pcc-hooks respond` (404 for an
//! unknown id, 409 when it was already answered or its session's resume is running), since both
//! call `pcc_control::answer`. The answer records who gave it: the token, or which browser
//! session, and the client's address.

use super::{JsonOrForm, now_ms};
use crate::auth::{Caller, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use pcc_control::answer::{AnswerRequest, RespondDoc, answer};
use pcc_store::{Answerer, Provenance};
use serde::Deserialize;

/// The request body.
#[derive(Debug, Deserialize)]
pub struct RespondBody {
    /// `approve`, `deny`, or the text of an answer.
    pub answer: String,
    /// Allow this exact call in its project from now on (an approved permission only). A form's
    /// checkbox sends `on`.
    #[serde(default, deserialize_with = "flag")]
    pub remember: bool,
}

/// `true`/`false` from JSON, or a form checkbox's `on` / `true` / `1`.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(deserializer)? {
        Flag::Bool(value) => value,
        Flag::Text(text) => matches!(text.as_str(), "on" | "true" | "1" | "yes"),
    })
}

/// Who answered, for the store: which door, which session, from where.
pub fn provenance(caller: &Caller) -> Provenance {
    let provenance = match &caller.principal {
        Principal::Token => Provenance::new(Answerer::ApiToken),
        Principal::Session(session) => {
            Provenance::new(Answerer::WebSession).detail(format!("session {}", session.id.short()))
        }
    };
    provenance.from(caller.client.to_string())
}

/// The handler.
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonOrForm(body): JsonOrForm<RespondBody>,
) -> Result<Json<RespondDoc>, ApiError> {
    let data = state.data().clone();
    let program = state.hooks_program().to_path_buf();
    let request_provenance = provenance(&caller);
    let report = tokio::task::spawn_blocking(move || {
        let request = AnswerRequest {
            id,
            answer: &body.answer,
            remember: body.remember,
            provenance: request_provenance,
        };
        answer(&data, &request, &program, now_ms())
    })
    .await
    .map_err(|error| ApiError::internal(format!("the answer task failed: {error}")))??;
    if let Some(error) = &report.scheduler_error {
        tracing::warn!(
            "the answer to escalation {id} is stored, but no scheduler could be started \
             ({error}); run `pcc-hooks scheduler`"
        );
    }
    Ok(Json(report.document()))
}
