//! `pcc-hooks lists resume`: an interrupted task list (its runner died mid-list) continues from its
//! first unfinished task in a detached `pcc-mcp` worker, and finishes.

use pcc_e2e::pcc_binary;
use pcc_store::{NewTask, NewTaskList, Store, TaskFinish, TaskListState, TaskStatus};
use pcc_testkit::claude;
use std::path::Path;
use std::process::Command;

fn pcc_hooks(pcc_home: &Path) -> Command {
    let mut command = Command::new(pcc_binary("pcc-hooks"));
    command
        .env("PCC_HOME", pcc_home)
        .env("PCC_MCP_BIN", pcc_binary("pcc-mcp"));
    command
}

/// Blocks until process `pid` (not our child) exits: a pidfd becomes readable then.
fn wait_for_exit(pid: i32) {
    let Some(pid) = rustix::process::Pid::from_raw(pid) else {
        return;
    };
    let Ok(pidfd) = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) else {
        return; // already gone
    };
    let mut fds = [rustix::event::PollFd::new(
        &pidfd,
        rustix::event::PollFlags::IN,
    )];
    let timeout = rustix::event::Timespec {
        tv_sec: 60,
        tv_nsec: 0,
    };
    let ready = rustix::event::poll(&mut fds, Some(&timeout)).expect("poll the pidfd");
    assert_eq!(ready, 1, "the worker did not finish within 60 s");
}

#[test]
fn an_interrupted_list_resumes_from_its_first_unfinished_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pcc_home = dir.path().join("pcc-home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    let list_id = {
        let mut store = Store::open(&pcc_home.join("pcc.db")).expect("open");
        let tasks = ["TAG=first", "TAG=second", "TAG=third"]
            .iter()
            .map(|prompt| NewTask {
                prompt: (*prompt).to_owned(),
                options: "{}".to_owned(),
            })
            .collect();
        let list = NewTaskList {
            cwd: project.display().to_string(),
            options: "{}".to_owned(),
            tasks,
        };
        let id = store.create_task_list(&list, 1).expect("create");
        // A runner that died during task 2: task 1 succeeded, task 2 was running, and the pid
        // it recorded no longer exists.
        assert!(
            store
                .claim_task_list(id, i64::from(i32::MAX), 2)
                .expect("claim")
        );
        store.start_task(id, 0, 3).expect("start task 1");
        let done = TaskFinish {
            status: TaskStatus::Succeeded,
            finished_ms: 4,
            duration_ms: 1,
            session_id: Some("earlier".into()),
            result_text: Some("RESULT[first]".into()),
            turns: 1,
            tool_uses: 0,
            cost_usd: None,
            denials: "[]".into(),
            error: None,
            resumes: 0,
        };
        store.finish_task(id, 0, &done).expect("finish task 1");
        store.start_task(id, 1, 5).expect("start task 2");
        id
    };
    let listed = pcc_hooks(&pcc_home)
        .args(["lists", "--json"])
        .output()
        .expect("lists");
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("lists --json");
    assert!(
        listed.to_string().contains("interrupted"),
        "a dead runner shows as interrupted: {listed}"
    );

    // pcc-hooks status shows the list with the task that was running.
    let status = pcc_hooks(&pcc_home)
        .args(["status", "--json"])
        .output()
        .expect("status");
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status --json");
    let shown = &status["task_lists"][0];
    assert_eq!(shown["list_id"], list_id, "{status}");
    assert_eq!(shown["state"], "interrupted", "{status}");
    assert_eq!(shown["running_task"]["position"], 2, "{status}");
    assert_eq!(shown["running_task"]["prompt"], "TAG=second", "{status}");

    let fake = claude::program();
    let record = dir.path().join("runs.jsonl");
    let resumed = pcc_hooks(&pcc_home)
        .args(["lists", "resume", &list_id.to_string()])
        .env("PCC_CLAUDE_BIN", &fake)
        .env(claude::RECORD_ENV, &record)
        .output()
        .expect("resume");
    let said = String::from_utf8_lossy(&resumed.stdout).into_owned();
    assert!(
        resumed.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let pid: i32 = said
        .rsplit("worker pid ")
        .next()
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or_else(|| panic!("no worker pid in {said:?}"));
    wait_for_exit(pid);

    let store = Store::open(&pcc_home.join("pcc.db")).expect("open");
    let tasks = store.tasks(list_id).expect("tasks");
    let statuses: Vec<Option<TaskStatus>> = tasks.iter().map(|task| task.status).collect();
    assert_eq!(statuses, vec![Some(TaskStatus::Succeeded); 3], "{tasks:?}");
    let runs = claude::runs(&record);
    assert_eq!(
        runs.len(),
        2,
        "tasks 2 and 3 ran, task 1 was not run again: {runs:?}"
    );
    assert!(
        runs.iter().all(|run| !run["stdin"]
            .as_str()
            .unwrap_or_default()
            .contains("TAG=first")),
        "{runs:?}"
    );
    assert_eq!(
        tasks[0].session_id.as_deref(),
        Some("earlier"),
        "task 1's outcome is kept"
    );
    let list = store.task_list(list_id).expect("read").expect("list");
    assert_eq!(list.state, TaskListState::Succeeded, "{list:?}");
}
