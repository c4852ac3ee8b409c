//! The dashboard: server-rendered pages for a human in a browser, a phone's included.
//!
//! # How it is built
//!
//! - **HTML** is written with `maud`, whose templates escape every interpolated value: no page
//!   builds markup from a string. The few values that go into attributes (ids in URLs) are
//!   escaped the same way.
//! - **Script and style** are two embedded files ([`assets`]), served from `/assets/`; no page
//!   has inline script or style, so the Content-Security-Policy forbids both ([`headers`]). The
//!   script only makes pages live: it follows `/api/events` (SSE) and fills `<template>`s the
//!   server rendered, setting `textContent`, never `innerHTML`. Without it every page still works.
//! - **Forms** POST with the session's CSRF token in a hidden `csrf` field (checked by
//!   `auth::require` before a handler runs) and answer with a redirect (post/redirect/get), so a
//!   reload never repeats an answer. Each calls the very `pcc-control` (or `pcc-supervisor`)
//!   function its CLI command calls: the dashboard has no SQL and no rules of its own.
//!
//! # Pages
//!
//! | path | what |
//! |---|---|
//! | `/` | every session and its state, live ([`overview`]) |
//! | `/sessions/{id}` | one session: timeline, current task, transcript tail, cost, resumes ([`session`]) |
//! | `/sessions/new` | start an unattended session ([`new_session`]) |
//! | `/inbox`, `/escalations/{id}` | what waits on a human, and the answer ([`inbox`]) |
//! | `/queue` | tasks queued for sessions and projects; pause ([`queue`]) |
//! | `/lists`, `/lists/{id}` | task lists: progress, results, cancel, resume ([`lists`]) |
//! | `/notifications` | what was sent and how it went ([`notifications`]) |
//! | `/config` | the configuration in force, read-only, secrets redacted ([`config`]) |

pub mod assets;
pub mod config;
mod forms;
pub mod headers;
pub mod inbox;
mod layout;
pub mod lists;
pub mod new_session;
pub mod notifications;
pub mod overview;
pub mod queue;
pub mod session;
pub mod transcript;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The dashboard's routes (protected: mounted behind `auth::require`), every response with the
/// dashboard's security headers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route(
            "/sessions/new",
            get(new_session::form).post(new_session::start),
        )
        .route("/sessions/{id}", get(session::page))
        .route("/sessions/{id}/pause", post(session::pause))
        .route("/sessions/{id}/unpause", post(session::unpause))
        .route("/inbox", get(inbox::page))
        .route("/escalations/{id}", get(inbox::escalation))
        .route("/escalations/{id}/answer", post(inbox::answer))
        .route("/queue", get(queue::page).post(queue::add))
        .route("/queue/{id}/remove", post(queue::remove))
        .route("/queue/pause", post(queue::pause))
        .route("/lists", get(lists::page))
        .route("/lists/{id}", get(lists::detail))
        .route("/lists/{id}/cancel", post(lists::cancel))
        .route("/lists/{id}/resume", post(lists::resume))
        .route("/notifications", get(notifications::page))
        .route("/config", get(config::page))
        .route("/assets/{name}", get(assets::serve))
        .layer(axum::middleware::map_response(headers::secure))
}
