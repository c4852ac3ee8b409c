//! `/sessions/new`: start an unattended session, as `pcc-hooks start DIR --task T [--model M]
//! --detach` does: `pcc_supervisor::start` checks the request (nothing is recorded when the
//! directory, `claude` or the task is unusable), records the session and starts its supervisor,
//! the `pcc-hooks` beside this server; the page then shows the new session.

use super::forms::{Failure, Shown, blocking, done};
use super::layout::{self, Section, csrf_field, segment};
use crate::auth::Caller;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::response::IntoResponse;
use maud::html;
use pcc_supervisor::{Launcher, StartRequest, Work};
use serde::Deserialize;
use std::path::PathBuf;

/// `GET /sessions/new`.
pub async fn form(State(state): State<AppState>, caller: Caller) -> Shown {
    let pending = state
        .read(|store| match store {
            Some(store) => Ok(store.pending_escalation_count()?),
            None => Ok(0),
        })
        .await
        .ok();
    let body = html! {
        p.lead {
            "Starts " code { "claude -p" } " in the directory, unattended, with the pcc-hooks hooks, "
            "supervised: its own process group, its output in the data directory's "
            code { "sessions/" } ". The same as " code { "pcc-hooks start DIR --task … --detach" } "."
        }
        form.stack method="post" action="/sessions/new" {
            (csrf_field(&caller))
            label for="new-dir" { "Project directory (absolute path on this machine)" }
            input #new-dir name="dir" type="text" required autocomplete="off" spellcheck="false";
            label for="new-task" { "Task: what Claude should do" }
            textarea #new-task name="task" rows="4" required {}
            label for="new-model" { "Model (optional, e.g. sonnet)" }
            input #new-model name="model" type="text" autocomplete="off" spellcheck="false";
            button type="submit" { "Start the session" }
        }
    };
    Ok(layout::page(&caller, Section::NewSession, "New session", pending, body).into_response())
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct NewSessionForm {
    dir: String,
    task: String,
    #[serde(default)]
    model: String,
}

/// The Claude Code program, as `pcc-hooks start` finds it: `$PCC_CLAUDE_BIN`, else `claude` on
/// `PATH`.
fn claude_program() -> PathBuf {
    std::env::var_os("PCC_CLAUDE_BIN")
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from("claude"), PathBuf::from)
}

/// `POST /sessions/new`: starts it, then shows its page.
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<NewSessionForm>,
) -> Shown {
    let launcher = Launcher {
        data: state.data().clone(),
        claude: claude_program(),
        supervisor: state.hooks_program().to_path_buf(),
    };
    let model = form.model.trim();
    let request = StartRequest {
        dir: PathBuf::from(form.dir.trim()),
        work: Work::Task(form.task),
        model: (!model.is_empty()).then(|| model.to_owned()),
    };
    let session_id = blocking(move || {
        let started = pcc_supervisor::start(&launcher, &request).map_err(refused)?;
        let id = started.session_id.clone();
        // The supervisor runs on its own; a thread of this server reaps it when it exits.
        started.supervisor.detach();
        Ok(id)
    })
    .await
    .map_err(|failure| failure.shown_to(&caller))?;
    Ok(done(&format!("/sessions/{}", segment(&session_id))))
}

/// A start's error with the status it deserves: a refused request is the human's to fix (400),
/// anything else ours (500).
fn refused(error: pcc_supervisor::Error) -> Failure {
    use crate::error::ApiError;
    match error {
        pcc_supervisor::Error::Refused(message) => Failure::from(ApiError::bad_request(message)),
        pcc_supervisor::Error::Store(error) => Failure::from(error),
        other => Failure::from(ApiError::internal(other.to_string())),
    }
}
