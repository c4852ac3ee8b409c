//! Task lists and tasks: creation, claiming, progress, cancellation, resume, files written.

use pcc_core::bridge::human_answer::EscalationKind;
use pcc_store::{
    EventRecord, NewTask, NewTaskList, Store, TaskFinish, TaskListState, TaskState, TaskStatus,
};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let store = Store::open(&dir.path().join("pcc.db")).unwrap_or_else(|err| panic!("{err}"));
    (dir, store)
}

fn new_list(n: usize) -> NewTaskList {
    NewTaskList {
        cwd: "/work".into(),
        options: r#"{"stop_on_failure":true}"#.into(),
        tasks: (0..n)
            .map(|i| NewTask {
                prompt: format!("task {i}"),
                options: "{}".into(),
            })
            .collect(),
    }
}

fn finish(status: TaskStatus, at: i64) -> TaskFinish {
    TaskFinish {
        status,
        finished_ms: at,
        duration_ms: 5,
        session_id: Some(format!("s-{at}")),
        result_text: Some(format!("result {at}")),
        turns: 2,
        tool_uses: 1,
        cost_usd: Some(0.5),
        denials: "[]".into(),
        error: None,
        resumes: 0,
    }
}

fn ok<T>(result: Result<T, pcc_store::StoreError>) -> T {
    result.unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn a_list_runs_through_its_states() {
    let (_dir, mut store) = open();
    let id = ok(store.create_task_list(&new_list(3), 100));
    let list = ok(store.task_list(id)).unwrap_or_else(|| panic!("no list"));
    assert_eq!(
        (list.state.as_str(), list.tasks_total, list.tasks_finished),
        ("pending", 3, 0)
    );
    assert!(ok(store.claim_task_list(id, 42, 101)));
    assert!(!ok(store.claim_task_list(id, 43, 101)), "claimed twice");
    ok(store.start_task(id, 0, 110));
    ok(store.set_task_session(id, 0, "early-session"));
    let running = ok(store.running_task_lists());
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].list.worker_pid, Some(42));
    let task = running[0]
        .running_task
        .clone()
        .unwrap_or_else(|| panic!("no running task"));
    assert_eq!(
        (task.position, task.session_id.as_deref()),
        (0, Some("early-session"))
    );
    ok(store.finish_task(id, 0, &finish(TaskStatus::Succeeded, 120)));
    ok(store.start_task(id, 1, 121));
    ok(store.finish_task(id, 1, &finish(TaskStatus::Failed, 130)));
    assert_eq!(
        ok(store.end_unfinished_tasks(id, TaskStatus::Skipped, "stopped", 131)),
        1
    );
    ok(store.finish_task_list(id, TaskListState::Failed, None, 132));
    let tasks = ok(store.tasks(id));
    let statuses: Vec<Option<TaskStatus>> = tasks.iter().map(|t| t.status).collect();
    assert_eq!(
        statuses,
        [
            Some(TaskStatus::Succeeded),
            Some(TaskStatus::Failed),
            Some(TaskStatus::Skipped)
        ]
    );
    assert_eq!(tasks[0].session_id.as_deref(), Some("s-120"));
    assert_eq!(tasks[0].result_text.as_deref(), Some("result 120"));
    assert_eq!(
        (tasks[0].started_ms, tasks[0].finished_ms),
        (Some(110), Some(120))
    );
    assert_eq!(tasks[2].error.as_deref(), Some("stopped"));
    let list = ok(store.task_list(id)).unwrap_or_else(|| panic!("no list"));
    assert_eq!(list.state, TaskListState::Failed);
    assert_eq!((list.tasks_finished, list.tasks_succeeded), (3, 1));
    assert_eq!(list.worker_pid, None);
    assert!(ok(store.running_task_lists()).is_empty());
}

#[test]
fn reopen_continues_from_the_first_task_that_did_not_succeed() {
    let (_dir, mut store) = open();
    let id = ok(store.create_task_list(&new_list(3), 1));
    ok(store.claim_task_list(id, 1, 1));
    ok(store.start_task(id, 0, 2));
    ok(store.finish_task(id, 0, &finish(TaskStatus::Succeeded, 3)));
    ok(store.start_task(id, 1, 4));
    // The runner died here: task 1 stays `running`, the list `running`.
    assert_eq!(ok(store.reopen_task_list(id, 10)), Some(1));
    let tasks = ok(store.tasks(id));
    assert_eq!(tasks[0].status, Some(TaskStatus::Succeeded));
    assert_eq!(tasks[0].result_text.as_deref(), Some("result 3"));
    assert_eq!(
        (tasks[1].state.as_str(), tasks[1].started_ms),
        ("pending", None)
    );
    assert_eq!(tasks[2].state, TaskState::Pending);
    let list = ok(store.task_list(id)).unwrap_or_else(|| panic!("no list"));
    assert_eq!(list.state, TaskListState::Pending);
    assert!(ok(store.claim_task_list(id, 2, 11)));
    for position in 1..3 {
        ok(store.start_task(id, position, 12));
        ok(store.finish_task(id, position, &finish(TaskStatus::Succeeded, 13)));
    }
    assert_eq!(
        ok(store.reopen_task_list(id, 20)),
        None,
        "nothing left to do"
    );
}

#[test]
fn cancel_requests_reach_the_runner_and_cancel_a_pending_list_at_once() {
    let (_dir, mut store) = open();
    let running = ok(store.create_task_list(&new_list(2), 1));
    ok(store.claim_task_list(running, 7, 1));
    assert!(!ok(store.cancel_requested(running)));
    assert_eq!(
        ok(store.request_task_list_cancel(running, 2)),
        Some(TaskListState::Running)
    );
    assert!(ok(store.cancel_requested(running)));

    let pending = ok(store.create_task_list(&new_list(2), 3));
    assert_eq!(
        ok(store.request_task_list_cancel(pending, 4)),
        Some(TaskListState::Cancelled)
    );
    assert!(
        !ok(store.claim_task_list(pending, 8, 5)),
        "a cancelled list is not claimed"
    );
    let statuses: Vec<Option<TaskStatus>> = ok(store.tasks(pending))
        .into_iter()
        .map(|t| t.status)
        .collect();
    assert_eq!(
        statuses,
        [Some(TaskStatus::Cancelled), Some(TaskStatus::Cancelled)]
    );
    assert_eq!(ok(store.request_task_list_cancel(999, 5)), None);
    // A finished list stays as it was.
    ok(store.finish_task_list(running, TaskListState::Succeeded, None, 6));
    assert_eq!(
        ok(store.request_task_list_cancel(running, 7)),
        Some(TaskListState::Succeeded)
    );
    let lists = ok(store.task_lists(10));
    assert_eq!(
        lists.iter().map(|l| l.id).collect::<Vec<_>>(),
        [pending, running]
    );
}

#[test]
fn files_written_come_from_successful_write_tools_of_that_session() {
    let (_dir, mut store) = open();
    let event = |session: &str, event: &str, tool: &str, path: &str, at: i64| EventRecord {
        session_id: session.into(),
        cwd: "/p".into(),
        project_root: "/p".into(),
        transcript_path: None,
        permission_mode: None,
        at_ms: at,
        event: event.into(),
        tool_name: Some(tool.into()),
        tool_use_id: None,
        agent_id: None,
        summary: format!("{tool}: {path}"),
        unknown_fields: None,
        state_after: None,
    };
    for record in [
        event("s1", "PostToolUse", "Write", "/p/a", 1),
        event("s1", "PostToolUse", "Edit", "/p/b", 2),
        event("s1", "PostToolUse", "MultiEdit", "/p/a", 3),
        event("s1", "PostToolUse", "NotebookEdit", "/p/n.ipynb", 4),
        event("s1", "PreToolUse", "Write", "/p/denied", 5),
        event("s1", "PostToolUse", "Bash", "touch /p/x", 6),
        event("s2", "PostToolUse", "Write", "/p/other", 7),
    ] {
        ok(store.record_event(&record));
    }
    assert_eq!(
        ok(store.files_written("s1")),
        ["/p/a", "/p/b", "/p/n.ipynb"]
    );
    assert_eq!(ok(store.files_written("s2")), ["/p/other"]);
    assert!(ok(store.files_written("nobody")).is_empty());
}

#[test]
fn an_unverified_task_waits_on_a_human_and_a_verified_one_does_not() {
    let (_dir, mut store) = open();
    let id = ok(store.create_task_list(&new_list(2), 1));
    ok(store.claim_task_list(id, 1, 1));
    ok(store.start_task(id, 0, 2));
    ok(store.finish_task(id, 0, &finish(TaskStatus::Succeeded, 3)));
    assert!(ok(store.pending_escalations()).is_empty());
    ok(store.start_task(id, 1, 4));
    ok(store.finish_task(id, 1, &finish(TaskStatus::Unverified, 5)));
    let pending = ok(store.pending_escalations());
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].raised.kind, EscalationKind::TaskUnverified);
    assert_eq!(pending[0].raised.project_root.as_deref(), Some("/work"));
    assert!(
        pending[0]
            .raised
            .summary
            .starts_with(&format!("task list #{id}, task 2")),
        "{}",
        pending[0].raised.summary
    );
}
