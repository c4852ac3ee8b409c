//! `pcc-hooks stop <session> [--grace SECONDS] [--json]`: ends a session started with
//! `pcc-hooks start`, its whole process group (`pcc_supervisor::stop`). Sessions we did not start
//! are refused: they are not ours to signal.

use crate::cli::StopArgs;
use crate::error::HookError;
use crate::session_lookup::short_id;
use crate::term::emit;
use pcc_core::paths::DataDir;
use pcc_store::Store;
use serde::Serialize;
use std::time::Duration;

#[derive(Serialize)]
struct StoppedJson<'a> {
    session_id: &'a str,
    state: &'static str,
    killed: bool,
    exit_code: Option<i32>,
    exit_signal: Option<i32>,
}

/// Stops the one started session `args.session` names.
pub fn run(args: &StopArgs) -> Result<(), HookError> {
    let data = DataDir::from_env()?;
    let mut store = Store::open(&data.database())?;
    let id = resolve(&store, &args.session)?;
    let stopped = pcc_supervisor::stop(&mut store, &id, Duration::from_secs(args.grace))?;
    let session = &stopped.session;
    if args.json {
        let json = StoppedJson {
            session_id: &session.plan.id,
            state: session.state.as_str(),
            killed: stopped.killed,
            exit_code: session.exit_code,
            exit_signal: session.exit_signal,
        };
        let text = serde_json::to_string_pretty(&json)
            .map_err(|error| HookError::new(format!("cannot encode the stop: {error}")))?;
        return emit(&format!("{text}\n"));
    }
    let how = if stopped.killed {
        format!("SIGKILL: it outlived SIGTERM by {} s", args.grace)
    } else {
        "SIGTERM".to_owned()
    };
    emit(&format!(
        "stopped session {} ({how}); its log: {}\n",
        short_id(&session.plan.id),
        session.plan.log_path
    ))
}

/// The full id of the one started session whose id starts with `prefix`.
fn resolve(store: &Store, prefix: &str) -> Result<String, HookError> {
    if prefix.is_empty() {
        return Err(HookError::new("the session id is empty"));
    }
    let mut matches = store.started_sessions_matching(prefix)?;
    match matches.len() {
        1 => Ok(matches.remove(0).plan.id),
        0 if !store.sessions_matching(prefix)?.is_empty() => Err(HookError::new(format!(
            "session '{prefix}' was not started by `pcc-hooks start`: it is not ours to stop \
             (end it where it runs)"
        ))),
        0 => Err(HookError::new(format!(
            "no started session matches '{prefix}'; `pcc-hooks status` lists them"
        ))),
        count => Err(HookError::new(format!(
            "'{prefix}' matches {count} started sessions ({}); give more of the id",
            matches
                .iter()
                .map(|session| session.plan.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
