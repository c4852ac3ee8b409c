//! `GET /api/status`: the document `pcc-hooks status --json` prints, byte for byte, because it
//! is that command's output.
//!
//! `status` gathers more than the database: the failure log, the config files in force for
//! every known project (read the way the hook reads them) and the liveness of schedulers and
//! their `claude`s. That code belongs to the hook binary, and running it is the one way the two
//! doors cannot drift apart. It costs one short process per request; the event stream, not
//! polling this, is how a page stays current.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::process::Stdio;
use std::time::Duration;

/// How long `status --json` may take.
const STATUS_TIMEOUT: Duration = Duration::from_secs(15);

/// The handler: `status --json`'s document; 503 when the database cannot be read (the document
/// then says why in `database_error`, as the CLI's exit code 1 does).
pub async fn get(State(state): State<AppState>) -> Result<Response, ApiError> {
    let program = state.hooks_program();
    let mut command = tokio::process::Command::new(program);
    command
        .args(["status", "--json"])
        .env(pcc_core::paths::PCC_HOME_ENV, state.data().root())
        // Not the server's own directory: its project config is nobody's business here.
        .current_dir(state.data().root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(STATUS_TIMEOUT, command.output())
        .await
        .map_err(|_| {
            ApiError::internal(format!(
                "`{} status --json` gave no answer within {} s",
                program.display(),
                STATUS_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| {
            ApiError::internal(format!(
                "cannot run `{} status --json`: {error} (install pcc-hooks beside pcc-serve)",
                program.display()
            ))
        })?;
    let readable = serde_json::from_slice::<serde_json::Value>(&output.stdout).is_ok();
    if !readable {
        return Err(ApiError::internal(format!(
            "`{} status --json` printed no JSON (exit {})",
            program.display(),
            output.status
        )));
    }
    let status = if output.status.success() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/json")],
        output.stdout,
    )
        .into_response())
}
