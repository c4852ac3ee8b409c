//! Resumes: scheduling, atomic claims, crash recovery and outcomes, on a real SQLite file.

use pcc_core::hook::HookInput;
use pcc_store::{EventRecord, NewResume, ProcessStamp, ResumeResult, ResumeState, Store};
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

/// A scheduler process as a claim names it.
fn scheduler(pid: u32) -> ProcessStamp {
    ProcessStamp {
        pid,
        start: format!("boot:{pid}00"),
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
        store
            .claim_due_resume(9_999, &scheduler(1))
            .expect("claim")
            .is_none(),
        "not due yet"
    );
    let claimed = store
        .claim_due_resume(10_000, &scheduler(1))
        .expect("claim")
        .expect("due");
    assert_eq!((claimed.state.as_str(), claimed.attempts), ("running", 1));
    assert!(
        store
            .claim_due_resume(10_000, &scheduler(2))
            .expect("claim")
            .is_none(),
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
        .claim_due_resume(now, &scheduler(1))
        .expect("claim")
        .expect("overdue is due");
    store
        .finish_resume(claimed.id, &ResumeResult::Done, now)
        .expect("finish");
    assert!(
        store
            .claim_due_resume(now + 1, &scheduler(1))
            .expect("claim")
            .is_none()
    );
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
                while let Some(resume) =
                    store.claim_due_resume(200, &scheduler(pid)).expect("claim")
                {
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
fn a_claim_left_by_a_dead_scheduler_is_taken_over_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    for session in ["s1", "s2", "s3"] {
        store
            .record_limit(&limit_event(session, 1), &plan(session, 100))
            .expect("schedule");
    }
    let dead = store
        .claim_due_resume(100, &scheduler(111))
        .expect("claim")
        .expect("due");
    let alive = store
        .claim_due_resume(100, &scheduler(222))
        .expect("claim")
        .expect("due");
    // The pid of the third claimant now belongs to another process: another start.
    let reused = store
        .claim_due_resume(100, &scheduler(333))
        .expect("claim")
        .expect("due");
    let child = ProcessStamp {
        pid: 444,
        start: "boot:44400".into(),
    };
    assert!(
        store
            .record_resume_child(dead.id, &scheduler(111), &child, 101)
            .expect("child")
    );
    let now_running = |stamp: &ProcessStamp| {
        *stamp == scheduler(222)
            || *stamp
                == ProcessStamp {
                    pid: 333,
                    start: "boot:99999".into(),
                }
    };
    let taken = store
        .take_over_abandoned_resumes(&scheduler(555), now_running, 102)
        .expect("take over");
    let ids: Vec<i64> = taken.iter().map(|resume| resume.id).collect();
    assert_eq!(
        ids,
        vec![dead.id, reused.id],
        "the dead scheduler's claim and the one whose pid was reused; not the live one's ({})",
        alive.id
    );
    assert_eq!(
        taken[0].child.as_ref(),
        Some(&child),
        "the claude it left is named"
    );
    assert!(
        taken
            .iter()
            .all(|resume| resume.runner == Some(scheduler(555)))
    );
    assert!(
        !store
            .record_resume_child(dead.id, &scheduler(111), &child, 103)
            .expect("child"),
        "the dead scheduler no longer holds the claim"
    );
    store.release_resume(reused.id, 104).expect("release");
    let again = store
        .claim_due_resume(105, &scheduler(555))
        .expect("claim")
        .expect("retried");
    assert_eq!((again.id, again.attempts), (reused.id, 2));
    assert_eq!(again.child, None, "a new claim names no claude yet");
}

#[test]
fn a_cancelled_running_claim_stays_cancelled_whatever_its_scheduler_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 100))
        .expect("schedule");
    let claimed = store
        .claim_due_resume(100, &scheduler(1))
        .expect("claim")
        .expect("due");
    let child = ProcessStamp {
        pid: 2,
        start: "boot:200".into(),
    };
    assert!(
        store
            .record_resume_child(claimed.id, &scheduler(1), &child, 101)
            .expect("child")
    );
    let cancelled = store.cancel_resumes("s1", 102).expect("cancel");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        (cancelled[0].state.as_str(), cancelled[0].child.as_ref()),
        ("running", Some(&child)),
        "the caller learns which claude to stop"
    );
    let failure = ResumeResult::Failed {
        error: "killed".into(),
        retry_at_ms: None,
    };
    assert_eq!(
        store
            .finish_resume(claimed.id, &failure, 103)
            .expect("finish"),
        None,
        "no escalation for a cancelled resume"
    );
    store
        .finish_resume(claimed.id, &ResumeResult::Done, 104)
        .expect("finish");
    assert_eq!(
        store.resumes(true).expect("list")[0].state,
        ResumeState::Cancelled
    );
    assert!(
        store
            .claim_due_resume(200, &scheduler(1))
            .expect("claim")
            .is_none()
    );
}

#[test]
fn outcomes_move_the_resume_and_a_final_failure_escalates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 100))
        .expect("schedule");
    let claimed = store
        .claim_due_resume(100, &scheduler(1))
        .expect("claim")
        .expect("due");
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
    let claimed = store
        .claim_due_resume(960, &scheduler(1))
        .expect("claim")
        .expect("due");
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
    assert!(store.reschedule_resume("session-a", 5, 5).expect("now"));
    assert_eq!(store.next_resume_due(0).expect("next"), Some(5));
    assert_eq!(store.open_resumes("session-").expect("open").len(), 1);
    assert_eq!(
        store
            .cancel_resumes("session-abc", 6)
            .expect("cancel")
            .len(),
        1
    );
    assert_eq!(store.next_resume_due(0).expect("next"), None);
    assert!(
        store
            .cancel_resumes("nobody", 7)
            .expect("cancel")
            .is_empty(),
        "nothing to cancel"
    );
    assert!(
        !store.reschedule_resume("session-abc", 8, 8).expect("now"),
        "a cancelled resume is not moved"
    );
}

#[test]
fn a_resume_state_this_build_does_not_know_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 10), &plan("s1", 1_000))
        .expect("schedule");
    let raw = rusqlite::Connection::open(dir.path().join("pcc.db")).expect("raw");
    raw.execute("UPDATE resumes SET state = 'paused'", [])
        .expect("a state from a newer build");
    match store.resumes(true) {
        Err(pcc_store::StoreError::UnknownValue { column, value, .. }) => {
            assert_eq!((column, value.as_str()), ("resumes.state", "paused"));
        }
        other => panic!("an unknown state must be refused, got {other:?}"),
    }
}

#[test]
fn a_failed_resume_keeps_no_secret_from_what_claude_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_limit(&limit_event("s1", 1), &plan("s1", 100))
        .expect("schedule");
    let secret = "sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm";
    for retry_at_ms in [Some(500), None] {
        let claimed = store
            .claim_due_resume(retry_at_ms.map_or(500, |_| 100), &scheduler(1))
            .expect("claim")
            .expect("due");
        let failure = ResumeResult::Failed {
            error: format!("exit 1: curl -H 'x-api-key: {secret}' failed"),
            retry_at_ms,
        };
        store
            .finish_resume(claimed.id, &failure, 120)
            .expect("finished");
    }
    drop(store);
    for file in ["pcc.db", "pcc.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "{file} holds the raw key"
        );
    }
}
