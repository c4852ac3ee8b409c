//! Starting `claude`, and spawning and supervising one headless `claude -p` child for
//! `execute_task_list`.
//!
//! [`ClaudeCommand`] is the one argument vector and environment every `claude` of ours is started
//! with (a task of a list, a resume by `pcc-hooks scheduler`): headless, unattended, and without
//! the launching session's variables ([`STRIPPED_VARIABLES`]).
//!
//! [`run_child`] starts that command (never a shell) and writes the prompt to its stdin (any size
//! Claude accepts: an argument is capped by the OS), in its own process group, with
//! `PCC_MODE=unattended` and the caller's extra environment. It reads stdout line by line and
//! stderr at the same time (so a child writing megabytes never blocks on a full pipe), reports
//! progress as [`ChildEvent`]s, enforces the timeout and honours cancellation by signalling the
//! whole group (SIGTERM, a grace period, SIGKILL), and keeps the partial output.
//!
//! Every prompt carries a per-run [`TaskNonce`]: a run is [`ChildStatus::Succeeded`] only when the
//! child exited 0, its `result` is not an error, and the final message echoes the nonce line; a
//! clean run without it is [`ChildStatus::Unverified`].
//!
//! A child stopped by a usage limit ends [`ChildStatus::RateLimited`] with the
//! [`pcc_limits::LimitSignal`]; [`run_until_done`] waits for the reset (through an injectable
//! [`Clock`]) and resumes the session with `--resume`.

mod cancel;
mod command;
mod limits_loop;
mod nonce;
mod outcome;
mod signals;
mod spawn;
mod spec;
mod status;
mod stream;
mod tail;

pub use cancel::CancelToken;
pub use command::{ClaudeCommand, HOME_VARIABLE, MODE_VARIABLE, STRIPPED_VARIABLES};
pub use limits_loop::{Clock, ResumePolicy, SystemClock, run_until_done};
pub use nonce::TaskNonce;
pub use outcome::ChildOutcome;
pub use spawn::run_child;
pub use spec::{ChildSpec, DEFAULT_GRACE, DEFAULT_TIMEOUT};
pub use status::ChildStatus;
pub use stream::ChildEvent;
