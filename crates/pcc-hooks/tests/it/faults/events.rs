//! Faults: events. A first call killed mid-way, a clock that steps, transcripts that are not
//! files, and a storm of writers; each checked by what the database holds afterwards.

use crate::common::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Runs `command` with `stdin`; kills it and fails the test if it outlives `limit`.
fn run_within(command: &mut Command, stdin: &[u8], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pcc-hooks");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    pipe.write_all(stdin).expect("write stdin");
    drop(pipe);
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reap");
            panic!(
                "still running after {limit:?}; stderr: {}",
                text(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("output");
    (output, started.elapsed())
}

/// Whether `pid` has `path` open (what `/proc/<pid>/fd` links to).
fn has_open(pid: u32, path: &Path) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.filter_map(Result::ok)
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
    })
}

fn status_json(home: &Path) -> Value {
    let output = command(home)
        .args(["status", "--json"])
        .output()
        .expect("run status");
    assert!(
        output.status.success(),
        "status failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("status JSON")
}

#[test]
fn a_first_call_killed_before_its_first_commit_leaves_a_file_status_reads_as_empty() {
    let home = tempfile::tempdir().expect("tempdir");
    let database = home.path().join("pcc.db");
    std::fs::write(&database, b"").expect("an empty file, as the first call creates it");
    // Hold the file's lock so the first call is caught between creating the file and writing
    // anything, then kill it there.
    let holder = rusqlite::Connection::open(&database).expect("open");
    holder
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("take the lock");
    let input = json!({"session_id": "s1", "cwd": "/p", "hook_event_name": "SessionStart"});
    let mut child: Child = command(home.path())
        .arg("hook")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write stdin");
    let deadline = Instant::now() + Duration::from_secs(4);
    while !has_open(child.id(), &database) {
        assert!(
            Instant::now() < deadline,
            "the hook never opened the database"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    holder.execute_batch("ROLLBACK").expect("release");
    drop(holder);
    assert_eq!(std::fs::metadata(&database).expect("file").len(), 0);

    let status = status_json(home.path());
    assert_eq!(status["sessions"], json!([]), "{status}");
    assert_eq!(
        std::fs::metadata(&database).expect("file").len(),
        0,
        "status wrote nothing"
    );
    let doctor = command(home.path()).arg("doctor").output().expect("doctor");
    assert!(
        text(&doctor.stdout).contains("has no tables yet"),
        "doctor says what the file is: {}",
        text(&doctor.stdout)
    );
    assert_eq!(
        std::fs::metadata(&database).expect("file").len(),
        0,
        "doctor wrote nothing to it"
    );
    // The next hook call migrates it and records as usual.
    let output = run_hook(home.path(), input.to_string().as_bytes());
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(status_json(home.path())["sessions"][0]["session_id"], "s1");
}

#[test]
fn after_a_clock_step_back_a_session_still_ends() {
    let home = tempfile::tempdir().expect("tempdir");
    let event = |name: &str| json!({"session_id": "s1", "cwd": "/p", "hook_event_name": name});
    let output = run_hook(home.path(), event("SessionStart").to_string().as_bytes());
    assert!(output.status.success());
    // A call under a clock a year ahead: its event and the session's last time in the future.
    let ahead = now_ms() + YEAR_MS;
    let conn = db(home.path());
    conn.execute(
        "INSERT INTO events (session_id, at_ms, event, summary)
         VALUES ('s1', ?1, 'UserPromptSubmit', 'ahead')",
        [ahead],
    )
    .expect("plant the event");
    conn.execute(
        "UPDATE sessions SET last_seen_ms = ?1, last_event = 'UserPromptSubmit', state = 'working'
         WHERE id = 's1'",
        [ahead],
    )
    .expect("plant the session");
    // The clock is right again.
    for name in ["Stop", "SessionEnd"] {
        let output = run_hook(home.path(), event(name).to_string().as_bytes());
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let (state, last_event, last_seen): (String, String, i64) = conn
        .query_row(
            "SELECT state, last_event, last_seen_ms FROM sessions WHERE id = 's1'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("session");
    assert_eq!(
        (state.as_str(), last_event.as_str()),
        ("ended", "SessionEnd")
    );
    assert!(
        last_seen <= now_ms(),
        "the future is forgotten: {last_seen}"
    );
}

/// Transcript paths that are not regular files.
fn odd_transcripts(dir: &Path) -> Vec<(&'static str, std::path::PathBuf)> {
    let fifo = dir.join("fifo.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let link = dir.join("zero.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    let sparse = dir.join("sparse.jsonl");
    let file = std::fs::File::create(&sparse).expect("create");
    file.set_len(64 << 30).expect("a sparse 64 GiB file");
    vec![
        ("a FIFO", fifo),
        ("/dev/zero", "/dev/zero".into()),
        ("a directory", dir.to_path_buf()),
        ("a symlink to /dev/zero", link),
        ("a huge sparse file", sparse),
    ]
}

#[test]
fn a_stop_failure_with_an_odd_transcript_answers_at_once_and_schedules_the_resume() {
    let home = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path()).expect("home");
    // Held, so the hook starts no scheduler (one is "running").
    let lock = std::fs::File::create(home.path().join("scheduler.lock")).expect("lock file");
    lock.lock().expect("hold the scheduler lock");
    for (index, (what, transcript)) in odd_transcripts(scratch.path()).into_iter().enumerate() {
        let session = format!("s{index}");
        let input = json!({"session_id": session, "cwd": "/p", "hook_event_name": "StopFailure",
            "transcript_path": transcript, "error": "rate_limit",
            "last_assistant_message": "You've hit your 5-hour limit · resets 9:57am (UTC)"});
        let (output, took) = run_within(
            command(home.path()).arg("hook"),
            input.to_string().as_bytes(),
            Duration::from_secs(20),
        );
        assert!(output.status.success(), "{what}: {}", text(&output.stderr));
        assert!(output.stdout.is_empty(), "{what}");
        assert!(took < Duration::from_secs(10), "{what} took {took:?}");
        let scheduled = count(
            &db(home.path()),
            &format!(
                "SELECT COUNT(*) FROM resumes WHERE session_id = '{session}'
                 AND limit_kind = 'five_hour' AND state = 'pending'"
            ),
        );
        assert_eq!(scheduled, 1, "{what}: the message's reset is scheduled");
    }
}

#[test]
fn a_headless_call_with_an_odd_transcript_is_denied_within_the_wait_not_hung() {
    let home = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("tempdir");
    for (index, (what, transcript)) in odd_transcripts(scratch.path()).into_iter().enumerate() {
        let input = json!({"session_id": "s1", "cwd": "/p", "hook_event_name": "PreToolUse",
            "transcript_path": transcript, "permission_mode": "bypassPermissions",
            "tool_name": "Bash", "tool_input": {"command": "git push --force origin main"},
            "tool_use_id": format!("toolu_{index}")});
        let (output, took) = run_within(
            command(home.path())
                .arg("hook")
                .env_remove("PCC_MODE")
                .env_remove("PCC_DEFER")
                .env_remove("CLAUDE_CODE_DISABLE_DEFERRED_TOOL_RESUME")
                .env("CLAUDE_CODE_ENTRYPOINT", "sdk-cli")
                .env("CLAUDE_CODE_SESSION_ATTENDED", "0")
                .env("AI_AGENT", "claude-code_2-1-329_harness"),
            input.to_string().as_bytes(),
            Duration::from_secs(20),
        );
        assert!(output.status.success(), "{what}: {}", text(&output.stderr));
        assert!(took < Duration::from_secs(10), "{what} took {took:?}");
        let reply: Value = serde_json::from_slice(&output.stdout).expect("a reply");
        assert_eq!(
            reply["hookSpecificOutput"]["permissionDecision"], "deny",
            "{what}: no transcript to prove the call alone in its turn: {reply}"
        );
    }
}

#[test]
fn a_project_config_that_is_not_a_file_is_an_unusable_config_not_a_hang() {
    // `.claude/pcc-hooks.toml` is the agent's to write: a FIFO there would block every hook
    // call's read, and `/dev/zero` would never end.
    let scratch = tempfile::tempdir().expect("tempdir");
    for (index, (what, odd)) in odd_transcripts(scratch.path()).into_iter().enumerate() {
        let home = tempfile::tempdir().expect("tempdir");
        let project = scratch.path().join(format!("project{index}"));
        std::fs::create_dir_all(project.join(".claude")).expect("project");
        let config = project.join(".claude/pcc-hooks.toml");
        if odd.is_dir() {
            std::fs::create_dir(&config).expect("a directory as the config");
        } else {
            std::os::unix::fs::symlink(&odd, &config).expect("config link");
        }
        let input = json!({"session_id": "s1", "cwd": project, "hook_event_name": "PreToolUse",
            "permission_mode": "bypassPermissions", "tool_name": "Bash",
            "tool_input": {"command": "rm -rf ~/Documents"}, "tool_use_id": format!("toolu_{index}")});
        let (output, took) = run_within(
            command(home.path())
                .arg("hook")
                .env("CLAUDE_PROJECT_DIR", &project),
            input.to_string().as_bytes(),
            Duration::from_secs(20),
        );
        assert!(took < Duration::from_secs(10), "{what} took {took:?}");
        let reply: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{what}: a reply, got {}", text(&output.stdout)));
        assert_eq!(
            reply["hookSpecificOutput"]["permissionDecision"], "deny",
            "{what}: a harmful call is still denied: {reply}"
        );
        assert!(
            text(&output.stderr).contains("pcc-hooks.toml"),
            "{what}: the unusable config is named on stderr: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn sixty_four_writers_lose_no_event() {
    const WRITERS: usize = 64;
    const CALLS: usize = 20;
    const EVENTS: [&str; 4] = [
        "PreToolUse",
        "UserPromptSubmit",
        "PostToolUse",
        "Notification",
    ];
    let home = tempfile::tempdir().expect("tempdir");
    let quiet = json!({"session_id": "quiet", "cwd": "/p", "hook_event_name": "Stop"});
    assert!(
        run_hook(home.path(), quiet.to_string().as_bytes())
            .status
            .success()
    );
    // A writer that stalls with the lock for longer than any call may wait, as one preempted
    // in its transaction on a loaded machine does: the calls meanwhile cannot write.
    let stall = {
        let database = home.path().join("pcc.db");
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(database).expect("open");
            conn.execute_batch("BEGIN IMMEDIATE")
                .expect("take the lock");
            std::thread::sleep(pcc_store::BUSY_TIMEOUT + Duration::from_secs(1));
            conn.execute_batch("COMMIT").expect("release");
        })
    };
    let workers: Vec<_> = (0..WRITERS)
        .map(|worker| {
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for call in 0..CALLS {
                    let event = EVENTS[(worker + call) % EVENTS.len()];
                    let input = json!({
                        "session_id": format!("storm-{}", worker % 8), "cwd": "/p",
                        "hook_event_name": event, "prompt": "go", "message": "waiting",
                        "tool_name": "Bash", "tool_input": {"command": format!("echo {worker}")},
                        "tool_response": {"stdout": ""},
                        "tool_use_id": format!("toolu_{worker}_{call}"),
                    });
                    let output = run_hook(&home, input.to_string().as_bytes());
                    if !output.status.success() {
                        failures.push(format!(
                            "{event} {worker}/{call}: {:?} {}",
                            output.status,
                            text(&output.stderr)
                        ));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = workers
        .into_iter()
        .flat_map(|worker| worker.join().expect("worker"))
        .collect();
    stall.join().expect("the stalled writer");
    assert!(failures.is_empty(), "{failures:?}");
    // One quiet call folds whatever the storm left in the spool.
    assert!(
        run_hook(home.path(), quiet.to_string().as_bytes())
            .status
            .success()
    );
    let conn = db(home.path());
    let sent = (WRITERS * CALLS) as i64;
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE session_id LIKE 'storm-%'"
        ),
        sent,
        "every event is stored"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(DISTINCT session_id || '/' || event || '/' || COALESCE(tool_use_id, id))
             FROM events WHERE session_id LIKE 'storm-%' AND tool_use_id IS NOT NULL"
        ),
        count(
            &conn,
            "SELECT COUNT(*) FROM events WHERE session_id LIKE 'storm-%' AND tool_use_id IS NOT NULL"
        ),
        "none twice"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT SUM(event_count) FROM sessions WHERE id LIKE 'storm-%'"
        ),
        sent,
        "session counters agree"
    );
    let left = std::fs::read_dir(home.path().join("spool"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "the spool is folded");
}

#[test]
fn events_that_cannot_get_the_lock_are_kept_and_folded_by_the_next_call() {
    let home = tempfile::tempdir().expect("tempdir");
    let event = |name: &str| {
        json!({"session_id": "s1", "cwd": "/p", "hook_event_name": name,
                                    "prompt": "go"})
    };
    assert!(
        run_hook(home.path(), event("SessionStart").to_string().as_bytes())
            .status
            .success()
    );
    let holder = db(home.path());
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    // Nothing but its row: a short wait, then the spool, quietly.
    let (prompt, took) = run_within(
        command(home.path()).arg("hook"),
        event("UserPromptSubmit").to_string().as_bytes(),
        Duration::from_secs(20),
    );
    assert!(prompt.status.success());
    assert!(prompt.stderr.is_empty(), "{}", text(&prompt.stderr));
    assert!(took < pcc_store::BUSY_TIMEOUT, "took {took:?}");
    // A Stop waits the full budget, then keeps its event and says what was not done.
    let stop = run_hook(home.path(), event("Stop").to_string().as_bytes());
    assert!(stop.status.success());
    assert!(
        text(&stop.stderr).contains("kept in the spool"),
        "{}",
        text(&stop.stderr)
    );
    holder.execute_batch("ROLLBACK").expect("release");
    assert_eq!(
        std::fs::read_dir(home.path().join("spool"))
            .expect("spool")
            .count(),
        2
    );
    assert!(
        run_hook(home.path(), event("SessionEnd").to_string().as_bytes())
            .status
            .success()
    );
    let conn = db(home.path());
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM events WHERE session_id = 's1'"),
        4
    );
    assert_eq!(
        count(
            &conn,
            "SELECT event_count FROM sessions WHERE id = 's1' AND state = 'ended'"
        ),
        4
    );
    assert_eq!(
        std::fs::read_dir(home.path().join("spool"))
            .expect("spool")
            .count(),
        0
    );
}

#[test]
fn an_unusable_session_id_is_refused_and_blocks() {
    let home = tempfile::tempdir().expect("tempdir");
    for id in ["a\u{0}b", "line\nbreak", &"x".repeat(257)] {
        for event in ["PreToolUse", "Stop"] {
            let input = json!({"session_id": id, "cwd": "/p", "hook_event_name": event,
                "tool_name": "Bash", "tool_input": {"command": "ls"}});
            let output = run_hook(home.path(), input.to_string().as_bytes());
            assert_eq!(output.status.code(), Some(2), "{event} {id:?}: blocks");
            assert!(output.stdout.is_empty());
            let stderr = text(&output.stderr);
            assert!(
                stderr.contains("session_id") && stderr.lines().count() == 1,
                "{stderr}"
            );
        }
    }
    assert_eq!(
        count(&db(home.path()), "SELECT COUNT(*) FROM sessions"),
        0,
        "nothing is recorded under such an id"
    );
}
