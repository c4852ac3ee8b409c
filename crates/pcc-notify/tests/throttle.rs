//! Dedupe and rate limits, decided from recent sends passed in as data.

use jiff::{SignedDuration, Timestamp};
use pcc_notify::throttle::decide;
use pcc_notify::{Decision, Notification, NotifyKind, RecentSend, ThrottleRules, Urgency};
use std::time::Duration;

fn t0() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("a timestamp")
}

fn after(seconds: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(seconds)
}

fn rules() -> ThrottleRules {
    ThrottleRules {
        min_interval: Duration::from_secs(60),
        max_per_interval: 3,
    }
}

fn msg(session: &str, key: &str) -> Notification {
    Notification::new(NotifyKind::IdlePrompt, "Claude is waiting", "idle", t0())
        .with_session(session)
        .with_dedupe_key(key)
}

#[test]
fn the_same_key_within_the_interval_is_a_duplicate() {
    let sent = vec![RecentSend::of(&msg("s1", "k"), t0())];
    assert_eq!(
        decide(&msg("s1", "k"), &sent, after(59), rules()),
        Decision::Duplicate {
            last_sent: t0(),
            next_allowed: after(60)
        }
    );
    assert!(!decide(&msg("s1", "k"), &sent, after(1), rules()).should_send());
}

#[test]
fn another_session_or_key_is_sent() {
    let sent = vec![RecentSend::of(&msg("s1", "k"), t0())];
    assert_eq!(
        decide(&msg("s2", "k"), &sent, after(1), rules()),
        Decision::Send
    );
    assert_eq!(
        decide(&msg("s1", "other"), &sent, after(1), rules()),
        Decision::Send
    );
    let no_session = Notification::new(NotifyKind::Test, "t", "b", t0()).with_dedupe_key("k");
    assert_eq!(
        decide(&no_session, &sent, after(1), rules()),
        Decision::Send
    );
}

#[test]
fn after_the_interval_it_is_sent_again() {
    let sent = vec![RecentSend::of(&msg("s1", "k"), t0())];
    assert_eq!(
        decide(&msg("s1", "k"), &sent, after(60), rules()),
        Decision::Send
    );
    assert_eq!(
        decide(&msg("s1", "k"), &sent, after(3600), rules()),
        Decision::Send
    );
}

#[test]
fn the_latest_send_of_a_key_counts() {
    let sent = vec![
        RecentSend::of(&msg("s1", "k"), after(30)),
        RecentSend::of(&msg("s1", "k"), t0()),
    ];
    assert_eq!(
        decide(&msg("s1", "k"), &sent, after(70), rules()),
        Decision::Duplicate {
            last_sent: after(30),
            next_allowed: after(90)
        }
    );
}

#[test]
fn a_session_is_capped_per_interval_but_high_urgency_gets_through() {
    let sent: Vec<RecentSend> = (0..3)
        .map(|i| RecentSend::of(&msg("s1", &format!("k{i}")), after(i * 10)))
        .collect();
    assert_eq!(
        decide(&msg("s1", "new"), &sent, after(30), rules()),
        Decision::RateLimited {
            sent_in_window: 3,
            next_allowed: after(60)
        }
    );
    assert_eq!(
        decide(
            &msg("s1", "new").with_urgency(Urgency::High),
            &sent,
            after(30),
            rules()
        ),
        Decision::Send
    );
    // The oldest leaves the window at 60 s.
    assert_eq!(
        decide(&msg("s1", "new"), &sent, after(60), rules()),
        Decision::Send
    );
    // No cap.
    let uncapped = ThrottleRules {
        max_per_interval: 0,
        ..rules()
    };
    assert_eq!(
        decide(&msg("s1", "new"), &sent, after(30), uncapped),
        Decision::Send
    );
    // A duplicate stays a duplicate even at HIGH urgency.
    assert!(matches!(
        decide(
            &msg("s1", "k1").with_urgency(Urgency::High),
            &sent,
            after(30),
            rules()
        ),
        Decision::Duplicate { .. }
    ));
}

#[test]
fn a_send_from_the_future_counts_as_now_and_a_zero_interval_never_throttles() {
    let sent = vec![RecentSend::of(&msg("s1", "k"), after(3600))];
    assert_eq!(
        decide(&msg("s1", "k"), &sent, t0(), rules()),
        Decision::Duplicate {
            last_sent: t0(),
            next_allowed: after(60)
        }
    );
    let zero = ThrottleRules {
        min_interval: Duration::ZERO,
        ..rules()
    };
    assert_eq!(decide(&msg("s1", "k"), &sent, t0(), zero), Decision::Send);
}
