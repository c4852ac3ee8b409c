//! The store against real SQLite files in temporary directories.

use pcc_core::hook::HookInput;
use pcc_core::session_state::SessionState;
use pcc_store::{EventRecord, HookErrorKind, SCHEMA_VERSION, Store, StoreError};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn record(session: &str, event: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({
        "session_id": session, "cwd": "/p/sub", "hook_event_name": event,
        "transcript_path": "/t.jsonl", "tool_name": "Bash",
        "tool_input": {"command": "export TOKEN=abc123 && ls"}
    });
    let parsed = HookInput::parse(input.to_string().as_bytes()).expect("valid input");
    EventRecord::from_hook(&parsed, "/p".into(), at_ms)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_new_database_is_private_and_current() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/pcc.db");
    let mut store = Store::open(&path).expect("open");
    store
        .record_event(&record("s1", "PreToolUse", 1))
        .expect("write");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("dir")), 0o700);
    let wal = path.with_extension("db-wal");
    assert!(wal.exists(), "WAL mode leaves a -wal file");
    assert_eq!(
        mode(&wal),
        0o600,
        "SQLite copies the database's mode to the WAL"
    );
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

#[test]
fn reopening_does_not_migrate_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    Store::open(&path)
        .expect("first open")
        .record_event(&record("s1", "Stop", 1))
        .expect("write");
    let mut again = Store::open(&path).expect("second open");
    let sessions = again.sessions_overview().expect("read");
    assert_eq!(sessions.len(), 1, "data survives a reopen");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    drop(Store::open(&path).expect("open"));
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(raw);
    let error = Store::open(&path).err().expect("refused");
    assert!(matches!(error, StoreError::SchemaTooNew { .. }), "{error}");
    assert!(error.to_string().contains("upgrade pcc-hooks"), "{error}");
}

#[test]
fn a_corrupt_file_is_a_clear_error_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let garbage = b"this is not a database, it is a text file that someone wrote here".repeat(100);
    std::fs::write(&path, &garbage).expect("write garbage");
    let error = Store::open(&path).err().expect("refused");
    assert!(
        error.to_string().contains("pcc.db"),
        "names the file: {error}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read back"),
        garbage,
        "file untouched"
    );
}

#[test]
fn sessions_keep_the_latest_event_and_count_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    store
        .record_event(&record("s1", "SessionStart", 100))
        .expect("write");
    store
        .record_event(&record("s1", "PreToolUse", 300))
        .expect("write");
    // A parallel hook finishing late must not roll the session back in time.
    store
        .record_event(&record("s1", "Stop", 200))
        .expect("write");
    store
        .record_event(&record("s2", "UserPromptSubmit", 150))
        .expect("write");
    let sessions = store.sessions_overview().expect("read");
    assert_eq!(sessions.len(), 2);
    let s1 = &sessions[0];
    assert_eq!(s1.session_id, "s1", "most recent first");
    assert_eq!(s1.last_event, "PreToolUse");
    assert_eq!(s1.state, SessionState::Working);
    assert_eq!((s1.first_seen_ms, s1.last_seen_ms), (100, 300));
    assert_eq!(s1.event_count, 3);
    assert_eq!(s1.event_counts.get("Stop"), Some(&1));
    assert_eq!(s1.project_root, "/p");
    assert_eq!(sessions[1].event_counts.get("UserPromptSubmit"), Some(&1));
}

#[test]
fn stored_summaries_are_redacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    store
        .record_event(&record("s1", "PreToolUse", 1))
        .expect("write");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let summary: String = raw
        .query_row("SELECT summary FROM events", [], |r| r.get(0))
        .expect("row");
    assert!(!summary.contains("abc123"), "{summary}");
}

#[test]
fn hook_errors_are_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    assert_eq!(store.hook_error_summary().expect("read"), (0, None));
    store
        .record_hook_error(HookErrorKind::Input, "hook input is not valid JSON", 5)
        .expect("write");
    let (count, last) = store.hook_error_summary().expect("read");
    assert_eq!(count, 1);
    assert_eq!(last.as_deref(), Some("hook input is not valid JSON"));
}

#[test]
fn open_existing_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    assert!(Store::open_existing(&path).expect("no error").is_none());
    assert!(!path.exists());
}

#[test]
fn threads_with_their_own_connections_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let path = path.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    let mut store = Store::open(&path).expect("open under contention");
                    store
                        .record_event(&record(&format!("s{writer}"), "PostToolUse", i))
                        .expect("write under contention");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer thread");
    }
    let mut store = Store::open(&path).expect("open");
    let total: i64 = store
        .sessions_overview()
        .expect("read")
        .iter()
        .map(|s| s.event_count)
        .sum();
    assert_eq!(total, 800);
}

#[test]
fn the_wal_stays_small_across_many_short_lived_connections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    // Each open-write-close is one hook process: the only connection, opened cold.
    for i in 0..1500 {
        Store::open(&path)
            .expect("open")
            .record_event(&record("s1", "PostToolUse", i))
            .expect("write");
    }
    let wal = std::fs::metadata(path.with_extension("db-wal"))
        .expect("WAL exists")
        .len();
    assert!(
        wal <= pcc_store::WAL_CHECKPOINT_BYTES + 64 * 1024,
        "the WAL is checkpointed and emptied as it grows, got {wal} bytes"
    );
    let mut store = Store::open(&path).expect("open");
    assert_eq!(
        store.sessions_overview().expect("read")[0].event_count,
        1500,
        "nothing lost"
    );
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

/// The error about `column` holding `value`, which this build does not know.
fn assert_unknown<T: std::fmt::Debug>(result: Result<T, StoreError>, column: &str, value: &str) {
    match result {
        Err(StoreError::UnknownValue {
            column: found_column,
            value: found_value,
            ..
        }) if found_column == column && found_value == value => {}
        other => panic!("expected {column} holding {value:?} to be refused, got {other:?}"),
    }
}

#[test]
fn a_stored_value_this_build_does_not_know_is_a_clear_error_never_a_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    store
        .record_event(&record("s1", "PreToolUse", 1))
        .expect("write");
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute("UPDATE sessions SET state = 'sleeping'", [])
        .expect("a state from a newer build");
    let error = store.sessions_overview().expect_err("an unknown state");
    let message = error.to_string();
    assert!(
        message.contains(r#"sessions.state holds "sleeping""#)
            && message.contains("pcc.db")
            && message.contains("upgrade pcc-hooks"),
        "{message}"
    );
    assert_unknown(store.sessions_overview(), "sessions.state", "sleeping");
    assert_unknown(store.sessions_matching("s"), "sessions.state", "sleeping");

    raw.execute(
        "INSERT INTO decisions (event_id, session_id, at_ms, hook_event, tool_name, project_root,
                                input, level, answer, rule, reason, mode, latency_us)
         VALUES (1, 's1', 1, 'PreToolUse', 'Bash', '/p', 'ls', 'LOW', 'maybe', 'r', 'r',
                 'interactive', 1)",
        [],
    )
    .expect("an answer from a newer build");
    // Before, an answer it did not know was counted as asked.
    assert_unknown(store.decision_counts(), "decisions.answer", "maybe");
    assert_unknown(store.decisions(None, 10), "decisions.answer", "maybe");
}
