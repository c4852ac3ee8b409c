//! `/config`: the configuration in force, read-only, as `pcc-hooks config show` prints it —
//! because it is that command's output, run from the data directory (so only the global file
//! applies): the same view, with webhook URLs and header values already shown as
//! `[REDACTED]`, passed through `pcc_core::redact` once more before it reaches the page.

use super::forms::{Failure, Shown};
use super::layout::{self, Section};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;
use std::process::Stdio;
use std::time::Duration;

/// How long `config show` may take.
const CONFIG_TIMEOUT: Duration = Duration::from_secs(15);

/// `GET /config`.
pub async fn page(State(state): State<AppState>, caller: Caller) -> Shown {
    let program = state.hooks_program();
    let mut command = tokio::process::Command::new(program);
    command
        .args(["config", "show"])
        .env(pcc_core::paths::PCC_HOME_ENV, state.data().root())
        .current_dir(state.data().root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(CONFIG_TIMEOUT, command.output())
        .await
        .map_err(|_| {
            ApiError::internal(format!(
                "`{} config show` gave no answer within {} s",
                program.display(),
                CONFIG_TIMEOUT.as_secs()
            ))
        })
        .and_then(|output| {
            output.map_err(|error| {
                ApiError::internal(format!(
                    "cannot run `{} config show`: {error} (install pcc-hooks beside pcc-serve)",
                    program.display()
                ))
            })
        })
        .map_err(|error| Failure::from(error).shown_to(&caller))?;
    let shown = pcc_core::redact::redact(&String::from_utf8_lossy(&output.stdout));
    let problem = (!output.status.success())
        .then(|| pcc_core::redact::redact(String::from_utf8_lossy(&output.stderr).trim()));
    let pending = state
        .read(|store| match store {
            Some(store) => Ok(store.pending_escalation_count()?),
            None => Ok(0),
        })
        .await
        .ok();
    let body = html! {
        p.lead {
            "Read-only. Edit " code { (state.data().config().display()) } " to change it; "
            "secrets (webhook URLs, header values) are never shown."
        }
        @if let Some(problem) = problem { p.error role="alert" { (problem) } }
        pre.config { (shown) }
    };
    Ok(layout::page(&caller, Section::Config, "Config", pending, body).into_response())
}
