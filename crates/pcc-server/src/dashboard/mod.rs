//! The dashboard's pages. Until they exist, `/` is a placeholder that proves a login worked and
//! points at the API.

use crate::auth::Caller;
use crate::state::AppState;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// The dashboard's routes (protected: mounted behind `auth::require`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(placeholder))
}

async fn placeholder(caller: Caller) -> Html<String> {
    let csrf = caller.csrf_token().unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"csrf-token\" content=\"{csrf}\"><title>pcc-hooks</title></head>\
         <body><main><h1>pcc-hooks</h1><p>You are logged in. The API is under \
         <a href=\"/api/status\">/api/status</a>.</p></main></body></html>"
    ))
}
