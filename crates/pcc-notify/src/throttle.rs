//! Dedupe and rate-limit decisions — pure: the caller passes the recent sends (stored wherever
//! it likes, e.g. a SQLite table) and the current time, and stores [`RecentSend::of`] the
//! message when the answer is [`Decision::Send`].
//!
//! Per session (a message without a session is its own bucket, shared by all such messages):
//! - **dedupe**: a message whose dedupe key was sent for the same session less than
//!   `min_interval` ago is a [`Decision::Duplicate`]; at `min_interval` or later it is sent again;
//! - **rate cap**: a session that already had `max_per_interval` sends (any key) within
//!   `min_interval` is [`Decision::RateLimited`], except for [`Urgency::High`] messages, which
//!   are never crowded out by chatter (`max_per_interval = 0` disables the cap).
//!
//! A recent send stamped in the future (clock skew) counts as sent now.

use crate::config::NotifyConfig;
use crate::message::{Notification, Urgency};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A notification that was sent (what the caller stores).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentSend {
    /// Its session.
    pub session_id: Option<String>,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// When it was sent.
    pub at: Timestamp,
}

impl RecentSend {
    /// The record of sending `message` at `at`.
    pub fn of(message: &Notification, at: Timestamp) -> Self {
        Self {
            session_id: message.session_id.clone(),
            dedupe_key: message.dedupe_key.clone(),
            at,
        }
    }
}

/// The limits, usually from [`NotifyConfig`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRules {
    /// Window for both rules.
    pub min_interval: Duration,
    /// Most sends per session within the window (0: no cap).
    pub max_per_interval: u32,
}

impl From<&NotifyConfig> for ThrottleRules {
    fn from(config: &NotifyConfig) -> Self {
        Self {
            min_interval: config.min_interval(),
            max_per_interval: config.max_per_interval,
        }
    }
}

/// Whether to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Send it.
    Send,
    /// The same key was sent for this session at `last_sent`; allowed again at `next_allowed`.
    Duplicate {
        /// The previous send.
        last_sent: Timestamp,
        /// When the same key may be sent again.
        next_allowed: Timestamp,
    },
    /// The session reached its cap; a slot frees at `next_allowed`.
    RateLimited {
        /// Sends of this session within the window.
        sent_in_window: u32,
        /// When the next send is allowed.
        next_allowed: Timestamp,
    },
}

impl Decision {
    /// `true` for [`Decision::Send`].
    pub fn should_send(&self) -> bool {
        matches!(self, Self::Send)
    }
}

/// Decides for `message` at `now`, given the `recent` sends (any order; only those of the
/// message's session within the window matter, so the caller may pass more).
pub fn decide(
    message: &Notification,
    recent: &[RecentSend],
    now: Timestamp,
    rules: ThrottleRules,
) -> Decision {
    let window_ms = i64::try_from(rules.min_interval.as_millis()).unwrap_or(i64::MAX);
    if window_ms == 0 {
        return Decision::Send;
    }
    let now_ms = now.as_millisecond();
    // Send times (ms, future ones clamped to now) of this session within the window.
    let mut in_window: Vec<(i64, &RecentSend)> = recent
        .iter()
        .filter(|r| r.session_id == message.session_id)
        .map(|r| (r.at.as_millisecond().min(now_ms), r))
        .filter(|(at, _)| now_ms.saturating_sub(*at) < window_ms)
        .collect();
    in_window.sort_by_key(|(at, _)| *at);

    if let Some((last, _)) = in_window
        .iter()
        .rev()
        .find(|(_, r)| r.dedupe_key == message.dedupe_key)
    {
        return Decision::Duplicate {
            last_sent: at_ms(*last),
            next_allowed: at_ms(last.saturating_add(window_ms)),
        };
    }
    let cap = usize::try_from(rules.max_per_interval).unwrap_or(usize::MAX);
    if cap > 0 && message.urgency != Urgency::High && in_window.len() >= cap {
        // The send whose expiry brings the count below the cap.
        let freeing = in_window[in_window.len() - cap].0;
        return Decision::RateLimited {
            sent_in_window: u32::try_from(in_window.len()).unwrap_or(u32::MAX),
            next_allowed: at_ms(freeing.saturating_add(window_ms)),
        };
    }
    Decision::Send
}

fn at_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}
