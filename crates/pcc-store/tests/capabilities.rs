//! Capabilities (a notification's Approve and Deny buttons) against a real SQLite file: stored
//! hashed, single use, bound to one escalation and one answer, expiring; every refusal changes
//! nothing, and a redemption answers through the same transaction as `respond`.

use pcc_core::bridge::human_answer::{Effects, EscalationKind, Response, effects};
use pcc_core::hook::HookInput;
use pcc_core::{Answer, Mode, PriorApproval};
use pcc_policy::RiskLevel;
use pcc_store::{
    AnswerOutcome, Answerer, CapabilityAnswer, CapabilityClaim, CapabilityRefusal, DecisionRecord,
    Escalation, EscalationState, EventRecord, Inspection, MintedCapability, Provenance, Redemption,
    Store, TOKEN_PREFIX,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const HOUR_MS: i64 = 3_600_000;
const NOW: i64 = 1_000_000;
const PEER: &str = "192.0.2.7:51000";

/// A denied HIGH `git push --force` of session `session`, escalated; its id. Each call its own
/// digest, so two escalations approve two different calls.
fn escalate(path: &Path, session: &str) -> i64 {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "git push --force"}, "tool_use_id": "t1"});
    let event = EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        10,
    );
    let decision = DecisionRecord {
        hook_event: "PreToolUse".into(),
        tool_name: "Bash".into(),
        tool_use_id: None,
        project_root: "/p".into(),
        input: "git push --force".into(),
        level: RiskLevel::High,
        answer: Answer::Deny,
        rule: "git.force_push".into(),
        reason: "rewrites shared history".into(),
        mode: Mode::Unattended,
        latency_us: 1,
        escalation: Some(EscalationKind::Permission),
        suggestion: None,
        approval_used: None,
        call_digest: Some(digest(session)),
    };
    Store::open(path)
        .expect("open")
        .record_decision(&event, &decision, &[])
        .expect("write")
        .escalation_id
        .expect("escalated")
}

fn digest(session: &str) -> String {
    format!("sha256:push-{session}")
}

/// The effects `respond` gives a capability's answer (it never remembers).
fn effects_of(escalation: &Escalation, response: &Response) -> Effects {
    effects(
        escalation.raised.kind,
        &escalation.raised.summary,
        response,
        false,
    )
    .expect("no --remember, so always valid")
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    (dir, path)
}

/// An Approve and a Deny button for `id`, valid one hour from `NOW`.
fn buttons(path: &Path, id: i64) -> (MintedCapability, MintedCapability) {
    let minted = Store::open(path)
        .expect("open")
        .mint_capabilities(
            id,
            &[CapabilityAnswer::Approve, CapabilityAnswer::Deny],
            NOW,
            HOUR_MS,
        )
        .expect("mint");
    let [approve, deny]: [MintedCapability; 2] = minted.try_into().expect("two buttons");
    assert_eq!(
        (approve.answer, deny.answer),
        (CapabilityAnswer::Approve, CapabilityAnswer::Deny)
    );
    (approve, deny)
}

fn store_provenance(path: &Path, id: i64) -> Option<Provenance> {
    Store::open(path)
        .expect("open")
        .escalation(id)
        .expect("read")
        .expect("exists")
        .provenance
}

fn redeem(path: &Path, claim: &CapabilityClaim<'_>, at_ms: i64) -> Redemption {
    Store::open(path)
        .expect("open")
        .redeem_capability(claim, Some(PEER), at_ms, effects_of)
        .expect("redeem")
}

/// Whether `session`'s call may run once now: what an approval gives the next hook call.
fn approved_once(path: &Path, session: &str) -> bool {
    let (approval, once) = Store::open(path)
        .expect("open")
        .prior_approval(
            Some(session),
            "/p",
            "Bash",
            "git push --force",
            &digest(session),
        )
        .expect("read");
    approval == PriorApproval::Human && once.is_some()
}

/// Refused, and the escalation still waits with no approval: nothing changed.
fn assert_refused_and_unchanged(
    path: &Path,
    outcome: Redemption,
    expected: &CapabilityRefusal,
    id: i64,
    session: &str,
) {
    match outcome {
        Redemption::Refused(refusal) => assert_eq!(&refusal, expected),
        other => panic!("expected a refusal {expected:?}, got {other:?}"),
    }
    let store = Store::open(path).expect("open");
    let escalation = store.escalation(id).expect("read").expect("exists");
    assert_eq!(escalation.state, EscalationState::Pending, "still waits");
    assert_eq!(escalation.provenance, None);
    assert!(!approved_once(path, session), "nothing was approved");
    assert!(
        store
            .capabilities_of(id)
            .expect("read")
            .iter()
            .all(|capability| capability.used_ms.is_none()),
        "no button was spent"
    );
}

#[test]
fn a_token_is_stored_only_as_its_hash() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, deny) = buttons(&path, id);
    for minted in [&approve, &deny] {
        let token = minted.token.expose();
        assert!(token.starts_with(TOKEN_PREFIX), "{token}");
        assert_eq!(minted.expires_ms, NOW + HOUR_MS);
    }
    assert_ne!(approve.token, deny.token);
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let hashes: Vec<String> = raw
        .prepare("SELECT token_sha256 FROM capabilities ORDER BY id")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let expected: Vec<String> = [&approve, &deny]
        .iter()
        .map(|minted| {
            Sha256::digest(minted.token.expose().as_bytes())
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        })
        .collect();
    assert_eq!(hashes, expected);
    drop(raw);
    for file in ["pcc.db", "pcc.db-wal"] {
        let bytes = std::fs::read(path.with_file_name(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for minted in [&approve, &deny] {
            assert!(
                !text.contains(minted.token.expose()),
                "a raw token is in {file}"
            );
        }
    }
}

#[test]
fn approve_answers_once_with_its_provenance_and_voids_the_deny_button() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, deny) = buttons(&path, id);
    let claim = CapabilityClaim::token(approve.token.expose());
    match redeem(&path, &claim, NOW + 1) {
        Redemption::Redeemed {
            capability,
            answered,
            provenance,
        } => {
            assert_eq!(capability.id, approve.id);
            assert!(answered.approval_id.is_some(), "a one-time approval");
            assert_eq!(Some(provenance), store_provenance(&path, id));
        }
        other => panic!("expected a redemption, got {other:?}"),
    }
    let store = Store::open(&path).expect("open");
    let escalation = store.escalation(id).expect("read").expect("exists");
    assert_eq!(escalation.state, EscalationState::Answered);
    assert_eq!(escalation.answer.as_deref(), Some("approve"));
    assert_eq!(
        escalation.provenance,
        Some(
            Provenance::new(Answerer::Capability)
                .detail(format!("capability {}", approve.id))
                .from(PEER)
        )
    );
    assert!(
        approved_once(&path, "s1"),
        "the next identical call may run once"
    );
    let capabilities = store.capabilities_of(id).expect("read");
    assert_eq!(capabilities[0].used_ms, Some(NOW + 1));
    assert_eq!(capabilities[0].used_from.as_deref(), Some(PEER));
    assert_eq!(capabilities[0].voided_ms, None);
    assert_eq!(capabilities[1].used_ms, None);
    assert_eq!(
        capabilities[1].voided_ms,
        Some(NOW + 1),
        "the sibling is void"
    );

    match redeem(&path, &claim, NOW + 2) {
        Redemption::Refused(CapabilityRefusal::Used { used_ms }) => assert_eq!(used_ms, NOW + 1),
        other => panic!("a replay must be refused, got {other:?}"),
    }
    match redeem(&path, &CapabilityClaim::token(deny.token.expose()), NOW + 2) {
        Redemption::Refused(CapabilityRefusal::Answered(escalation)) => {
            assert_eq!(escalation.id, id);
        }
        other => panic!("the voided Deny must be refused, got {other:?}"),
    }
    let after = Store::open(&path).expect("open");
    assert_eq!(
        after
            .escalation(id)
            .expect("read")
            .expect("exists")
            .answer
            .as_deref(),
        Some("approve"),
        "the refusals changed nothing"
    );
    assert_eq!(after.capabilities_of(id).expect("read"), capabilities);
}

#[test]
fn deny_answers_with_deny_and_gives_no_approval() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (_, deny) = buttons(&path, id);
    assert!(matches!(
        redeem(&path, &CapabilityClaim::token(deny.token.expose()), NOW),
        Redemption::Redeemed { .. }
    ));
    let escalation = Store::open(&path)
        .expect("open")
        .escalation(id)
        .expect("read")
        .expect("exists");
    assert_eq!(escalation.answer.as_deref(), Some("deny"));
    assert!(!approved_once(&path, "s1"));
}

#[test]
fn an_expired_capability_is_refused() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, _) = buttons(&path, id);
    assert_refused_and_unchanged(
        &path,
        redeem(
            &path,
            &CapabilityClaim::token(approve.token.expose()),
            NOW + HOUR_MS,
        ),
        &CapabilityRefusal::Expired {
            expires_ms: NOW + HOUR_MS,
        },
        id,
        "s1",
    );
    // One millisecond earlier it still works.
    assert!(matches!(
        redeem(
            &path,
            &CapabilityClaim::token(approve.token.expose()),
            NOW + HOUR_MS - 1
        ),
        Redemption::Redeemed { .. }
    ));
}

#[test]
fn another_escalations_token_is_refused() {
    let (_dir, path) = setup();
    let first = escalate(&path, "s1");
    let second = escalate(&path, "s2");
    let (approve_first, _) = buttons(&path, first);
    buttons(&path, second);
    let claim = CapabilityClaim {
        escalation_id: Some(second),
        ..CapabilityClaim::token(approve_first.token.expose())
    };
    assert_refused_and_unchanged(
        &path,
        redeem(&path, &claim, NOW),
        &CapabilityRefusal::OtherEscalation,
        second,
        "s2",
    );
    assert_refused_and_unchanged(
        &path,
        redeem(&path, &CapabilityClaim::token("pcc_cap_0"), NOW),
        &CapabilityRefusal::Unknown,
        first,
        "s1",
    );
}

#[test]
fn an_approve_token_cannot_deny_nor_a_deny_token_approve() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, deny) = buttons(&path, id);
    for (minted, asked) in [
        (&approve, CapabilityAnswer::Deny),
        (&deny, CapabilityAnswer::Approve),
    ] {
        let claim = CapabilityClaim {
            answer: Some(asked),
            ..CapabilityClaim::token(minted.token.expose())
        };
        assert_refused_and_unchanged(
            &path,
            redeem(&path, &claim, NOW),
            &CapabilityRefusal::OtherAnswer {
                bound: minted.answer,
            },
            id,
            "s1",
        );
    }
}

#[test]
fn an_escalation_answered_by_respond_refuses_its_buttons() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, _) = buttons(&path, id);
    let cli = Provenance::new(Answerer::Cli).from("alice (uid 1000) on /dev/pts/3");
    let denied = Store::open(&path)
        .expect("open")
        .answer_escalation(
            id,
            &Response::Deny,
            &effects_of(
                &Store::open(&path)
                    .expect("open")
                    .escalation(id)
                    .expect("read")
                    .expect("exists"),
                &Response::Deny,
            ),
            &cli,
            NOW,
        )
        .expect("answer");
    assert!(matches!(denied, AnswerOutcome::Answered(_)));
    match redeem(
        &path,
        &CapabilityClaim::token(approve.token.expose()),
        NOW + 1,
    ) {
        Redemption::Refused(CapabilityRefusal::Answered(escalation)) => {
            assert_eq!(escalation.provenance, Some(cli.clone()));
            let message = CapabilityRefusal::Answered(escalation).to_string();
            assert!(message.contains("by cli from alice"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let store = Store::open(&path).expect("open");
    assert_eq!(
        store
            .escalation(id)
            .expect("read")
            .expect("exists")
            .answer
            .as_deref(),
        Some("deny"),
        "respond's answer stands"
    );
    assert!(!approved_once(&path, "s1"));
    assert!(
        store
            .capabilities_of(id)
            .expect("read")
            .iter()
            .all(|capability| capability.voided_ms == Some(NOW) && capability.used_ms.is_none()),
        "respond voided both buttons"
    );
}

#[test]
fn inspecting_changes_nothing() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, _) = buttons(&path, id);
    let claim = CapabilityClaim::token(approve.token.expose());
    let store = Store::open(&path).expect("open");
    for _ in 0..3 {
        match store.inspect_capability(&claim, NOW).expect("inspect") {
            Inspection::Usable {
                capability,
                escalation,
            } => {
                assert_eq!(capability.answer, CapabilityAnswer::Approve);
                assert_eq!(escalation.id, id);
            }
            other => panic!("expected a usable capability, got {other:?}"),
        }
    }
    assert_eq!(
        store
            .inspect_capability(&claim, NOW + HOUR_MS)
            .expect("inspect"),
        Inspection::Refused(CapabilityRefusal::Expired {
            expires_ms: NOW + HOUR_MS
        })
    );
    let escalation = store.escalation(id).expect("read").expect("exists");
    assert_eq!(escalation.state, EscalationState::Pending, "still waits");
    assert!(!approved_once(&path, "s1"));
    assert!(
        store
            .capabilities_of(id)
            .expect("read")
            .iter()
            .all(|capability| capability.used_ms.is_none() && capability.voided_ms.is_none())
    );
    assert!(matches!(
        redeem(&path, &claim, NOW),
        Redemption::Redeemed { .. }
    ));
}

#[test]
fn no_buttons_are_minted_for_an_escalation_that_no_longer_waits() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let mut store = Store::open(&path).expect("open");
    let escalation = store.escalation(id).expect("read").expect("exists");
    store
        .answer_escalation(
            id,
            &Response::Approve,
            &effects_of(&escalation, &Response::Approve),
            &Provenance::new(Answerer::Cli),
            NOW,
        )
        .expect("answer");
    let minted = store
        .mint_capabilities(id, &[CapabilityAnswer::Approve], NOW, HOUR_MS)
        .expect("mint");
    assert!(minted.is_empty());
    assert!(
        store
            .mint_capabilities(9999, &[CapabilityAnswer::Approve], NOW, HOUR_MS)
            .expect("mint")
            .is_empty()
    );
}

#[test]
fn of_two_buttons_and_a_respond_racing_exactly_one_answers() {
    let (_dir, path) = setup();
    let id = escalate(&path, "s1");
    let (approve, deny) = buttons(&path, id);
    let tokens = [approve.token.expose(), deny.token.expose()];
    let escalation = Store::open(&path)
        .expect("open")
        .escalation(id)
        .expect("read")
        .expect("exists");
    let applied: usize = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for round in 0..4 {
            let token = tokens[round % 2];
            let path = path.clone();
            handles.push(scope.spawn(move || {
                matches!(
                    redeem(&path, &CapabilityClaim::token(token), NOW),
                    Redemption::Redeemed { .. }
                )
            }));
        }
        let path = path.clone();
        let escalation = escalation.clone();
        handles.push(scope.spawn(move || {
            matches!(
                Store::open(&path)
                    .expect("open")
                    .answer_escalation(
                        id,
                        &Response::Deny,
                        &effects_of(&escalation, &Response::Deny),
                        &Provenance::new(Answerer::Cli),
                        NOW,
                    )
                    .expect("answer"),
                AnswerOutcome::Answered(_)
            )
        }));
        handles
            .into_iter()
            .map(|handle| usize::from(handle.join().expect("thread")))
            .sum()
    });
    assert_eq!(applied, 1, "exactly one answer is applied");
    let used = Store::open(&path)
        .expect("open")
        .capabilities_of(id)
        .expect("read")
        .iter()
        .filter(|capability| capability.used_ms.is_some())
        .count();
    assert!(used <= 1, "at most one button is spent");
}
