//! What the dashboard's handlers share: a failure shown as a page (not the API's JSON), the
//! redirect after a form (post/redirect/get), and running `pcc-control` off the async runtime.

use super::layout::{self, Section};
use crate::auth::Caller;
use crate::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use pcc_control::ControlError;

/// A request the dashboard could not serve: the page says what failed and what to do, with the
/// status the API would give.
#[derive(Debug)]
pub struct Failure {
    error: ApiError,
    /// Boxed: a `Result` carrying a failure stays small.
    caller: Option<Box<Caller>>,
}

impl Failure {
    /// The failure, shown with the menu of `caller`'s pages (a form's failure keeps the page's
    /// frame, so the human can go on).
    pub fn shown_to(mut self, caller: &Caller) -> Failure {
        self.caller = Some(Box::new(caller.clone()));
        self
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Failure {
        Failure {
            error,
            caller: None,
        }
    }
}

impl From<ControlError> for Failure {
    fn from(error: ControlError) -> Failure {
        Failure::from(ApiError::from(error))
    }
}

impl From<pcc_store::StoreError> for Failure {
    fn from(error: pcc_store::StoreError) -> Failure {
        Failure::from(ApiError::from(error))
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = self.error.status;
        let message = pcc_core::redact::redact(&self.error.message);
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Not done",
            status if status.is_client_error() => "Refused",
            _ => "Something failed",
        };
        let body = html! {
            p.error role="alert" { (message) }
            p { "Nothing was changed. " a href="/" { "Back to the sessions" } }
        };
        let markup = match &self.caller {
            Some(caller) => layout::page(caller, Section::Sessions, title, None, body),
            None => html! {
                (maud::DOCTYPE)
                html lang="en" {
                    head {
                        meta charset="utf-8";
                        meta name="viewport" content="width=device-width, initial-scale=1";
                        title { (title) " · pcc-hooks" }
                        link rel="stylesheet" href=(super::assets::STYLE);
                    }
                    body { main #main { h1 { (title) } (body) } }
                }
            },
        };
        (status, markup).into_response()
    }
}

/// The result of a dashboard handler.
pub type Shown = Result<Response, Failure>;

/// After a form: see `location` (303, so the browser GETs it; a reload repeats nothing).
pub fn done(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// Runs `work` (a `pcc-control` call: it opens files and may spawn) on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        Failure::from(ApiError::internal(format!(
            "a dashboard task failed: {error}"
        )))
    })?
}
