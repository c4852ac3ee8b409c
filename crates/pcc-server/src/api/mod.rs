//! The JSON API, one file per resource. Every document mirrors the CLI's `--json` output (the
//! same types, from `pcc-control`), so a script can switch doors without changing its parsing.

pub mod health;

use crate::state::AppState;
use axum::Router;
use axum::routing::get;

/// Routes reachable without a credential.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/api/health", get(health::get))
}

/// Routes that need a caller (see `auth::require`).
pub fn routes() -> Router<AppState> {
    Router::new().merge(crate::auth::login::protected_routes())
}
