//! What `status` says of a started session: working or ended, and how it ended.
//!
//! The store says what was recorded; the processes say whether that still holds. A session
//! recorded running whose supervisor and `claude` are both gone (killed with the machine, say)
//! ended without anyone recording it: it is shown `ended`, `lost`, rather than working forever.

use crate::process;
use pcc_store::{StartedSession, StartedState};

/// How long a start may stay `starting` (its supervisor launching `claude`) before a start with
/// no supervisor is taken to be lost.
const STARTING_MS: i64 = 60_000;

/// A started session as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// Still running (or about to).
    pub working: bool,
    /// How it ended, when it has: the stored state, or `lost` when its processes are gone
    /// without an end recorded.
    pub outcome: Option<StartedState>,
}

impl Shown {
    /// `working` or `ended`.
    pub fn as_str(&self) -> &'static str {
        if self.working { "working" } else { "ended" }
    }
}

/// What `session` is now, at `now_ms`.
pub fn shown(session: &StartedSession, now_ms: i64) -> Shown {
    let ended = |outcome| Shown {
        working: false,
        outcome: Some(outcome),
    };
    match session.state {
        state if state.is_ended() => ended(state),
        StartedState::Starting if session.supervisor.is_none() => {
            if now_ms - session.created_ms > STARTING_MS {
                ended(StartedState::Lost)
            } else {
                Shown {
                    working: true,
                    outcome: None,
                }
            }
        }
        _ => {
            let alive = [&session.supervisor, &session.child]
                .into_iter()
                .flatten()
                .any(process::is_running)
                // What the leader started may outlive it in its group; a group whose leader's pid
                // names another process now is not this session's.
                || session.child.as_ref().is_some_and(|child| {
                    process::stamp_of(child.pid).is_none() && process::group_exists(child.pid)
                });
            if alive {
                Shown {
                    working: true,
                    outcome: None,
                }
            } else {
                ended(StartedState::Lost)
            }
        }
    }
}

/// The first 8 characters of a session id, as `status` shows it.
pub(crate) fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
