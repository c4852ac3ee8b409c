//! Started sessions: a start recorded whole with its tasks, its processes, and how it ended, on a
//! real SQLite file.

use pcc_core::hook::HookInput;
use pcc_store::{
    EventRecord, NewStartedSession, ProcessStamp, QueueTaskState, StartTask, StartedState,
    StopRecord, Store,
};
use std::path::Path;

const ID: &str = "3f2a9c1e-0b7d-4e8f-9a6b-1c2d3e4f5a6b";

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("pcc.db")).expect("open")
}

fn plan(id: &str) -> NewStartedSession {
    NewStartedSession {
        id: id.into(),
        cwd: "/p".into(),
        claude: "/bin/claude".into(),
        model: Some("sonnet".into()),
        log_path: format!("/data/sessions/{id}.log"),
    }
}

fn tasks(texts: &[&str]) -> Vec<StartTask> {
    texts
        .iter()
        .enumerate()
        .map(|(line, text)| StartTask {
            text: (*text).into(),
            source: format!("requirements:r.md:{}", line + 1),
        })
        .collect()
}

fn stamp(pid: u32) -> ProcessStamp {
    ProcessStamp {
        pid,
        start: format!("boot:{pid}"),
    }
}

fn stop_event(session: &str, at_ms: i64) -> EventRecord {
    let input = serde_json::json!({"session_id": session, "cwd": "/p", "hook_event_name": "Stop",
        "transcript_path": "/t.jsonl", "stop_hook_active": false});
    EventRecord::from_hook(
        &HookInput::parse(input.to_string().as_bytes()).expect("valid"),
        "/p".into(),
        at_ms,
    )
}

fn queue_states(store: &Store) -> Vec<(String, QueueTaskState)> {
    store
        .queue_tasks(true)
        .expect("queue")
        .into_iter()
        .map(|task| (task.task.text, task.state))
        .collect()
}

#[test]
fn a_start_records_its_prompt_as_the_active_task_and_queues_the_rest_for_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_start(
            &plan(ID),
            &tasks(&[
                "first",
                "second",
                "token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
            ]),
            100,
        )
        .expect("record");
    let started = store.started_session(ID).expect("read").expect("recorded");
    assert_eq!(started.plan, plan(ID));
    assert_eq!(
        (started.prompt.as_str(), started.tasks_total, started.state),
        ("first", 3, StartedState::Starting)
    );
    let queue = store.queue_tasks(false).expect("queue");
    assert_eq!(queue.len(), 3);
    assert!(
        queue
            .iter()
            .all(|task| task.task.session_id.as_deref() == Some(ID))
    );
    assert_eq!(queue[0].state, QueueTaskState::Active);
    assert!(
        !queue[2].task.text.contains("ghp_0123456789"),
        "stored redacted: {}",
        queue[2].task.text
    );

    // The session's first Stop finishes the prompt's task and hands over the second.
    let outcome = store
        .record_stop(&StopRecord {
            event: &stop_event(ID, 200),
            brain_answers: &[],
            escalation: None,
            turn_continues: false,
            max_attempts: 3,
        })
        .expect("stop");
    assert_eq!(outcome.finished_task, Some(queue[0].id));
    assert_eq!(
        outcome.handed.map(|handed| handed.text),
        Some("second".into())
    );
}

#[test]
fn a_start_that_cannot_be_recorded_whole_records_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    assert!(store.record_start(&plan(ID), &[], 1).is_err(), "no task");
    store
        .record_start(&plan(ID), &tasks(&["one"]), 1)
        .expect("record");
    assert!(
        store
            .record_start(&plan(ID), &tasks(&["again"]), 2)
            .is_err(),
        "the same id twice"
    );
    assert_eq!(
        queue_states(&store),
        vec![("one".into(), QueueTaskState::Active)]
    );
}

#[test]
fn a_failed_start_takes_its_tasks_off_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_start(&plan(ID), &tasks(&["one", "two"]), 1)
        .expect("record");
    store
        .record_start_failed(ID, "cannot run /bin/claude: No such file", 5)
        .expect("fail");
    let started = store.started_session(ID).expect("read").expect("recorded");
    assert_eq!(started.state, StartedState::Failed);
    assert_eq!(started.ended_ms, Some(5));
    assert!(
        started
            .error
            .is_some_and(|error| error.contains("No such file"))
    );
    assert_eq!(
        queue_states(&store),
        vec![
            ("one".into(), QueueTaskState::Removed),
            ("two".into(), QueueTaskState::Removed)
        ]
    );
}

#[test]
fn an_exit_is_recorded_once_and_a_requested_stop_makes_it_a_stop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    let other = "aaaaaaaa-0b7d-4e8f-9a6b-1c2d3e4f5a6b";
    for id in [ID, other] {
        store
            .record_start(&plan(id), &tasks(&[id]), 1)
            .expect("record");
        assert!(
            store
                .record_start_running(id, &stamp(10), &stamp(11), 2)
                .expect("running")
        );
    }
    let running = store.started_session(ID).expect("read").expect("recorded");
    assert_eq!(
        (running.state, running.supervisor, running.child),
        (StartedState::Running, Some(stamp(10)), Some(stamp(11)))
    );
    assert!(
        !store
            .record_start_running(ID, &stamp(20), &stamp(21), 3)
            .expect("second supervisor"),
        "a second supervisor is refused"
    );

    assert_eq!(
        store.record_start_exit(ID, Some(0), None, 4).expect("exit"),
        Some(StartedState::Exited)
    );
    assert_eq!(
        store
            .record_start_exit(ID, Some(1), None, 5)
            .expect("again"),
        Some(StartedState::Exited),
        "the first end stands"
    );
    let exited = store.started_session(ID).expect("read").expect("recorded");
    assert_eq!((exited.exit_code, exited.ended_ms), (Some(0), Some(4)));

    store.request_stop(other, 6).expect("stop");
    assert_eq!(
        store
            .record_start_exit(other, None, Some(15), 7)
            .expect("exit"),
        Some(StartedState::Stopped)
    );
    assert_eq!(
        store
            .request_stop(ID, 8)
            .expect("stop an ended one")
            .map(|s| s.stop_requested_ms),
        Some(None),
        "an ended session is left as it was"
    );
}

#[test]
fn a_stop_before_claude_runs_refuses_the_supervisor_and_a_lost_session_is_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = store(dir.path());
    store
        .record_start(&plan(ID), &tasks(&["one"]), 1)
        .expect("record");
    store.request_stop(ID, 2).expect("stop");
    assert!(
        !store
            .record_start_running(ID, &stamp(10), &stamp(11), 3)
            .expect("running"),
        "the supervisor stops the claude it started"
    );
    assert_eq!(
        store.record_start_lost(ID, 4).expect("lost"),
        Some(StartedState::Stopped)
    );

    let other = "bbbbbbbb-0b7d-4e8f-9a6b-1c2d3e4f5a6b";
    store
        .record_start(&plan(other), &tasks(&["two"]), 1)
        .expect("record");
    assert_eq!(
        store.record_start_lost(other, 4).expect("lost"),
        Some(StartedState::Lost)
    );
    let matching = store.started_sessions_matching("bbbb").expect("prefix");
    assert_eq!(matching.len(), 1);
    assert_eq!(store.started_sessions(10).expect("all").len(), 2);
    assert!(store.started_sessions(0).expect("open only").is_empty());
}
