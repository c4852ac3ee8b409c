//! `POST /webhooks/github`, `/webhooks/sentry`, `/webhooks/jira`: outside events that become
//! work, by the rules of `[webhooks]` in the global config.toml (`pcc_core::config::webhooks`).
//!
//! These routes carry their own authority (a signature with the source's shared secret), so
//! they are public: no login, no CSRF token. The gate in front still checks every request's
//! `Host` — a sender reaches the server by its public name, so `[server] public_url` must be
//! the URL the webhook was created with (behind Tailscale Funnel or a reverse proxy that keeps
//! the `Host` header, that is the public name; a proxy that rewrites it to the listen address
//! also passes) — and a POST with a foreign `Origin` (a browser's) is refused; senders send
//! none.
//!
//! # One delivery
//!
//! | step | refused with | recorded as |
//! |---|---|---|
//! | config.toml unusable | 503 | `config_error` |
//! | no `[webhooks.<source>]`, or its `secret_env` unset | 401 | `not_configured` |
//! | `Content-Length` over `max_body_bytes`, or more read than that | 413, before the body is read whole | `too_large` |
//! | no signature (nor an allowed Jira `?token=`) | 401 | `unsigned` |
//! | a signature that is not the secret's | 401 | `bad_signature` |
//! | not a JSON object, or no event name | 400 | `invalid` |
//! | a delivery id already accepted | 409 | `duplicate` |
//! | no rule matches | 202 | `ignored` |
//! | a rule matches | 202 as soon as it is recorded | `pending`, then `queued`, `started`, `listed` or `failed` |
//!
//! Every answer is JSON, `{"delivery": <row>, "outcome": "...", "message": "..."}`. The delivery
//! id is the sender's (`X-GitHub-Delivery`, `Request-ID`, `X-Atlassian-Webhook-Identifier`), or
//! `sha256:` and the body's digest when it sent none; a sender's retry of an accepted delivery
//! therefore gets 409 and causes nothing. The work is done after the record is committed
//! (`work.rs`), and a server that stops in between does it at its next start.

mod body;
mod config;
mod receive;
mod signature;
mod work;

use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use pcc_core::config::WebhookSource;

pub(crate) use work::recover;

/// The webhook routes (public: each delivery must prove itself).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/github", post(github))
        .route("/webhooks/sentry", post(sentry))
        .route("/webhooks/jira", post(jira))
}

async fn github(State(state): State<AppState>, request: Request) -> Response {
    receive::receive(state, WebhookSource::Github, request).await
}

async fn sentry(State(state): State<AppState>, request: Request) -> Response {
    receive::receive(state, WebhookSource::Sentry, request).await
}

async fn jira(State(state): State<AppState>, request: Request) -> Response {
    receive::receive(state, WebhookSource::Jira, request).await
}
