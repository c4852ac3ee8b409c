//! The JSON API, one file per resource. Every document mirrors the CLI's `--json` output with
//! the very types it prints (from `pcc-control`), so a script can switch doors without
//! changing its parsing; every change goes through the same `pcc-control` function as the CLI.

pub mod decisions;
pub mod escalations;
pub mod health;
pub mod lists;
pub mod me;
pub mod pending;
pub mod queue;
pub mod sessions;
pub mod status;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::routing::{delete, get, post};
use pcc_control::ControlError;
use serde::de::DeserializeOwned;

/// Routes reachable without a credential.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/api/health", get(health::get))
}

/// Routes that need a caller (see `auth::require`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/status", get(status::get))
        .route("/api/pending", get(pending::get))
        .route("/api/escalations/{id}/respond", post(escalations::respond))
        .route("/api/queue", get(queue::list).post(queue::add))
        .route("/api/queue/{id}", delete(queue::remove))
        .route("/api/sessions/{session}/pause", post(sessions::pause))
        .route("/api/sessions/{session}/unpause", post(sessions::unpause))
        .route("/api/lists", get(lists::all))
        .route("/api/lists/{id}", get(lists::detail))
        .route("/api/lists/{id}/cancel", post(lists::cancel))
        .route("/api/lists/{id}/resume", post(lists::resume))
        .route("/api/decisions", get(decisions::get))
        .route("/api/me", get(me::get))
        .merge(crate::auth::login::protected_routes())
}

impl From<ControlError> for ApiError {
    fn from(error: ControlError) -> ApiError {
        use axum::http::StatusCode;
        let status = match &error {
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) => StatusCode::CONFLICT,
            ControlError::Invalid(_) | ControlError::Answer(_) => StatusCode::BAD_REQUEST,
            ControlError::Store(_) | ControlError::Spawn(_) => {
                return ApiError::internal(error.to_string());
            }
        };
        ApiError::new(status, error.to_string())
    }
}

/// A request body as JSON (`application/json`, scripts) or as a form
/// (`application/x-www-form-urlencoded`, the dashboard's forms without script).
#[derive(Debug)]
pub struct JsonOrForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonOrForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            axum::Form::<T>::from_request(request, state)
                .await
                .map(|axum::Form(value)| JsonOrForm(value))
                .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
        } else {
            axum::Json::<T>::from_request(request, state)
                .await
                .map(|axum::Json(value)| JsonOrForm(value))
                .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
        }
    }
}

/// Milliseconds since the epoch, the store's clock.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
