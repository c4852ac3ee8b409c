//! `pcc-hooks start` and `stop` with the real Claude Code CLI against the mock API:
//! - `start --detach` returns while the session works; `status` shows it working with its pid;
//!   its first prompt reaches the mock; `stop` ends the whole session (claude's group, and the
//!   `tail -f` its Bash tool runs in a session of its own) and the end is recorded as a stop;
//! - `start --requirements` makes the first item the prompt, and our Stop hook hands the session
//!   the second item when it would stop: the mock sees it as the next prompt.

use pcc_e2e::{MockApi, Sandbox, Turn, ensure_claude, pcc_binary};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the real CLI may take for anything here.
const DEADLINE: Duration = Duration::from_secs(120);

/// `pcc-hooks` in the sandbox's hermetic environment, pointed at `mock`, with the pinned CLI.
fn pcc_hooks(sandbox: &Sandbox, mock: &MockApi) -> Command {
    let mut command = sandbox.command(pcc_binary("pcc-hooks"), Some(&mock.base_url()));
    command
        .env("PCC_HOME", sandbox.pcc_home())
        .env("PCC_CLAUDE_BIN", ensure_claude())
        .env_remove("PCC_MODE")
        .stdin(Stdio::null());
    command
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().expect("run pcc-hooks");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Our hooks in the project's `.claude/settings.json`, as a user's `pcc-hooks install` does.
fn install_hooks(sandbox: &Sandbox, mock: &MockApi) {
    run_ok(pcc_hooks(sandbox, mock).args(["install", "--scope", "project"]));
}

/// One process: (pid, ppid, process group, running (not a zombie), command line).
fn processes() -> Vec<(u32, u32, u32, bool, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(end) = stat.rfind(')') else { continue };
        let fields: Vec<&str> = stat[end + 1..].split_whitespace().collect();
        let number = |index: usize| fields.get(index).and_then(|field| field.parse().ok());
        let (Some(ppid), Some(pgrp)) = (number(1), number(2)) else {
            continue;
        };
        let running = !matches!(fields.first(), Some(&"Z" | &"X"));
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        found.push((pid, ppid, pgrp, running, cmdline));
    }
    found
}

/// Every running process descended from `root`, or in its process group: what the session runs.
fn session_processes(root: u32) -> Vec<(u32, String)> {
    let all = processes();
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        tree.extend(all.iter().filter(|p| p.1 == parent).map(|p| p.0));
        index += 1;
    }
    all.into_iter()
        .filter(|p| p.3 && (tree.contains(&p.0) || p.2 == root))
        .map(|p| (p.0, p.4))
        .collect()
}

/// Whether `pid` still runs (a zombie does not).
fn alive(pid: u32) -> bool {
    processes().iter().any(|p| p.0 == pid && p.3)
}

fn started_in_status(sandbox: &Sandbox, mock: &MockApi, id: &str) -> Value {
    let status: Value =
        serde_json::from_str(&run_ok(pcc_hooks(sandbox, mock).args(["status", "--json"])))
            .expect("status JSON");
    status["started_sessions"]
        .as_array()
        .expect("started_sessions")
        .iter()
        .find(|session| session["session_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in {status}"))
}

#[test]
fn a_detached_session_works_until_stop_ends_its_whole_group() {
    let mock = MockApi::start([
        Turn::tool(
            "Bash",
            json!({"command": "tail -f /dev/null", "description": "wait a while"}),
        ),
        Turn::text("Waited."),
    ]);
    let sandbox = Sandbox::new();
    install_hooks(&sandbox, &mock);
    let project = sandbox.project_dir().display().to_string();
    let output = pcc_hooks(&sandbox, &mock)
        .args([
            "start",
            &project,
            "--task",
            "Wait for the build (STARTED-TASK-1)",
            "--detach",
            "--json",
        ])
        .output()
        .expect("start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "our hooks are installed, so no warning: {stderr}"
    );
    let started: Value = serde_json::from_slice(&output.stdout).expect("start JSON");
    let id = started["session_id"].as_str().expect("id").to_owned();
    let pid = u32::try_from(started["pid"].as_u64().expect("pid")).expect("pid");

    assert!(
        mock.wait_for_scripted_requests(1, DEADLINE),
        "the session never asked the model"
    );
    let first = &mock.scripted_requests()[0];
    assert!(
        first
            .user_texts()
            .iter()
            .any(|text| text.contains("STARTED-TASK-1")),
        "the task is the first prompt: {:?}",
        first.user_texts()
    );
    assert_eq!(
        first.header("x-claude-code-session-id"),
        Some(id.as_str()),
        "the session has the id we chose"
    );
    let shown = started_in_status(&sandbox, &mock, &id);
    assert_eq!(
        (shown["state"].as_str(), shown["pid"].as_u64()),
        (Some("working"), Some(u64::from(pid))),
        "{shown}"
    );

    // The Bash tool's `tail -f` runs (our hook allowed it), in a session of its own, as Claude
    // Code runs its tools: out of reach of claude's group, in reach of our stop.
    let deadline = Instant::now() + DEADLINE;
    let before = loop {
        let running = session_processes(pid);
        if running.iter().any(|(_, cmd)| cmd.contains("tail -f")) {
            break running;
        }
        assert!(
            Instant::now() < deadline,
            "no tail among the session's processes: {running:?}; the session's log:\n{}",
            std::fs::read_to_string(started["log"].as_str().unwrap_or_default())
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    };

    let stopped: Value = serde_json::from_str(&run_ok(pcc_hooks(&sandbox, &mock).args([
        "stop",
        &id[..8],
        "--json",
    ])))
    .expect("stop JSON");
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    let left: Vec<&(u32, String)> = before.iter().filter(|(pid, _)| alive(*pid)).collect();
    assert!(
        left.is_empty(),
        "everything the session ran is gone: was {before:?}, left {left:?}"
    );
    let shown = started_in_status(&sandbox, &mock, &id);
    assert_eq!(
        (shown["state"].as_str(), shown["outcome"].as_str()),
        (Some("ended"), Some("stopped"))
    );
    assert_eq!(
        mock.scripted_requests().len(),
        1,
        "nothing ran after the stop"
    );
}

#[test]
fn requirements_are_handed_to_a_started_session_one_per_stop() {
    let mock = MockApi::start([Turn::text("Parser written."), Turn::text("Parser tested.")]);
    let sandbox = Sandbox::new();
    install_hooks(&sandbox, &mock);
    let requirements = sandbox.write_file(
        "requirements.md",
        "# Plan\n- [x] Set up the repository\n- [ ] Write the parser (REQ-ONE)\n- [ ] Test the parser (REQ-TWO)\n",
    );
    let project = sandbox.project_dir().display().to_string();
    let mut start = pcc_hooks(&sandbox, &mock)
        .args([
            "start",
            &project,
            "--requirements",
            &requirements.display().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let deadline = Instant::now() + DEADLINE;
    while start.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = start.kill();
            panic!("start did not return after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = start.wait_with_output().expect("output");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{shown}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        shown.contains("task: Test the parser (REQ-TWO)"),
        "the hand-over is a line of its own: {shown}"
    );
    assert!(shown.contains("claude: Parser tested."), "{shown}");

    let requests = mock.scripted_requests();
    assert_eq!(requests.len(), 2, "one turn per item: {shown}");
    assert!(
        requests[0]
            .user_texts()
            .iter()
            .any(|text| text.contains("REQ-ONE")),
        "{:?}",
        requests[0].user_texts()
    );
    let handed = requests[1].user_texts();
    assert!(
        handed
            .iter()
            .any(|text| text.contains("REQ-TWO") && text.contains("pcc-hooks queue")),
        "the Stop hook handed over the second item: {handed:?}"
    );
    assert!(
        !requests[0].messages_contain("REQ-TWO"),
        "one item at a time"
    );
    let queue: Value = serde_json::from_str(&run_ok(
        pcc_hooks(&sandbox, &mock).args(["queue", "--json", "--all"]),
    ))
    .expect("queue JSON");
    let states: Vec<&str> = queue
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|task| task["state"].as_str())
        .collect();
    assert_eq!(states, ["done", "done"], "{queue}");
}
