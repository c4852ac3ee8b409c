//! Events against clock steps, the spool, and readers of a database still being created.

use pcc_core::hook::HookInput;
use pcc_core::session_state::SessionState;
use pcc_store::{EventRecord, Store};
use std::path::Path;

const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .expect("a clock after 1970")
}

fn record(session: &str, event: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({
        "session_id": session, "cwd": "/p", "hook_event_name": event,
        "tool_name": "Bash", "tool_input": {"command": "ls"},
    });
    let parsed = HookInput::parse(input.to_string().as_bytes()).expect("valid input");
    EventRecord::from_hook(&parsed, "/p".into(), at_ms)
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("raw open")
}

fn session(store: &mut Store, id: &str) -> pcc_store::SessionOverview {
    store
        .sessions_overview()
        .expect("read")
        .into_iter()
        .find(|session| session.session_id == id)
        .expect("the session")
}

/// What a hook call under a clock one year ahead leaves: its event and its session's
/// `last_seen_ms` a year in the future (the writer's clock said so).
fn plant_a_year_ahead(path: &Path, session: &str, event: &str) {
    let ahead = now_ms() + YEAR_MS;
    let conn = raw(path);
    conn.execute(
        "INSERT INTO events (session_id, at_ms, event, summary) VALUES (?1, ?2, ?3, 'ahead')",
        rusqlite::params![session, ahead, event],
    )
    .expect("plant the event");
    conn.execute(
        "UPDATE sessions SET last_seen_ms = ?2, last_event = ?3, state = 'working',
                             event_count = event_count + 1 WHERE id = ?1",
        rusqlite::params![session, ahead, event],
    )
    .expect("plant the session");
}

#[test]
fn after_a_clock_step_back_later_events_still_move_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    store
        .record_event(&record("s1", "SessionStart", now_ms()))
        .expect("write");
    plant_a_year_ahead(&path, "s1", "PreToolUse");
    store
        .record_event(&record("s1", "Stop", now_ms()))
        .expect("write");
    let after_stop = session(&mut store, "s1");
    assert_eq!(
        (after_stop.last_event.as_str(), after_stop.state.as_str()),
        ("Stop", "idle")
    );
    assert!(
        after_stop.last_seen_ms <= now_ms(),
        "the future is forgotten: {}",
        after_stop.last_seen_ms
    );
    store
        .record_event(&record("s1", "SessionEnd", now_ms()))
        .expect("write");
    assert_eq!(session(&mut store, "s1").state, SessionState::Ended);
}

#[test]
fn an_event_stamped_ahead_of_the_clock_is_stored_as_of_now() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    let before = now_ms();
    store
        .record_event(&record("s1", "PreToolUse", before + YEAR_MS))
        .expect("write");
    let stored = session(&mut store, "s1");
    assert!(
        (before..=now_ms()).contains(&stored.last_seen_ms),
        "{}",
        stored.last_seen_ms
    );
    store
        .record_event(&record("s1", "SessionEnd", now_ms()))
        .expect("write");
    assert_eq!(session(&mut store, "s1").state, SessionState::Ended);
}

#[test]
fn a_parallel_hook_finishing_late_still_does_not_roll_the_session_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("pcc.db")).expect("open");
    let now = now_ms();
    store
        .record_event(&record("s1", "PreToolUse", now))
        .expect("write");
    store
        .record_event(&record("s1", "Stop", now - 20_000))
        .expect("write");
    let stored = session(&mut store, "s1");
    assert_eq!(
        (stored.last_event.as_str(), stored.last_seen_ms),
        ("PreToolUse", now)
    );
}

#[test]
fn a_human_answer_is_not_held_back_by_a_session_stamped_in_the_future() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    store
        .record_event(&record("s1", "UserPromptSubmit", now_ms()))
        .expect("write");
    // The session's last event came under a clock a year ahead, then it was killed (no
    // SessionEnd); a human answered its escalation.
    plant_a_year_ahead(&path, "s1", "PreToolUse");
    let now = now_ms();
    raw(&path)
        .execute(
            "INSERT INTO resumes (session_id, cwd, limit_kind, due_ms, prompt, state,
                                  created_ms, updated_ms)
             VALUES ('s1', '/p', 'human_answer', ?1, 'the answer', 'pending', ?1, ?1)",
            [now],
        )
        .expect("plant the resume");
    assert_eq!(
        store.next_resume_due(now + 1).expect("read"),
        Some(now),
        "a time a year ahead proves no activity now"
    );
}

#[test]
fn a_spooled_event_is_folded_by_the_next_write_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    let spooled = Store::spool_event(&path, &record("s1", "SessionEnd", now_ms())).expect("spool");
    assert!(spooled.starts_with(dir.path().join("spool")));
    let kept = std::fs::read(&spooled).expect("read the spool file");
    // Another process's write folds it in.
    Store::open(&path)
        .expect("open")
        .record_event(&record("s2", "Stop", now_ms()))
        .expect("write");
    assert!(!spooled.exists(), "folded files are removed");
    let count = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM events WHERE session_id = 's1'",
            [],
            |row| row.get(0),
        )
        .expect("count")
    };
    assert_eq!(count(&raw(&path)), 1);
    assert_eq!(session(&mut store, "s1").state, SessionState::Ended);
    // A writer killed after its commit, before the deletes, leaves the file: never stored twice.
    std::fs::write(&spooled, kept).expect("put the file back");
    store
        .record_event(&record("s2", "Stop", now_ms()))
        .expect("write");
    assert_eq!(count(&raw(&path)), 1);
    assert!(!spooled.exists());
    assert_eq!(session(&mut store, "s1").event_count, 1);
}

#[test]
fn a_spool_file_that_is_not_an_event_is_set_aside_and_stops_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut store = Store::open(&path).expect("open");
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).expect("spool dir");
    std::fs::write(spool.join("1-2-3-4.event.json"), "{not json").expect("garbage");
    store
        .record_event(&record("s1", "Stop", now_ms()))
        .expect("the write goes on");
    assert!(spool.join("1-2-3-4.event.bad").exists());
    assert_eq!(session(&mut store, "s1").event_count, 1);
}

#[test]
fn readers_take_an_unmigrated_database_for_an_empty_one_and_leave_it_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A first hook call killed between creating the file and its first commit: 0 bytes.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("0-byte file");
    assert!(Store::open_existing(&empty).expect("no error").is_none());
    assert_eq!(std::fs::metadata(&empty).expect("still there").len(), 0);
    // One killed after switching to WAL, before the migration's commit: a header, no tables.
    let unmigrated = dir.path().join("unmigrated.db");
    let conn = raw(&unmigrated);
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    drop(conn);
    let before = std::fs::read(&unmigrated).expect("read");
    assert!(
        Store::open_existing(&unmigrated)
            .expect("no error")
            .is_none()
    );
    assert_eq!(
        std::fs::read(&unmigrated).expect("read"),
        before,
        "untouched"
    );
    // The next writer migrates it as usual.
    Store::open(&empty)
        .expect("open")
        .record_event(&record("s1", "Stop", now_ms()))
        .expect("write");
    let mut migrated = Store::open_existing(&empty)
        .expect("open")
        .expect("migrated now");
    assert_eq!(session(&mut migrated, "s1").event_count, 1);
}
