//! `GET /api/me`: who the caller is, and for a browser session the CSRF token its scripts send
//! as `X-CSRF-Token` (pages also carry it in `<meta name="csrf-token">`). Only a logged-in
//! caller learns it, and a cross-site page cannot read the answer (no CORS).

use crate::auth::{Caller, Principal};
use axum::Json;
use serde::Serialize;

/// The document.
#[derive(Debug, Serialize)]
pub struct Me {
    /// `token` (a bearer token) or `session` (a browser logged in).
    pub principal: &'static str,
    /// The session's CSRF token; none for a bearer caller, who needs none.
    pub csrf_token: Option<String>,
    /// The client's address as the server sees it.
    pub client: String,
}

/// The handler.
pub async fn get(caller: Caller) -> Json<Me> {
    Json(Me {
        principal: match caller.principal {
            Principal::Token => "token",
            Principal::Session(_) => "session",
        },
        csrf_token: caller.csrf_token().map(str::to_owned),
        client: caller.client.to_string(),
    })
}
