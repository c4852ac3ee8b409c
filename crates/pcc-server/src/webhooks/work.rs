//! The work an accepted delivery's rule asks for, done after the delivery is recorded and
//! answered, through the same functions as a human's request:
//! - `queue`: `pcc_control::queue::add` for the project, as `pcc-hooks add` does;
//! - `start`: `pcc_supervisor::start`, as `pcc-hooks start --detach` does;
//! - `task_list`: `pcc_control::lists::submit`, as `execute_task_list` with `wait: false`.
//!
//! The work is claimed first (`pending` → `working`, once), so a delivery's work is done at
//! most once even when a restart's recovery and the handler that recorded it race.

use crate::api::now_ms;
use crate::state::AppState;
use pcc_control::queue::{self, Target};
use pcc_control::{lists, programs};
use pcc_store::{ClaimedWork, Store, StoreError, WebhookOutcome};
use pcc_supervisor::{Launcher, StartRequest, Work};
use std::path::Path;

/// Does delivery `id`'s work in the background.
pub(crate) fn start(state: AppState, id: i64) {
    tokio::task::spawn_blocking(move || {
        if let Err(error) = run(&state, id) {
            tracing::error!(id, %error, "a webhook delivery's work could not be recorded");
        }
    });
}

/// At a server's start: what the previous server recorded and never began is done now; what it
/// had begun is marked interrupted by the store and left alone.
pub(crate) fn recover(state: AppState) {
    tokio::task::spawn_blocking(move || {
        let database = state.data().database();
        let pending = Store::open_existing(&database).and_then(|store| match store {
            Some(mut store) => store.recover_webhook_work(now_ms()),
            None => Ok(Vec::new()),
        });
        match pending {
            Ok(pending) => {
                for id in pending {
                    if let Err(error) = run(&state, id) {
                        tracing::error!(id, %error, "a webhook delivery's work could not be recorded");
                    }
                }
            }
            Err(error) => tracing::error!(%error, "cannot look for webhook work left undone"),
        }
    });
}

/// Claims delivery `id`'s work, does it and records what it became.
fn run(state: &AppState, id: i64) -> Result<(), StoreError> {
    let mut store = Store::open(&state.data().database())?;
    let Some(claimed) = store.claim_webhook_work(id)? else {
        return Ok(());
    };
    let (outcome, work, detail) = match claimed.work.action {
        pcc_core::config::WebhookAction::Queue => queued(&mut store, &claimed),
        pcc_core::config::WebhookAction::Start => started(state, &claimed),
        pcc_core::config::WebhookAction::TaskList => listed(state, &claimed),
    };
    if outcome == WebhookOutcome::Failed {
        tracing::warn!(
            id,
            detail = detail.as_deref().unwrap_or(""),
            "webhook work failed"
        );
    }
    store.finish_webhook_work(id, outcome, work.as_deref(), detail.as_deref(), now_ms())
}

type Done = (WebhookOutcome, Option<String>, Option<String>);

fn failed(why: impl std::fmt::Display) -> Done {
    (WebhookOutcome::Failed, None, Some(why.to_string()))
}

/// Queued for the project's next session to stop, with the delivery as the task's source.
fn queued(store: &mut Store, claimed: &ClaimedWork) -> Done {
    let target = match Target::project(Path::new(&claimed.work.project)) {
        Ok(target) => target,
        Err(error) => return failed(format!("the rule's project: {error}")),
    };
    let source = format!("webhook:{}:{}", claimed.source, claimed.delivery_id);
    match queue::add(
        store,
        &target.tasks([(claimed.work.prompt.clone(), source)]),
        now_ms(),
    ) {
        Ok(added) => match added.first() {
            Some(task) => (
                WebhookOutcome::Queued,
                Some(task.id.to_string()),
                task.already_queued
                    .then(|| format!("the same task was already queued as #{}", task.id)),
            ),
            None => failed("nothing was queued"),
        },
        Err(error) => failed(error),
    }
}

/// A session started in the project with the prompt, supervised and detached.
fn started(state: &AppState, claimed: &ClaimedWork) -> Done {
    let launcher = Launcher {
        data: state.data().clone(),
        claude: programs::claude_program(),
        supervisor: state.hooks_program().to_path_buf(),
    };
    let request = StartRequest {
        dir: claimed.work.project.clone().into(),
        work: Work::Task(claimed.work.prompt.clone()),
        model: None,
    };
    match pcc_supervisor::start(&launcher, &request) {
        Ok(started) => {
            let id = started.session_id.clone();
            started.supervisor.detach();
            (WebhookOutcome::Started, Some(id), None)
        }
        Err(error) => failed(error),
    }
}

/// A task list of the prompt, run in the project by a detached worker.
fn listed(state: &AppState, claimed: &ClaimedWork) -> Done {
    match lists::submit(
        &state.data().database(),
        Path::new(&claimed.work.project),
        std::slice::from_ref(&claimed.work.prompt),
        &programs::mcp_program(),
        now_ms(),
    ) {
        Ok(submitted) => (
            WebhookOutcome::Listed,
            Some(submitted.list_id.to_string()),
            None,
        ),
        Err(error) => failed(error),
    }
}
