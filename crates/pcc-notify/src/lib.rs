//! Notification channels for pcc-hooks: when something needs a human (a HIGH-risk permission
//! denied while unattended, a question the brain could not answer, a failed resume) or Claude
//! Code sends a `Notification` hook, tell them wherever they are.
//!
//! - [`message`]: what is notified ([`Notification`]);
//! - [`config`]: the `[notify]` section of config.toml ([`NotifyConfig`]);
//! - [`format`](mod@format): the webhook bodies (generic JSON, ntfy, Slack, Discord);
//! - [`desktop`]: `notify-send` / `osascript`, argument vectors only, skipped when absent;
//! - [`bell`]: BEL to `/dev/tty`;
//! - [`throttle`]: pure dedupe and rate-limit decisions over recent sends the caller stores;
//! - [`send`](mod@send): every channel in parallel within one bounded time, one [`Delivery`]
//!   each, never an error;
//! - [`job`]: the JSON hand-off to a detached `pcc-hooks notify send-json` child.
//!
//! A typical hook-side flow:
//!
//! ```no_run
//! # fn recent_sends() -> Vec<pcc_notify::RecentSend> { Vec::new() }
//! use pcc_notify::{Notification, NotifyConfig, NotifyKind, SendJob, Urgency, throttle};
//! let config = NotifyConfig::default();
//! let now = jiff::Timestamp::now();
//! let message = Notification::new(NotifyKind::Escalation, "Permission denied", "rm -rf build", now)
//!     .with_session("abc")
//!     .with_urgency(Urgency::High);
//! if throttle::decide(&message, &recent_sends(), now, (&config).into()).should_send() {
//!     // store pcc_notify::RecentSend::of(&message, now), then:
//!     let exe = std::env::current_exe()?;
//!     let _child = pcc_notify::spawn_detached_sender(&exe, &SendJob::new(config, message))?;
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Unix only (process groups, executable bits).

pub mod bell;
pub mod config;
pub mod desktop;
pub mod format;
pub mod job;
pub mod message;
pub mod send;
pub mod throttle;

pub use config::{ConfigError, NotifyConfig, WebhookConfig, WebhookFormat};
pub use desktop::Platform;
pub use job::{RecordTarget, SEND_JSON_ARGS, SendJob, spawn_detached_sender};
pub use message::{EscalationLinks, Notification, NotifyKind, Urgency};
pub use send::{Delivery, SendEnv, send};
pub use throttle::{Decision, RecentSend, ThrottleRules};
