//! Answering escalations and spending one-time approvals against a real SQLite file, with
//! racing processes' worth of connections: an answer is applied once, an approval allows once.

use pcc_core::bridge::human_answer::{EscalationKind, Response, effects};
use pcc_core::hook::HookInput;
use pcc_core::{Answer, Mode, PriorApproval};
use pcc_policy::RiskLevel;
use pcc_store::{
    AnswerOutcome, Answerer, DecisionRecord, EscalationState, EventRecord, Provenance, Store,
    StoreError,
};
use std::path::Path;

const PUSH: &str = "sha256:push";

fn cli() -> Provenance {
    Provenance::new(Answerer::Cli).from("alice (uid 1000) on /dev/pts/3")
}

fn event(session: &str, tool_use_id: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git push --force"}, "tool_use_id": tool_use_id});
    EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        at_ms,
    )
}

fn denied_high(approval_used: Option<i64>, answer: Answer) -> DecisionRecord {
    DecisionRecord {
        hook_event: "PreToolUse".into(),
        tool_name: "Bash".into(),
        tool_use_id: None,
        project_root: "/p".into(),
        input: "git push --force".into(),
        level: RiskLevel::High,
        answer,
        rule: "git.force_push".into(),
        reason: "rewrites shared history".into(),
        mode: Mode::Unattended,
        latency_us: 1,
        escalation: approval_used
            .is_none()
            .then_some(EscalationKind::Permission),
        suggestion: Some("deny (0.90): risky".into()),
        approval_used,
        call_digest: Some(PUSH.into()),
    }
}

fn escalate(path: &Path) -> i64 {
    let mut store = Store::open(path).expect("open");
    store
        .record_decision(
            &event("s1", "t1", 10),
            &denied_high(None, Answer::Deny),
            &[],
        )
        .expect("write")
        .escalation_id
        .expect("escalated")
}

#[test]
fn of_racing_answers_exactly_one_is_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let id = escalate(&path);
    let approve =
        effects(EscalationKind::Permission, "x", &Response::Approve, false).expect("valid");
    let outcomes: Vec<AnswerOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                let approve = approve.clone();
                scope.spawn(move || {
                    Store::open(&path)
                        .expect("open")
                        .answer_escalation(id, &Response::Approve, &approve, &cli(), 20)
                        .expect("answer")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("thread"))
            .collect()
    });
    let applied = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, AnswerOutcome::Answered(_)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, AnswerOutcome::AlreadyAnswered(_)))
        .count();
    assert_eq!((applied, refused), (1, 7));
    let store = Store::open(&path).expect("open");
    let (approval, once) = store
        .prior_approval(Some("s1"), "/p", "Bash", "git push --force", PUSH)
        .expect("read");
    assert_eq!(approval, PriorApproval::Human);
    assert!(once.is_some(), "one approval, not eight");
    let escalation = store.escalation(id).expect("read").expect("exists");
    assert_eq!(escalation.state, EscalationState::Answered);
    assert_eq!(
        escalation.provenance,
        Some(cli()),
        "who answered, and from where"
    );
    assert_eq!(
        escalation.raised.suggestion.as_deref(),
        Some("deny (0.90): risky")
    );
    assert_eq!(escalation.raised.project_root.as_deref(), Some("/p"));
    assert!(matches!(
        Store::open(&path)
            .expect("open")
            .answer_escalation(9999, &Response::Deny, &Default::default(), &cli(), 30)
            .expect("answer"),
        AnswerOutcome::NotFound
    ));
}

#[test]
fn a_one_time_approval_allows_one_decision_and_a_second_spend_fails_the_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let id = escalate(&path);
    let mut store = Store::open(&path).expect("open");
    let approve =
        effects(EscalationKind::Permission, "x", &Response::Approve, false).expect("valid");
    store
        .answer_escalation(id, &Response::Approve, &approve, &cli(), 20)
        .expect("answer");
    let (_, once) = store
        .prior_approval(Some("s1"), "/p", "Bash", "git push --force", PUSH)
        .expect("read");
    let approval = once.expect("a one-time approval");
    assert_eq!(
        store
            .prior_approval(Some("s2"), "/p", "Bash", "git push --force", PUSH)
            .expect("read")
            .0,
        PriorApproval::None,
        "it belongs to the session"
    );
    store
        .record_decision(
            &event("s1", "t2", 30),
            &denied_high(Some(approval), Answer::Allow),
            &[],
        )
        .expect("the first spend");
    // A racing call that read the same approval before it was spent must not allow too.
    let second = store.record_decision(
        &event("s1", "t3", 31),
        &denied_high(Some(approval), Answer::Allow),
        &[],
    );
    assert!(second.is_err(), "an approval allows once");
    let allowed: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .query_row(
            "SELECT COUNT(*) FROM decisions WHERE answer = 'allow'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(allowed, 1, "the failed write left nothing behind");
    assert_eq!(
        store
            .prior_approval(Some("s1"), "/p", "Bash", "git push --force", PUSH)
            .expect("read")
            .0,
        PriorApproval::None
    );
}

#[test]
fn an_escalation_state_this_build_does_not_know_is_never_answered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let id = escalate(&path);
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute("UPDATE escalations SET state = 'snoozed'", [])
        .expect("a state from a newer build");
    let mut store = Store::open(&path).expect("open");
    let approve =
        effects(EscalationKind::Permission, "x", &Response::Approve, false).expect("valid");
    for result in [
        store.escalation(id).map(|_| ()),
        store
            .answer_escalation(id, &Response::Approve, &approve, &cli(), 20)
            .map(|_| ()),
    ] {
        match result {
            Err(StoreError::UnknownValue { column, value, .. }) => {
                assert_eq!((column, value.as_str()), ("escalations.state", "snoozed"));
            }
            other => panic!("an unknown state must be refused, got {other:?}"),
        }
    }
    let (approval, once) = store
        .prior_approval(Some("s1"), "/p", "Bash", "git push --force", PUSH)
        .expect("read");
    assert_eq!(
        (approval, once),
        (PriorApproval::None, None),
        "nothing was approved"
    );
}
