//! Failed logins, rate-limited per client address: a token bucket of [`BURST`] failures that
//! refills one every [`REFILL`]. An address with an empty bucket is refused (429) before its
//! credential is even looked at, so guessing stays slow whether the guesses are right or wrong.
//!
//! Hand-written rather than `governor`: governor counts every attempt, while only failures may
//! cost here (a script with the right token makes many requests), and a refusal must be decided
//! without spending anything. A few lines over a map do exactly that.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an address may make in a row.
pub const BURST: f64 = 5.0;
/// One more failure is allowed after this long.
pub const REFILL: Duration = Duration::from_secs(12);
/// Past this many tracked addresses, full buckets are forgotten (a flood of addresses cannot
/// grow the map without bound: a full bucket is the same as none).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> Bucket {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() / REFILL.as_secs_f64();
        Bucket {
            tokens: (self.tokens + gained).min(BURST),
            at: now,
        }
    }
}

/// The failure budget of every client address.
#[derive(Debug, Default)]
pub struct FailedLogins {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl FailedLogins {
    /// How long `client` must wait before trying again, when it has used up its failures.
    pub fn wait(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let buckets = self.lock();
        let bucket = buckets.get(&client)?.refilled(now);
        (bucket.tokens < 1.0).then(|| REFILL.mul_f64(1.0 - bucket.tokens))
    }

    /// Counts one failed login of `client`.
    pub fn failed(&self, client: IpAddr, now: Instant) {
        let mut buckets = self.lock();
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, bucket| bucket.refilled(now).tokens < BURST);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: BURST,
            at: now,
        });
        let mut refilled = bucket.refilled(now);
        refilled.tokens = (refilled.tokens - 1.0).max(0.0);
        *bucket = refilled;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Bucket>> {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_burst_and_allowed_again_after_a_refill() {
        let limits = FailedLogins::default();
        let attacker: IpAddr = "127.0.0.2".parse().expect("ip");
        let other: IpAddr = "127.0.0.3".parse().expect("ip");
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(limits.wait(attacker, start), None);
            limits.failed(attacker, start);
        }
        let wait = limits.wait(attacker, start).expect("limited");
        assert!(wait <= REFILL && wait > Duration::ZERO, "{wait:?}");
        assert_eq!(limits.wait(other, start), None, "per address");
        assert_eq!(
            limits.wait(attacker, start + REFILL),
            None,
            "one more after a refill"
        );
    }
}
