//! Resumes: scheduling, atomic claims, crash recovery and outcomes, on a real SQLite file.

use pcc_core::hook::HookInput;
use pcc_store::{EventRecord, NewResume, ResumeResult, Store};
use std::path::Path;

fn limit_event(session: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "StopFailure",
        "error": "rate_limit", "last_assistant_message": "You've hit your 5-hour limit · resets 3pm (UTC)"});
    EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        at_ms,
    )
}

fn plan(session: &str, due_ms: i64) -> NewResume {
    NewResume {
        session_id: session.into(),
        cwd: "/p".into(),
        transcript_path: None,
        limit_kind: "five_hour".into(),
        resets_at_ms: Some(due_ms - 60_000),
        due_ms,
        prompt: "Continue.".into(),
    }
}

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("pcc.db")).expect("open")
}

#[test]
fn a_session_has_one_open_resume_moved_by_later_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let first = store
        .record_limit(&limit_event("s1", 1), &plan("s1", 1_000))
        .expect("schedule");
    let second = store
        .record_limit(&limit_event("s1", 2), &plan("s1", 5_000))
        .expect("reschedule");
    assert_eq!(first, second, "the same row is moved, not duplicated");
    let open = store.resumes(false).expect("list");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].plan.due_ms, 5_000);
    assert_eq!(
        store.sessions_overview().expect("sessions")[0].event_count,
        2,
        "events recorded too"
    );
}

#[test]
fn only_due_resumes_are_claimed_and_only_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 10_000))
        .expect("schedule");
    assert!(
        store.claim_due_resume(9_999, 1).expect("claim").is_none(),
        "not due yet"
    );
    let claimed = store
        .claim_due_resume(10_000, 1)
        .expect("claim")
        .expect("due");
    assert_eq!((claimed.state.as_str(), claimed.attempts), ("running", 1));
    assert!(
        store.claim_due_resume(10_000, 2).expect("claim").is_none(),
        "claimed once"
    );
}

#[test]
fn a_resume_due_long_ago_runs_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 1_000))
        .expect("schedule");
    let now = 1_000 + 30 * 24 * 3_600_000;
    let claimed = store
        .claim_due_resume(now, 1)
        .expect("claim")
        .expect("overdue is due");
    store
        .finish_resume(claimed.id, &ResumeResult::Done, now)
        .expect("finish");
    assert!(store.claim_due_resume(now + 1, 1).expect("claim").is_none());
    assert_eq!(store.next_resume_due(0).expect("next"), None);
}

#[test]
fn two_racing_claimers_get_each_resume_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut store = store(dir.path());
        for i in 0..40 {
            store
                .record_limit(
                    &limit_event(&format!("s{i}"), 1),
                    &plan(&format!("s{i}"), 100),
                )
                .expect("schedule");
        }
    }
    let claimers: Vec<_> = (0..2)
        .map(|pid| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut store = store(&path);
                let mut ids = Vec::new();
                while let Some(resume) = store.claim_due_resume(200, pid).expect("claim") {
                    ids.push(resume.id);
                }
                ids
            })
        })
        .collect();
    let mut all: Vec<i64> = claimers
        .into_iter()
        .flat_map(|c| c.join().expect("thread"))
        .collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(
        (before, all.len()),
        (40, 40),
        "every resume claimed exactly once"
    );
}

#[test]
fn a_claim_left_by_a_dead_scheduler_is_retried_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 100))
        .expect("schedule");
    store
        .record_limit(&limit_event("s2", 1), &plan("s2", 100))
        .expect("schedule");
    let dead = store
        .claim_due_resume(100, 111)
        .expect("claim")
        .expect("due");
    let alive = store
        .claim_due_resume(100, 222)
        .expect("claim")
        .expect("due");
    let recovered = store
        .recover_abandoned_resumes(|pid| pid == 222)
        .expect("recover");
    assert_eq!(recovered, 1, "only the dead scheduler's claim goes back");
    let again = store
        .claim_due_resume(100, 333)
        .expect("claim")
        .expect("retried");
    assert_eq!((again.id, again.attempts), (dead.id, 2));
    assert_ne!(
        again.id, alive.id,
        "the live scheduler's run is not doubled"
    );
}

#[test]
fn outcomes_move_the_resume_and_a_final_failure_escalates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 100))
        .expect("schedule");
    let claimed = store.claim_due_resume(100, 1).expect("claim").expect("due");
    store
        .finish_resume(
            claimed.id,
            &ResumeResult::LimitedAgain {
                resets_at_ms: Some(900),
                due_ms: 960,
            },
            150,
        )
        .expect("limited again");
    assert_eq!(store.next_resume_due(0).expect("next"), Some(960));
    let claimed = store.claim_due_resume(960, 1).expect("claim").expect("due");
    let failure = ResumeResult::Failed {
        error: "exit 1".into(),
        retry_at_ms: None,
    };
    store
        .finish_resume(claimed.id, &failure, 970)
        .expect("failed");
    let all = store.resumes(true).expect("list");
    assert_eq!(
        (all[0].state.as_str(), all[0].last_error.as_deref()),
        ("failed", Some("exit 1"))
    );
    assert_eq!(
        store
            .decision_counts()
            .expect("counts")
            .get("s1")
            .map(|c| c.escalated),
        Some(1)
    );
}

#[test]
fn resume_now_and_cancel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("session-abc", 1), &plan("session-abc", 99_000))
        .expect("schedule");
    assert!(
        store
            .reschedule_resume("session-a", Some(5), 5)
            .expect("now")
    );
    assert_eq!(store.next_resume_due(0).expect("next"), Some(5));
    assert!(
        store
            .reschedule_resume("session-abc", None, 6)
            .expect("cancel")
    );
    assert_eq!(store.next_resume_due(0).expect("next"), None);
    assert!(
        !store.reschedule_resume("nobody", None, 7).expect("cancel"),
        "nothing to cancel"
    );
}
