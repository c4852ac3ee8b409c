//! Unattended sessions we start ourselves (`pcc-hooks start`, the dashboard's "New session"):
//! one `claude -p` in a project, with our hooks, under supervision.
//!
//! - [`start`] checks the request (a directory, a `claude` that runs, a task), chooses the
//!   session's id (`claude --session-id`), records the start and its tasks in one transaction
//!   (the first task is the prompt; the rest are queued for the session, and the Stop hook hands
//!   them over one per stop), and starts a supervisor process.
//! - The supervisor ([`supervise`], the hidden `pcc-hooks supervise <id>`) starts `claude` as the
//!   leader of its own process group, records its pid and start stamp
//!   ([`process::ProcessStamp`]), writes its output redacted to `<data>/sessions/<id>.log`
//!   (0600), waits for it and records how it ended. It is its own process, detached from the
//!   caller, so the session outlives a terminal or a server restart and nothing is a zombie.
//! - [`stop`] ends a session's whole group (SIGTERM, a grace period, SIGKILL) and records it; it
//!   refuses a session that has ended and never signals a pid that now names another process.
//! - [`shown`] is what `status` says of a started session; [`progress`] renders the log's
//!   stream-json lines for a human.
//!
//! Every SQL statement is in `pcc-store` (`started_sessions.rs`); this crate decides when to
//! write what.

mod clock;
mod error;
mod files;
pub mod process;
pub mod progress;
mod request;
mod shown;
mod start;
mod stop;
mod supervise;

pub use error::Error;
pub use files::{log_path, sessions_dir};
pub use request::{StartRequest, Work};
pub use shown::{Shown, shown};
pub use start::{Launcher, SUPERVISE_COMMAND, Started, Supervisor, start};
pub use stop::{DEFAULT_STOP_GRACE, Stopped, stop};
pub use supervise::{Handshake, Supervised, supervise};
