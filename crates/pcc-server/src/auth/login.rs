//! Logging a browser in: the one-time link `serve` prints, and a form that takes the token.
//!
//! The link's code is random, single-use and short-lived ([`LOGIN_CODE_LIFETIME`]); the
//! server keeps only its digest. Visiting the link starts a session (cookie), spends the code
//! and redirects to `/`. Later logins paste the token (`server.token`) into the form at
//! `/login`. A wrong code or token counts against the client's failed-login budget.

use super::session::removal_cookie;
use super::{Caller, Principal, gate::RequestContext, too_many_failures};
use crate::error::ApiError;
use crate::secret::{SecretDigest, new_secret};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a login link works.
pub const LOGIN_CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The login links not yet used, by the digest of their code.
#[derive(Debug, Default)]
pub struct LoginCodes {
    live: Mutex<HashMap<SecretDigest, Instant>>,
}

impl LoginCodes {
    /// A new code, good once within [`LOGIN_CODE_LIFETIME`].
    pub fn issue(&self) -> Result<String, getrandom::Error> {
        let code = new_secret()?;
        let mut live = self.lock();
        let now = Instant::now();
        live.retain(|_, expires| *expires > now);
        live.insert(SecretDigest::of(&code), now + LOGIN_CODE_LIFETIME);
        Ok(code)
    }

    /// Spends `code`: true the first time, within its lifetime; false ever after.
    pub fn redeem(&self, code: &str) -> bool {
        self.lock()
            .remove(&SecretDigest::of(code))
            .is_some_and(|expires| expires > Instant::now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretDigest, Instant>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `/login` (GET: the link or the form; POST: the token) — reachable without a credential.
pub fn routes() -> Router<AppState> {
    Router::new().route("/login", get(login_link).post(login_with_token))
}

/// `/logout`, which needs the session it ends.
pub fn protected_routes() -> Router<AppState> {
    Router::new().route("/logout", post(logout))
}

#[derive(Debug, Deserialize)]
struct LinkQuery {
    code: Option<String>,
}

async fn login_link(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let Some(code) = query.code else {
        return form_page(StatusCode::OK, None);
    };
    let auth = state.auth();
    if let Some(wait) = auth.failed_logins.wait(context.client, Instant::now()) {
        return too_many_failures(wait);
    }
    if !auth.login_codes.redeem(&code) {
        auth.failed_logins.failed(context.client, Instant::now());
        return form_page(
            StatusCode::UNAUTHORIZED,
            Some("That login link was already used or has expired. Log in with the token."),
        );
    }
    logged_in(&state, &context)
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
}

async fn login_with_token(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Form(form): Form<TokenForm>,
) -> Response {
    let auth = state.auth();
    if let Some(wait) = auth.failed_logins.wait(context.client, Instant::now()) {
        return too_many_failures(wait);
    }
    if !auth.token.matches(form.token.trim()) {
        auth.failed_logins.failed(context.client, Instant::now());
        return form_page(
            StatusCode::UNAUTHORIZED,
            Some("That is not the token. It is in server.token in the data directory."),
        );
    }
    logged_in(&state, &context)
}

/// Starts a session and sends the browser to `/` with its cookie.
fn logged_in(state: &AppState, context: &RequestContext) -> Response {
    match state.auth().sessions.start(context.https) {
        Ok(cookie) => with_cookie(Redirect::to("/").into_response(), &cookie.to_string()),
        Err(error) => {
            ApiError::internal(format!("cannot draw random bytes for a session: {error}"))
                .into_response()
        }
    }
}

async fn logout(
    Extension(context): Extension<RequestContext>,
    State(state): State<AppState>,
    caller: Caller,
) -> Response {
    if let Principal::Session(session) = &caller.principal {
        state.auth().sessions.end(session.id);
    }
    let removal = removal_cookie(context.https).to_string();
    with_cookie(Redirect::to("/login").into_response(), &removal)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().append(header::SET_COOKIE, value);
            response
        }
        Err(_) => ApiError::internal("a cookie that is not a header value").into_response(),
    }
}

/// The login form (with an error when a try failed). Labelled for screen readers, usable at
/// any width, no script.
fn form_page(status: StatusCode, error: Option<&str>) -> Response {
    let error = error
        .map(|text| format!("<p role=\"alert\">{text}</p>"))
        .unwrap_or_default();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Log in · pcc-hooks</title></head><body><main>\
         <h1>Log in to pcc-hooks</h1>{error}\
         <form method=\"post\" action=\"/login\">\
         <label for=\"token\">Server token (from <code>server.token</code>)</label> \
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required> \
         <button type=\"submit\">Log in</button></form></main></body></html>"
    );
    (status, Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_code_works_once() {
        let codes = LoginCodes::default();
        let code = codes.issue().expect("random");
        assert!(!codes.redeem("not-a-code"));
        assert!(codes.redeem(&code));
        assert!(!codes.redeem(&code), "single use");
    }
}
