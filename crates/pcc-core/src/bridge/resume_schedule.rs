//! When to resume a session stopped by a usage limit, and when to try again after a failed resume.

/// Resume runs that may fail before the resume is given up and a human is asked.
pub const MAX_RESUME_ATTEMPTS: i64 = 5;

/// The first retry after a failed resume; each further one waits twice as long.
pub const FIRST_RETRY_DELAY_MS: i64 = 60_000;

/// When to resume: the reset plus a grace (the message rounds to the minute; servers lag), but
/// never in the past, so a reset read late is due at once and runs once.
pub fn due_after_reset(resets_at_ms: i64, now_ms: i64, grace_ms: i64) -> i64 {
    resets_at_ms.saturating_add(grace_ms).max(now_ms)
}

/// When to retry after the `attempts`-th run failed (1 min, 2, 4, 8 …), or `None` to give up.
pub fn retry_after_failure(attempts: i64, now_ms: i64) -> Option<i64> {
    if attempts >= MAX_RESUME_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).max(0))
        .unwrap_or(u32::MAX)
        .min(16);
    Some(now_ms.saturating_add(FIRST_RETRY_DELAY_MS.saturating_mul(1_i64 << doublings)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_is_the_reset_plus_grace_never_the_past() {
        assert_eq!(due_after_reset(10_000, 0, 60_000), 70_000);
        assert_eq!(
            due_after_reset(10_000, 500_000, 60_000),
            500_000,
            "read late: due now"
        );
    }

    #[test]
    fn retries_back_off_then_give_up() {
        assert_eq!(retry_after_failure(1, 0), Some(60_000));
        assert_eq!(retry_after_failure(2, 0), Some(120_000));
        assert_eq!(retry_after_failure(4, 1), Some(480_001));
        assert_eq!(retry_after_failure(MAX_RESUME_ATTEMPTS, 0), None);
    }
}
