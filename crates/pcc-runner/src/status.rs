//! The verdict on one child, apart from the outcome that carries it, so the stream reader
//! (which decides it) and the outcome (which reports it) both depend on it and not on each other.

use serde::Serialize;

/// The verdict on one child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildStatus {
    /// Exit 0, a `result` that is not an error, and the final message echoed the nonce.
    Succeeded,
    /// A non-zero exit, an error `result`, no `result` at all, or the program did not start.
    Failed,
    /// The timeout passed; the group was terminated. Partial output is kept.
    TimedOut,
    /// Cancelled by the caller; the group was terminated. Partial output is kept.
    Cancelled,
    /// A usage or rate limit stopped the child; see [`ChildOutcome::rate_limit`](crate::ChildOutcome::rate_limit).
    RateLimited,
    /// The child ended cleanly but its final message lacks the nonce line: the task may not be
    /// done, so it is never counted as succeeded.
    Unverified,
}
