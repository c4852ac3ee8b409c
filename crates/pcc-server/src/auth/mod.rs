//! Who may do what: the server token, browser sessions, the one-time login link, the failed
//! login limit, and the Host/Origin gate in front of everything.
//!
//! A request to a protected route needs one of two credentials ([`require`]):
//! - `Authorization: Bearer <token>` (scripts, `curl`): compared in constant time. A browser
//!   never sends it by itself, so it needs no CSRF token.
//! - the session cookie a login set: an ambient credential, so a state-changing request with
//!   it must also carry an `Origin` (ours; the gate checked that) and the session's CSRF token
//!   (header `X-CSRF-Token`, or a form field `csrf`).
//!
//! Every wrong bearer token, login-link code or pasted token counts as a failed login of the
//! client's address; past the limit the address is refused with 429 before anything is checked.

pub mod gate;
pub mod limit;
pub mod login;
pub mod session;
pub mod token;

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use gate::RequestContext;
use session::Session;
use std::net::IpAddr;
use std::time::Instant;
use subtle::ConstantTimeEq as _;

/// Largest form body read to find its CSRF field.
const MAX_FORM_BYTES: usize = 1 << 20;

/// The credential a request was let in with.
#[derive(Debug, Clone)]
pub enum Principal {
    /// The server token, as a bearer token.
    Token,
    /// A logged-in browser.
    Session(Session),
}

/// Who is asking: what let them in and from where. Every protected handler may take it as an
/// extractor (it is set by [`require`]).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The credential.
    pub principal: Principal,
    /// The client's address (behind a proxy, the one the proxy saw).
    pub client: IpAddr,
}

impl Caller {
    /// The CSRF token a page served to this caller must carry in its forms; `None` for a bearer
    /// caller, who needs none.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.principal {
            Principal::Session(session) => Some(&session.csrf),
            Principal::Token => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::internal("a handler that needs a caller is served without auth::require")
        })
    }
}

/// The middleware of protected routes: 429 for a client past its failed logins, 401 without a
/// valid credential, 403 for a cookie-authenticated state change without Origin or CSRF token.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match authenticate(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

async fn authenticate(state: &AppState, mut request: Request) -> Result<Request, Response> {
    let context = request
        .extensions()
        .get::<RequestContext>()
        .cloned()
        .ok_or_else(|| ApiError::internal("auth::require runs outside the gate").into_response())?;
    let auth = state.auth();
    if let Some(wait) = auth.failed_logins.wait(context.client, Instant::now()) {
        return Err(too_many_failures(wait));
    }
    let headers = request.headers();
    let principal = if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let offered = authorization
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        match offered {
            Some(offered) if auth.token.matches(offered) => Principal::Token,
            _ => {
                auth.failed_logins.failed(context.client, Instant::now());
                return Err(unauthorized(
                    "the bearer token is wrong: it is in server.token in the data directory",
                ));
            }
        }
    } else {
        let session = headers
            .get(header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|cookies| auth.sessions.find(cookies));
        match session {
            Some(session) => Principal::Session(session),
            None if wants_a_page(&request) => return Err(login_first_page()),
            None => {
                return Err(unauthorized(
                    "log in first: open the link `pcc-hooks serve` printed, or /login with the \
                     token, or send `Authorization: Bearer <token>`",
                ));
            }
        }
    };
    if let Principal::Session(session) = &principal
        && !gate::is_safe(request.method())
    {
        if !context.has_origin {
            return Err(forbidden(
                "a change from a browser session must carry an Origin header",
            ));
        }
        let (checked, csrf_ok) = check_csrf(request, &session.csrf).await?;
        if !csrf_ok {
            return Err(forbidden(
                "the CSRF token is missing or wrong: reload the page and try again",
            ));
        }
        request = checked;
    }
    request.extensions_mut().insert(Caller {
        principal,
        client: context.client,
    });
    Ok(request)
}

/// Whether the request carries the session's CSRF token, in `X-CSRF-Token` or, for a form, in
/// its `csrf` field; the request comes back whole (a form body is read and put back).
async fn check_csrf(request: Request, expected: &str) -> Result<(Request, bool), Response> {
    let matches = |offered: &str| bool::from(offered.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(offered) = request.headers().get("x-csrf-token") {
        let ok = offered.to_str().is_ok_and(matches);
        return Ok((request, ok));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, false));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a form may be at most {MAX_FORM_BYTES} bytes"),
            )
            .into_response()
        })?;
    let ok = form_urlencoded::parse(&bytes).any(|(name, value)| name == "csrf" && matches(&value));
    Ok((Request::from_parts(parts, Body::from(bytes)), ok))
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// A browser asking for a page (not a script asking the API).
fn wants_a_page(request: &Request) -> bool {
    request.method() == axum::http::Method::GET
        && !request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// 401 for a browser: a page that says where to log in (and goes there), not a JSON error.
fn login_first_page() -> Response {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <meta http-equiv=\"refresh\" content=\"0; url=/login\"><title>Log in · pcc-hooks</title>\
        </head><body><main><h1>Log in first</h1><p><a href=\"/login\">Log in</a> with the link \
        <code>pcc-hooks serve</code> printed, or with the token.</p></main></body></html>";
    (StatusCode::UNAUTHORIZED, axum::response::Html(page)).into_response()
}

fn forbidden(message: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, message).into_response()
}

/// 429 with `Retry-After`.
pub fn too_many_failures(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many failed logins from this address; try again in {seconds} s"),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
