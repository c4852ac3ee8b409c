//! What a human does to a running pcc-hooks — answer an escalation, queue or remove a task,
//! pause a session, cancel or resume a task list, start a scheduler — and the documents they
//! read (`pending`, `queue`, `lists`, `decisions`, an answer's outcome).
//!
//! Two doors lead here: the `pcc-hooks` CLI and the `pcc-server` API. Both call these functions
//! and serialise these types, so the two can never disagree on what an answer does or what a
//! field is called. The rules are `pcc-core`'s, the transactions `pcc-store`'s; this crate
//! ties them to a human's request. It links no async runtime or server: the hook binary
//! depends on it.

pub mod answer;
pub mod capability;
pub mod decisions;
mod error;
pub mod lists;
pub mod pending;
pub mod programs;
pub mod queue;
pub mod scheduler;
pub mod server_lock;
pub mod sessions;
pub mod time;

pub use error::ControlError;
