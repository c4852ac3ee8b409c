//! The change feed a watcher reads: `data_version` moves when another connection commits, and
//! the open rows say which sessions events touched and what waits, so a diff of two readings
//! names every change.

use pcc_core::hook::HookInput;
use pcc_core::session_state::SessionState;
use pcc_store::{EventRecord, NewQueueTask, QueueTaskState, Store};

fn event(session: &str, name: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": name});
    EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        at_ms,
    )
}

#[test]
fn data_version_moves_on_another_connections_commit_and_the_open_rows_follow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pcc.db");
    let mut writer = Store::open(&path).expect("open");
    let watcher = Store::open_existing(&path).expect("open").expect("exists");
    let before = watcher.data_version().expect("version");
    let first = watcher.open_rows(0).expect("rows");
    assert!(first.touched_sessions.is_empty());
    assert_eq!(
        watcher.data_version().expect("version"),
        before,
        "nothing committed"
    );

    writer
        .record_event(&event("s1", "SessionStart", 10))
        .expect("event");
    let after_start = watcher.data_version().expect("version");
    assert_ne!(after_start, before, "another connection committed");
    let rows = watcher.open_rows(first.last_event_id).expect("rows");
    assert_eq!(rows.touched_sessions.len(), 1);
    assert_eq!(rows.touched_sessions[0].session_id, "s1");
    assert_eq!(rows.touched_sessions[0].last_event, "SessionStart");

    writer
        .record_event(&event("s1", "SessionEnd", 20))
        .expect("event");
    let later = watcher.open_rows(rows.last_event_id).expect("rows");
    assert_eq!(later.touched_sessions[0].state, SessionState::Ended);
    assert!(
        watcher
            .open_rows(later.last_event_id)
            .expect("rows")
            .touched_sessions
            .is_empty(),
        "only sessions touched after the mark"
    );

    let added = writer
        .add_queue_tasks(
            &[NewQueueTask {
                session_id: None,
                project_root: "/p".into(),
                text: "write tests".into(),
                source: "cli".into(),
            }],
            30,
        )
        .expect("queued");
    let rows = watcher.open_rows(later.last_event_id).expect("rows");
    assert_eq!(rows.tasks.len(), 1);
    assert_eq!(rows.tasks[0].state, QueueTaskState::Pending);
    let id = rows.tasks[0].id;
    assert!(matches!(added[0], pcc_store::Added::Queued(queued) if queued == id));
    writer.remove_queue_task(id, 40).expect("removed");
    assert!(watcher.open_rows(0).expect("rows").tasks.is_empty());
    assert_eq!(
        watcher.queue_task_states(&[id, 999]).expect("states"),
        vec![(id, QueueTaskState::Removed)],
        "an unknown id is left out"
    );
    assert!(rows.escalations.is_empty(), "nothing escalated");
}
