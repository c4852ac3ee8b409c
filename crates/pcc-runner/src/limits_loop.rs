//! Waiting out usage limits: run, pause until the reset, resume the session, until done.

use crate::cancel::CancelToken;
use crate::outcome::ChildOutcome;
use crate::spawn::run_child;
use crate::spec::ChildSpec;
use crate::status::ChildStatus;
use crate::stream::ChildEvent;
use jiff::Timestamp;
use std::future::Future;
use std::time::Duration;

/// The time source of [`run_until_done`], injectable so tests do not wait for real.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Timestamp;
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
}

/// The real clock: [`Timestamp::now`] and [`tokio::time::sleep`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(duration)
    }
}

/// How [`run_until_done`] handles limits.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumePolicy {
    /// Most waits for a subscription limit's reset before giving up (the outcome stays
    /// `RateLimited`).
    pub max_pauses: u32,
    /// Added to the reset instant before resuming (the reset is to the second; be a little late).
    pub reset_grace: Duration,
    /// Longest wait for one reset; a reset further away ends the loop as `RateLimited`.
    pub max_wait: Duration,
    /// Most retries after a limit without a reset time (an API-key 429).
    pub max_backoffs: u32,
    /// The first backoff; each further one doubles, up to `max_backoff`.
    pub backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The prompt of a resumed run (`--resume <session>`); the nonce instruction is added.
    pub continue_prompt: String,
}

impl Default for ResumePolicy {
    fn default() -> Self {
        ResumePolicy {
            max_pauses: 3,
            reset_grace: Duration::from_secs(30),
            max_wait: Duration::from_secs(8 * 24 * 60 * 60),
            max_backoffs: 5,
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(10 * 60),
            continue_prompt: "You were interrupted by a usage limit, which has now reset. \
                              Continue the task from where you stopped."
                .to_owned(),
        }
    }
}

/// Runs `spec` like [`run_child`], but a child stopped by a usage limit is not the end: the loop
/// waits until the limit resets (plus `reset_grace`) and runs the child again with
/// `--resume <its session id>` and the policy's continue prompt (a new nonce each run). A limit
/// without a reset (an API-key 429) is retried after a short, doubling backoff. Both are
/// bounded; past the bounds, or when a reset is unknown for a subscription limit, the last
/// `RateLimited` outcome is returned.
///
/// Waits go through `clock` and end early on `cancel` (the outcome is then `Cancelled`). Each
/// wait is announced as [`ChildEvent::Paused`]. The returned outcome is the last run's, with
/// `resumes` counting the runs after the first, and `cost_usd` summed over all runs.
pub async fn run_until_done<C: Clock>(
    spec: ChildSpec,
    policy: &ResumePolicy,
    clock: &C,
    mut events: impl FnMut(ChildEvent),
    cancel: &CancelToken,
) -> ChildOutcome {
    let mut spec = spec;
    let mut pauses = 0u32;
    let mut backoffs = 0u32;
    let mut resumes = 0u32;
    let mut cost: Option<f64> = None;
    loop {
        let mut outcome = run_child(spec.clone(), &mut events, cancel).await;
        cost = match (cost, outcome.cost_usd) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        outcome.cost_usd = cost;
        outcome.resumes = resumes;
        if outcome.status != ChildStatus::RateLimited {
            return outcome;
        }
        let Some(signal) = outcome.rate_limit.clone() else {
            return outcome;
        };
        let wait = match signal.resets_at {
            Some(reset) => {
                pauses += 1;
                if pauses > policy.max_pauses {
                    return outcome;
                }
                let until_reset = clock.now().duration_until(reset);
                let until_reset = Duration::try_from(until_reset).unwrap_or(Duration::ZERO);
                if until_reset > policy.max_wait {
                    return outcome;
                }
                until_reset + policy.reset_grace
            }
            None if signal.kind.is_backoff_only() => {
                backoffs += 1;
                if backoffs > policy.max_backoffs {
                    return outcome;
                }
                let factor = 1u32.checked_shl(backoffs - 1).unwrap_or(u32::MAX);
                policy
                    .backoff
                    .saturating_mul(factor)
                    .min(policy.max_backoff)
            }
            // A subscription limit with no known reset: nothing sensible to wait for here.
            None => return outcome,
        };
        events(ChildEvent::paused(
            signal.resets_at,
            wait,
            pauses + backoffs,
        ));
        tokio::select! {
            () = clock.sleep(wait) => {}
            () = cancel.cancelled() => {
                outcome.status = ChildStatus::Cancelled;
                outcome.error = Some("cancelled while waiting for a usage limit to reset".to_owned());
                return outcome;
            }
        }
        if let Some(session) = outcome.session_id.clone() {
            spec.resume_session = Some(session);
            spec.prompt.clone_from(&policy.continue_prompt);
        }
        resumes += 1;
    }
}
