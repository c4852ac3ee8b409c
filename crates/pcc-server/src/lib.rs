//! `pcc-hooks serve`: every part of pcc-hooks visible and answerable from a browser or a script,
//! over the same SQLite file the hooks write.
//!
//! The server is its own binary (`pcc-serve`, exec'd by `pcc-hooks serve`) so the hook path
//! never links axum or tokio. It changes nothing by itself: what a human does goes through
//! `pcc-control`, the same code and transactions as the CLI.
//!
//! # How a request is handled
//!
//! ```text
//! listen.rs (plain or TLS) ─▶ auth::gate (every request: Host must be ours → else 421;
//!                              a state-changing request with a foreign Origin → 403)
//!                           ─▶ public routes: /login, /logout, /api/health (and capability
//!                              routes, which carry their own authority)
//!                           ─▶ protected routes: auth::require (bearer token or session cookie
//!                              → else 401; a cookie-authenticated state change needs the
//!                              session's CSRF token → else 403) ─▶ api/*, events, dashboard
//! ```
//!
//! # Extending it
//!
//! - **A page or an API route that needs a logged-in human**: add it to the router
//!   [`protected_routes`] returns (or, for the dashboard, to `dashboard::routes`). Handlers take
//!   [`auth::Caller`] as an extractor to learn who is asking (and, for a cookie session, the
//!   CSRF token to put in the page as `<meta name="csrf-token">` or a hidden `csrf` field).
//!   Nothing else is needed: authentication, Host, Origin and CSRF are checked before the
//!   handler runs.
//! - **A route with its own authority** (a capability link, a webhook with a signature): add it
//!   to [`public_routes`]; it still gets the Host and Origin checks, and must authenticate by
//!   itself.
//! - **Reading or writing the database**: [`AppState::read`] / [`AppState::write`] run a closure
//!   on a `pcc_store::Store` on tokio's blocking pool; every SQL statement stays in pcc-store.

pub mod api;
pub mod auth;
pub mod capability;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod listen;
pub mod options;
mod secret;
mod serve;
pub mod state;
pub mod webhooks;

pub use error::ApiError;
pub use options::{ServeConfig, ServeError, TlsFiles};
pub use serve::Server;
pub use state::AppState;

use axum::Router;

/// The whole application: public and protected routes behind the Host/Origin gate.
pub fn router(state: AppState) -> Router {
    public_routes()
        .merge(protected_routes(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::gate::check,
        ))
        .with_state(state)
}

/// Routes anyone who reaches the server may call: logging in, the health check, and the routes
/// with their own authority (capability links, signed webhooks).
pub fn public_routes() -> Router<AppState> {
    auth::login::routes()
        .merge(api::public_routes())
        .merge(capability::routes())
        .merge(webhooks::routes())
}

/// Routes that need a caller ([`auth::Caller`]): the API, the event stream and the dashboard.
pub fn protected_routes(state: AppState) -> Router<AppState> {
    api::routes()
        .merge(events::routes())
        .merge(dashboard::routes())
        .route_layer(axum::middleware::from_fn_with_state(state, auth::require))
}
