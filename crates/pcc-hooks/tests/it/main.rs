//! pcc-hooks' integration tests, one binary (each test file was its own linked binary): every
//! module drives the built `pcc-hooks` (`CARGO_BIN_EXE_pcc-hooks`) against real SQLite files.
//!
//! - `hook_fixtures`, `hook_failures`, `fail_closed`, `packaging`: the hook protocol, bad input,
//!   failing closed, the registered hooks.
//! - `brain_hooks`, `deferred_calls`, `human_bridge`, `notifications`: brains, deferral, the human
//!   bridge and the queue, notifications.
//! - `contain`, `contained_calls`: containment; `data_dir`: our data directory wherever it is.
//! - `scheduler`, `status`: resumes, `status`.
//! - `logs`: `logs --follow` on a transcript that grows.
//! - `started`: `start`, `stop` and the supervisor of started sessions.
//! - `webhooks_log`: `webhooks log`, the deliveries the server recorded.
//! - `concurrency`, `crash`, `faults`: storms, kills and injected faults.

mod common;

mod brain_hooks;
mod concurrency;
mod contain;
mod contained_calls;
mod crash;
mod data_dir;
mod deferred_calls;
mod fail_closed;
mod faults;
mod hook_failures;
mod hook_fixtures;
mod human_bridge;
mod logs;
mod low_path;
mod notifications;
mod packaging;
mod scheduler;
mod started;
mod status;
mod webhooks_log;
