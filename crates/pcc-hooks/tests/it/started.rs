//! `pcc-hooks start`, `stop` and the supervisor, with real processes and the fake `claude`:
//! a detached start returns before its `claude` ends and the end is recorded; the foreground
//! follows the log and exits with `claude`'s status, and Ctrl-C stops the session; `stop` ends the
//! whole group, a grandchild that ignores SIGTERM included; a pid that names another process now
//! is never signalled; bad input is refused with nothing recorded.

use crate::common::*;
use pcc_testkit::claude::{self, Scenario};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any awaited condition may take.
const DEADLINE: Duration = Duration::from_secs(30);

struct Setup {
    _dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
    record: PathBuf,
    gate: PathBuf,
    ready: PathBuf,
    pid_file: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project");
    Setup {
        home: dir.path().join("pcc"),
        project: project.canonicalize().expect("canonical"),
        record: dir.path().join("claude.jsonl"),
        gate: dir.path().join("gate"),
        ready: dir.path().join("ready"),
        pid_file: dir.path().join("grandchild.pid"),
        _dir: dir,
    }
}

impl Setup {
    /// `pcc-hooks ARGS`, its `claude` the fake playing `scenario`.
    fn pcc(&self, scenario: Scenario, args: &[&str]) -> Command {
        let mut command = command(&self.home);
        command
            .args(args)
            .env("PCC_CLAUDE_BIN", claude::program())
            .env(claude::SCENARIO_ENV, scenario.name())
            .env(claude::RECORD_ENV, &self.record)
            .env(claude::GATE_ENV, &self.gate)
            .env(claude::READY_ENV, &self.ready)
            .env(claude::PID_FILE_ENV, &self.pid_file)
            // Claude Code's settings as a fresh user has them: our hooks are not installed.
            .env("HOME", self.home.join("user-home"))
            .env("CLAUDE_CONFIG_DIR", self.home.join("claude-config"))
            .stdin(Stdio::null());
        command
    }

    fn run(&self, scenario: Scenario, args: &[&str]) -> Output {
        self.pcc(scenario, args).output().expect("run pcc-hooks")
    }

    /// `start PROJECT --detach --json …`: the JSON it printed.
    fn start_detached(&self, scenario: Scenario, extra: &[&str]) -> Value {
        let project = self.project.display().to_string();
        let mut args = vec!["start", project.as_str(), "--detach", "--json"];
        args.extend_from_slice(extra);
        let output = self.run(scenario, &args);
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains("warning: our hooks: not registered in any settings file"),
            "a session without our hooks is said to be one: {stderr}"
        );
        serde_json::from_slice(&output.stdout).expect("one JSON object")
    }

    /// The started session's row: (state, exit_code, exit_signal).
    fn row(&self, id: &str) -> (String, Option<i64>, Option<i64>) {
        db(&self.home)
            .query_row(
                "SELECT state, exit_code, exit_signal FROM started_sessions WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .expect("the start is recorded")
    }

    /// Waits until the session's state is `state`.
    fn wait_for_state(&self, id: &str, state: &str) -> (String, Option<i64>, Option<i64>) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let row = self.row(id);
            if row.0 == state {
                return row;
            }
            assert!(
                Instant::now() < deadline,
                "{id} is still {row:?}, not {state}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn status(&self) -> Value {
        let output = self.run(Scenario::Quick, &["status", "--json"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("status JSON")
    }

    fn started_in_status(&self, id: &str) -> Value {
        self.status()["started_sessions"]
            .as_array()
            .expect("started_sessions")
            .iter()
            .find(|session| session["session_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not in status"))
    }
}

/// Waits for `path` to exist (the fake writes it once it runs).
fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` runs (a zombie has ended: it does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next())
            .unwrap_or("Z");
        !matches!(state, "Z" | "X")
    })
}

fn pid_of(json: &Value, key: &str) -> u32 {
    u32::try_from(json[key].as_u64().expect("a pid")).expect("a pid")
}

#[test]
fn a_detached_start_returns_before_claude_ends_and_its_exit_is_recorded() {
    let setup = setup();
    let started = setup.start_detached(
        Scenario::Gate,
        &["--task", "Fix the parser", "--model", "sonnet"],
    );
    let id = started["session_id"]
        .as_str()
        .expect("session_id")
        .to_owned();
    let pid = pid_of(&started, "pid");
    assert_eq!(started["detached"], true);
    assert_eq!(started["tasks"], 1);
    let log = PathBuf::from(started["log"].as_str().expect("log"));
    assert_eq!(log, setup.home.join("sessions").join(format!("{id}.log")));

    // Returned while claude waits at its gate: it works, and status says so.
    assert!(alive(pid), "claude runs on after start returned");
    let shown = setup.started_in_status(&id);
    assert_eq!(shown["state"], "working", "{shown}");
    assert_eq!(shown["pid"], pid);
    assert_eq!(shown["log"], log.display().to_string());

    std::fs::write(&setup.gate, "open").expect("open the gate");
    assert_eq!(
        setup.wait_for_state(&id, "exited"),
        ("exited".into(), Some(0), None)
    );
    assert!(!alive(pid), "claude was waited for: no zombie is left");
    let shown = setup.started_in_status(&id);
    assert_eq!(
        (shown["state"].as_str(), shown["outcome"].as_str()),
        (Some("ended"), Some("exited"))
    );

    // Claude ran unattended, in the project, with the id we chose, the task on stdin.
    let runs = claude::runs(&setup.record);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["stdin"], "Fix the parser");
    assert_eq!(run["cwd"], setup.project.display().to_string());
    assert_eq!(run["env"]["PCC_MODE"], "unattended");
    assert_eq!(run["env"]["PCC_HOME"], setup.home.display().to_string());
    let argv: Vec<&str> = run["argv"]
        .as_array()
        .expect("argv")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        argv.windows(2)
            .any(|pair| pair == ["--session-id", id.as_str()]),
        "{argv:?}"
    );
    assert!(
        argv.windows(2).any(|pair| pair == ["--model", "sonnet"]),
        "{argv:?}"
    );

    // Its output is in the private log, whole: the result came after the gate.
    let metadata = std::fs::metadata(&log).expect("log");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o777,
        0o600
    );
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains(r#""type":"result""#), "{logged}");
}

#[test]
fn the_foreground_follows_the_session_and_exits_with_claudes_status() {
    let setup = setup();
    let project = setup.project.display().to_string();
    let secret = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    let task = format!("do it with {secret}");
    let done = setup.run(Scenario::Success, &["start", &project, "--task", &task]);
    let shown = text(&done.stdout);
    assert_eq!(done.status.code(), Some(0), "{shown}{}", text(&done.stderr));
    assert!(shown.contains("started session"), "{shown}");
    assert!(
        shown.contains("→ Bash"),
        "each tool call is a line: {shown}"
    );
    assert!(shown.contains("done in"), "{shown}");
    let told = claude::runs(&setup.record)[0]["stdin"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        told.starts_with("do it with ") && !told.contains(secret),
        "the model is never handed the secret: {told}"
    );

    let failed = setup.run(Scenario::Fail, &["start", &project, "--task", "do it"]);
    let shown = text(&failed.stdout);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "claude's own status: {shown}"
    );
    assert!(shown.contains("failed (error_during_execution)"), "{shown}");
    assert!(
        shown.contains("fatal: something went wrong"),
        "stderr is logged: {shown}"
    );
}

#[test]
fn ctrl_c_in_the_foreground_stops_the_session() {
    let setup = setup();
    let project = setup.project.display().to_string();
    let follower = setup
        .pcc(
            Scenario::Slow,
            &["start", &project, "--task", "take your time", "--json"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    wait_for_file(&setup.ready);
    let pid = rustix::process::Pid::from_child(&follower);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("Ctrl-C");
    let output = follower.wait_with_output().expect("wait");
    assert_eq!(
        output.status.code(),
        Some(128 + 15),
        "claude ended by SIGTERM: {}",
        text(&output.stderr)
    );
    let lines: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 2, "started, then ended: {lines:?}");
    let id = lines[0]["session_id"].as_str().expect("id");
    assert_eq!(lines[1]["state"], "stopped");
    assert_eq!(setup.row(id), ("stopped".into(), None, Some(15)));
}

#[test]
fn stop_ends_the_whole_group_and_a_second_stop_is_refused() {
    let setup = setup();
    let started = setup.start_detached(Scenario::Hang, &["--task", "hang"]);
    let id = started["session_id"].as_str().expect("id").to_owned();
    let pid = pid_of(&started, "pid");
    let grandchild: u32 = wait_for_file(&setup.pid_file)
        .trim()
        .parse()
        .expect("the grandchild's pid");
    assert!(alive(pid) && alive(grandchild));

    let stopped = setup.run(
        Scenario::Quick,
        &["stop", &id[..8], "--grace", "1", "--json"],
    );
    assert!(stopped.status.success(), "{}", text(&stopped.stderr));
    let json: Value = serde_json::from_slice(&stopped.stdout).expect("JSON");
    assert_eq!(json["state"], "stopped");
    assert_eq!(json["killed"], true, "both ignore SIGTERM: {json}");
    assert!(!alive(pid), "claude is gone");
    assert!(!alive(grandchild), "and so is what it started");
    assert_eq!(setup.row(&id), ("stopped".into(), None, Some(9)));

    let again = setup.run(Scenario::Quick, &["stop", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("has already ended"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn stop_never_signals_a_pid_that_names_another_process_nor_a_session_we_did_not_start() {
    let setup = setup();
    let started = setup.start_detached(Scenario::Slow, &["--task", "slow"]);
    let id = started["session_id"].as_str().expect("id").to_owned();
    let pid = pid_of(&started, "pid");
    wait_for_file(&setup.ready);
    // As if claude had ended and its pid gone to a newcomer: same pid, another start.
    let conn = db(&setup.home);
    let real_start: String = conn
        .query_row(
            "SELECT child_start FROM started_sessions WHERE id = ?1",
            [&id],
            |row| row.get(0),
        )
        .expect("child_start");
    conn.execute(
        "UPDATE started_sessions SET child_start = 'another-boot:1' WHERE id = ?1",
        [&id],
    )
    .expect("rewrite");
    let refused = setup.run(Scenario::Quick, &["stop", &id]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("now belongs to another process"),
        "{}",
        text(&refused.stderr)
    );
    assert!(alive(pid), "nothing was signalled");

    conn.execute(
        "UPDATE started_sessions SET child_start = ?2 WHERE id = ?1",
        [&id, &real_start],
    )
    .expect("restore");
    let stopped = setup.run(Scenario::Quick, &["stop", &id]);
    assert!(stopped.status.success(), "{}", text(&stopped.stderr));
    assert!(!alive(pid));

    // A session only our hooks saw (started by someone else) is not ours to stop.
    let (_, input) = hook_fixtures()
        .into_iter()
        .find(|(name, _)| name.contains("SessionStart"))
        .expect("a SessionStart fixture");
    let session = input["session_id"].as_str().expect("session_id").to_owned();
    let hook = run_hook(&setup.home, input.to_string().as_bytes());
    assert!(hook.status.success(), "{}", text(&hook.stderr));
    let foreign = setup.run(Scenario::Quick, &["stop", &session]);
    assert_eq!(foreign.status.code(), Some(1));
    assert!(
        text(&foreign.stderr).contains("not started by `pcc-hooks start`"),
        "{}",
        text(&foreign.stderr)
    );
}

#[test]
fn requirements_make_the_first_item_the_prompt_and_queue_the_rest_for_the_session() {
    let setup = setup();
    let requirements = setup.project.join("requirements.md");
    std::fs::write(
        &requirements,
        "- [x] already done\n- [ ] Write the parser\n- [ ] Test the parser\n- [ ] Document it\n",
    )
    .expect("requirements");
    let file = requirements.display().to_string();
    let started = setup.start_detached(Scenario::Gate, &["--requirements", &file]);
    let id = started["session_id"].as_str().expect("id").to_owned();
    assert_eq!(started["tasks"], 3);
    let queue = setup.run(Scenario::Quick, &["queue", "--json"]);
    let queue: Value = serde_json::from_slice(&queue.stdout).expect("queue JSON");
    let tasks: Vec<(&str, &str, &str)> = queue
        .as_array()
        .expect("tasks")
        .iter()
        .map(|task| {
            (
                task["text"].as_str().unwrap_or(""),
                task["state"].as_str().unwrap_or(""),
                task["session_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        tasks,
        vec![
            ("Write the parser", "active", id.as_str()),
            ("Test the parser", "pending", id.as_str()),
            ("Document it", "pending", id.as_str()),
        ]
    );
    wait_for_file(&setup.record);
    assert_eq!(claude::runs(&setup.record)[0]["stdin"], "Write the parser");
    std::fs::write(&setup.gate, "open").expect("open the gate");
    setup.wait_for_state(&id, "exited");
}

#[test]
fn bad_input_is_refused_and_nothing_is_recorded() {
    let setup = setup();
    let project = setup.project.display().to_string();
    let file = setup.project.join("a-file");
    std::fs::write(&file, "x").expect("file");
    let file = file.display().to_string();
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &["start", &project, "--task", "x"],
            Some("/nonexistent/claude"),
            "cannot find Claude Code",
        ),
        (&["start", &file, "--task", "x"], None, "is not a directory"),
        (
            &["start", &project, "--task", "  "],
            None,
            "the task is empty",
        ),
        (
            &["start", &project, "--requirements", &file],
            None,
            "no unchecked",
        ),
    ];
    for (args, claude_bin, expected) in cases {
        let mut command = setup.pcc(Scenario::Success, args);
        if let Some(claude_bin) = claude_bin {
            command.env("PCC_CLAUDE_BIN", claude_bin);
        }
        let output = command.output().expect("run");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
    let database = setup.home.join("pcc.db");
    if database.exists() {
        let conn = db(&setup.home);
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM started_sessions"), 0);
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM queue_tasks"), 0);
    }
    assert!(!setup.record.exists(), "claude never ran");
}
