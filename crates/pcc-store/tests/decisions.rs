//! Decisions, escalations and learned approvals against a real SQLite file.

use pcc_core::bridge::human_answer::EscalationKind;
use pcc_core::hook::HookInput;
use pcc_core::{Answer, Mode, PriorApproval};
use pcc_policy::RiskLevel;
use pcc_store::{DecisionRecord, EventRecord, Store};

fn event(session: &str, name: &str, tool_use_id: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": name,
        "tool_name": "Bash", "tool_input": {"command": "npm install left-pad"}, "tool_use_id": tool_use_id});
    EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        at_ms,
    )
}

fn decision(tool_use_id: &str, level: RiskLevel, answer: Answer, escalate: bool) -> DecisionRecord {
    DecisionRecord {
        hook_event: "PreToolUse".into(),
        tool_name: "Bash".into(),
        tool_use_id: Some(tool_use_id.into()),
        project_root: "/p".into(),
        input: "npm install left-pad".into(),
        level,
        answer,
        rule: "pkg.install".into(),
        reason: "installs a package".into(),
        mode: Mode::Interactive,
        latency_us: 800,
        escalation: escalate.then_some(EscalationKind::Permission),
        suggestion: None,
        approval_used: None,
        call_digest: Some("sha256:npm".into()),
    }
}

fn is_learned(store: &Store, project_root: &str) -> bool {
    store
        .prior_approval(
            Some("s1"),
            project_root,
            "Bash",
            "npm install left-pad",
            "sha256:npm",
        )
        .expect("read")
        .0
        == PriorApproval::Learned
}

#[test]
fn a_decision_is_stored_with_its_event_and_escalation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    store
        .record_decision(
            &event("s1", "PreToolUse", "t1", 1),
            &decision("t1", RiskLevel::High, Answer::Deny, true),
            &[],
        )
        .expect("write");
    store
        .record_decision(
            &event("s1", "PreToolUse", "t2", 2),
            &decision("t2", RiskLevel::Low, Answer::Allow, false),
            &[],
        )
        .expect("write");
    let listed = store.decisions(Some("s1"), 10).expect("read");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].record.answer, Answer::Allow, "newest first");
    assert!(listed[1].record.escalation.is_some());
    let counts = store.decision_counts().expect("counts");
    let s1 = counts.get("s1").expect("s1 counted");
    assert_eq!(
        (s1.allowed, s1.denied, s1.asked, s1.escalated),
        (1, 1, 0, 1)
    );
    assert_eq!(
        store.sessions_overview().expect("sessions")[0].event_count,
        2,
        "events written too"
    );
    assert!(store.decisions(Some("other"), 10).expect("read").is_empty());
}

#[test]
fn repeated_human_approvals_of_a_medium_call_are_learned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        let at = i as i64 * 10;
        store
            .record_decision(
                &event("s1", "PreToolUse", id, at),
                &decision(id, RiskLevel::Medium, Answer::NoDecision, false),
                &[],
            )
            .expect("decide");
        assert!(!is_learned(&store, "/p"), "not before the third");
        let learned = store
            .record_tool_ran(&event("s1", "PostToolUse", id, at + 1), || 3)
            .expect("ran");
        assert_eq!(learned, i == 2, "the third approval teaches the rule");
    }
    assert!(is_learned(&store, "/p"));
    assert!(!is_learned(&store, "/other"), "per project");
}

#[test]
fn calls_we_allowed_or_high_calls_are_never_learned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    for (i, (level, answer)) in [
        (RiskLevel::Low, Answer::Allow),
        (RiskLevel::High, Answer::Ask),
        (RiskLevel::Medium, Answer::Deny),
    ]
    .iter()
    .enumerate()
    {
        let id = format!("t{i}");
        store
            .record_decision(
                &event("s1", "PreToolUse", &id, 1),
                &decision(&id, *level, *answer, false),
                &[],
            )
            .expect("decide");
        assert!(
            !store
                .record_tool_ran(&event("s1", "PostToolUse", &id, 2), || 1)
                .expect("ran"),
            "{level} {answer:?}"
        );
    }
    assert!(!is_learned(&store, "/p"));
}

/// The rows of `table` a test compares, without the ids and spool keys that differ by design.
fn rows(path: &std::path::Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut statement = conn.prepare(sql).expect("prepare");
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|index| {
                    let value: rusqlite::types::Value = row.get(index)?;
                    Ok(format!("{value:?}"))
                })
                .collect()
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn a_spooled_call_folds_into_the_same_rows_record_decision_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let direct = dir.path().join("direct/pcc.db");
    let spooled = dir.path().join("spooled/pcc.db");
    let event = event("s1", "PreToolUse", "t1", 5);
    let low = DecisionRecord {
        call_digest: None,
        ..decision("t1", RiskLevel::Low, Answer::Allow, false)
    };
    Store::open(&direct)
        .expect("open")
        .record_decision(&event, &low, &[])
        .expect("record");
    std::fs::create_dir_all(spooled.parent().expect("dir")).expect("dir");
    Store::spool_call(&spooled, &event, Some(&low)).expect("spool");
    assert!(!spooled.exists(), "spooling does not touch the database");
    let reader = Store::open(&spooled).expect("open folds the spool");
    assert_eq!(
        std::fs::read_dir(dir.path().join("spooled/spool"))
            .expect("spool")
            .count(),
        0,
        "folded files are deleted"
    );
    for sql in [
        "SELECT session_id, at_ms, hook_event, tool_name, tool_use_id, project_root, input, level,
                answer, rule, reason, mode, latency_us, call_digest, human_approved FROM decisions",
        "SELECT session_id, at_ms, event, tool_name, tool_use_id, summary FROM events",
        "SELECT id, project_root, last_event, state, event_count FROM sessions",
    ] {
        assert_eq!(rows(&direct, sql), rows(&spooled, sql), "{sql}");
    }
    assert_eq!(rows(&spooled, "SELECT * FROM decisions").len(), 1);
    assert_eq!(
        reader.decisions(None, 10).expect("decisions").len(),
        1,
        "the reader sees the folded call"
    );
}

#[test]
fn a_decision_that_needs_the_database_is_not_spooled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    let event = event("s1", "PreToolUse", "t1", 5);
    for refused in [
        decision("t1", RiskLevel::High, Answer::Deny, true),
        DecisionRecord {
            approval_used: Some(3),
            ..decision("t1", RiskLevel::Medium, Answer::Allow, false)
        },
        DecisionRecord {
            suggestion: Some("allow it".into()),
            ..decision("t1", RiskLevel::Medium, Answer::Ask, false)
        },
    ] {
        assert!(Store::spool_call(&database, &event, Some(&refused)).is_err());
    }
    assert!(
        std::fs::read_dir(dir.path().join("spool"))
            .map_or(true, |mut entries| entries.next().is_none()),
        "nothing was kept"
    );
}

#[test]
fn a_spool_file_cut_short_is_set_aside_and_the_rest_folded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    let kept = low_call(&database, "t1");
    let cut = low_call(&database, "t2");
    // What a power cut can leave of a file written without fdatasync.
    let bytes = std::fs::read(&cut).expect("read");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("cut");
    let store = Store::open(&database).expect("open");
    assert_eq!(store.decisions(None, 10).expect("decisions").len(), 1);
    assert!(!kept.exists());
    assert!(cut.with_extension("bad").exists(), "set aside for a human");
}

fn low_call(database: &std::path::Path, tool_use_id: &str) -> std::path::PathBuf {
    let low = DecisionRecord {
        call_digest: None,
        ..decision(tool_use_id, RiskLevel::Low, Answer::Allow, false)
    };
    Store::spool_call(
        database,
        &event("s1", "PreToolUse", tool_use_id, 5),
        Some(&low),
    )
    .expect("spool")
}

#[test]
fn a_spool_file_claiming_more_than_the_low_path_writes_is_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    let file = low_call(&database, "t1");
    // What an agent that can write the data directory might plant: a MEDIUM call "left to a
    // human", whose PostToolUse would count towards learning it.
    let text = std::fs::read_to_string(&file).expect("read");
    let forged = text
        .replace("\"LOW\"", "\"MEDIUM\"")
        .replace("\"allow\"", "\"none\"");
    assert_ne!(forged, text);
    std::fs::write(&file, forged).expect("forge");
    let store = Store::open(&database).expect("open");
    assert!(store.decisions(None, 10).expect("decisions").is_empty());
    assert!(file.with_extension("bad").exists(), "set aside");
}

#[test]
fn a_folded_file_that_cannot_be_deleted_does_not_hold_the_next_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    let file = low_call(&database, "t1");
    let name = file.file_name().expect("name").to_owned();
    drop(Store::open(&database).expect("open folds and deletes"));
    // A directory under the folded file's name: found again, already stored, never deletable.
    std::fs::create_dir(dir.path().join("spool").join(&name)).expect("plant");
    low_call(&database, "t2");
    let store = Store::open(&database).expect("open returns");
    assert_eq!(store.decisions(None, 10).expect("decisions").len(), 2);
}

#[test]
fn a_fifo_in_the_spool_does_not_block_a_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    low_call(&database, "t1");
    let fifo = dir.path().join("spool/0-1-2-3.event.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let store = Store::open(&database).expect("open returns");
    assert_eq!(store.decisions(None, 10).expect("decisions").len(), 1);
}

#[test]
fn opening_never_waits_for_the_lock_to_fold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    drop(Store::open(&database).expect("create"));
    low_call(&database, "t1");
    let holder = rusqlite::Connection::open(&database).expect("open");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    let started = std::time::Instant::now();
    let store = Store::open(&database).expect("open while another writes");
    // Far below the 5 s busy timeout a fold that waited would take.
    assert!(started.elapsed() < std::time::Duration::from_millis(2500));
    assert!(
        store.decisions(None, 10).expect("decisions").is_empty(),
        "left for later"
    );
    holder.execute_batch("COMMIT").expect("release");
    drop(store);
    let store = Store::open(&database).expect("open");
    assert_eq!(store.decisions(None, 10).expect("decisions").len(), 1);
}

#[test]
fn a_long_lived_reader_folds_what_was_spooled_after_it_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("pcc.db");
    let mut store = Store::open(&database).expect("open");
    assert!(!store.fold_spool_now(), "nothing to fold");
    low_call(&database, "t1");
    assert!(store.fold_spool_now(), "stored what was spooled");
    assert_eq!(store.decisions(None, 10).expect("decisions").len(), 1);
    assert!(!store.fold_spool_now(), "nothing left");
}
