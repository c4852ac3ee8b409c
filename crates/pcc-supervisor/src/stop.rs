//! Stopping a started session: its whole process group, SIGTERM, a grace period, SIGKILL.
//!
//! Only a session we started (its row names its `claude` by pid and start stamp) and only while
//! it runs; a pid that now names another process is never signalled. The stop is noted before
//! the signal, so the supervisor records the end as a stop; a session whose supervisor is gone
//! is recorded here.

use crate::clock::now_ms;
use crate::error::Error;
use crate::process::{self, GroupStop};
use crate::shown::short_id;
use pcc_store::{StartedSession, StartedState, Store};
use std::time::{Duration, Instant};

/// How long a session told to stop (SIGTERM) has before SIGKILL.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// How long the supervisor has, once its `claude` is gone, to record the end.
const RECORD_WAIT: Duration = Duration::from_secs(5);

/// How often the store is looked at while the supervisor records.
const RECORD_POLL: Duration = Duration::from_millis(20);

/// What a stop did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The session, as recorded after the stop.
    pub session: StartedSession,
    /// Whether the group needed SIGKILL (it outlived its grace).
    pub killed: bool,
}

/// Stops session `id` (a full id: the caller resolves prefixes) and records it.
pub fn stop(store: &mut Store, id: &str, grace: Duration) -> Result<Stopped, Error> {
    let Some(session) = store.started_session(id)? else {
        return Err(Error::refused(format!(
            "session {id} was not started by `pcc-hooks start`: it is not ours to stop"
        )));
    };
    if session.state.is_ended() {
        return Err(already_ended(&session));
    }
    let supervised = session.supervisor.as_ref().is_some_and(process::is_running);
    let Some(child) = session.child.clone() else {
        // Recorded, its claude not started yet: the supervisor sees the stop and ends it.
        store.request_stop(id, now_ms())?;
        let session = await_record(store, id, true, grace + RECORD_WAIT)?;
        return Ok(Stopped {
            session,
            killed: false,
        });
    };
    if process::stamp_of(child.pid).is_some_and(|now| now != child) {
        if !supervised {
            store.record_start_lost(id, now_ms())?;
        }
        return Err(Error::refused(format!(
            "session {}'s claude (pid {}) has ended, and pid {} now belongs to another process: \
             nothing was signalled",
            short_id(id),
            child.pid,
            child.pid
        )));
    }
    store.request_stop(id, now_ms())?;
    let stopped = process::stop_group(&child, grace);
    let session = await_record(store, id, supervised, RECORD_WAIT)?;
    Ok(Stopped {
        session,
        killed: stopped == GroupStop::Killed,
    })
}

/// The session once its end is recorded: by its supervisor within `wait`, else (no supervisor,
/// or one that does not record) here.
fn await_record(
    store: &mut Store,
    id: &str,
    supervised: bool,
    wait: Duration,
) -> Result<StartedSession, Error> {
    let deadline = Instant::now() + if supervised { wait } else { Duration::ZERO };
    loop {
        let session = store.started_session(id)?;
        match session {
            Some(session) if session.state.is_ended() => return Ok(session),
            Some(_) if Instant::now() < deadline => std::thread::sleep(RECORD_POLL),
            Some(_) => {
                store.record_start_lost(id, now_ms())?;
                return store.started_session(id)?.ok_or_else(|| {
                    Error::refused(format!("session {id} disappeared from the database"))
                });
            }
            None => {
                return Err(Error::refused(format!(
                    "session {id} disappeared from the database"
                )));
            }
        }
    }
}

fn already_ended(session: &StartedSession) -> Error {
    let how = match (session.state, session.exit_code, session.exit_signal) {
        (StartedState::Exited, Some(code), _) => format!("exited with {code}"),
        (StartedState::Exited, None, Some(signal)) => format!("ended by signal {signal}"),
        (StartedState::Failed, ..) => format!(
            "could not start: {}",
            session.error.as_deref().unwrap_or("no reason recorded")
        ),
        (state, ..) => state.to_string(),
    };
    Error::refused(format!(
        "session {} has already ended ({how}): nothing to stop",
        short_id(&session.plan.id)
    ))
}
